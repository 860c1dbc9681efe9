// Recording a click, after the redirect has been answered. A click is counted on its link's row
// (click_count always; human_click_count, the first clicked_at and the recent human click times
// when a person opened it) and in its campaign's minute for the charts: no row per click.
// One D1 batch (a transaction; D1 runs one writer at a time) holds one UPDATE per link and one
// upsert per slot, so concurrent clicks never lose an increment.
import { shardNamed } from '../db/shards';
import { type ClickVerdict, classifyClick, clickSignals } from '../domain/bots';
import type { WebhookEvent } from '../integrations/events';
import { emitIfSubscribed } from '../integrations/subscribers';
import { hmac, toHex } from '../lib/crypto';
import type { ResolvedLink } from './lookup';
import { LruCache } from './lru';

/**
 * Human clicks from the same client (same IP and user agent) within this window of the last
 * counted one count once: a double tap, or the browser re-requesting on app switch, is one person
 * opening the link once. Two layers: this isolate remembers the clients it counted in the window
 * (no I/O), and the colo's Cache API remembers them for the other isolates of the colo. Nothing
 * about the client is stored in D1.
 */
export const REPEAT_WINDOW_MS = 30_000;
/** How many of a link's latest human click times its row keeps (attribution, the event log). */
export const RECENT_CLICKS_KEPT = 10;
/** The charts' slot: clicks are counted per campaign and minute (charts group minutes further). */
export const CLICK_SLOT_MINUTES = 1;

/** `${linkId}:${client}` → when this isolate last counted that client's human click. */
export type ClickMemory = LruCache<number>;
const recentClients: ClickMemory = new LruCache<number>(50_000);

/** A keyed hash, so the key cached for the repeat window cannot be reversed to an IP address. */
export async function clientFingerprint(secret: string, ip: string, userAgent: string): Promise<string> {
  return toHex(await hmac(secret, 'SHA-256', `client:${ip}|${userAgent}`)).slice(0, 16);
}

// The DOM lib in tsconfig (for web/) shadows the Workers `caches.default` type.
const colo = () => (caches as unknown as { default: Cache }).default;
const repeatKey = (env: Env, linkId: string, client: string) =>
  `${(env.SHORT_LINK_BASE_URL || env.PUBLIC_BASE_URL).replace(/\/+$/, '')}/__click-repeat/${linkId}/${client}`;

/** What a click was recorded as: the request's verdict, or a repeat within the window. */
export type RecordedVerdict = ClickVerdict | { human: false; reason: 'repeat' };

type PendingClick = { link: ResolvedLink; verdict: RecordedVerdict; at: string };

/** The slot (the UTC minute, `YYYY-MM-DDTHH:MM`) a click at `iso` is counted in. */
export function clickSlot(iso: string): string {
  return iso.slice(0, 16);
}

/** Whether the colo counted this client's human click less than the window before `nowMs`. */
async function seenInColo(key: string, nowMs: number): Promise<boolean> {
  try {
    const hit = await colo().match(key);
    if (!hit) return false;
    const at = Number(await hit.text());
    return Number.isFinite(at) && nowMs - at < REPEAT_WINDOW_MS && nowMs >= at;
  } catch {
    return false;
  }
}

async function rememberInColo(key: string, nowMs: number): Promise<void> {
  try {
    await colo().put(
      key,
      new Response(String(nowMs), { headers: { 'cache-control': `max-age=${REPEAT_WINDOW_MS / 1000}` } }),
    );
  } catch {
    // The isolate's memory still covers the common case (a double tap lands on the same isolate).
  }
}

async function prepareClick(
  env: Env,
  link: ResolvedLink,
  req: Request,
  now: Date,
  memory: ClickMemory,
): Promise<PendingClick> {
  let verdict: RecordedVerdict = classifyClick(clickSignals(req));
  if (verdict.human) {
    const ip = req.headers.get('cf-connecting-ip') ?? '';
    const userAgent = req.headers.get('user-agent') ?? '';
    // The isolate's memory is keyed by the raw client (never stored): a repeat costs no hashing.
    // The user agent is capped so huge made-up ones cannot grow the isolate's memory.
    const key = `${link.id}:${ip}|${userAgent.slice(0, 256)}`;
    if (memory.get(key, now.getTime()) !== undefined) verdict = { human: false, reason: 'repeat' };
    else {
      memory.set(key, now.getTime(), REPEAT_WINDOW_MS, now.getTime());
      const shared = repeatKey(env, link.id, await clientFingerprint(env.LINK_SECRET, ip, userAgent));
      if (await seenInColo(shared, now.getTime())) verdict = { human: false, reason: 'repeat' };
      else await rememberInColo(shared, now.getTime());
    }
  }
  return { link, verdict, at: now.toISOString() };
}

// One link's share of a batch: its counts, its first human click and its new human click times.
const LINK_COUNTS = `
UPDATE short_links
   SET click_count = click_count + ?2,
       human_click_count = human_click_count + ?3,
       clicked_at = coalesce(clicked_at, ?4),
       recent_clicks = CASE WHEN ?3 = 0 THEN recent_clicks ELSE (
         SELECT json_group_array(value) FROM (
           SELECT value FROM (
             SELECT value FROM json_each(coalesce(short_links.recent_clicks, '[]'))
             UNION ALL SELECT value FROM json_each(?5))
           ORDER BY value DESC LIMIT ${RECENT_CLICKS_KEPT})) END
 WHERE id = ?1`;

// The person's latest human click, for segments ("clicked within 30 days": an indexed column).
const CONTACT_ACTIVITY = `
UPDATE contacts SET last_human_click_at = ?2
 WHERE id = (SELECT contact_id FROM short_links WHERE id = ?1)
   AND (last_human_click_at IS NULL OR last_human_click_at < ?2)`;

const SLOT_COUNTS = `
INSERT INTO click_counts (tenant_id, campaign_id, slot, clicks, human_clicks) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (campaign_id, slot) DO UPDATE
   SET clicks = clicks + excluded.clicks, human_clicks = human_clicks + excluded.human_clicks`;

/** The statements recording these clicks (all on one shard), in one batch (one transaction). */
function statements(d1: D1Database, clicks: PendingClick[]): D1PreparedStatement[] {
  const links = new Map<string, { all: number; human: string[] }>();
  const slots = new Map<
    string,
    { tenantId: string; campaignId: string; slot: string; all: number; human: number }
  >();
  for (const c of clicks) {
    const l = links.get(c.link.id) ?? { all: 0, human: [] };
    l.all += 1;
    if (c.verdict.human) l.human.push(c.at);
    links.set(c.link.id, l);
    // The per-minute chart is a campaign's; a flow's clicks are counted on its links alone.
    const campaignId = c.link.campaignId;
    if (campaignId === null) continue;
    const slot = clickSlot(c.at);
    const key = `${campaignId}|${slot}`;
    const s = slots.get(key) ?? {
      tenantId: c.link.tenantId,
      campaignId,
      slot,
      all: 0,
      human: 0,
    };
    s.all += 1;
    if (c.verdict.human) s.human += 1;
    slots.set(key, s);
  }
  const out: D1PreparedStatement[] = [];
  for (const [id, l] of links) {
    out.push(
      d1.prepare(LINK_COUNTS).bind(id, l.all, l.human.length, l.human[0] ?? null, JSON.stringify(l.human)),
    );
    const latest = l.human.reduce<string | null>((a, b) => (a === null || b > a ? b : a), null);
    if (latest !== null) out.push(d1.prepare(CONTACT_ACTIVITY).bind(id, latest));
  }
  for (const s of slots.values())
    out.push(d1.prepare(SLOT_COUNTS).bind(s.tenantId, s.campaignId, s.slot, s.all, s.human));
  return out;
}

/** The shard database holding these links (all clicks of one write share a shard). */
function shardD1(env: Env, shard: string): D1Database {
  const s = shardNamed(env, shard);
  if (!s) throw new Error(`short link on unknown shard ${shard}`);
  return s.d1;
}

/** Records one click at once (one D1 batch); `memory` stands in for another isolate's in tests. */
export async function recordClick(
  env: Env,
  link: ResolvedLink,
  req: Request,
  now: Date,
  memory: ClickMemory = recentClients,
): Promise<RecordedVerdict> {
  const click = await prepareClick(env, link, req, now, memory);
  const d1 = shardD1(env, link.shard);
  await d1.batch(statements(d1, [click]));
  await emitClicks(env, link.shard, [click]);
  return click.verdict;
}

/**
 * `link.clicked` for the human clicks just recorded (bots, previews and repeats never), for
 * tenants with an endpoint listening: without one, this is usually a cache hit and nothing else.
 * The link-only Worker emits too when it has the WEBHOOK_QUEUE binding.
 */
async function emitClicks(env: Env, shard: string, clicks: PendingClick[]): Promise<void> {
  const queue = (env as Partial<Env>).WEBHOOK_QUEUE;
  const human = clicks.filter((c) => c.verdict.human);
  if (!queue || human.length === 0) return;
  const s = shardNamed(env, shard);
  if (!s) return;
  const byTenant = new Map<string, WebhookEvent[]>();
  for (const c of human) {
    const list = byTenant.get(c.link.tenantId) ?? [];
    list.push({
      type: 'link.clicked',
      at: new Date(c.at),
      data: {
        click: {
          short_link_id: c.link.id,
          contact_id: c.link.contactId,
          campaign_id: c.link.campaignId,
          flow_id: c.link.flowId,
          clicked_at: c.at,
          url: c.link.location,
        },
      },
    });
    byTenant.set(c.link.tenantId, list);
  }
  await Promise.all(
    [...byTenant].map(([tenantId, events]) =>
      emitIfSubscribed({ WEBHOOK_QUEUE: queue }, s.db, tenantId, events),
    ),
  );
}

/**
 * Clicks arriving within FLUSH_MS of each other in one isolate are written in one D1 batch: one
 * transaction (one commit) for many clicks instead of one each, which is what bounds a hot
 * link's throughput. The request that opens a batch owns it: its timer flushes it and its
 * waitUntil waits for the write. Later requests only add their click (plain data) and finish at
 * once: workerd never lets a request wait on a promise settled by another request's I/O.
 */
export const FLUSH_MS = 100;
export const MAX_BATCH_CLICKS = 100;

let open: PendingClick[] | null = null;

/** One batch per shard; a failure is logged, never thrown. */
async function writeBatch(env: Env, items: PendingClick[]): Promise<void> {
  const byShard = new Map<string, PendingClick[]>();
  for (const c of items) byShard.set(c.link.shard, [...(byShard.get(c.link.shard) ?? []), c]);
  await Promise.all(
    [...byShard].map(async ([shard, clicks]) => {
      try {
        const d1 = shardD1(env, shard);
        await d1.batch(statements(d1, clicks));
      } catch (err) {
        console.error('short-link clicks not recorded', [...new Set(clicks.map((c) => c.link.id))], err);
        return;
      }
      await emitClicks(env, shard, clicks);
    }),
  );
}

/** For waitUntil: the batch owner resolves once its batch is written; a failure is logged, never thrown. */
export async function queueClick(env: Env, link: ResolvedLink, req: Request, now: Date): Promise<void> {
  try {
    const click = await prepareClick(env, link, req, now, recentClients);
    if (open && open.length < MAX_BATCH_CLICKS) {
      open.push(click);
      return;
    }
    const batch: PendingClick[] = [click];
    open = batch;
    await new Promise((resolve) => setTimeout(resolve, FLUSH_MS));
    if (open === batch) open = null;
    await writeBatch(env, batch);
  } catch (err) {
    console.error('short-link clicks not recorded', [link.id], err);
  }
}
