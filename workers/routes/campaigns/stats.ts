// Stats and reports: where a campaign stands (counts by template, failures, clicks, replies) and its jobs.
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import {
  INBOUND_SQL,
  JOB_OUTCOMES_SQL,
  type JobOutcome,
  LINK_CLICKS_SQL,
  type LinkClicks,
  ROLLED_CLICKS_SQL,
  ROLLED_INBOUND_SQL,
  ROLLED_JOBS_SQL,
} from '../../db/campaign-totals';
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
      description:
        'From the campaign’s messages while they are in the database; once it is archived (`archived_at`, ' +
        'docs/lifecycle.md) from its roll-ups, with the same numbers.',
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
      description:
        'An archived campaign (`archived_at` set, see docs/lifecycle.md) has no jobs left here: its ' +
        'recipients.csv streams every recipient’s outcome from the archive, and its stats are unchanged.',
      request: { params: IdParam, query: PageQuery.extend({ status: z.enum(JOB_STATUSES).optional() }) },
      responses: { 200: jsonResponse(page(JobSchema), 'Its send jobs, newest first'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const { limit, cursor, status } = c.req.valid('query');
      const campaign = await findCampaign(db, tenantId, id);
      const p = await newestFirst(
        db,
        sendJobs,
        { tenantId, cursor, limit },
        eq(sendJobs.campaignId, id),
        status ? eq(sendJobs.status, status) : undefined,
      );
      return c.json(
        { data: p.data.map((j) => jobJson(j, campaign.templateIds)), next_cursor: p.next_cursor },
        200,
      );
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

type Inbound = { replies: number; opt_outs: number };
type Sources = { jobs: JobOutcome[]; links: LinkClicks[]; inbound: Inbound };

const rowsOf = <T>(r: D1Result | undefined) => (r?.results ?? []) as T[];
const inboundOf = (r: D1Result | undefined): Inbound => {
  const row = rowsOf<Inbound>(r)[0];
  return { replies: Number(row?.replies ?? 0), opt_outs: Number(row?.opt_outs ?? 0) };
};

/**
 * Where the campaign's numbers come from: its detail rows, or its roll-ups once archiving has begun
 * deleting those (`archived_at`, docs/lifecycle.md). Only a completed campaign is ever archived; for
 * one that may be switching over, the state and both sources are read in one batch (a transaction).
 */
async function statsSources(
  d1: D1Database,
  row: CampaignRow,
  names: D1PreparedStatement,
): Promise<{ sources: Sources; names: D1Result }> {
  const live = [JOB_OUTCOMES_SQL, LINK_CLICKS_SQL, INBOUND_SQL].map((q) => d1.prepare(q).bind(row.id));
  const rolled = [ROLLED_JOBS_SQL, ROLLED_CLICKS_SQL, ROLLED_INBOUND_SQL].map((q) =>
    d1.prepare(q).bind(row.id, row.tenantId),
  );
  const read = (r: D1Result[], at: number): Sources => ({
    jobs: rowsOf<JobOutcome>(r[at]),
    links: rowsOf<LinkClicks>(r[at + 1]),
    inbound: inboundOf(r[at + 2]),
  });
  if (row.status !== 'completed' || row.archivedAt) {
    const r = await d1.batch([...(row.archivedAt ? rolled : live), names]);
    return { sources: read(r, 0), names: r[3] as D1Result };
  }
  const state = d1
    .prepare('SELECT archived_at FROM campaigns WHERE id = ?1 AND tenant_id = ?2')
    .bind(row.id, row.tenantId);
  const r = await d1.batch([state, ...live, ...rolled, names]);
  const archived = rowsOf<{ archived_at: string | null }>(r[0])[0]?.archived_at;
  return { sources: read(r, archived ? 4 : 1), names: r[7] as D1Result };
}

export async function campaignStats(
  d1: D1Database,
  row: CampaignRow,
): Promise<Omit<z.infer<typeof StatsSchema>, keyof typeof RevenueShape>> {
  const { sources, names } = await statsSources(
    d1,
    row,
    d1
      .prepare(
        `SELECT id, name FROM message_templates WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))`,
      )
      .bind(row.tenantId, JSON.stringify(row.templateIds)),
  );
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
  for (const r of sources.jobs) {
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
  for (const r of sources.links) {
    total.clicks += r.clicks;
    total.human_clicks += r.human;
    const b = bucket(r.template_id);
    b.clicks += r.clicks;
    b.human_clicks += r.human;
  }
  const nameById = new Map(rowsOf<{ id: string; name: string }>(names).map((n) => [n.id, n.name]));
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
    replies: sources.inbound.replies,
    opt_outs: sources.inbound.opt_outs,
    failure_reasons: failureReasons,
    by_template: [...new Set([...row.templateIds, ...byTemplate.keys()])].map((t) => ({
      template_id: t,
      name: t ? (nameById.get(t) ?? null) : null,
      ...(byTemplate.get(t) ?? zeroCounts()),
    })),
    ab: abStatsJson(row),
  };
}
