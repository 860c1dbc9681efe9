// Stats and reports: where a campaign stands (counts by template, failures, clicks, replies) and its jobs.
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { campaignRevenue } from '../../db/conversions';
import { JOB_STATUSES, sendJobs } from '../../db/schema';
import { newestFirst } from '../../http/pagination';
import { createRouter, errorResponses, IdParam, jsonResponse, PageQuery, page } from '../../http/router';
import type { RevenueShape } from '../conversions';
import { abStatsJson } from './ab';
import { type CampaignRow, type CountsShape, JobSchema, jobJson, StatsSchema } from './schemas';
import { findCampaign } from './shared';

export const campaignStatsRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/campaigns/{id}/stats',
      tags: ['Campaigns'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(StatsSchema, 'Where the campaign stands'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const row = await findCampaign(db, tenantId, c.req.valid('param').id);
      const [stats, revenue] = await Promise.all([
        campaignStats(db.$client, row),
        campaignRevenue(db, c.get('control'), tenantId, row.id),
      ]);
      return c.json({ ...stats, ...revenue }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/campaigns/{id}/jobs',
      tags: ['Campaigns'],
      request: { params: IdParam, query: PageQuery.extend({ status: z.enum(JOB_STATUSES).optional() }) },
      responses: { 200: jsonResponse(page(JobSchema), 'Its send jobs, newest first'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const { limit, cursor, status } = c.req.valid('query');
      await findCampaign(db, tenantId, id);
      const p = await newestFirst(
        db,
        sendJobs,
        { tenantId, cursor, limit },
        eq(sendJobs.campaignId, id),
        status ? eq(sendJobs.status, status) : undefined,
      );
      return c.json({ data: p.data.map(jobJson), next_cursor: p.next_cursor }, 200);
    },
  );

type Counts = z.infer<z.ZodObject<typeof CountsShape>>;
const zeroCounts = (): Counts => ({
  queued: 0,
  sent: 0,
  delivered: 0,
  failed: 0,
  clicks: 0,
  human_clicks: 0,
  cost_cents: 0,
});

export async function campaignStats(
  d1: D1Database,
  row: CampaignRow,
): Promise<Omit<z.infer<typeof StatsSchema>, keyof typeof RevenueShape>> {
  const [jobs, links, events, names] = await d1.batch([
    d1
      .prepare(
        `SELECT template_id, status, failure_reason, count(*) AS n,
                coalesce(sum(CASE WHEN provider_message_id IS NOT NULL THEN cost_cents END), 0) AS cost
           FROM send_jobs WHERE campaign_id = ?1 GROUP BY template_id, status, failure_reason`,
      )
      .bind(row.id),
    d1
      .prepare(
        `SELECT j.template_id AS template_id, coalesce(sum(l.click_count), 0) AS clicks,
                coalesce(sum(l.human_click_count), 0) AS human
           FROM short_links l
           LEFT JOIN send_jobs j -- all three columns, so the join uses the UNIQUE index (not a scan per link)
                  ON j.tenant_id = l.tenant_id AND j.campaign_id = l.campaign_id AND j.contact_id = l.contact_id
          WHERE l.campaign_id = ?1 GROUP BY j.template_id`,
      )
      .bind(row.id),
    d1
      .prepare(
        `SELECT event_type, count(*) AS n FROM events
          WHERE campaign_id = ?1 AND event_type IN ('REPLIED', 'OPT_OUT') GROUP BY event_type`,
      )
      .bind(row.id),
    d1
      .prepare(
        `SELECT id, name FROM message_templates WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))`,
      )
      .bind(row.tenantId, JSON.stringify(row.templateIds)),
  ]);
  const total = zeroCounts();
  const byTemplate = new Map<string | null, Counts>();
  const failureReasons: Record<string, number> = {};
  let cancelled = 0;
  const bucket = (t: string | null) => {
    let b = byTemplate.get(t);
    if (!b) {
      b = zeroCounts();
      byTemplate.set(t, b);
    }
    return b;
  };
  type JobAgg = {
    template_id: string | null;
    status: string;
    failure_reason: string | null;
    n: number;
    cost: number;
  };
  for (const r of (jobs?.results ?? []) as JobAgg[]) {
    const b = bucket(r.template_id);
    if (r.status === 'failed' && r.failure_reason === 'cancelled') {
      cancelled += r.n;
      continue;
    }
    if (r.status === 'queued' || r.status === 'sent' || r.status === 'delivered' || r.status === 'failed') {
      total[r.status] += r.n;
      b[r.status] += r.n;
    }
    if (r.status === 'failed')
      failureReasons[r.failure_reason ?? 'unknown'] =
        (failureReasons[r.failure_reason ?? 'unknown'] ?? 0) + r.n;
    total.cost_cents += r.cost;
    b.cost_cents += r.cost;
  }
  for (const r of (links?.results ?? []) as { template_id: string | null; clicks: number; human: number }[]) {
    total.clicks += r.clicks;
    total.human_clicks += r.human;
    const b = bucket(r.template_id);
    b.clicks += r.clicks;
    b.human_clicks += r.human;
  }
  const ev = Object.fromEntries(
    ((events?.results ?? []) as { event_type: string; n: number }[]).map((e) => [e.event_type, e.n]),
  );
  const nameById = new Map(
    ((names?.results ?? []) as { id: string; name: string }[]).map((n) => [n.id, n.name]),
  );
  const skipped = row.skippedCounts;
  const skippedTotal = Object.values(skipped).reduce((a, b) => a + b, 0);
  const audience = row.audienceCount ?? 0;
  return {
    status: row.status,
    status_reason: row.statusReason,
    audience,
    eligible: Math.max(0, audience - skippedTotal),
    skipped,
    ...total,
    cancelled,
    replies: ev.REPLIED ?? 0,
    opt_outs: ev.OPT_OUT ?? 0,
    failure_reasons: failureReasons,
    by_template: [...new Set([...row.templateIds, ...byTemplate.keys()])].map((t) => ({
      template_id: t,
      name: t ? (nameById.get(t) ?? null) : null,
      ...(byTemplate.get(t) ?? zeroCounts()),
    })),
    ab: abStatsJson(row),
  };
}
