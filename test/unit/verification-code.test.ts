import { describe, expect, it } from 'vitest';
import {
  CODE_TTL_MS,
  checkCode,
  codeHash,
  MAX_CODE_ATTEMPTS,
  newVerificationCode,
  normaliseCode,
  verificationText,
} from '../../workers/domain/verification-code';

const NOW = new Date('2026-11-25T01:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('verification codes', () => {
  it('are six digits, keep leading zeros and never take a biased draw', () => {
    const draws = [4_294_967_295, 4_294_000_000, 42];
    const code = newVerificationCode((a) => {
      a[0] = draws.shift() ?? 0;
      return a;
    });
    // The first two draws are above the last multiple of a million below 2^32: drawn again.
    expect(code).toBe('000042');
    for (let i = 0; i < 50; i++) expect(newVerificationCode()).toMatch(/^\d{6}$/);
  });

  it('are stored as an HMAC tied to the number and the secret', async () => {
    const h = await codeHash('s1', 'n1', '123456');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(await codeHash('s1', 'n1', '123456')).toBe(h);
    expect(await codeHash('s1', 'n2', '123456')).not.toBe(h);
    expect(await codeHash('s2', 'n1', '123456')).not.toBe(h);
    await expect(codeHash('', 'n1', '123456')).rejects.toThrow(/LINK_SECRET/);
  });

  it('check: right, wrong with the attempts left, expired, too many, none pending', async () => {
    const right = await codeHash('s', 'n', '654321');
    const pending = { codeHash: right, codeExpiresAt: later(CODE_TTL_MS), codeAttempts: 0 };
    expect(checkCode(pending, [right], NOW)).toEqual({ ok: true });
    expect(checkCode(pending, ['nope'], NOW)).toEqual({
      ok: false,
      reason: 'wrong',
      attemptsLeft: MAX_CODE_ATTEMPTS - 1,
    });
    expect(checkCode({ ...pending, codeAttempts: MAX_CODE_ATTEMPTS - 1 }, ['nope'], NOW)).toEqual({
      ok: false,
      reason: 'wrong',
      attemptsLeft: 0,
    });
    expect(checkCode({ ...pending, codeAttempts: MAX_CODE_ATTEMPTS }, [right], NOW)).toEqual({
      ok: false,
      reason: 'too_many_attempts',
    });
    // Expiry is exclusive: at the instant it expires, it no longer works.
    expect(checkCode({ ...pending, codeExpiresAt: NOW.toISOString() }, [right], NOW)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(checkCode({ codeHash: null, codeExpiresAt: null, codeAttempts: 0 }, [right], NOW)).toEqual({
      ok: false,
      reason: 'no_code',
    });
  });

  it('reads a code as people type it, and says who asks and for what', () => {
    expect(normaliseCode(' 123 456 ')).toBe('123456');
    expect(normaliseCode('123-456')).toBe('123456');
    const text = verificationText('Acme', '012345');
    expect(text).toMatch(/^Acme: 012345 is your code to receive test messages\./);
    expect(text).toContain('10 minutes');
  });
});
