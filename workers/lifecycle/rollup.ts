// The roll-ups of a campaign about to be archived: its days (campaign_daily_stats) and its totals
// (campaign_outcomes), computed from the detail rows with the very queries the reports run on them,
// so every report reads the same numbers before and after (docs/lifecycle.md).
import { type SQL, sql } from 'drizzle-orm';
import { JOB_OUTCOMES_SQL, type JobOutcome, LINK_CLICKS_SQL, type LinkClicks } from '../db/campaign-totals';
import type { Db } from '../db/client';
import { messageSlots } from '../db/message-log';
import type { ArchiveCounts, ArchivedTable } from '../db/schema';
import { type DayTotals, foldDays } from '../domain/campaign-days';
import type { SlotCount } from '../domain/event-log';
import { TABLES } from './tables';

export type OutcomeRow = {
  seq: number;
  kind: 'messages' | 'clicks';
  template_id: string | null;
  status: string | null;
  failure_reason: string | null;
  messages: number;
  cost_cents: number;
  clicks: number;
  human_clicks: number;
};

export type Rollup = { days: DayTotals[]; outcomes: OutcomeRow[]; counts: ArchiveCounts };

/** 15-minute slots of what the chart does not show: replies, opt-outs, and charged cost by send time. */
async function reportSlots(db: Db, tenantId: string, campaignId: string): Promise<SlotCount[]> {
  const slot = (column: string) =>
    sql.raw(
      `substr(${column}, 1, 14) || printf('%02d', (CAST(substr(${column}, 15, 2) AS INTEGER) / 15) * 15)`,
    );
  const at = 'coalesce(sent_at, delivered_at, failed_at, queued_at)';
  const rows = await db.all<SlotCount>(sql`
    SELECT ${slot('created_at')} AS slot, event_type AS type, count(*) AS count, 0 AS human FROM events
     WHERE campaign_id = ${campaignId} AND tenant_id = ${tenantId} AND event_type IN ('REPLIED', 'OPT_OUT')
     GROUP BY 1, 2
    UNION ALL
    SELECT ${slot(at)} AS slot, 'COST' AS type, sum(cost_cents) AS count, 0 AS human FROM send_jobs
     WHERE tenant_id = ${tenantId} AND campaign_id = ${campaignId} AND provider_message_id IS NOT NULL
       AND cost_cents IS NOT NULL
     GROUP BY 1`);
  return rows.map((r) => ({ ...r, count: Number(r.count), human: Number(r.human) }));
}

/** The campaign's roll-ups and how many rows each archived table holds, from its detail rows. */
export async function computeRollup(
  db: Db,
  campaign: { id: string; tenantId: string },
  timeZone: string,
): Promise<Rollup> {
  const d1 = db.$client;
  const tables = Object.keys(TABLES) as ArchivedTable[];
  const [chart, report, [jobs, links, ...counted]] = await Promise.all([
    messageSlots(db, { tenantId: campaign.tenantId, campaignId: campaign.id }, 15),
    reportSlots(db, campaign.tenantId, campaign.id),
    d1.batch([
      d1.prepare(JOB_OUTCOMES_SQL).bind(campaign.id),
      d1.prepare(LINK_CLICKS_SQL).bind(campaign.id),
      ...tables.map((t) => d1.prepare(TABLES[t].countSql).bind(campaign.id, campaign.tenantId)),
    ]),
  ]);
  const outcomes: OutcomeRow[] = [];
  for (const r of (jobs?.results ?? []) as JobOutcome[])
    outcomes.push({
      seq: outcomes.length,
      kind: 'messages',
      template_id: r.template_id,
      status: r.status,
      failure_reason: r.failure_reason,
      messages: r.n,
      cost_cents: r.cost,
      clicks: 0,
      human_clicks: 0,
    });
  for (const r of (links?.results ?? []) as LinkClicks[])
    outcomes.push({
      seq: outcomes.length,
      kind: 'clicks',
      template_id: r.template_id,
      status: null,
      failure_reason: null,
      messages: 0,
      cost_cents: 0,
      clicks: r.clicks,
      human_clicks: r.human,
    });
  const counts = Object.fromEntries(
    tables.map((t, i) => [t, Number((counted[i]?.results?.[0] as { n: number } | undefined)?.n ?? 0)]),
  ) as ArchiveCounts;
  return { days: foldDays([...chart, ...report], timeZone), outcomes, counts };
}

/**
 * The statements that store the roll-ups (replacing any earlier ones), for one batch with the state
 * change; each runs only while `guard` holds (the campaign is still where the caller found it).
 */
export function saveRollupStatements(
  campaign: { id: string; tenantId: string },
  r: Rollup,
  guard: SQL,
): SQL[] {
  const { id, tenantId } = campaign;
  return [
    sql`DELETE FROM campaign_daily_stats WHERE campaign_id = ${id} AND tenant_id = ${tenantId} AND ${guard}`,
    sql`DELETE FROM campaign_outcomes WHERE campaign_id = ${id} AND tenant_id = ${tenantId} AND ${guard}`,
    sql`INSERT INTO campaign_daily_stats (tenant_id, campaign_id, day, starts_at, sent, delivered, failed, clicks,
          human_clicks, replies, opt_outs, cost_cents)
        SELECT ${tenantId}, ${id}, d.value ->> '$.day', d.value ->> '$.startsAt', d.value ->> '$.sent',
               d.value ->> '$.delivered', d.value ->> '$.failed', d.value ->> '$.clicks', d.value ->> '$.humanClicks',
               d.value ->> '$.replies', d.value ->> '$.optOuts', d.value ->> '$.costCents'
          FROM json_each(${JSON.stringify(r.days)}) d WHERE ${guard}`,
    sql`INSERT INTO campaign_outcomes (tenant_id, campaign_id, seq, kind, template_id, status, failure_reason,
          messages, cost_cents, clicks, human_clicks)
        SELECT ${tenantId}, ${id}, o.value ->> '$.seq', o.value ->> '$.kind', o.value ->> '$.template_id',
               o.value ->> '$.status', o.value ->> '$.failure_reason', o.value ->> '$.messages',
               o.value ->> '$.cost_cents', o.value ->> '$.clicks', o.value ->> '$.human_clicks'
          FROM json_each(${JSON.stringify(r.outcomes)}) o WHERE ${guard}`,
  ];
}
