// The render token of a public signup form: a hidden field carrying when the page was served,
// signed (HMAC with SESSION_SECRET). A post without a fresh token never reaches the database.
//
// Why not a CSRF token: the form has no session and no cookie, so a cross-site post can do nothing
// a visitor could not do by filling the form themselves; classic CSRF does not apply. The token
// instead makes blind scripted posts (never loading the page) fail, next to the rate limits and
// the honeypot field.
import { hmac, timingSafeEqual, toHex } from '../lib/crypto';

/** A page left open this long must be submitted again (with its values kept). */
export const FORM_TOKEN_TTL_MS = 24 * 3600 * 1000;

async function mac(secret: string, formId: string, issuedAt: number) {
  return toHex(await hmac(secret, 'SHA-256', `signup-form:${formId}:${issuedAt}`)).slice(0, 32);
}

export async function issueFormToken(secret: string, formId: string, nowMs: number): Promise<string> {
  return `${nowMs}.${await mac(secret, formId, nowMs)}`;
}

export async function checkFormToken(
  secret: string,
  formId: string,
  token: string | undefined,
  nowMs: number,
): Promise<'ok' | 'missing' | 'expired' | 'forged'> {
  if (!token) return 'missing';
  const [issued, sig] = token.split('.');
  const issuedAt = Number(issued);
  if (!Number.isSafeInteger(issuedAt) || !sig) return 'forged';
  if (!timingSafeEqual(sig, await mac(secret, formId, issuedAt))) return 'forged';
  if (issuedAt > nowMs + 60_000 || nowMs - issuedAt > FORM_TOKEN_TTL_MS) return 'expired';
  return 'ok';
}
