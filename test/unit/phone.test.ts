import { describe, expect, it } from 'vitest';
import { normalizePhone, phoneSearch, recoverScientific } from '../../workers/domain/phone';

describe('normalizePhone: the same AU mobile in every common format', () => {
  it.each([
    '0412 345 678',
    '+61 412 345 678',
    '61412345678',
    '(04) 1234-5678',
    '0412345678',
    '+61412345678',
    '412345678',
    '0011 61 412 345 678',
    ' 0412.345.678 ',
    '4.12345678E+08',
    '6.1412345678E+10',
  ])('%s → +61412345678', (input) => {
    expect(normalizePhone(input, 'AU')).toEqual({ ok: true, e164: '+61412345678', country: 'AU' });
  });

  it('defaults to AU when no country is given', () => {
    expect(normalizePhone('0412 345 678')).toMatchObject({ ok: true, e164: '+61412345678' });
  });

  it('reads national numbers in the tenant country', () => {
    expect(normalizePhone('07911 123456', 'GB')).toMatchObject({ ok: true, e164: '+447911123456' });
  });

  it('accepts a number with its own country code whatever the default', () => {
    expect(normalizePhone('+1 415 555 2671', 'AU')).toMatchObject({
      ok: true,
      e164: '+14155552671',
      country: 'US',
    });
  });
});

describe('normalizePhone: numbers that cannot receive SMS are rejected with a reason naming why', () => {
  it.each([
    ['02 9374 4000', /landline/],
    ['(03) 9123 4567', /landline/],
    ['1300 123 456', /13 or 1300|shared-cost/],
    ['131 234', /shared-cost/],
    ['1800 123 456', /toll-free/],
    ['1900 123 456', /premium-rate/],
    ['0412', /too short/],
    ['04123456789', /not a valid AU phone number \(invalid\)/],
    ['0550 123 456', /invalid/],
    ['not a number', /unexpected characters/],
    ['0412 345 678 ext 9', /unexpected characters/],
    ['', /missing/],
    ['   ', /missing/],
    ['123456789012345678', /too long/],
  ])('%s', (input, reason) => {
    const r = normalizePhone(input, 'AU');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('rejects Excel scientific notation that lost digits, telling the user how to fix it', () => {
    const r = normalizePhone('4.12346E+08', 'AU');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/scientific notation.*Text/);
  });
});

describe('recoverScientific', () => {
  it('recovers only when every digit survived', () => {
    expect(recoverScientific('4.12345678E+08')).toEqual({ digits: '412345678' });
    expect(recoverScientific('4.12345670E+08')).toEqual({ digits: '412345670' });
    expect(recoverScientific('4.1234567E+08')).toEqual({ lost: true });
    expect(recoverScientific('4.123456789E+08')).toEqual({ lost: true });
    expect(recoverScientific('4,12345678e8')).toEqual({ digits: '412345678' });
    expect(recoverScientific('0412345678')).toBeNull();
  });
});

describe('phoneSearch', () => {
  it('turns a partial national number into digits found inside E.164', () => {
    expect(phoneSearch('0412 345', 'AU')).toEqual({ e164: null, digits: ['0412345', '412345'] });
  });
  it('gives the exact number when the text is a whole number', () => {
    expect(phoneSearch('(04) 1234-5678', 'AU')?.e164).toBe('+61412345678');
  });
  it('is not phone-like for names, emails or fewer than 3 digits', () => {
    expect(phoneSearch('alice', 'AU')).toBeNull();
    expect(phoneSearch('a@b.co', 'AU')).toBeNull();
    expect(phoneSearch('04', 'AU')).toBeNull();
  });
});
