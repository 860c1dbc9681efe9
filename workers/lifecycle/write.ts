// The first two steps of a campaign's archiving: roll the detail rows up (state → rolled_up), then
// copy them to R2 part by part (state → written). Every step is idempotent: a part's key and content
// follow from where the previous recorded part ended, so a crash between writing an object and
// recording it rewrites the same object, and a recorded part is never written twice.
import { sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import { ARCHIVED_TABLES, type ArchivedTable } from '../db/schema';
import { type Ctx, fault, manifestKey, partKey, readState, restart } from './context';
import { gzip, sha256OfBytes, toNdjson } from './ndjson';
import { computeRollup, saveRollupStatements } from './rollup';
import { TABLES } from './tables';

const DAY_MS = 86_400_000;

/**
 * Rolls the campaign up, unless one of its links could still be clicked or still attribute an order
 * (its expiry plus the tenant's attribution window is ahead): then it is deferred until then.
 */
export async function rollUp(ctx: Ctx): Promise<'done' | 'deferred'> {
  const { id, tenantId } = ctx.campaign;
  const [[tenant], [links]] = await Promise.all([
    ctx.db.all<{ timezone: string; attribution_window_days: number }>(sql`
      SELECT timezone, attribution_window_days FROM tenants WHERE id = ${tenantId}`),
    ctx.db.all<{ last_expiry: string | null }>(sql`
      SELECT max(expires_at) AS last_expiry FROM short_links WHERE campaign_id = ${id} AND tenant_id = ${tenantId}`),
  ]);
  ctx.budget.left -= 1;
  if (!tenant) return 'deferred';
  if (links?.last_expiry) {
    const until = Date.parse(links.last_expiry) + tenant.attribution_window_days * DAY_MS;
    if (until > ctx.now.getTime()) {
      await ctx.db.run(sql`UPDATE campaign_archives SET not_before = ${new Date(until).toISOString()}
                           WHERE campaign_id = ${id}`);
      ctx.report.deferred += 1;
      return 'deferred';
    }
  }
  const rollup = await computeRollup(ctx.db, ctx.campaign, tenant.timezone);
  const fresh = sql`(SELECT archive_state FROM campaigns WHERE id = ${id}) IS NULL`;
  const [, , , , , started] = await runBatch(ctx.db, [
    sql`DELETE FROM campaign_archive_parts WHERE campaign_id = ${id} AND tenant_id = ${tenantId} AND ${fresh}`,
    ...saveRollupStatements(ctx.campaign, rollup, fresh),
    sql`UPDATE campaigns SET archive_state = 'rolled_up'
         WHERE id = ${id} AND tenant_id = ${tenantId} AND status = 'completed' AND archive_state IS NULL`,
    sql`UPDATE campaign_archives SET timezone = ${tenant.timezone}, expected_rows = ${JSON.stringify(rollup.counts)},
          rolled_up_at = ${ctx.at}, not_before = NULL
         WHERE campaign_id = ${id} AND (SELECT archive_state FROM campaigns WHERE id = ${id}) = 'rolled_up'`,
  ]);
  if (started?.changes) ctx.report.campaigns_rolled_up += 1;
  await fault(ctx, 'rolled_up');
  return 'done';
}

type LastPart = { part: number; cursor: string };

/** Writes the next part of `table`; false when the table has no rows left to copy. */
async function writePart(ctx: Ctx, prefix: string, table: ArchivedTable, last: LastPart | null) {
  const { id, tenantId } = ctx.campaign;
  const spec = TABLES[table];
  const page = await spec.page(ctx.d1, tenantId, id, last?.cursor ?? spec.start, ctx.opts.partRows);
  const first = page.rows[0];
  const final = page.rows[page.rows.length - 1];
  if (!first || !final) return null;
  const part = (last?.part ?? 0) + 1;
  const key = partKey(prefix, table, part);
  const bytes = await gzip(toNdjson(page.rows));
  const sha256 = await sha256OfBytes(bytes);
  await ctx.bucket.put(key, bytes, {
    sha256,
    httpMetadata: { contentType: 'application/gzip' },
    customMetadata: { table, rows: String(page.rows.length), campaign_id: id },
  });
  await fault(ctx, 'part:put');
  await ctx.db.run(sql`
    INSERT INTO campaign_archive_parts (tenant_id, campaign_id, table_name, part, key, rows, bytes, sha256,
                                        first_key, last_key, cursor, verified_at)
    SELECT ${tenantId}, ${id}, ${table}, ${part}, ${key}, ${page.rows.length}, ${bytes.byteLength}, ${sha256},
           ${spec.keyOf(first)}, ${spec.keyOf(final)}, ${page.cursor}, NULL
     WHERE (SELECT archive_state FROM campaigns WHERE id = ${id}) = 'rolled_up'
    ON CONFLICT (campaign_id, table_name, part) DO UPDATE SET
      key = excluded.key, rows = excluded.rows, bytes = excluded.bytes, sha256 = excluded.sha256,
      first_key = excluded.first_key, last_key = excluded.last_key, cursor = excluded.cursor, verified_at = NULL`);
  ctx.budget.left -= 1;
  ctx.report.parts_written += 1;
  await fault(ctx, 'part:recorded');
  return { part, cursor: page.cursor, full: page.rows.length === ctx.opts.partRows };
}

type PartRecord = {
  table_name: ArchivedTable;
  part: number;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
  first_key: string;
  last_key: string;
};

/** The archive's table of contents, written last: the archive explains itself without D1. */
async function writeManifest(ctx: Ctx, prefix: string, timezone: string | null, parts: PartRecord[]) {
  const { id, tenantId } = ctx.campaign;
  const [campaign] = await ctx.db.all<Record<string, unknown>>(sql`
    SELECT name, status, template_ids, target_url, utm_params, audience_count, skipped_counts, started_at, completed_at, cancelled_at
      FROM campaigns WHERE id = ${id} AND tenant_id = ${tenantId}`);
  const [daily, outcomes] = await Promise.all([
    ctx.db.all(sql`SELECT day, starts_at, sent, delivered, failed, clicks, human_clicks, replies, opt_outs, cost_cents
                     FROM campaign_daily_stats WHERE campaign_id = ${id} AND tenant_id = ${tenantId} ORDER BY day`),
    ctx.db.all(sql`SELECT seq, kind, template_id, status, failure_reason, messages, cost_cents, clicks, human_clicks
                     FROM campaign_outcomes WHERE campaign_id = ${id} AND tenant_id = ${tenantId} ORDER BY seq`),
  ]);
  const tables = Object.fromEntries(
    ARCHIVED_TABLES.map((t) => {
      const mine = parts.filter((p) => p.table_name === t);
      return [
        t,
        {
          rows: mine.reduce((n, p) => n + p.rows, 0),
          columns: TABLES[t].columns,
          omitted: TABLES[t].omitted,
          parts: mine.map(({ table_name: _, ...p }) => p),
        },
      ];
    }),
  );
  const manifest = {
    format: 'sms-campaigns/campaign-archive',
    version: 1,
    tenant_id: tenantId,
    campaign_id: id,
    campaign: campaign
      ? {
          ...campaign,
          template_ids: JSON.parse(String(campaign.template_ids)),
          utm_params: campaign.utm_params === null ? null : JSON.parse(String(campaign.utm_params)),
          skipped_counts: JSON.parse(String(campaign.skipped_counts)),
        }
      : null,
    timezone,
    written_at: ctx.at,
    encoding: 'Each part is gzip-compressed NDJSON: one JSON object per line.',
    tables,
    rollups: { daily, outcomes },
  };
  await ctx.bucket.put(manifestKey(prefix), JSON.stringify(manifest, null, 2), {
    httpMetadata: { contentType: 'application/json' },
  });
}

/** Copies the next parts within the budget; when every table is copied and counted, → written. */
export async function writeParts(ctx: Ctx): Promise<void> {
  const { id, tenantId } = ctx.campaign;
  const { archive, expected } = await readState(ctx);
  if (!archive || !expected) throw new Error(`archive of campaign ${id}: rolled up without its record`);
  const lasts = await ctx.db.all<LastPart & { table_name: ArchivedTable }>(sql`
    SELECT p.table_name, p.part, p.cursor FROM campaign_archive_parts p
     WHERE p.campaign_id = ${id} AND p.tenant_id = ${tenantId}
       AND p.part = (SELECT max(q.part) FROM campaign_archive_parts q
                      WHERE q.campaign_id = p.campaign_id AND q.table_name = p.table_name)`);
  for (const table of ARCHIVED_TABLES) {
    let last: LastPart | null = lasts.find((l) => l.table_name === table) ?? null;
    while (true) {
      if (ctx.budget.left <= 0) return;
      const written = await writePart(ctx, archive.prefix, table, last);
      if (!written) break;
      last = written;
      if (!written.full) break;
    }
  }
  const parts = await ctx.db.all<PartRecord>(sql`
    SELECT table_name, part, key, rows, bytes, sha256, first_key, last_key FROM campaign_archive_parts
     WHERE campaign_id = ${id} AND tenant_id = ${tenantId} ORDER BY table_name, part`);
  for (const table of ARCHIVED_TABLES) {
    const copied = parts.filter((p) => p.table_name === table).reduce((n, p) => n + p.rows, 0);
    if (copied !== expected[table]) {
      await restart(ctx, archive.prefix, `${table}: ${copied} rows copied, ${expected[table]} counted`);
      return;
    }
  }
  await writeManifest(ctx, archive.prefix, archive.timezone, parts);
  await fault(ctx, 'manifest');
  await runBatch(ctx.db, [
    sql`UPDATE campaigns SET archive_state = 'written'
         WHERE id = ${id} AND tenant_id = ${tenantId} AND archive_state = 'rolled_up'`,
    sql`UPDATE campaign_archives SET written_at = ${ctx.at} WHERE campaign_id = ${id}`,
  ]);
  await fault(ctx, 'written');
}
