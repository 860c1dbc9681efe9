import { describe, expect, it } from 'vitest';
import { suppressionCutoff } from '../../workers/domain/eligibility';
import { isSuppressed, ruleApplies, suppressedUntil } from '../../workers/domain/suppression';

const DAY = 86_400_000;
const now = new Date('2026-04-05T02:30:00.000Z'); // the morning Sydney leaves daylight saving
const ago = (ms: number) => new Date(now.getTime() - ms);
const rule = (windowDays: number, extra: Partial<{ isActive: boolean; expiresAt: string | null }> = {}) => ({
  windowDays,
  isActive: true,
  expiresAt: null,
  ...extra,
});

describe('isSuppressed at the day boundaries', () => {
  it('suppresses a contact last texted exactly N days ago, to the millisecond', () => {
    expect(isSuppressed(ago(90 * DAY), [rule(90)], now)).toBe(true);
  });
  it('releases a contact one millisecond after the window', () => {
    expect(isSuppressed(ago(90 * DAY + 1), [rule(90)], now)).toBe(false);
  });
  it('suppresses one millisecond inside the window', () => {
    expect(isSuppressed(ago(90 * DAY - 1), [rule(90)], now)).toBe(true);
  });
  it('counts elapsed 24-hour days, not calendar days (a 1-day window ends 24 h later even across DST)', () => {
    const sent = new Date('2026-04-04T02:30:00.000Z');
    expect(isSuppressed(sent, [rule(1)], new Date('2026-04-05T02:30:00.000Z'))).toBe(true);
    expect(isSuppressed(sent, [rule(1)], new Date('2026-04-05T02:30:00.001Z'))).toBe(false);
  });
  it('never suppresses a contact never texted', () => {
    expect(isSuppressed(null, [rule(3650)], now)).toBe(false);
  });
  it('suppresses a send stamped in the future (clock skew) rather than risk a double text', () => {
    expect(isSuppressed(new Date(now.getTime() + 5000), [rule(1)], now)).toBe(true);
  });
});

describe('isSuppressed with several rules', () => {
  it('uses the widest applicable window', () => {
    expect(isSuppressed(ago(20 * DAY), [rule(7), rule(30)], now)).toBe(true);
    expect(isSuppressed(ago(31 * DAY), [rule(7), rule(30)], now)).toBe(false);
  });
  it('ignores inactive rules', () => {
    expect(isSuppressed(ago(DAY), [rule(90, { isActive: false })], now)).toBe(false);
  });
  it('ignores a rule from the instant it expires, not a millisecond earlier', () => {
    const sent = ago(DAY);
    expect(isSuppressed(sent, [rule(90, { expiresAt: now.toISOString() })], now)).toBe(false);
    expect(
      isSuppressed(sent, [rule(90, { expiresAt: new Date(now.getTime() + 1).toISOString() })], now),
    ).toBe(true);
  });
  it('treats an expiry with an offset as the same instant', () => {
    expect(ruleApplies(rule(90, { expiresAt: '2026-04-05T13:30:01+11:00' }), now)).toBe(true);
    expect(ruleApplies(rule(90, { expiresAt: '2026-04-05T13:30:00+11:00' }), now)).toBe(false);
  });
  it('no rules, no suppression', () => {
    expect(isSuppressed(ago(1), [], now)).toBe(false);
  });
});

describe('isSuppressed agrees with the send path’s suppressionCutoff', () => {
  const rules = [rule(30), rule(90, { expiresAt: '2026-04-01T00:00:00.000Z' }), rule(7, { isActive: false })];
  it.each([0, 1, 29 * DAY, 30 * DAY, 30 * DAY + 1, 60 * DAY])('last sent %i ms ago', (ms) => {
    const sent = ago(ms);
    const cutoff = suppressionCutoff(rules, now);
    const viaCutoff = cutoff !== null && sent.toISOString() >= cutoff;
    expect(isSuppressed(sent, rules, now)).toBe(viaCutoff);
  });
});

describe('suppressedUntil', () => {
  it('is the first instant the contact may be texted again', () => {
    const until = suppressedUntil(ago(10 * DAY), [rule(30)], now);
    expect(until?.toISOString()).toBe(new Date(now.getTime() + 20 * DAY + 1).toISOString());
    expect(isSuppressed(ago(10 * DAY), [rule(30)], until!)).toBe(false);
  });
  it('ends at the rule’s expiry when that comes first', () => {
    const expiresAt = new Date(now.getTime() + DAY).toISOString();
    expect(suppressedUntil(ago(10 * DAY), [rule(30, { expiresAt })], now)?.toISOString()).toBe(expiresAt);
  });
  it('is null when not suppressed', () => {
    expect(suppressedUntil(ago(40 * DAY), [rule(30)], now)).toBeNull();
  });
});
