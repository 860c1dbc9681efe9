// Recording a click, after the redirect has been answered. One D1 batch (a transaction, and D1
// runs one writer at a time) inserts the CLICKED event and bumps the counters in a single UPDATE,
// so concurrent clicks never lose an increment and the repeat check below cannot race.
import { uuidv7 } from '../db/ids';
import { shardNamed } from '../db/shards';
import { type ClickVerdict, classifyClick, clickSignals } from '../domain/bots';
import { hmac, toHex } from '../lib/crypto';
import type { ResolvedLink } from './lookup';
import { LruCache } from './lru';

/**
 * Human clicks from the same client (same IP and user agent) within this window of the last
 * counted one count once: a double tap, or the browser re-requesting on app switch, is one
 * person opening the link once. Two layers: this isolate remembers the clients it sent to D1 in
 * the window (a repeat it already knows about costs no query), and D1 checks the link's recent
 * events for the rest, so the rule also holds across isolates and colos.
 */
export const REPEAT_WINDOW_MS = 30_000;

/** `${linkId}:${client}` → when this isolate last sent that client's click to D1 as a candidate. */
export type ClickMemory = LruCache<number>;
const recentClients: ClickMemory = new LruCache<number>(50_000);

/** A keyed hash, so the stored value cannot be reversed to an IP address by brute force. */
export async function clientFingerprint(secret: string, ip: string, userAgent: string): Promise<string> {
  return toHex(await hmac(secret, 'SHA-256', `client:${ip}|${userAgent}`)).slice(0, 16);
}

const HUMAN_EVENT = `
INSERT INTO events (id, tenant_id, contact_id, campaign_id, short_link_id, event_type, metadata, created_at)
SELECT ?1, ?2, ?3, ?4, ?5, 'CLICKED',
       CASE WHEN EXISTS (
              SELECT 1 FROM events
               WHERE short_link_id = ?5 AND event_type = 'CLICKED' AND created_at >= ?7
                 AND json_extract(metadata, '$.human') = 1 AND json_extract(metadata, '$.client') = ?8)
            THEN json_object('human', json('false'), 'reason', 'repeat', 'client', ?8)
            ELSE json_object('human', json('true'), 'client', ?8) END,
       ?6
WHERE true`;

// human_click_count and the first clicked_at follow the verdict the event row just recorded.
const HUMAN_COUNTERS = `
UPDATE short_links
   SET click_count = click_count + 1,
       human_click_count = human_click_count + COALESCE((SELECT json_extract(metadata, '$.human') FROM events WHERE id = ?1), 0),
       clicked_at = CASE WHEN clicked_at IS NULL
                          AND (SELECT json_extract(metadata, '$.human') FROM events WHERE id = ?1) = 1
                         THEN ?2 ELSE clicked_at END
 WHERE id = ?3`;

// Clicks whose verdict is already known (bots, previews, repeats) need no per-click logic in SQL:
// their events go in multi-row INSERTs and their counts in one UPDATE per link.
const PLAIN_EVENT_COLUMNS =
  'INSERT INTO events (id, tenant_id, contact_id, campaign_id, short_link_id, event_type, metadata, created_at) VALUES ';
const PLAIN_EVENT_ROW = "(?, ?, ?, ?, ?, 'CLICKED', ?, ?)";
// D1 binds at most 100 parameters per statement; a row takes 7.
const PLAIN_ROWS_PER_INSERT = 14;
const PLAIN_COUNTERS = 'UPDATE short_links SET click_count = click_count + ?2 WHERE id = ?1';

/** What a click was recorded as: the request's verdict, or a repeat this isolate recognised. */
export type RecordedVerdict = ClickVerdict | { human: false; reason: 'repeat' };

type PendingClick = {
  link: ResolvedLink;
  verdict: RecordedVerdict;
  eventId: string;
  at: string;
  windowStart: string;
  client: string | null;
};

async function prepareClick(
  env: Env,
  link: ResolvedLink,
  req: Request,
  now: Date,
  memory: ClickMemory,
): Promise<PendingClick> {
  let verdict: RecordedVerdict = classifyClick(clickSignals(req));
  let client: string | null = null;
  if (verdict.human) {
    const ip = req.headers.get('cf-connecting-ip') ?? '';
    const userAgent = req.headers.get('user-agent') ?? '';
    // The isolate's memory is keyed by the raw client (never stored): a repeat costs no hashing.
    // The user agent is capped so huge made-up ones cannot grow the isolate's memory.
    const key = `${link.id}:${ip}|${userAgent.slice(0, 256)}`;
    if (memory.get(key, now.getTime()) !== undefined) verdict = { human: false, reason: 'repeat' };
    else {
      memory.set(key, now.getTime(), REPEAT_WINDOW_MS, now.getTime());
      client = await clientFingerprint(env.LINK_SECRET, ip, userAgent);
    }
  }
  return {
    link,
    verdict,
    eventId: uuidv7(now.getTime()),
    at: now.toISOString(),
    windowStart: new Date(now.getTime() - REPEAT_WINDOW_MS).toISOString(),
    client,
  };
}

/** The shard database holding these links (all clicks of one write share a shard). */
function shardD1(env: Env, shard: string): D1Database {
  const s = shardNamed(env, shard);
  if (!s) throw new Error(`short link on unknown shard ${shard}`);
  return s.d1;
}

/** The statements recording these clicks (all on one shard), in one batch (one transaction). */
function statements(d1: D1Database, clicks: PendingClick[]): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  const plainRows: (string | null)[][] = [];
  const plainCounts = new Map<string, number>();
  for (const c of clicks) {
    const { link } = c;
    if (c.verdict.human) {
      // In arrival order: each candidate's repeat check must see the candidates before it.
      out.push(
        d1
          .prepare(HUMAN_EVENT)
          .bind(
            c.eventId,
            link.tenantId,
            link.contactId,
            link.campaignId,
            link.id,
            c.at,
            c.windowStart,
            c.client,
          ),
        d1.prepare(HUMAN_COUNTERS).bind(c.eventId, c.at, link.id),
      );
      continue;
    }
    const metadata = JSON.stringify({ human: false, reason: c.verdict.reason });
    plainRows.push([c.eventId, link.tenantId, link.contactId, link.campaignId, link.id, metadata, c.at]);
    plainCounts.set(link.id, (plainCounts.get(link.id) ?? 0) + 1);
  }
  for (let i = 0; i < plainRows.length; i += PLAIN_ROWS_PER_INSERT) {
    const rows = plainRows.slice(i, i + PLAIN_ROWS_PER_INSERT);
    out.push(
      d1.prepare(PLAIN_EVENT_COLUMNS + rows.map(() => PLAIN_EVENT_ROW).join(', ')).bind(...rows.flat()),
    );
  }
  for (const [linkId, n] of plainCounts) out.push(d1.prepare(PLAIN_COUNTERS).bind(linkId, n));
  return out;
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
  return click.verdict;
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
        console.error(
          'short-link clicks not recorded',
          clicks.map((c) => c.link.id),
          err,
        );
      }
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
