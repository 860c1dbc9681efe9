// The render token of a public signup form: a hidden field carrying when the page was served and
// which version of the consent text it showed, signed (HMAC with LINK_SECRET, its own "signup-form:" prefix). The version is
// what the opt-in's proof records, even if the text changed while the visitor was typing. A post
// without a fresh token never reaches the database.
//
// Why not a CSRF token: the form has no session and no cookie, so a cross-site post can do nothing
// a visitor could not do by filling the form themselves; classic CSRF does not apply. The token
// instead makes blind scripted posts (never loading the page) fail, next to the rate limits and
// the honeypot field.
import { hmac, timingSafeEqual, toHex } from '../lib/crypto';

/** A page left open this long must be submitted again (with its values kept). */
export const FORM_TOKEN_TTL_MS = 24 * 3600 * 1000;

async function mac(secret: string, formId: string, version: number, issuedAt: number) {
  return toHex(await hmac(secret, 'SHA-256', `signup-form:${formId}:${version}:${issuedAt}`)).slice(0, 32);
}

export async function issueFormToken(
  secret: string,
  formId: string,
  consentVersion: number,
  nowMs: number,
): Promise<string> {
  return `${nowMs}.${consentVersion}.${await mac(secret, formId, consentVersion, nowMs)}`;
}

export type TokenCheck =
  | { ok: true; consentVersion: number }
  | { ok: false; reason: 'missing' | 'expired' | 'forged' };

export async function checkFormToken(
  secret: string,
  formId: string,
  token: string | undefined,
  nowMs: number,
): Promise<TokenCheck> {
  if (!token) return { ok: false, reason: 'missing' };
  const [issued, version, sig] = token.split('.');
  const issuedAt = Number(issued);
  const consentVersion = Number(version);
  if (!Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(consentVersion) || !sig) {
    return { ok: false, reason: 'forged' };
  }
  if (!timingSafeEqual(sig, await mac(secret, formId, consentVersion, issuedAt)))
    return { ok: false, reason: 'forged' };
  if (issuedAt > nowMs + 60_000 || nowMs - issuedAt > FORM_TOKEN_TTL_MS)
    return { ok: false, reason: 'expired' };
  return { ok: true, consentVersion };
}
