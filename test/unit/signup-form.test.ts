import { describe, expect, it } from 'vitest';
import { checkSubmission, readSubmission } from '../../workers/domain/signup-form';

describe('signup form submission', () => {
  it('happy: reads only the fields the form asks for, normalises the phone', () => {
    const s = readSubmission(
      {
        phone: ' 0412 345 678 ',
        consent: 'on',
        first_name: ' Ada ',
        email: 'ada@example.com',
        last_name: 'Ignored',
      },
      ['first_name', 'email'],
    );
    expect(s).toEqual({
      phone: '0412 345 678',
      consent: true,
      fields: { first_name: 'Ada', email: 'ada@example.com' },
    });
    expect(checkSubmission(s, 'AU')).toEqual({
      ok: true,
      phoneE164: '+61412345678',
      fields: { first_name: 'Ada', email: 'ada@example.com' },
    });
  });

  it('error: every problem at once — no phone, a landline, no tick, a bad email', () => {
    const none = checkSubmission(readSubmission({}, []), 'AU');
    expect(none.ok === false && none.errors.map((e) => e.field)).toEqual(['phone', 'consent']);
    const bad = checkSubmission(readSubmission({ phone: '02 9876 5432', email: 'nope' }, ['email']), 'AU');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => e.field)).toEqual(['phone', 'email', 'consent']);
      expect(bad.errors[0]?.message).toMatch(/landline/);
    }
  });

  it('the consent box must be ticked explicitly: any other value is no', () => {
    for (const consent of [undefined, '', 'off', 'true', 'ON ']) {
      expect(readSubmission({ phone: '0412345678', consent }, []).consent, String(consent)).toBe(false);
    }
  });
});
