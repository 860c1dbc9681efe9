// What every step of a campaign's archiving works with, and the bookkeeping they share: the state,
// the archive row, and starting over when the rows changed under the archiver.
import { sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import type { Db } from '../db/client';
import type { ArchiveCounts, ArchiveState } from '../db/schema';

/** Where a test makes the archiver crash (workers/lifecycle/archiver.ts calls `fault` there). */
export type FaultPoint =
  | 'rolled_up'
  | 'part:put'
  | 'part:recorded'
  | 'manifest'
  | 'written'
  | 'part:verified'
  | 'verified'
  | 'deleting'
  | 'delete:batch'
  | 'archived';

export type ArchiveOptions = {
  /** Rows per R2 object. */
  partRows: number;
  /** Rows per DELETE statement. */
  deleteRows: number;
  /** Units of work per shard and tick: a roll-up, a part written or read back, a DELETE statement. */
  stepsPerTick: number;
  /** Campaigns looked at per shard and tick (in progress first, then newly due). */
  campaignsPerTick: number;
  /** How long a tick owns a campaign; a crashed tick's claim runs out after this. */
  leaseMs: number;
  /** Tests: called at each FaultPoint; throwing there is a crash at that point. */
  fault?: (point: FaultPoint, campaignId: string) => void | Promise<void>;
};

export const DEFAULT_ARCHIVE_OPTIONS: ArchiveOptions = {
  partRows: 5000,
  deleteRows: 5000,
  stepsPerTick: 20,
  campaignsPerTick: 5,
  leaseMs: 5 * 60_000,
};

export type ArchiveReport = {
  campaigns_rolled_up: number;
  parts_written: number;
  parts_verified: number;
  rows_deleted: number;
  campaigns_archived: number;
  /** Started over: the rows changed under the archiver (never once deleting began). */
  restarts: number;
  /** A part read back wrong (missing, checksum, count): rewritten from there. */
  rewrites: number;
  /** Not yet: a link of the campaign could still be clicked or attribute an order. */
  deferred: number;
};

export const emptyReport = (): ArchiveReport => ({
  campaigns_rolled_up: 0,
  parts_written: 0,
  parts_verified: 0,
  rows_deleted: 0,
  campaigns_archived: 0,
  restarts: 0,
  rewrites: 0,
  deferred: 0,
});

export type Ctx = {
  db: Db;
  d1: D1Database;
  bucket: R2Bucket;
  campaign: { id: string; tenantId: string };
  now: Date;
  at: string;
  opts: ArchiveOptions;
  report: ArchiveReport;
  /** Units of work left in this tick (shared by the shard's campaigns). */
  budget: { left: number };
};

export const fault = async (ctx: Ctx, point: FaultPoint) => ctx.opts.fault?.(point, ctx.campaign.id);

export type ArchiveRow = {
  prefix: string;
  timezone: string | null;
  expected_rows: string | null;
};

/** The campaign's archiving state and archive row (null before the first claim). */
export async function readState(
  ctx: Ctx,
): Promise<{ state: ArchiveState | null; archive: ArchiveRow | null; expected: ArchiveCounts | null }> {
  const { id, tenantId } = ctx.campaign;
  const [row] = await ctx.db.all<{ archive_state: ArchiveState | null } & Partial<ArchiveRow>>(sql`
    SELECT c.archive_state, a.prefix, a.timezone, a.expected_rows FROM campaigns c
      LEFT JOIN campaign_archives a ON a.campaign_id = c.id
     WHERE c.id = ${id} AND c.tenant_id = ${tenantId}`);
  const archive = row?.prefix
    ? { prefix: row.prefix, timezone: row.timezone ?? null, expected_rows: row.expected_rows ?? null }
    : null;
  return {
    state: row?.archive_state ?? null,
    archive,
    expected: archive?.expected_rows ? (JSON.parse(archive.expected_rows) as ArchiveCounts) : null,
  };
}

/** `tenants/<tenant>/campaigns/<campaign>`: every object of one campaign's archive is under it. */
export const archivePrefix = (tenantId: string, campaignId: string) =>
  `tenants/${tenantId}/campaigns/${campaignId}`;

export const partKey = (prefix: string, table: string, part: number) =>
  `${prefix}/${table}-${String(part).padStart(5, '0')}.ndjson.gz`;

export const manifestKey = (prefix: string) => `${prefix}/manifest.json`;

const RESTARTS_BEFORE_BACKOFF = 3;
const BACKOFF_MS = 24 * 3_600_000;

/** Deletes every object under the campaign's prefix (a thousand per call, as R2 lists them). */
async function clearObjects(bucket: R2Bucket, prefix: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: `${prefix}/`, cursor, limit: 1000 });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

/**
 * Starts the campaign's archiving over: the rows changed after they were counted (a late receipt
 * or reply). Only before deleting began, so nothing is lost: the objects go first (a crash after
 * that is found by the read-back), then the roll-ups, parts and state in one batch.
 */
export async function restart(ctx: Ctx, prefix: string, reason: string): Promise<void> {
  const { id, tenantId } = ctx.campaign;
  await clearObjects(ctx.bucket, prefix);
  const before = sql`(SELECT archive_state FROM campaigns WHERE id = ${id}) IN ('rolled_up', 'written', 'verified')`;
  await runBatch(ctx.db, [
    sql`DELETE FROM campaign_archive_parts WHERE campaign_id = ${id} AND tenant_id = ${tenantId} AND ${before}`,
    sql`DELETE FROM campaign_daily_stats WHERE campaign_id = ${id} AND tenant_id = ${tenantId} AND ${before}`,
    sql`DELETE FROM campaign_outcomes WHERE campaign_id = ${id} AND tenant_id = ${tenantId} AND ${before}`,
    // Rows that keep changing (or a fault that keeps recurring) are retried a day later, not every minute.
    sql`UPDATE campaign_archives SET restarts = restarts + 1, last_error = ${reason.slice(0, 500)},
          expected_rows = NULL, rolled_up_at = NULL, written_at = NULL, verified_at = NULL,
          not_before = CASE WHEN restarts + 1 >= ${RESTARTS_BEFORE_BACKOFF}
                            THEN ${new Date(ctx.now.getTime() + BACKOFF_MS).toISOString()} END
         WHERE campaign_id = ${id} AND ${before}`,
    sql`UPDATE campaigns SET archive_state = NULL
         WHERE id = ${id} AND tenant_id = ${tenantId} AND archive_state IN ('rolled_up', 'written', 'verified')`,
  ]);
  ctx.report.restarts += 1;
  console.warn('archive: starting over', id, reason);
}
