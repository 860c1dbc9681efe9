// Every minute: start scheduled campaigns whose time has come, re-kick fan-outs that stalled,
// re-enqueue queued jobs whose queue message was lost or parked (lease run out), move A/B tests
// along (cron/ab-tests.ts: the wait's end, the winner, its fan-out), and complete campaigns that
// have nothing left to send. Re-enqueueing is harmless: the send consumer only
// ever claims a job once (see workers/send/loop.ts).
import { sql } from 'drizzle-orm';
import { type Shard, shards } from '../db/shards';
import { completeCampaignIfDone } from '../send/d1-store';
import { enqueueFanout, enqueueSendJobs } from '../send/enqueue';
import { LEASE_GRACE_SECONDS } from '../send/loop';
import { advanceAbTests } from './ab-tests';
import { andTenant, type CronScope } from './scope';

/** A fan-out that has not moved for this long is re-kicked from its cursor. */
const FANOUT_STALL_MS = 10 * 60_000;
/** Re-enqueue at most this many lost jobs per run (the next minute takes the rest). */
const RECONCILE_LIMIT = 5000;

export async function startDueCampaigns(env: Env, now: Date, scope?: CronScope): Promise<void> {
  await Promise.all(shards(env).map((shard) => startDueOnShard(env, shard, now, scope)));
}

/**
 * One shard's share. Every query keeps to tenants homed on this shard (`tenants.shard`): while a
 * tenant is being moved, the copy on the other shard is left alone.
 */
async function startDueOnShard(env: Env, shard: Shard, now: Date, scope?: CronScope): Promise<void> {
  const { db } = shard;
  const at = now.toISOString();
  const homed = sql`(SELECT id FROM tenants WHERE shard = ${shard.name})`;

  const due = await db.all<{ id: string; tenant_id: string }>(sql`
    UPDATE campaigns SET started_at = ${at}, updated_at = ${at}
     WHERE status = 'queued' AND started_at IS NULL AND scheduled_at IS NOT NULL AND scheduled_at <= ${at}
       AND tenant_id IN ${homed}${andTenant('tenant_id', scope)}
    RETURNING id, tenant_id`);
  for (const c of due)
    await enqueueFanout(env.FANOUT_QUEUE, { campaignId: c.id, tenantId: c.tenant_id, cursor: null });

  const stalled = await db.all<{ id: string; tenant_id: string; fanout_cursor: string | null }>(sql`
    UPDATE campaigns SET updated_at = ${at}
     WHERE status IN ('queued', 'running') AND started_at IS NOT NULL AND fanout_done_at IS NULL
       AND updated_at < ${new Date(now.getTime() - FANOUT_STALL_MS).toISOString()}
       AND tenant_id IN ${homed}${andTenant('tenant_id', scope)}
    RETURNING id, tenant_id, fanout_cursor`);
  for (const c of stalled) {
    await enqueueFanout(env.FANOUT_QUEUE, {
      campaignId: c.id,
      tenantId: c.tenant_id,
      cursor: c.fanout_cursor,
    });
  }

  // Jobs of running campaigns (tenant not paused) whose message is gone: parked (lease null)
  // while the tenant was paused, or lost (lease run out).
  const lease = new Date(now.getTime() + LEASE_GRACE_SECONDS * 1000).toISOString();
  const lost = await db.all<{ id: string; tenant_id: string }>(sql`
    UPDATE send_jobs SET lease_until = ${lease}
     WHERE id IN (
       SELECT j.id FROM send_jobs j
         JOIN campaigns c ON c.id = j.campaign_id
         JOIN tenants t ON t.id = j.tenant_id
        WHERE j.status = 'queued' AND (j.lease_until IS NULL OR j.lease_until < ${at})
          AND c.status = 'running' AND t.is_paused = 0 AND t.shard = ${shard.name}${andTenant('j.tenant_id', scope)}
        LIMIT ${RECONCILE_LIMIT})
    RETURNING id, tenant_id`);
  await enqueueSendJobs(
    env.SEND_QUEUE,
    lost.map((r) => ({ jobId: r.id, tenantId: r.tenant_id })),
  );

  await advanceAbTests(env, shard, now, scope);

  const finished = await db.all<{ id: string }>(sql`
    SELECT c.id FROM campaigns c
     WHERE c.status = 'running' AND c.fanout_done_at IS NOT NULL AND c.tenant_id IN ${homed}${andTenant('c.tenant_id', scope)}
       AND NOT EXISTS (SELECT 1 FROM send_jobs j WHERE j.campaign_id = c.id AND j.status = 'queued')`);
  for (const c of finished) await completeCampaignIfDone(db, c.id, now);
}
