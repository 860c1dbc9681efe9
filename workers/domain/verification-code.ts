// Confirming a test number (issue 12): a six-digit code texted to it, stored as an HMAC, valid for a
// few minutes and a few attempts. A test message ignores consent (it goes to the tenant's own phone),
// so the code is the phone owner's proof that it may receive the tenant's tests.
import { hmac, timingSafeEqual, toHex } from '../lib/crypto';

export const CODE_DIGITS = 6;
/** How long a code works. */
export const CODE_TTL_MS = 10 * 60_000;
/** Wrong codes allowed against one code; then a new code is needed. */
export const MAX_CODE_ATTEMPTS = 5;
/** A new code for the same number at most this often. */
export const RESEND_AFTER_MS = 60_000;
/** Codes a tenant may have texted per hour, across its numbers (each is an SMS to a phone that has not agreed yet). */
export const MAX_CODES_PER_HOUR = 10;
/** Test numbers a tenant may keep: a test ignores consent, so this must never become a mailing list. */
export const MAX_TEST_NUMBERS = 10;

/** A uniformly random six-digit code (leading zeros kept). */
export function newVerificationCode(
  random: (a: Uint32Array) => Uint32Array = (a) => crypto.getRandomValues(a),
) {
  const limit = 4_294_000_000; // the largest multiple of 10^6 below 2^32: no modulo bias
  const buf = new Uint32Array(1);
  for (;;) {
    const n = random(buf)[0] ?? 0;
    if (n < limit) return String(n % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, '0');
  }
}

/** The stored form of a code: an HMAC over the number's id and the code, so a leaked row reveals nothing. */
export async function codeHash(secret: string, testNumberId: string, code: string): Promise<string> {
  if (!secret) throw new Error('LINK_SECRET is not set: verification codes cannot be stored.');
  return toHex(await hmac(secret, 'SHA-256', `test-number-code:${testNumberId}:${code}`));
}

export type PendingCode = {
  codeHash: string | null;
  codeExpiresAt: string | null;
  codeAttempts: number;
};

export type CodeVerdict =
  | { ok: true }
  | { ok: false; reason: 'no_code' | 'expired' | 'too_many_attempts' }
  | { ok: false; reason: 'wrong'; attemptsLeft: number };

/** Whether `code` confirms the pending code at `now`; `hashes` are the candidate's HMACs (current and previous secret). */
export function checkCode(pending: PendingCode, hashes: string[], now: Date): CodeVerdict {
  if (!pending.codeHash || !pending.codeExpiresAt) return { ok: false, reason: 'no_code' };
  if (pending.codeAttempts >= MAX_CODE_ATTEMPTS) return { ok: false, reason: 'too_many_attempts' };
  if (Date.parse(pending.codeExpiresAt) <= now.getTime()) return { ok: false, reason: 'expired' };
  const stored = pending.codeHash;
  if (hashes.some((h) => timingSafeEqual(h, stored))) return { ok: true };
  return {
    ok: false,
    reason: 'wrong',
    attemptsLeft: Math.max(0, MAX_CODE_ATTEMPTS - pending.codeAttempts - 1),
  };
}

/** What the code SMS says: who asks, the code, and what it is for. */
export function verificationText(sender: string, code: string): string {
  return `${sender}: ${code} is your code to receive test messages. It expires in ${CODE_TTL_MS / 60_000} minutes. Not you? Ignore this message.`;
}

/** A code typed by a person: spaces and dashes are forgiven ("123 456"). */
export function normaliseCode(input: string): string {
  return input.replace(/[\s-]/g, '');
}
