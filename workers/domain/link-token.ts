// Short-link tokens: `<nonce><tag>`, 12 URL-safe characters in total.
// - nonce (8 chars): the shard hint (1 char: the index of the shard database holding the link, so
//   the redirect finds it without a scan), then 7 chars (42 bits) derived from (campaign, contact,
//   attempt) with plain SHA-256, so a retried render finds the same link whatever secret is
//   current; `attempt` moves past the rare nonce collision with another recipient's link.
// - tag (4 chars, 24 bits): HMAC-SHA-256(secret, nonce), truncated. Checked before any database
//   access: a random or mistyped token reaches D1 with probability 2^-24. Accepts the current and
//   the previous secret, so rotating LINK_SECRET never breaks links already delivered.
import { base64url, hmac, timingSafeEqual } from '../lib/crypto';

export const NONCE_LENGTH = 8;
export const TAG_LENGTH = 4;
export const LINK_TOKEN_LENGTH = NONCE_LENGTH + TAG_LENGTH;

const TOKEN_RE = new RegExp(`^[A-Za-z0-9_-]{${LINK_TOKEN_LENGTH}}$`);
const NONCE_RE = new RegExp(`^[A-Za-z0-9_-]{${NONCE_LENGTH}}$`);
const encoder = new TextEncoder();

export type LinkSecrets = { current: string; previous?: string | null | undefined };

/** Which secret signed a valid token; `null` for anything else. */
export type TokenVerdict = 'current' | 'previous' | null;

/** base64url's alphabet: a shard index 0–63 is one character of it. */
const HINTS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const MAX_SHARDS = HINTS.length;

export function isWellFormedToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

/** The shard index a token (or nonce) names in its first character; only trust it after verifying. */
export function shardHint(tokenOrNonce: string): number | null {
  const i = HINTS.indexOf(tokenOrNonce.charAt(0));
  return i >= 0 ? i : null;
}

/** The deterministic nonce of (campaign, contact) on a shard; `attempt` > 0 only after a collision. */
export async function linkNonce(
  shard: number,
  campaignId: string,
  contactId: string,
  attempt = 0,
): Promise<string> {
  const hint = HINTS[shard];
  if (hint === undefined) throw new Error(`A shard index is 0–${MAX_SHARDS - 1}, not ${shard}.`);
  const digest = await crypto.subtle.digest(
    'SHA-256',
    encoder.encode(`${campaignId}:${contactId}:${attempt}`),
  );
  return hint + base64url(new Uint8Array(digest, 0, 6)).slice(0, NONCE_LENGTH - 1);
}

export async function linkTag(secret: string, nonce: string): Promise<string> {
  if (!secret) throw new Error('LINK_SECRET is not set: short links cannot be signed.');
  const mac = await hmac(secret, 'SHA-256', `short-link:${nonce}`);
  return base64url(mac.subarray(0, 3));
}

export async function signLinkToken(secret: string, nonce: string): Promise<string> {
  if (!NONCE_RE.test(nonce)) {
    throw new Error(`A link nonce is ${NONCE_LENGTH} URL-safe characters.`);
  }
  return `${nonce}${await linkTag(secret, nonce)}`;
}

export async function createLinkToken(
  secret: string,
  shard: number,
  campaignId: string,
  contactId: string,
  attempt = 0,
): Promise<string> {
  return signLinkToken(secret, await linkNonce(shard, campaignId, contactId, attempt));
}

export async function verifyLinkToken(token: string, secrets: LinkSecrets): Promise<TokenVerdict> {
  if (!isWellFormedToken(token)) return null;
  const nonce = token.slice(0, NONCE_LENGTH);
  const tag = token.slice(NONCE_LENGTH);
  if (secrets.current && timingSafeEqual(tag, await linkTag(secrets.current, nonce))) return 'current';
  if (secrets.previous && timingSafeEqual(tag, await linkTag(secrets.previous, nonce))) return 'previous';
  return null;
}

/** The index range holding every token with this nonce (base64url sorts below '~'). */
export function nonceRange(nonce: string): { from: string; to: string } {
  return { from: nonce, to: `${nonce}~` };
}

/**
 * The campaign's UTM parameters appended to the target, each key with the `utm_` prefix (added when
 * the campaign's key lacks it: `{source: 'sms'}` is utm_source). The campaign's values win over the
 * same keys already in the target URL (the campaign is the more specific intent); applying it twice
 * changes nothing (fan-out builds the link's target with it, the redirect applies it again). Other query
 * parameters and the fragment are kept. A target that is not an absolute http(s) URL is returned
 * unchanged (campaigns validate it on write).
 */
export function withUtmParams(target: string, utm: Record<string, unknown> | null | undefined): string {
  if (!utm) return target;
  const entries = Object.entries(utm).filter(
    (e): e is [string, string] => typeof e[1] === 'string' && e[0].length > 0 && e[1].length > 0,
  );
  if (entries.length === 0) return target;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return target;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return target;
  for (const [key, value] of entries)
    url.searchParams.set(key.startsWith('utm_') ? key : `utm_${key}`, value);
  return url.toString();
}
