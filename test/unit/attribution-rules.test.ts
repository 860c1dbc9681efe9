import { describe, expect, it } from 'vitest';
import {
  attributionWindow,
  canonicalConversion,
  isWithinWindow,
  localMonthRange,
} from '../../workers/domain/attribution';

const order = new Date('2025-05-10T12:00:00.000Z');
const DAY = 86_400_000;

describe('attribution window', () => {
  it('inside, on both boundaries, and outside', () => {
    expect(isWithinWindow(new Date(order.getTime() - DAY), order, 5)).toBe(true);
    expect(isWithinWindow(new Date(order.getTime() - 5 * DAY), order, 5)).toBe(true);
    expect(isWithinWindow(order, order, 5)).toBe(true);
    expect(isWithinWindow(new Date(order.getTime() - 5 * DAY - 1), order, 5)).toBe(false);
    expect(isWithinWindow(new Date(order.getTime() + 1), order, 5)).toBe(false);
  });

  it('the window as ISO bounds', () => {
    expect(attributionWindow(order, 5)).toEqual({
      from: '2025-05-05T12:00:00.000Z',
      to: '2025-05-10T12:00:00.000Z',
    });
  });

  it('the canonical request distinguishes every field, and an omitted time from a given one', () => {
    const base = { contactId: 'c', phoneE164: null, valueCents: 100, currency: 'AUD', occurredAt: null };
    const variants = [
      base,
      { ...base, valueCents: 101 },
      { ...base, currency: 'NZD' },
      { ...base, occurredAt: '2025-01-01T00:00:00.000Z' },
      { ...base, contactId: null, phoneE164: '+61412345678' },
    ].map(canonicalConversion);
    expect(new Set(variants).size).toBe(variants.length);
  });
});

describe('localMonthRange', () => {
  it('the tenant’s calendar month, as instants (Sydney, across the April DST change)', () => {
    const r = localMonthRange(new Date('2025-04-15T00:00:00Z'), 'Australia/Sydney');
    expect(r.start.toISOString()).toBe('2025-03-31T13:00:00.000Z'); // 1 April 00:00 AEDT (+11)
    expect(r.end.toISOString()).toBe('2025-04-30T14:00:00.000Z'); // 1 May 00:00 AEST (+10)
  });

  it('an instant late on the last UTC day already belongs to the next local month', () => {
    const r = localMonthRange(new Date('2025-05-31T15:00:00Z'), 'Australia/Sydney');
    expect(r.start.toISOString()).toBe('2025-05-31T14:00:00.000Z');
  });
});
