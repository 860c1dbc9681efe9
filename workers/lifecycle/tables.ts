// What a campaign's archive copies from each per-message table, in which order, and how its rows
// are counted and deleted. Every read walks an index without a sort (keyset pages):
// - send_jobs by contact_id, through the UNIQUE (tenant_id, campaign_id, contact_id) index, each row
//   with its recipient's link totals (what recipients.csv shows), so the archive alone answers the
//   per-recipient export in the same order as the live one;
// - short_links and events by rowid, through their campaign_id index (whose entries end in rowid);
// - click_counts by minute, through its (campaign_id, slot) primary key.
// Personal data an erasure would remove is left out: rendered message bodies, and the words and
// numbers of inbound messages (names and phones are joined from contacts when exporting).
import type { ArchivedTable } from '../db/schema';

type Row = Record<string, unknown>;
export type TablePage = { rows: Row[]; cursor: string };

export type TableSpec = {
  /** What one line of the table's NDJSON holds (for the manifest). */
  columns: readonly string[];
  /** Columns of the table not copied, and why. */
  omitted: Record<string, string>;
  /** The row's own key, checked on the first and last line of each part when read back. */
  keyOf: (row: Row) => string;
  /** Keys strictly increase through the table's parts (checked line by line when read back). */
  ordered: boolean;
  /** Where the first part starts. */
  start: string;
  page: (
    d1: D1Database,
    tenantId: string,
    campaignId: string,
    after: string,
    limit: number,
  ) => Promise<TablePage>;
  /** `?1` = campaign, `?2` = tenant. */
  countSql: string;
  /** `?1` = campaign, `?2` = tenant, `?3` = at most this many rows (only while deleting). */
  deleteSql: string;
};

export const SEND_JOB_COLUMNS = [
  'id',
  'tenant_id',
  'campaign_id',
  'contact_id',
  'template_id',
  'sending_number_id',
  'status',
  'parts',
  'cost_cents',
  'provider_message_id',
  'failure_reason',
  'error_code',
  'attempt_count',
  'attempt_started_at',
  'queued_at',
  'sent_at',
  'delivered_at',
  'failed_at',
] as const;

/** One archived send job: its row (without the body) and its recipient's link totals. */
export type ArchivedJob = {
  id: string;
  contact_id: string;
  template_id: string | null;
  status: string;
  parts: number | null;
  cost_cents: number | null;
  provider_message_id: string | null;
  failure_reason: string | null;
  error_code: string | null;
  queued_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  link_clicks: number;
  link_human_clicks: number;
  link_first_human_click_at: string | null;
};

const LINK_TOTALS = ['link_clicks', 'link_human_clicks', 'link_first_human_click_at'] as const;

// `+tenant_id` keeps the planner on the campaign's index (the tenant's would walk every campaign).
/** Only while the campaign is in 'deleting': a stray tick can never delete rows not yet archived. */
const deleteSql = (table: string) =>
  `DELETE FROM ${table} WHERE rowid IN (
     SELECT rowid FROM ${table} WHERE campaign_id = ?1 AND +tenant_id = ?2
        AND EXISTS (SELECT 1 FROM campaigns WHERE id = ?1 AND archive_state = 'deleting') LIMIT ?3)`;
const countSql = (table: string) =>
  `SELECT count(*) AS n FROM ${table} WHERE campaign_id = ?1 AND +tenant_id = ?2`;

/** A page keyed by rowid: the rowid is the cursor, not part of the copy. */
async function byRowid(stmt: D1PreparedStatement, parse?: (r: Row) => Row): Promise<TablePage> {
  const { results } = await stmt.all<Row>();
  const last = results[results.length - 1];
  const rows = results.map(({ _rowid, ...rest }) => (parse ? parse(rest) : rest));
  return { rows, cursor: last ? String(last._rowid) : '' };
}

const parseJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

export const TABLES: Record<ArchivedTable, TableSpec> = {
  send_jobs: {
    columns: [...SEND_JOB_COLUMNS, ...LINK_TOTALS],
    omitted: {
      body: 'the rendered message (personal; an erasure clears it)',
      lease_until: 'queue bookkeeping',
    },
    keyOf: (r) => String(r.contact_id),
    ordered: true,
    start: '',
    page: async (d1, tenantId, campaignId, after, limit) => {
      const { results } = await d1
        .prepare(
          `SELECT ${SEND_JOB_COLUMNS.map((c) => `j.${c}`).join(', ')},
                coalesce((SELECT sum(l.click_count) FROM short_links l
                           WHERE l.contact_id = j.contact_id AND l.campaign_id = j.campaign_id), 0) AS link_clicks,
                coalesce((SELECT sum(l.human_click_count) FROM short_links l
                           WHERE l.contact_id = j.contact_id AND l.campaign_id = j.campaign_id), 0) AS link_human_clicks,
                (SELECT min(l.clicked_at) FROM short_links l
                  WHERE l.contact_id = j.contact_id AND l.campaign_id = j.campaign_id) AS link_first_human_click_at
           FROM send_jobs j
          WHERE j.tenant_id = ?1 AND j.campaign_id = ?2 AND j.contact_id > ?3
          ORDER BY j.contact_id LIMIT ?4`,
        )
        .bind(tenantId, campaignId, after, limit)
        .all<Row>();
      const last = results[results.length - 1];
      return { rows: results, cursor: last ? String(last.contact_id) : after };
    },
    countSql: `SELECT count(*) AS n FROM send_jobs WHERE tenant_id = ?2 AND campaign_id = ?1`,
    deleteSql: `DELETE FROM send_jobs WHERE rowid IN (
       SELECT rowid FROM send_jobs WHERE tenant_id = ?2 AND campaign_id = ?1
          AND EXISTS (SELECT 1 FROM campaigns WHERE id = ?1 AND archive_state = 'deleting') LIMIT ?3)`,
  },
  short_links: {
    columns: [
      'id',
      'tenant_id',
      'campaign_id',
      'contact_id',
      'token',
      'target_url',
      'clicked_at',
      'click_count',
      'human_click_count',
      'recent_clicks',
      'created_at',
      'expires_at',
    ],
    omitted: {},
    keyOf: (r) => String(r.id),
    ordered: false,
    start: '0',
    page: (d1, tenantId, campaignId, after, limit) =>
      byRowid(
        d1
          .prepare(
            `SELECT rowid AS _rowid, id, tenant_id, campaign_id, contact_id, token, target_url, clicked_at,
                    click_count, human_click_count, recent_clicks, created_at, expires_at
               FROM short_links WHERE campaign_id = ?2 AND +tenant_id = ?1 AND rowid > ?3
              ORDER BY rowid LIMIT ?4`,
          )
          .bind(tenantId, campaignId, Number(after), limit),
        (r) => ({ ...r, recent_clicks: parseJson(r.recent_clicks) }),
      ),
    countSql: countSql('short_links'),
    deleteSql: deleteSql('short_links'),
  },
  events: {
    columns: [
      'id',
      'tenant_id',
      'contact_id',
      'campaign_id',
      'send_job_id',
      'short_link_id',
      'event_type',
      'metadata',
      'created_at',
    ],
    omitted: { 'metadata.body, .from, .to, .phone': 'an inbound message’s words and numbers (personal)' },
    keyOf: (r) => String(r.id),
    ordered: false,
    start: '0',
    page: (d1, tenantId, campaignId, after, limit) =>
      byRowid(
        d1
          .prepare(
            `SELECT rowid AS _rowid, id, tenant_id, contact_id, campaign_id, send_job_id, short_link_id, event_type,
                    json_remove(metadata, '$.body', '$.from', '$.to', '$.phone') AS metadata, created_at
               FROM events WHERE campaign_id = ?2 AND +tenant_id = ?1 AND rowid > ?3
              ORDER BY rowid LIMIT ?4`,
          )
          .bind(tenantId, campaignId, Number(after), limit),
        (r) => ({ ...r, metadata: parseJson(r.metadata) }),
      ),
    countSql: countSql('events'),
    deleteSql: deleteSql('events'),
  },
  click_counts: {
    columns: ['tenant_id', 'campaign_id', 'slot', 'clicks', 'human_clicks'],
    omitted: {},
    keyOf: (r) => String(r.slot),
    ordered: true,
    start: '',
    page: async (d1, tenantId, campaignId, after, limit) => {
      const { results } = await d1
        .prepare(
          `SELECT tenant_id, campaign_id, slot, clicks, human_clicks FROM click_counts
            WHERE campaign_id = ?2 AND +tenant_id = ?1 AND slot > ?3 ORDER BY slot LIMIT ?4`,
        )
        .bind(tenantId, campaignId, after, limit)
        .all<Row>();
      const last = results[results.length - 1];
      return { rows: results, cursor: last ? String(last.slot) : after };
    },
    countSql: countSql('click_counts'),
    deleteSql: deleteSql('click_counts'),
  },
};

/** Deleted in this order: events and click counts first, so no row is left pointing at a deleted one. */
export const DELETE_ORDER: readonly ArchivedTable[] = ['events', 'click_counts', 'short_links', 'send_jobs'];
