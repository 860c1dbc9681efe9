// shard database: the storage lifecycle of completed campaigns (roll-ups, archives in R2) and the
// click baselines a tenant move keeps on the new shard.
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { oneOf } from './columns';
import { tenants } from './control';
import { ARCHIVED_TABLES, type ArchivedTable, JOB_STATUSES } from './enums';
import { campaigns } from './templates-campaigns';

// ---------------------------------------------------------------------------------------------
// shard database (issue 11: the storage lifecycle, workers/lifecycle/, docs/lifecycle.md)
// A completed campaign's per-message rows are rolled up into the two tables below, copied to R2
// (ARCHIVE bucket) as gzipped NDJSON and then deleted; its reports read the roll-ups from then on.

// One row per campaign and day of the tenant's time zone (at archiving time), with what the chart
// and the dashboard show: messages sent, delivered and failed that day (by their own time), clicks
// (from click_counts), replies and opt-outs (events) and what the provider charged (by send time).
export const campaignDailyStats = sqliteTable(
  'campaign_daily_stats',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    /** The local date, YYYY-MM-DD, in campaign_archives.timezone. */
    day: text('day').notNull(),
    /** That date's local midnight as an ISO-8601 UTC instant (days are 23 or 25 hours on DST days). */
    startsAt: text('starts_at').notNull(),
    sent: integer('sent').notNull().default(0),
    delivered: integer('delivered').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    clicks: integer('clicks').notNull().default(0),
    humanClicks: integer('human_clicks').notNull().default(0),
    replies: integer('replies').notNull().default(0),
    optOuts: integer('opt_outs').notNull().default(0),
    costCents: integer('cost_cents').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.day] }),
    // the tenant-wide chart over archived campaigns (GET /events/timeseries without campaign_id)
    index('campaign_daily_stats_tenant_starts_idx').on(t.tenantId, t.startsAt),
  ],
);

export const OUTCOME_KINDS = ['messages', 'clicks'] as const;

// A campaign's totals as GET /campaigns/:id/stats counts them, kept row for row in the order the
// live query produced them (seq), so the report of an archived campaign is the same to the byte:
// kind 'messages' = send jobs by template, status and failure reason (count, charged cost);
// kind 'clicks' = its links' clicks by the template of the recipient's job.
export const campaignOutcomes = sqliteTable(
  'campaign_outcomes',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: OUTCOME_KINDS }).notNull(),
    /** No foreign key: a template used by a campaign cannot be deleted, and the id is history here. */
    templateId: text('template_id'),
    status: text('status', { enum: JOB_STATUSES }),
    failureReason: text('failure_reason'),
    messages: integer('messages').notNull().default(0),
    costCents: integer('cost_cents').notNull().default(0),
    clicks: integer('clicks').notNull().default(0),
    humanClicks: integer('human_clicks').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.seq] }),
    index('campaign_outcomes_tenant_id_idx').on(t.tenantId),
    check('campaign_outcomes_kind_enum', oneOf('kind', OUTCOME_KINDS)),
    check('campaign_outcomes_status_enum', sql`status IS NULL OR ${oneOf('status', JOB_STATUSES)}`),
  ],
);

/** Rows per table a campaign's archive must hold (counted when the roll-ups were made). */
export type ArchiveCounts = Record<ArchivedTable, number>;

// The archiving of one campaign: where its objects go, what it must hold, and the bookkeeping of
// the resumable state machine (the state itself is campaigns.archive_state).
export const campaignArchives = sqliteTable(
  'campaign_archives',
  {
    campaignId: text('campaign_id')
      .primaryKey()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** R2 key prefix: tenants/<tenant>/campaigns/<campaign>. */
    prefix: text('prefix').notNull(),
    /** The zone the daily roll-ups were cut in (the tenant's when they were made). */
    timezone: text('timezone'),
    expectedRows: text('expected_rows', { mode: 'json' }).$type<ArchiveCounts>(),
    startedAt: text('started_at').notNull(),
    rolledUpAt: text('rolled_up_at'),
    writtenAt: text('written_at'),
    verifiedAt: text('verified_at'),
    deletingAt: text('deleting_at'),
    archivedAt: text('archived_at'),
    rowsDeleted: integer('rows_deleted').notNull().default(0),
    /** One cron tick at a time works on a campaign; a crashed tick's lease simply runs out. */
    leaseUntil: text('lease_until'),
    /** Not before then: a link of the campaign could still be clicked, or attribute an order. */
    notBefore: text('not_before'),
    /** Times the archiving started over because the rows changed under it (or a copy was bad). */
    restarts: integer('restarts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('campaign_archives_tenant_id_idx').on(t.tenantId)],
);

// One R2 object of a campaign's archive: `<prefix>/<table>-<part>.ndjson.gz`, written in key order
// (send_jobs by contact, click_counts by minute, short_links and events by rowid through their
// campaign index). `cursor` is where the next part starts; `verified_at` is set once read back.
export const campaignArchiveParts = sqliteTable(
  'campaign_archive_parts',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    tableName: text('table_name', { enum: ARCHIVED_TABLES }).notNull(),
    part: integer('part').notNull(),
    key: text('key').notNull(),
    rows: integer('rows').notNull(),
    /** Size and SHA-256 (hex) of the gzipped object as written. */
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** The first and last row's own key (contact_id, id or slot), checked when read back. */
    firstKey: text('first_key').notNull(),
    lastKey: text('last_key').notNull(),
    cursor: text('cursor').notNull(),
    verifiedAt: text('verified_at'),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.tableName, t.part] }),
    index('campaign_archive_parts_tenant_id_idx').on(t.tenantId),
    check('campaign_archive_parts_table_enum', oneOf('table_name', ARCHIVED_TABLES)),
  ],
);

// ---------------------------------------------------------------------------------------------
// shard database (issue 11): what a tenant move copied of each click counter, kept on the new
// shard while the move runs. Clicks keep landing on the old shard after their row was copied
// (the redirect caches a link's shard for up to 10 minutes past the switch) and the lean write
// path leaves no row per click to copy, so the move adds (old shard now − this baseline) to the
// new shard's counters after the wait, advancing the baseline in the same transaction: a re-run
// never adds a click twice. One row per copied short link (its click_count, human_click_count,
// clicked_at, recent_clicks) and per click_counts row (clicks, human_clicks); `row_key` is the
// row's primary key as the move's cursor writes it (the link id, or `["campaign_id","slot"]`).
// Written and deleted by `npm run ops -- tenant move` only (workers/cli/ops-move-clicks.mjs),
// never copied by a move; empty outside one.
export const MOVE_BASELINE_TABLES = ['short_links', 'click_counts'] as const;
export const moveClickBaselines = sqliteTable(
  'move_click_baselines',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    moveId: text('move_id').notNull(),
    tableName: text('table_name', { enum: MOVE_BASELINE_TABLES }).notNull(),
    rowKey: text('row_key').notNull(),
    clicks: integer('clicks').notNull(),
    humanClicks: integer('human_clicks').notNull(),
    clickedAt: text('clicked_at'),
    recentClicks: text('recent_clicks', { mode: 'json' }).$type<string[]>(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.moveId, t.tableName, t.rowKey] }),
    check('move_click_baselines_table_enum', oneOf('table_name', MOVE_BASELINE_TABLES)),
  ],
);
