import { describe, expect, it } from 'vitest';
import {
  addCounts,
  type EligibilityFacts,
  evaluateEligibility,
  suppressionCutoff,
} from '../../workers/domain/eligibility';

const base: EligibilityFacts = {
  phoneE164: '+61412345678',
  consentStatus: 'explicit',
  erasedAt: null,
  lastSentAt: null,
  onDoNotContact: false,
  allowUnknownConsent: false,
  suppressedSince: null,
};
const now = new Date('2026-03-10T00:00:00.000Z');

describe('evaluateEligibility', () => {
  it('happy: a consenting contact with a valid number is eligible', () => {
    expect(evaluateEligibility(base)).toEqual({ eligible: true });
    expect(evaluateEligibility({ ...base, consentStatus: 'implied' })).toEqual({ eligible: true });
  });

  it('unknown consent is excluded unless the tenant allows it', () => {
    expect(evaluateEligibility({ ...base, consentStatus: 'unknown' })).toEqual({
      eligible: false,
      reason: 'no_consent',
    });
    expect(evaluateEligibility({ ...base, consentStatus: 'unknown', allowUnknownConsent: true })).toEqual({
      eligible: true,
    });
  });

  it('do-not-contact wins over everything but an invalid number', () => {
    const f = {
      ...base,
      onDoNotContact: true,
      consentStatus: 'unknown' as const,
      lastSentAt: now.toISOString(),
    };
    expect(evaluateEligibility({ ...f, suppressedSince: '2026-01-01T00:00:00.000Z' })).toEqual({
      eligible: false,
      reason: 'do_not_contact',
    });
    expect(evaluateEligibility({ ...f, phoneE164: '0412345678' })).toEqual({
      eligible: false,
      reason: 'invalid',
    });
  });

  it('erased contacts are never eligible', () => {
    expect(evaluateEligibility({ ...base, erasedAt: now.toISOString() })).toEqual({
      eligible: false,
      reason: 'erased',
    });
  });

  it.each(['', '+', '+0412345678', '+6141234567890123', '61412345678', '+61 412 345 678'])(
    'error: %j is not a sendable E.164 number',
    (phone) => {
      expect(evaluateEligibility({ ...base, phoneE164: phone })).toEqual({
        eligible: false,
        reason: 'invalid',
      });
    },
  );

  it('suppression: a send at or after the cutoff suppresses, one before it does not', () => {
    const cutoff = '2026-02-08T00:00:00.000Z';
    expect(evaluateEligibility({ ...base, suppressedSince: cutoff, lastSentAt: cutoff })).toEqual({
      eligible: false,
      reason: 'suppressed',
    });
    expect(
      evaluateEligibility({ ...base, suppressedSince: cutoff, lastSentAt: '2026-02-07T23:59:59.999Z' }),
    ).toEqual({ eligible: true });
    expect(evaluateEligibility({ ...base, suppressedSince: null, lastSentAt: now.toISOString() })).toEqual({
      eligible: true,
    });
  });
});

describe('suppressionCutoff', () => {
  it('uses the widest active, unexpired window', () => {
    const rules = [
      { windowDays: 7, isActive: true, expiresAt: null },
      { windowDays: 30, isActive: true, expiresAt: null },
      { windowDays: 90, isActive: false, expiresAt: null },
      { windowDays: 60, isActive: true, expiresAt: '2026-03-09T00:00:00.000Z' },
    ];
    expect(suppressionCutoff(rules, now)).toBe('2026-02-08T00:00:00.000Z');
  });

  it('is null without an applicable rule (expiry is exclusive)', () => {
    expect(suppressionCutoff([], now)).toBeNull();
    expect(
      suppressionCutoff([{ windowDays: 5, isActive: true, expiresAt: now.toISOString() }], now),
    ).toBeNull();
  });
});

describe('addCounts', () => {
  it('adds page counts to the running totals without mutating them', () => {
    const total = { no_consent: 2 };
    expect(addCounts(total, { no_consent: 1, suppressed: 3 })).toEqual({ no_consent: 3, suppressed: 3 });
    expect(total).toEqual({ no_consent: 2 });
  });
});
