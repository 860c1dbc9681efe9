// A campaign's totals as its report counts them (workers/routes/campaigns/stats.ts): from its
// per-message rows while they are in D1, and from its roll-ups once it is archived. The roll-up
// (workers/lifecycle/rollup.ts) stores the rows the live queries answer, in their order, so the
// report of an archived campaign is the same to the byte. `?1` = campaign, `?2` = tenant.

/** A campaign's jobs by template, status and failure reason: how many, and what the provider charged. */
export type JobOutcome = {
  template_id: string | null;
  status: string;
  failure_reason: string | null;
  n: number;
  cost: number;
};
/** A campaign's link clicks by the template of the recipient's job. */
export type LinkClicks = { template_id: string | null; clicks: number; human: number };

/**
 * SQL: the template of a job (`column`: its template_id) of campaign `campaignId` (default `?1`): its
 * own (A/B variants), else the campaign's only one (workers/domain/ab-split.ts `storedTemplateId`).
 * With `?1` the subquery does not depend on the row, so SQLite runs it once per statement.
 */
export const jobTemplateSql = (column: string, campaignId = '?1') =>
  `coalesce(${column}, (SELECT CASE WHEN json_array_length(camp.template_ids) = 1 THEN json_extract(camp.template_ids, '$[0]') END FROM campaigns camp WHERE camp.id = ${campaignId}))`;

// The live totals, read from the detail rows. Grouped by the resolved template, so a campaign whose
// jobs were written both ways (launched before single-template jobs stopped storing it) adds up.
export const JOB_OUTCOMES_SQL = `SELECT ${jobTemplateSql('template_id')} AS template_id, status, failure_reason, count(*) AS n,
        coalesce(sum(CASE WHEN provider_message_id IS NOT NULL THEN cost_cents END), 0) AS cost
   FROM send_jobs WHERE campaign_id = ?1 GROUP BY 1, 2, 3`;
export const LINK_CLICKS_SQL = `SELECT ${jobTemplateSql('j.template_id')} AS template_id, coalesce(sum(l.click_count), 0) AS clicks,
        coalesce(sum(l.human_click_count), 0) AS human
   FROM short_links l
   LEFT JOIN send_jobs j -- all three columns, so the join uses the UNIQUE index (not a scan per link)
          ON j.tenant_id = l.tenant_id AND j.campaign_id = l.campaign_id AND j.contact_id = l.contact_id
  WHERE l.campaign_id = ?1 GROUP BY 1`;
export const INBOUND_SQL = `SELECT coalesce(sum(event_type = 'REPLIED'), 0) AS replies, coalesce(sum(event_type = 'OPT_OUT'), 0) AS opt_outs
   FROM events WHERE campaign_id = ?1 AND event_type IN ('REPLIED', 'OPT_OUT')`;

// The same from the roll-ups of an archived campaign (campaign_outcomes, campaign_daily_stats).
export const ROLLED_JOBS_SQL = `SELECT template_id, status, failure_reason, messages AS n, cost_cents AS cost
   FROM campaign_outcomes WHERE campaign_id = ?1 AND tenant_id = ?2 AND kind = 'messages' ORDER BY seq`;
export const ROLLED_CLICKS_SQL = `SELECT template_id, clicks, human_clicks AS human
   FROM campaign_outcomes WHERE campaign_id = ?1 AND tenant_id = ?2 AND kind = 'clicks' ORDER BY seq`;
export const ROLLED_INBOUND_SQL = `SELECT coalesce(sum(replies), 0) AS replies, coalesce(sum(opt_outs), 0) AS opt_outs
   FROM campaign_daily_stats WHERE campaign_id = ?1 AND tenant_id = ?2`;
