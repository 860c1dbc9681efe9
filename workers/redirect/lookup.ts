// Token → where to send the visitor, in three tiers: this isolate's LRU (no I/O), the colo's
// Cache API (shared by isolates, survives isolate restarts), then D1. Only what never changes
// once a link exists is cached (ids, final URL, expiry, sender); the counters live in D1 alone.
import { z } from 'zod';
import { MOVING_SHARD, type Shard, shardNamed, shards } from '../db/shards';
import { isWellFormedToken, shardHint, verifyLinkToken, withUtmParams } from '../domain/link-token';
import { LruCache } from './lru';
import { testLinkFromD1 } from './test-links';

export type ResolvedLink = {
  /** The shard database holding the link (its binding name), named by the token's verified hint. */
  shard: string;
  id: string;
  tenantId: string;
  /** Null for a link an automation flow sent (flowId names the flow). */
  campaignId: string | null;
  flowId: string | null;
  contactId: string;
  /** The target with the campaign's UTM parameters already appended. */
  location: string;
  expiresAt: string;
  /** Who sent the message, named on the "expired" page. */
  sender: string;
  /** A test send's link (workers/redirect/test-links.ts): it works, and never counts for the campaign. */
  test?: boolean;
};

const ResolvedLinkSchema = z.object({
  shard: z.string(),
  id: z.string(),
  tenantId: z.string(),
  campaignId: z.string().nullable(),
  flowId: z.string().nullable().default(null),
  contactId: z.string(),
  location: z.string(),
  expiresAt: z.string(),
  sender: z.string(),
  test: z.boolean().optional(),
});

// Bounded staleness: a contact erased or a link purged stops redirecting within these times.
const HIT_TTL_MS = 5 * 60 * 1000;
const MISS_TTL_MS = 60 * 1000;
const CACHE_API_TTL_S = 5 * 60;
const MAX_ENTRIES = 20_000;

const lru = new LruCache<ResolvedLink | 'missing'>(MAX_ENTRIES);

// The DOM lib in tsconfig (for web/) shadows the Workers `caches.default` type.
const colo = () => (caches as unknown as { default: Cache }).default;

function cacheKey(env: Env, token: string): string {
  return `${env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/__short-link-cache/${token}`;
}

type Row = {
  id: string;
  tenant_id: string;
  campaign_id: string | null;
  flow_id: string | null;
  contact_id: string;
  target_url: string;
  expires_at: string;
  utm_params: string | null;
  sender: string;
  home: string;
};

function parseUtm(raw: string | null): Record<string, unknown> | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

// A campaign link's target_url is NULL: the campaign's (schema/messages.ts).
const SELECT_LINK = `SELECT l.id, l.tenant_id, l.campaign_id, l.flow_id, l.contact_id,
            COALESCE(l.target_url, c.target_url, '') AS target_url, l.expires_at, c.utm_params,
            COALESCE(NULLIF(t.sender_name, ''), t.name) AS sender, t.shard AS home
       FROM short_links l
       LEFT JOIN campaigns c ON c.id = l.campaign_id
       JOIN tenants t ON t.id = l.tenant_id
      WHERE l.token = ?`;

function readLink(shard: Shard, token: string): Promise<Row | null> {
  return shard.d1.prepare(SELECT_LINK).bind(token).first<Row>();
}

/**
 * The token's hint names the shard the link was created on. A tenant moved since (`npm run ops --
 * tenant move`) has its rows on another shard: while both hold them, the found row's copy of the
 * tenant names its home; once the old rows are deleted, the other shards are asked (only a
 * verified token gets this far, and a miss is remembered for a minute). While the tenant is being
 * moved ("SHARD_a>SHARD_b") its home is still SHARD_a, even where SHARD_b already holds a copy of
 * the link: the move adds the clicks SHARD_a took to SHARD_b after the switch, and SHARD_b's copy
 * must take none before it (a re-copy or an abort would lose them).
 */
async function locateLink(
  env: Env,
  hinted: Shard,
  token: string,
): Promise<{ shard: Shard; row: Row } | null> {
  let found: { shard: Shard; row: Row } | null = null;
  const row = await readLink(hinted, token);
  if (row) found = { shard: hinted, row };
  else {
    const others = shards(env).filter((s) => s.name !== hinted.name);
    const rows = await Promise.all(others.map((s) => readLink(s, token)));
    const i = rows.findIndex((r) => r !== null);
    if (i >= 0) found = { shard: others[i] as Shard, row: rows[i] as Row };
  }
  if (!found) return null;
  const homeName = MOVING_SHARD.exec(found.row.home)?.[1] ?? found.row.home;
  if (homeName === found.shard.name) return found;
  const home = shardNamed(env, homeName);
  const moved = home ? await readLink(home, token) : null;
  return home && moved ? { shard: home, row: moved } : found;
}

async function fromD1(env: Env, token: string): Promise<ResolvedLink | null> {
  const hint = shardHint(token);
  const hinted = hint === null ? null : shardNamed(env, hint);
  // A verified token naming a shard this Worker does not bind: a link from another deployment.
  if (!hinted) return null;
  const found = await locateLink(env, hinted, token);
  // Only a token no campaign link has reaches this look (forged ones never reach D1).
  if (!found) return testLinkFromD1(hinted.d1, hinted.name, token, parseUtm);
  const { shard, row } = found;
  return {
    shard: shard.name,
    id: row.id,
    tenantId: row.tenant_id,
    campaignId: row.campaign_id,
    flowId: row.flow_id,
    contactId: row.contact_id,
    location: withUtmParams(row.target_url, parseUtm(row.utm_params)),
    expiresAt: row.expires_at,
    sender: row.sender,
  };
}

async function fromCacheApi(env: Env, token: string): Promise<ResolvedLink | null> {
  try {
    const hit = await colo().match(cacheKey(env, token));
    if (!hit) return null;
    const parsed = ResolvedLinkSchema.safeParse(await hit.json());
    return parsed.success ? parsed.data : null;
  } catch (err) {
    console.warn('short-link cache read failed', err);
    return null;
  }
}

async function toCacheApi(env: Env, token: string, link: ResolvedLink): Promise<void> {
  try {
    await colo().put(
      cacheKey(env, token),
      new Response(JSON.stringify(link), {
        headers: { 'content-type': 'application/json', 'cache-control': `max-age=${CACHE_API_TTL_S}` },
      }),
    );
  } catch (err) {
    console.warn('short-link cache write failed', err);
  }
}

/**
 * The link behind a token, or null when the token is malformed, forged (its HMAC tag fails: no
 * database access at all) or unknown. Expiry is the caller's decision.
 */
export async function resolveLink(
  env: Env,
  token: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<ResolvedLink | null> {
  if (!isWellFormedToken(token)) return null;
  // Only verified tokens ever enter the LRU, so a hit needs no HMAC.
  const cached = lru.get(token);
  if (cached !== undefined) return cached === 'missing' ? null : cached;
  const verdict = await verifyLinkToken(token, {
    current: env.LINK_SECRET,
    previous: env.LINK_SECRET_PREVIOUS,
  });
  if (!verdict) return null;

  const shared = await fromCacheApi(env, token);
  if (shared) {
    lru.set(token, shared, HIT_TTL_MS);
    return shared;
  }
  const link = await fromD1(env, token);
  if (!link) {
    lru.set(token, 'missing', MISS_TTL_MS);
    return null;
  }
  lru.set(token, link, HIT_TTL_MS);
  waitUntil(toCacheApi(env, token, link));
  return link;
}
