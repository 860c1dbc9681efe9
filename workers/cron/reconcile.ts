// Every minute: resolve what Twilio's callbacks left open, so no job and no campaign stays open.
// 1. Callbacks that arrived before the send path recorded the MessageSid (stored with no tenant)
//    are applied once the job shows up.
// 2. Jobs 'sent' more than 72 hours ago with no final status are looked up at Twilio
//    (GET Messages/{Sid}.json) and moved through the same forward-only transition:
//    - Twilio says delivered/undelivered/failed → applied like the callback that never came;
//    - Twilio has no such message (404) → failed, "Twilio has no record…", and the cost refunded
//      (Twilio bills no message it does not know);
//    - Twilio still says sent/queued → the job stays 'sent': many carriers never send delivery
//      receipts, the message was sent and billed, and calling it delivered or failed would be a
//      guess. A marker row (webhook_events 'reconcile:<job id>') stops it being asked again.
//    Network errors, 401/429/5xx: left for the next run, for up to a week; after that the job
//    stays 'sent' (the window keeps each run an index range scan, not a walk over history).
// Campaign completion (running → completed when nothing is left queued) is the send path's
// cron step (cron/campaigns.ts, completeCampaignIfDone): jobs these steps move were never queued.
import { and, asc, eq, gte, isNotNull, isNull, like, lt, sql } from 'drizzle-orm';
import { sendJobs, webhookEvents } from '../db/schema';
import { type Shard, shards } from '../db/shards';
import { fetchTwilioMessage } from '../providers/twilio-lookup';
import { applyStatus } from '../webhooks/status';
import type { CronScope } from './scope';

export const RECONCILE_AFTER_HOURS = 72;
/** Bounded per run: a minute's cron must finish well inside its CPU and subrequest limits. */
export const RECONCILE_BATCH = 100;
const LOOKUP_CONCURRENCY = 6;
/** Orphan callbacks older than this are given up on (kept for audit, marked processed). */
const ORPHAN_MAX_AGE_MS = 24 * 3600 * 1000;
/** How long after the 72 hours reconciliation keeps trying a job whose lookups fail. */
export const RECONCILE_WINDOW_DAYS = 7;
export const NOT_FOUND_REASON = `Twilio has no record of this message (checked after ${RECONCILE_AFTER_HOURS} hours)`;

export type ReconcileSummary = {
  orphansApplied: number;
  looked: number;
  resolved: number;
  /** Twilio still says sent (no receipt), or its answer moved nothing. */
  unchanged: number;
  notFound: number;
  errors: number;
};

/** `scope` limits the 72-hour lookups to one tenant (orphan callbacks carry no tenant yet). */
export async function reconcileMessages(env: Env, now: Date, scope?: CronScope): Promise<ReconcileSummary> {
  const perShard = await Promise.all(shards(env).map((shard) => reconcileShard(shard, env, now, scope)));
  const summary: ReconcileSummary = {
    orphansApplied: 0,
    looked: 0,
    resolved: 0,
    unchanged: 0,
    notFound: 0,
    errors: 0,
  };
  for (const s of perShard)
    for (const k of Object.keys(summary) as (keyof ReconcileSummary)[]) summary[k] += s[k];
  if (summary.looked + summary.orphansApplied > 0) {
    console.log(JSON.stringify({ cron: 'reconcile', ...summary }));
  }
  return summary;
}

async function reconcileShard(
  shard: Shard,
  env: Env,
  now: Date,
  scope: CronScope | undefined,
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    orphansApplied: await replayOrphans(shard, env, now),
    looked: 0,
    resolved: 0,
    unchanged: 0,
    notFound: 0,
    errors: 0,
  };
  await resolveStuckJobs(shard, env, now, summary, scope);
  return summary;
}

/** The creation time a UUIDv7 carries in its first 48 bits. */
function uuidv7Time(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

async function replayOrphans(shard: Shard, env: Env, now: Date): Promise<number> {
  const { db } = shard;
  const orphans = await db
    .select()
    .from(webhookEvents)
    .where(
      and(
        isNull(webhookEvents.processedAt),
        like(webhookEvents.eventType, 'status:%'),
        sql`${webhookEvents.tenantId} IN (SELECT id FROM tenants WHERE shard = ${shard.name})`,
      ),
    )
    .orderBy(asc(webhookEvents.id))
    .limit(RECONCILE_BATCH);
  let applied = 0;
  for (const orphan of orphans) {
    const p = orphan.payload;
    const messageSid = p.MessageSid ?? p.SmsSid;
    const status = (p.MessageStatus ?? p.SmsStatus ?? '').toLowerCase();
    const stale = now.getTime() - uuidv7Time(orphan.id) > ORPHAN_MAX_AGE_MS;
    if (messageSid && status && !stale && orphan.tenantId) {
      // Under its own event id: the orphan row already holds the original one.
      const outcome = await applyStatus(db, env, {
        tenantId: orphan.tenantId,
        jobId: null,
        providerEventId: `orphan:${orphan.id}`,
        messageSid,
        status,
        errorCode: p.ErrorCode?.trim() || null,
        payload: p,
        source: 'reconcile',
        storeUnknown: false,
      });
      if (outcome.kind === 'unknown_message') continue;
      if (outcome.kind === 'applied' || outcome.kind === 'no_change') {
        applied++;
        await db
          .update(webhookEvents)
          .set({ processedAt: now.toISOString() })
          .where(eq(webhookEvents.id, orphan.id));
        continue;
      }
    }
    await db
      .update(webhookEvents)
      .set({ processedAt: now.toISOString() })
      .where(eq(webhookEvents.id, orphan.id));
  }
  return applied;
}

async function resolveStuckJobs(
  shard: Shard,
  env: Env,
  now: Date,
  summary: ReconcileSummary,
  scope: CronScope | undefined,
) {
  const { db } = shard;
  const cutoff = new Date(now.getTime() - RECONCILE_AFTER_HOURS * 3600 * 1000);
  const oldest = new Date(cutoff.getTime() - RECONCILE_WINDOW_DAYS * 86_400_000);
  const stuck = await db
    .select({ id: sendJobs.id, tenantId: sendJobs.tenantId, sid: sendJobs.providerMessageId })
    .from(sendJobs)
    .where(
      and(
        sql`${sendJobs.tenantId} IN (SELECT id FROM tenants WHERE shard = ${shard.name})`,
        eq(sendJobs.status, 'sent'),
        scope ? eq(sendJobs.tenantId, scope.tenantId) : undefined,
        lt(sendJobs.sentAt, cutoff.toISOString()),
        gte(sendJobs.sentAt, oldest.toISOString()),
        isNotNull(sendJobs.providerMessageId),
        sql`NOT EXISTS (SELECT 1 FROM webhook_events WHERE provider_event_id = 'reconcile:' || ${sendJobs.id})`,
      ),
    )
    .orderBy(asc(sendJobs.sentAt))
    .limit(RECONCILE_BATCH);
  summary.looked = stuck.length;

  let next = 0;
  const worker = async () => {
    while (next < stuck.length) {
      const job = stuck[next++];
      if (!job?.sid) continue;
      const result = await fetchTwilioMessage(env, job.sid);
      if (result.kind === 'error') {
        summary.errors++;
        console.warn(
          JSON.stringify({ counter: 'reconcile_lookup_failed', job_id: job.id, detail: result.detail }),
        );
        continue;
      }
      const found = result.kind === 'found' ? result.message : null;
      const outcome = await applyStatus(db, env, {
        tenantId: job.tenantId,
        jobId: job.id,
        providerEventId: `reconcile:${job.id}`,
        messageSid: job.sid,
        status: found?.status ?? 'failed',
        errorCode: found?.errorCode ?? null,
        payload: found
          ? {
              source: 'reconcile',
              MessageSid: found.sid,
              MessageStatus: found.status,
              ...(found.errorCode ? { ErrorCode: found.errorCode } : {}),
            }
          : { source: 'reconcile', MessageSid: job.sid, lookup: 'not_found' },
        source: 'reconcile',
        ...(found ? {} : { reason: NOT_FOUND_REASON }),
      });
      if (!found) summary.notFound++;
      else if (outcome.kind === 'applied') summary.resolved++;
      else summary.unchanged++;
    }
  };
  await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker));
}
