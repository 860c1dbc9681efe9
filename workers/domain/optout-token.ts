// Personal opt-out tokens (issue 10, `/u/:token`): derived from the message's send job, so no row
// is written per message. `<hint><job><tag>`, 26 URL-safe characters:
// - hint (1 char): the shard database holding the job, first, as in short-link tokens;
// - job (21 chars): the job's UUIDv7 without its 6 fixed version/variant bits (122 bits, packed);
// - tag (4 chars, 24 bits): HMAC-SHA-256(LINK_SECRET, "opt-out:" + hint + job), truncated.
// Checked before any database access: the tag (current or previous LINK_SECRET), then the age, which
// the UUIDv7 carries (the job's creation time), so an expired token never reaches D1 either.
import { base64url, hmac, timingSafeEqual } from '../lib/crypto';

const HINTS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const JOB_CHARS = 21;
const TAG_CHARS = 4;
export const OPT_OUT_TOKEN_LENGTH = 1 + JOB_CHARS + TAG_CHARS;
/**
 * How long a token works after its job was created. The law asks for 30 days after sending; a job
 * can wait before it is sent (pacing, quiet hours, a budget reached until next month), so the
 * window is generous.
 */
export const OPT_OUT_TOKEN_DAYS = 120;
const DAY_MS = 86_400_000;
const TOKEN_RE = new RegExp(`^[A-Za-z0-9_-]{${OPT_OUT_TOKEN_LENGTH}}$`);
const UUID7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export type OptOutSecrets = { current: string; previous?: string | null | undefined };

export type OptOutVerdict =
  | { ok: true; shard: number; jobId: string; createdAt: Date }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

/** The job id's 122 variable bits as 21 base64url characters (the top 4 of 126 bits are zero). */
function packJob(jobId: string): string {
  if (!UUID7_RE.test(jobId)) throw new Error(`Not a UUIDv7 job id: ${jobId}`);
  const n = BigInt(`0x${jobId.replace(/-/g, '')}`);
  const packed =
    ((n >> 80n) << 74n) | // 48-bit timestamp
    (((n >> 64n) & 0xfffn) << 62n) | // 12 random bits after the version nibble
    (n & ((1n << 62n) - 1n)); // 62 random bits after the variant
  let out = '';
  for (let i = JOB_CHARS - 1; i >= 0; i--) out += HINTS[Number((packed >> BigInt(6 * i)) & 63n)];
  return out;
}

function unpackJob(chars: string): string | null {
  let packed = 0n;
  for (const ch of chars) packed = (packed << 6n) | BigInt(HINTS.indexOf(ch));
  if (packed >> 122n !== 0n) return null;
  const n =
    ((packed >> 74n) << 80n) |
    (0x7n << 76n) |
    (((packed >> 62n) & 0xfffn) << 64n) |
    (0x2n << 62n) |
    (packed & ((1n << 62n) - 1n));
  const hex = n.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function tag(secret: string, body: string): Promise<string> {
  if (!secret) throw new Error('LINK_SECRET is not set: opt-out links cannot be signed.');
  const mac = await hmac(secret, 'SHA-256', `opt-out:${body}`);
  return base64url(mac.subarray(0, 3));
}

/** The opt-out token of a send job on shard `shard` (deterministic: a re-render gives the same). */
export async function createOptOutToken(secret: string, shard: number, jobId: string): Promise<string> {
  const hint = HINTS[shard];
  if (hint === undefined) throw new Error(`A shard index is 0–${HINTS.length - 1}, not ${shard}.`);
  const body = hint + packJob(jobId);
  return body + (await tag(secret, body));
}

/** What a token names, or why it is refused; `now` decides expiry. No I/O. */
export async function verifyOptOutToken(
  token: string,
  secrets: OptOutSecrets,
  now: Date,
): Promise<OptOutVerdict> {
  if (!TOKEN_RE.test(token)) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, 1 + JOB_CHARS);
  const given = token.slice(1 + JOB_CHARS);
  const signed =
    (secrets.current !== '' && timingSafeEqual(given, await tag(secrets.current, body))) ||
    (!!secrets.previous && timingSafeEqual(given, await tag(secrets.previous, body)));
  if (!signed) return { ok: false, reason: 'forged' };
  const jobId = unpackJob(body.slice(1));
  if (!jobId) return { ok: false, reason: 'forged' };
  const createdAt = new Date(Number.parseInt(jobId.replace(/-/g, '').slice(0, 12), 16));
  if (now.getTime() - createdAt.getTime() > OPT_OUT_TOKEN_DAYS * DAY_MS)
    return { ok: false, reason: 'expired' };
  return { ok: true, shard: HINTS.indexOf(body.charAt(0)), jobId, createdAt };
}

/** A token exactly as long as a real one, for counting a template's characters. */
export const PREVIEW_OPT_OUT_TOKEN = 'AAZmX3k9QpL2bT7wR4yN8cVd6h';
