// Campaign exports: every recipient's outcome (streamed, keyset on contact id through the
// send_jobs UNIQUE (tenant, campaign, contact) index, so 100k recipients never sit in memory) and
// the campaign's summary as a small second file (scope, metric, value), so each CSV stays one
// plain table a spreadsheet opens as it is.
import { createRoute, z } from '@hono/zod-openapi';
import { jobTemplateSql } from '../../db/campaign-totals';
import type { Db } from '../../db/client';
import { jobTemplateId } from '../../domain/ab-split';
import { csvLine } from '../../domain/csv-import';
import { createRouter, errorResponses, IdParam } from '../../http/router';
import { archivedJobs } from '../../lifecycle/reader';
import type { ArchivedJob } from '../../lifecycle/tables';
import type { CampaignRow } from './schemas';
import { findCampaign } from './shared';
import { campaignStats } from './stats';

export const RECIPIENTS_PAGE_ROWS = 1000;

const RECIPIENT_COLUMNS = [
  'phone',
  'first_name',
  'last_name',
  'status',
  'template',
  'queued_at',
  'sent_at',
  'delivered_at',
  'failed_at',
  'failure_reason',
  'error_code',
  'parts',
  'cost_cents',
  'clicks',
  'human_clicks',
  'first_human_click_at',
  'contact_id',
  'job_id',
] as const;

type RecipientRow = {
  id: string;
  contact_id: string;
  status: string;
  template: string | null;
  queued_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  failure_reason: string | null;
  error_code: string | null;
  parts: number | null;
  cost_cents: number | null;
  charged: number;
  phone_e164: string;
  first_name: string | null;
  last_name: string | null;
  erased: number;
  clicks: number;
  human_clicks: number;
  first_human_click_at: string | null;
};

const PAGE = `
SELECT j.id, j.contact_id, j.status, t.name AS template, j.queued_at, j.sent_at, j.delivered_at, j.failed_at,
       j.failure_reason, j.error_code, j.parts, j.cost_cents, j.provider_message_id IS NOT NULL AS charged,
       c.phone_e164, c.first_name, c.last_name, c.erased_at IS NOT NULL AS erased,
       coalesce((SELECT sum(l.click_count) FROM short_links l
                  WHERE l.contact_id = j.contact_id AND l.campaign_id = j.campaign_id), 0) AS clicks,
       coalesce((SELECT sum(l.human_click_count) FROM short_links l
                  WHERE l.contact_id = j.contact_id AND l.campaign_id = j.campaign_id), 0) AS human_clicks,
       (SELECT min(l.clicked_at) FROM short_links l
         WHERE l.contact_id = j.contact_id AND l.campaign_id = j.campaign_id) AS first_human_click_at
  FROM send_jobs j
  JOIN contacts c ON c.id = j.contact_id
  LEFT JOIN message_templates t ON t.id = ${jobTemplateSql('j.template_id', '?2')}
 WHERE j.tenant_id = ?1 AND j.campaign_id = ?2 AND j.contact_id > ?3
 ORDER BY j.contact_id
 LIMIT ?4`;

const line = (r: RecipientRow) =>
  csvLine([
    r.erased ? '' : r.phone_e164,
    r.first_name,
    r.last_name,
    r.status === 'failed' && r.failure_reason === 'cancelled' ? 'cancelled' : r.status,
    r.template,
    r.queued_at,
    r.sent_at,
    r.delivered_at,
    r.failed_at,
    r.failure_reason,
    r.error_code,
    r.parts,
    // Only what the provider charged (as the stats count it).
    r.charged ? r.cost_cents : null,
    r.clicks,
    r.human_clicks,
    r.first_human_click_at,
    r.contact_id,
    r.id,
  ]);

/**
 * Archived jobs as export rows: the person (name, phone, erased) and the template's name are
 * looked up now, as the live export joins them, so a person erased after archiving stays erased.
 */
async function withPeople(
  d1: D1Database,
  campaign: CampaignRow,
  jobs: ArchivedJob[],
): Promise<RecipientRow[]> {
  const templateOf = (j: ArchivedJob) => jobTemplateId(j.template_id, campaign.templateIds);
  const [people, templates] = await d1.batch([
    d1
      .prepare(
        `SELECT id, phone_e164, first_name, last_name, erased_at IS NOT NULL AS erased FROM contacts
          WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))`,
      )
      .bind(campaign.tenantId, JSON.stringify(jobs.map((j) => j.contact_id))),
    d1
      .prepare(
        `SELECT id, name FROM message_templates WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))`,
      )
      .bind(campaign.tenantId, JSON.stringify([...new Set(jobs.map((j) => templateOf(j)).filter(Boolean))])),
  ]);
  type Person = {
    id: string;
    phone_e164: string;
    first_name: string | null;
    last_name: string | null;
    erased: number;
  };
  const byId = new Map(((people?.results ?? []) as Person[]).map((p) => [p.id, p]));
  const names = new Map(
    ((templates?.results ?? []) as { id: string; name: string }[]).map((t) => [t.id, t.name]),
  );
  const out: RecipientRow[] = [];
  for (const j of jobs) {
    const p = byId.get(j.contact_id);
    if (!p) continue; // as the live export's JOIN: a job without its contact row is not listed
    out.push({
      ...j,
      template: names.get(templateOf(j) ?? '') ?? null,
      charged: j.provider_message_id !== null ? 1 : 0,
      phone_e164: p.phone_e164,
      first_name: p.first_name,
      last_name: p.last_name,
      erased: p.erased,
      clicks: j.link_clicks,
      human_clicks: j.link_human_clicks,
      first_human_click_at: j.link_first_human_click_at,
    });
  }
  return out;
}

/**
 * Pages from D1 while the campaign's rows are there; from its R2 archive once archiving has begun
 * deleting them (docs/lifecycle.md). Each D1 page is read in one batch with the campaign's
 * `archived_at`, so an export running while the campaign is archived switches to the archive at
 * the page it had reached, without losing or repeating a recipient.
 */
export function recipientsStream(
  db: Db,
  bucket: R2Bucket | undefined,
  campaign: CampaignRow,
): ReadableStream<Uint8Array> {
  const d1 = db.$client;
  const encoder = new TextEncoder();
  let after: string | null = null;
  let archive: AsyncGenerator<ArchivedJob[]> | null = null;
  const pending: ArchivedJob[] = [];
  let archiveDone = false;

  const fromArchive = async (from: string): Promise<RecipientRow[] | null> => {
    if (!bucket) throw new Error('The campaign is archived but the ARCHIVE bucket is not bound.');
    archive ??= archivedJobs(db, bucket, campaign, from);
    while (pending.length < RECIPIENTS_PAGE_ROWS && !archiveDone) {
      const next = await archive.next();
      if (next.done) archiveDone = true;
      else pending.push(...next.value);
    }
    const chunk = pending.splice(0, RECIPIENTS_PAGE_ROWS);
    return chunk.length > 0 ? withPeople(d1, campaign, chunk) : null;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (after === null) {
          after = '';
          controller.enqueue(encoder.encode(csvLine(RECIPIENT_COLUMNS)));
          return;
        }
        if (!archive) {
          const [state, page] = await d1.batch([
            d1
              .prepare('SELECT archived_at FROM campaigns WHERE id = ?1 AND tenant_id = ?2')
              .bind(campaign.id, campaign.tenantId),
            d1.prepare(PAGE).bind(campaign.tenantId, campaign.id, after, RECIPIENTS_PAGE_ROWS),
          ]);
          const archivedAt = (state?.results?.[0] as { archived_at: string | null } | undefined)?.archived_at;
          if (!archivedAt) {
            const rows = (page?.results ?? []) as RecipientRow[];
            if (rows.length > 0) controller.enqueue(encoder.encode(rows.map(line).join('')));
            const last = rows[rows.length - 1];
            if (rows.length < RECIPIENTS_PAGE_ROWS || !last) controller.close();
            else after = last.contact_id;
            return;
          }
        }
        const rows = await fromArchive(after);
        if (rows === null) {
          controller.close();
          return;
        }
        if (rows.length > 0) controller.enqueue(encoder.encode(rows.map(line).join('')));
      } catch (err) {
        console.error('recipients.csv export failed', campaign.id, err);
        controller.error(err);
      }
    },
  });
}

const percent = (part: number, whole: number) => (whole > 0 ? ((100 * part) / whole).toFixed(1) : '');

/** The summary as (scope, metric, value) rows: the campaign, then each template. */
export async function summaryCsv(d1: D1Database, campaign: CampaignRow): Promise<string> {
  const s = await campaignStats(d1, campaign);
  const rows: (string | number | null)[][] = [];
  const add = (scope: string, metric: string, value: string | number | null) =>
    rows.push([scope, metric, value]);
  const all = 'campaign';
  add(all, 'name', campaign.name);
  add(all, 'status', s.status);
  add(all, 'status_reason', s.status_reason);
  add(all, 'started_at', campaign.startedAt);
  add(all, 'completed_at', campaign.completedAt);
  add(all, 'audience', s.audience);
  add(all, 'eligible', s.eligible);
  for (const [reason, n] of Object.entries(s.skipped)) add(all, `skipped_${reason}`, n);
  const attempted = s.sent + s.delivered + s.failed;
  for (const [metric, value] of [
    ['queued', s.queued],
    ['sent', s.sent],
    ['delivered', s.delivered],
    ['failed', s.failed],
    ['cancelled', s.cancelled],
    ['clicks', s.clicks],
    ['human_clicks', s.human_clicks],
    ['replies', s.replies],
    ['opt_outs', s.opt_outs],
    ['cost_cents', s.cost_cents],
  ] as const)
    add(all, metric, value);
  add(all, 'delivery_rate_percent', percent(s.delivered, attempted));
  add(all, 'human_click_rate_percent', percent(s.human_clicks, s.delivered));
  for (const [reason, n] of Object.entries(s.failure_reasons)) add(all, `failed_${reason}`, n);
  for (const t of s.by_template) {
    const scope = `template: ${t.name ?? t.template_id ?? 'unknown'}`;
    for (const metric of ['sent', 'delivered', 'failed', 'clicks', 'human_clicks', 'cost_cents'] as const) {
      add(scope, metric, t[metric]);
    }
    add(scope, 'delivery_rate_percent', percent(t.delivered, t.sent + t.delivered + t.failed));
    add(scope, 'human_click_rate_percent', percent(t.human_clicks, t.delivered));
  }
  return [csvLine(['scope', 'metric', 'value']), ...rows.map(csvLine)].join('');
}

/** `spring-sale` from "Spring sale!" for the download's file name. */
function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'campaign'
  );
}

const csvHeaders = (file: string) => ({
  'content-type': 'text/csv; charset=utf-8',
  'content-disposition': `attachment; filename="${file}"`,
  'cache-control': 'no-store',
});

export const campaignExportRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/campaigns/{id}/recipients.csv',
      tags: ['Campaigns'],
      summary: 'Every recipient’s outcome as CSV, streamed',
      description:
        `Columns: ${RECIPIENT_COLUMNS.join(', ')}. One row per message (a contact skipped at fan-out has none). ` +
        'cost_cents is what the provider charged (empty when nothing was). Erased people have no phone or name. ' +
        'Once the campaign is archived (its per-message rows moved out of the database some days after it ' +
        'completed, see docs/lifecycle.md; the campaign shows `archived_at`), the same rows stream from the ' +
        'archive in R2, in the same order, with names and phones looked up as they are now.',
      request: { params: IdParam },
      responses: {
        200: { description: 'The CSV', content: { 'text/csv': { schema: z.string() } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const campaign = await findCampaign(db, c.get('principal').tenantId, c.req.valid('param').id);
      return c.body(
        recipientsStream(db, c.env.ARCHIVE, campaign),
        200,
        csvHeaders(`${slug(campaign.name)}-recipients.csv`),
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/campaigns/{id}/summary.csv',
      tags: ['Campaigns'],
      summary: 'The campaign’s summary as CSV: scope, metric, value',
      description:
        'The same numbers as GET /campaigns/{id}/stats: audience, skipped by reason, sent, delivered, failed by ' +
        'reason, clicks, human clicks, replies, opt-outs, cost, rates; then the same per template.',
      request: { params: IdParam },
      responses: {
        200: { description: 'The CSV', content: { 'text/csv': { schema: z.string() } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const campaign = await findCampaign(db, c.get('principal').tenantId, c.req.valid('param').id);
      return c.body(
        await summaryCsv(db.$client, campaign),
        200,
        csvHeaders(`${slug(campaign.name)}-summary.csv`),
      );
    },
  );
