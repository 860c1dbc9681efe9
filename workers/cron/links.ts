import { and, eq, gte, isNotNull, lt, sql } from 'drizzle-orm';
import { getDb } from '../db/client';
import { events } from '../db/schema';
import { REPEAT_WINDOW_MS } from '../redirect/clicks';
import type { CronScope } from './scope';

/**
 * Short links are never deleted: an expired link must keep answering its 410 page naming the
 * sender, and the campaign report sums their counters. What housekeeping does instead is data
 * minimisation: a CLICKED event carries a client fingerprint (keyed hash of IP + user agent) only
 * to recognise a repeated click within REPEAT_WINDOW_MS; once that has passed it is removed.
 * The scan covers a recent slice of `events.created_at` (indexed), so it stays cheap however large
 * the table grows, and its width tolerates several missed cron ticks.
 */
export const FINGERPRINT_KEEP_MS = Math.max(60_000, 2 * REPEAT_WINDOW_MS);
export const FINGERPRINT_SCAN_MS = 15 * 60_000;

export async function expireLinks(env: Env, now: Date, scope?: CronScope): Promise<void> {
  const db = getDb(env.DB);
  const to = new Date(now.getTime() - FINGERPRINT_KEEP_MS).toISOString();
  const from = new Date(now.getTime() - FINGERPRINT_KEEP_MS - FINGERPRINT_SCAN_MS).toISOString();
  const client = sql`json_extract(${events.metadata}, '$.client')`;
  await db
    .update(events)
    .set({ metadata: sql`json_remove(${events.metadata}, '$.client')` })
    .where(
      and(
        gte(events.createdAt, from),
        lt(events.createdAt, to),
        eq(events.eventType, 'CLICKED'),
        isNotNull(client),
        scope ? eq(events.tenantId, scope.tenantId) : undefined,
      ),
    );
}
