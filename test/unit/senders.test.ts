import { describe, expect, it } from 'vitest';
import { canReceiveReplies, checkSenderId, isMessagingServiceSid } from '../../workers/domain/senders';

const rule = (s: string) => {
  const r = checkSenderId(s);
  return r.ok ? 'ok' : r.rule;
};

describe('alphanumeric sender IDs', () => {
  it('accepts 1–11 letters, digits and spaces with at least one letter', () => {
    for (const ok of ['DemoCoffee', 'A', 'Demo Coffee', 'Shop24', 'ABCDEFGHIJK', '7Eleven', 'x1']) {
      expect(rule(ok), ok).toBe('ok');
    }
  });

  it('names the broken rule', () => {
    expect(rule('')).toBe('required');
    expect(rule('DemoCoffeeCo')).toBe('too_long'); // 12
    expect(rule('Demo-Coffee')).toBe('invalid_character');
    expect(rule('Café')).toBe('invalid_character');
    expect(rule('Demo_Co')).toBe('invalid_character');
    expect(rule('0412345678')).toBe('needs_letter');
    expect(rule('   ')).toBe('needs_letter');
    expect(rule(' Demo')).toBe('edge_space');
    expect(rule('Demo ')).toBe('edge_space');
    expect(rule('Unverified')).toBe('reserved_word');
    expect(rule('unverifiedX')).toBe('reserved_word');
  });

  it('says which character and how long, in the message', () => {
    const dash = checkSenderId('Demo-Coffee');
    expect(!dash.ok && dash.message).toContain('"-"');
    const long = checkSenderId('DemoCoffeeCo');
    expect(!long.ok && long.message).toContain('12');
  });
});

describe('sender kinds', () => {
  it('only an alphanumeric ID cannot receive replies', () => {
    expect(canReceiveReplies('phone')).toBe(true);
    expect(canReceiveReplies('messaging_service')).toBe(true);
    expect(canReceiveReplies('alphanumeric')).toBe(false);
  });

  it('recognises Messaging Service sids', () => {
    expect(isMessagingServiceSid(`MG${'a'.repeat(32)}`)).toBe(true);
    expect(isMessagingServiceSid(`MG${'a'.repeat(31)}`)).toBe(false);
    expect(isMessagingServiceSid(`PN${'a'.repeat(32)}`)).toBe(false);
    expect(isMessagingServiceSid(`MG${'g'.repeat(32)}`)).toBe(false);
  });
});
