// The storage lifecycle's cron job (issue 11, docs/lifecycle.md). Every minute, on every shard and
// only for tenants homed there (and not paused: a tenant moves between shards while paused), it
// takes completed campaigns older than RETENTION_CAMPAIGN_DETAIL_DAYS through a resumable state
// machine, a bounded amount of work per tick:
//   (none) → rolled_up → written → verified → deleting → archived
// Each step is idempotent and each transition one conditional statement, so a crash anywhere (or
// two ticks at once) loses and duplicates nothing: the next tick carries on from the state.
import { sql } from 'drizzle-orm';
import { type Shard, shards } from '../db/shards';
import { daysBefore, opsSettings } from '../domain/retention-settings';
import {
  type ArchiveOptions,
  type ArchiveReport,
  archivePrefix,
  type Ctx,
  DEFAULT_ARCHIVE_OPTIONS,
  emptyReport,
  readState,
} from './context';
import { deleteRows, startDeleting } from './delete';
import { verifyParts } from './verify';
import { rollUp, writeParts } from './write';

type Candidate = { id: string; tenant_id: string };

/** Claims the campaign for this tick (a lease), unless another tick holds it or it must wait. */
async function claim(shard: Shard, c: Candidate, now: Date, opts: ArchiveOptions): Promise<boolean> {
  const at = now.toISOString();
  const until = new Date(now.getTime() + opts.leaseMs).toISOString();
  const rows = await shard.db.all<{ campaign_id: string }>(sql`
    INSERT INTO campaign_archives (campaign_id, tenant_id, prefix, started_at, lease_until)
    VALUES (${c.id}, ${c.tenant_id}, ${archivePrefix(c.tenant_id, c.id)}, ${at}, ${until})
    ON CONFLICT (campaign_id) DO UPDATE SET lease_until = excluded.lease_until
     WHERE (campaign_archives.lease_until IS NULL OR campaign_archives.lease_until <= ${at})
       AND (campaign_archives.not_before IS NULL OR campaign_archives.not_before <= ${at})
    RETURNING campaign_id`);
  return rows.length > 0;
}

async function release(shard: Shard, campaignId: string): Promise<void> {
  await shard.db.run(sql`UPDATE campaign_archives SET lease_until = NULL WHERE campaign_id = ${campaignId}`);
}

/** Takes one campaign as far as the tick's budget goes. */
async function advance(ctx: Ctx): Promise<void> {
  while (ctx.budget.left > 0) {
    const { state } = await readState(ctx);
    const before = ctx.budget.left;
    const restarts = ctx.report.restarts;
    if (state === null) {
      if ((await rollUp(ctx)) === 'deferred') return;
    } else if (state === 'rolled_up') await writeParts(ctx);
    else if (state === 'written') await verifyParts(ctx);
    else if (state === 'verified') await startDeleting(ctx);
    else if (state === 'deleting') await deleteRows(ctx);
    else return;
    // Started over: the next tick begins afresh (and honours a back-off).
    if (ctx.report.restarts > restarts) return;
    // Every pass costs at least one unit, so a step that could not move on never spins.
    if (ctx.budget.left === before) ctx.budget.left -= 1;
  }
}

async function archiveOnShard(
  env: Env,
  shard: Shard,
  now: Date,
  cutoff: string,
  opts: ArchiveOptions,
  report: ArchiveReport,
): Promise<void> {
  const at = now.toISOString();
  const homed = sql`(SELECT id FROM tenants WHERE shard = ${shard.name} AND is_paused = 0)`;
  // In progress first (through campaigns_archive_idx), then the longest-completed due ones.
  const inProgress = await shard.db.all<Candidate>(sql`
    SELECT id, tenant_id FROM campaigns
     WHERE status = 'completed' AND archive_state IN ('rolled_up', 'written', 'verified', 'deleting')
       AND tenant_id IN ${homed}
     ORDER BY completed_at LIMIT ${opts.campaignsPerTick}`);
  const due = await shard.db.all<Candidate>(sql`
    SELECT c.id, c.tenant_id FROM campaigns c
     WHERE c.status = 'completed' AND c.archive_state IS NULL AND c.completed_at < ${cutoff}
       AND c.tenant_id IN ${homed}
       AND NOT EXISTS (SELECT 1 FROM campaign_archives a WHERE a.campaign_id = c.id
                        AND (a.not_before > ${at} OR a.lease_until > ${at}))
     ORDER BY c.completed_at LIMIT ${opts.campaignsPerTick}`);
  const budget = { left: opts.stepsPerTick };
  for (const c of [...inProgress, ...due]) {
    if (budget.left <= 0) break;
    if (!(await claim(shard, c, now, opts))) continue;
    const ctx: Ctx = {
      db: shard.db,
      d1: shard.d1,
      bucket: env.ARCHIVE,
      campaign: { id: c.id, tenantId: c.tenant_id },
      now,
      at,
      opts,
      report,
      budget,
    };
    // A crash (an exception) keeps the lease: the campaign waits for it to run out, then resumes.
    await advance(ctx);
    await release(shard, c.id);
  }
}

/** One tick over every shard; returns what it did (the System page shows it). */
export async function archiveCampaigns(
  env: Env,
  now: Date,
  options: Partial<ArchiveOptions> = {},
): Promise<ArchiveReport> {
  if (!env.ARCHIVE) throw new Error('The ARCHIVE R2 bucket is not bound (wrangler.toml [[r2_buckets]]).');
  const opts = { ...DEFAULT_ARCHIVE_OPTIONS, ...options };
  const { settings } = opsSettings(env as unknown as Record<string, unknown>);
  const cutoff = daysBefore(now, settings.campaignDetailDays);
  const report = emptyReport();
  const results = await Promise.allSettled(
    shards(env).map((shard) => archiveOnShard(env, shard, now, cutoff, opts, report)),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return report;
}
