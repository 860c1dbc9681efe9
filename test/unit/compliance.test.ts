import { describe, expect, it } from 'vitest';
import {
  applyComplianceFooter,
  complianceWarnings,
  hasOptOutInstruction,
  OPT_OUT_FOOTER,
} from '../../workers/domain/compliance';

describe('hasOptOutInstruction', () => {
  it.each([
    'Reply STOP to opt out',
    'reply stop to unsubscribe',
    'Txt STOP to 0400 000 000',
    'Opt-out: reply STOP',
    'To unsubscribe click here',
    'Send OPTOUT',
  ])('recognises %j', (body) => {
    expect(hasOptOutInstruction(body)).toBe(true);
  });

  it.each(['Sale ends Sunday', "Don't stop believing", 'Reply by the end of the week'])(
    'does not see an instruction in %j',
    (body) => {
      expect(hasOptOutInstruction(body)).toBe(false);
    },
  );
});

describe('applyComplianceFooter', () => {
  it('appends the footer on a new line when missing and enabled', () => {
    expect(applyComplianceFooter('Big sale today  \n', { appendOptOutFooter: true })).toBe(
      `Big sale today\n${OPT_OUT_FOOTER}`,
    );
  });

  it('leaves a body that already has an instruction unchanged', () => {
    expect(applyComplianceFooter('Sale! Reply STOP to end', { appendOptOutFooter: true })).toBe(
      'Sale! Reply STOP to end',
    );
  });

  it('leaves an empty body empty (nothing to send, nothing to count)', () => {
    expect(applyComplianceFooter('  ', { appendOptOutFooter: true })).toBe('  ');
  });

  it('leaves the body unchanged when the tenant turned the footer off', () => {
    expect(applyComplianceFooter('Sale!', { appendOptOutFooter: false })).toBe('Sale!');
  });
});

describe('complianceWarnings', () => {
  const tenant = { name: 'Acme Pty Ltd', senderName: 'Acme', appendOptOutFooter: true };

  it('warns about a missing opt-out and a missing sender name', () => {
    const w = complianceWarnings('Big sale', tenant);
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/opt-out/i);
    expect(w[0]).toMatch(/will be added/);
    expect(w[1]).toMatch(/Acme/);
  });

  it('says the footer is off when the tenant disabled it', () => {
    expect(complianceWarnings('Acme: sale', { ...tenant, appendOptOutFooter: false })[0]).toMatch(
      /footer is off/,
    );
  });

  it('has nothing to say about a compliant body (sender matched case-insensitively)', () => {
    expect(complianceWarnings('ACME: sale today. Reply STOP to opt out', tenant)).toEqual([]);
  });

  it('falls back to the tenant name when no sender name is set', () => {
    expect(complianceWarnings('Reply STOP to opt out', { ...tenant, senderName: null })[0]).toMatch(
      /Acme Pty Ltd/,
    );
  });
});
