// Which Twilio account signed a webhook (issue 10): the one its body names in `AccountSid`, whose
// auth token must have made the X-Twilio-Signature. The platform account comes from the env; a
// tenant's own account from the control database (its sealed token, and the token it replaced
// while a rotation is in progress). Webhooks are a hot path, so each isolate keeps what it read for
// a minute; a signature that fails against a cached entry is checked once more against the database
// (at most every few seconds per account), so a token changed a moment ago is never refused.
import type { Db } from '../db/client';
import { webhookAccount } from '../db/twilio-accounts';
import { verifyTwilioSignature } from '../providers/twilio-signature';

const HIT_TTL_MS = 60_000;
/** Unknown accounts are remembered briefly: enough to absorb a flood, short enough for a new tenant. */
const MISS_TTL_MS = 10_000;
/** A failing signature re-reads the account at most this often (a forger cannot make us read D1 more). */
const REFRESH_EVERY_MS = 5_000;
const MAX_ENTRIES = 5_000;

type Known = { tenantId: string | null; authTokens: string[] };
type Entry = { account: Known | null; until: number; readAt: number };

const cache = new Map<string, Entry>();

/**
 * Forgets what this isolate cached about these accounts (their credentials were just saved or
 * removed here); other isolates notice within a minute, or at once for a newly promoted token.
 */
export function forgetWebhookAccount(...accountSids: (string | null | undefined)[]): void {
  for (const sid of accountSids) if (sid) cache.delete(sid);
}

export type SignedBy =
  /** `tenantId` null: the platform account, which may carry any tenant without its own. */
  | { ok: true; accountSid: string; tenantId: string | null }
  | { ok: false; reason: 'missing_signature' | 'no_account_sid' | 'unknown_account' | 'bad_signature' };

type AccountEnv = Parameters<typeof webhookAccount>[0];

async function read(env: AccountEnv, control: Db, sid: string, now: number): Promise<Entry> {
  const account = await webhookAccount(env, control, sid, new Date(now));
  const entry = { account, until: now + (account ? HIT_TTL_MS : MISS_TTL_MS), readAt: now };
  if (cache.size >= MAX_ENTRIES) {
    // Map keeps insertion order: drop the oldest entry.
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.delete(sid);
  cache.set(sid, entry);
  return entry;
}

async function signedWith(tokens: string[], url: string, pairs: [string, string][], signature: string) {
  for (const token of tokens) {
    if (await verifyTwilioSignature(token, url, pairs, signature)) return true;
  }
  return false;
}

/**
 * Checks a webhook's signature with the auth token(s) of the account its `AccountSid` names. The
 * AccountSid is only a hint until the signature holds: nothing else is trusted before that.
 * Credentials that cannot be opened (a platform-key problem) throw, so the caller answers 5xx and
 * Twilio tries again later instead of losing the event.
 */
export async function verifyWebhookAccount(
  env: AccountEnv,
  control: Db,
  url: string,
  pairs: [string, string][],
  signature: string | undefined,
  now: number = Date.now(),
): Promise<SignedBy> {
  if (!signature) return { ok: false, reason: 'missing_signature' };
  const sid = pairs.find(([k]) => k === 'AccountSid')?.[1];
  if (!sid || sid.length > 64) return { ok: false, reason: 'no_account_sid' };
  let entry = cache.get(sid);
  const fresh = entry !== undefined && entry.until > now;
  if (!entry || !fresh) entry = await read(env, control, sid, now);
  if (entry.account && (await signedWith(entry.account.authTokens, url, pairs, signature))) {
    return { ok: true, accountSid: sid, tenantId: entry.account.tenantId };
  }
  // The cached token may be the one just replaced: look once more, unless we just did.
  if (fresh && now - entry.readAt >= REFRESH_EVERY_MS) {
    entry = await read(env, control, sid, now);
    if (entry.account && (await signedWith(entry.account.authTokens, url, pairs, signature))) {
      return { ok: true, accountSid: sid, tenantId: entry.account.tenantId };
    }
  }
  return { ok: false, reason: entry.account ? 'bad_signature' : 'unknown_account' };
}
