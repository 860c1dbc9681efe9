// Campaigns: CRUD while draft, launch (with a preview of who gets it and what it costs),
// pause / resume / cancel, stats and jobs. The sending itself happens in the queues
// (workers/queues/fanout.ts, workers/send/*); these routes only move the campaign's state and
// kick the queues, so every action answers at once.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Db } from '../db/client';
import { nowIso } from '../db/client';
import { campaignRevenue } from '../db/conversions';
import { costPerPartCents } from '../db/costs';
import { uuidv7 } from '../db/ids';
import {
  CAMPAIGN_STATUSES,
  campaigns,
  contacts,
  JOB_STATUSES,
  messageTemplates,
  sendingNumbers,
  sendJobs,
  suppressionRules,
  tenants,
} from '../db/schema';
import { applyComplianceFooter } from '../domain/compliance';
import { suppressionCutoff } from '../domain/eligibility';
import { analyzeSms } from '../domain/sms-encoding';
import { contactVariables, renderTemplate } from '../domain/template';
import { auditRow, diff } from '../http/audit';
import type { AppEnv } from '../http/context';
import { ApiError, notFound } from '../http/errors';
import { newestFirst } from '../http/pagination';
import {
  createRouter,
  errorResponses,
  HhMm,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
} from '../http/router';
import { audienceWhere } from '../queues/fanout';
import { previewShortLinkUrl } from '../redirect/links';
import { enqueueFanout, enqueueSendJobs } from '../send/enqueue';
import { LEASE_GRACE_SECONDS } from '../send/loop';
import { usesLink } from '../send/render';
import { RevenueShape } from './conversions';

const Audience = z
  .object({
    import_batch_id: z.uuid().optional(),
    custom_field: z
      .object({
        key: z.string().regex(/^[A-Za-z0-9_ -]{1,64}$/, 'Letters, digits, space, - and _ (max 64)'),
        value: z.string().max(500),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('CampaignAudience');

const UtmParams = z.record(z.string().regex(/^[a-z_]{1,32}$/), z.string().max(200));
const HttpUrl = z
  .url()
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), 'Must be an http(s) URL');
const IsoInstant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

const CampaignFields = z.object({
  name: z.string().trim().min(1).max(200),
  template_ids: z.array(z.uuid()).min(1).max(10),
  quiet_hours_start: HhMm.default('20:00'),
  quiet_hours_end: HhMm.default('09:00'),
  target_url: HttpUrl.nullable().optional(),
  audience: Audience.default({}),
  scheduled_at: IsoInstant.nullable().optional(),
  sending_number_ids: z.array(z.uuid()).max(50).default([]),
  utm_params: UtmParams.nullable().optional(),
});
const CampaignCreate = CampaignFields.strict();
const CampaignPatch = z
  .object({
    name: CampaignFields.shape.name,
    template_ids: CampaignFields.shape.template_ids,
    quiet_hours_start: HhMm,
    quiet_hours_end: HhMm,
    target_url: HttpUrl.nullable(),
    audience: Audience,
    scheduled_at: IsoInstant.nullable(),
    sending_number_ids: z.array(z.uuid()).max(50),
    utm_params: UtmParams.nullable(),
  })
  .partial()
  .strict();

const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    status_reason: z.string().nullable(),
    template_ids: z.array(z.string()),
    quiet_hours_start: z.string(),
    quiet_hours_end: z.string(),
    target_url: z.string().nullable(),
    audience: z.record(z.string(), z.unknown()),
    scheduled_at: z.string().nullable(),
    sending_number_ids: z.array(z.string()),
    utm_params: z.record(z.string(), z.string()).nullable(),
    audience_count: z.number().int().nullable(),
    skipped_counts: z.record(z.string(), z.number()),
    queued_at: z.string().nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Campaign');

const PreviewSchema = z
  .object({
    audience: z.number().int(),
    eligible: z.number().int(),
    excluded: z.object({
      no_consent: z.number().int(),
      do_not_contact: z.number().int(),
      suppressed: z.number().int(),
      invalid: z.number().int(),
    }),
    estimated_cost_cents: z.number().int().nullable(),
    per_part_cents: z.number().int().nullable(),
    templates: z.array(
      z.object({
        template_id: z.string(),
        sample: z.string(),
        encoding: z.string(),
        segments: z.number().int(),
        share: z.number(),
      }),
    ),
    sending_numbers: z.number().int(),
    warnings: z.array(z.string()),
  })
  .openapi('LaunchPreview');

const CountsShape = {
  queued: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  clicks: z.number().int(),
  human_clicks: z.number().int(),
  cost_cents: z.number().int(),
};
const StatsSchema = z
  .object({
    status: z.enum(CAMPAIGN_STATUSES),
    status_reason: z.string().nullable(),
    audience: z.number().int(),
    eligible: z.number().int(),
    skipped: z.record(z.string(), z.number().int()),
    ...CountsShape,
    cancelled: z.number().int(),
    replies: z.number().int(),
    opt_outs: z.number().int(),
    failure_reasons: z.record(z.string(), z.number().int()),
    ...RevenueShape,
    by_template: z.array(
      z.object({ template_id: z.string().nullable(), name: z.string().nullable(), ...CountsShape }),
    ),
  })
  .openapi('CampaignStats');

const JobSchema = z
  .object({
    id: z.string(),
    contact_id: z.string(),
    template_id: z.string().nullable(),
    sending_number_id: z.string().nullable(),
    status: z.enum(JOB_STATUSES),
    body: z.string().nullable(),
    parts: z.number().int().nullable(),
    cost_cents: z.number().int().nullable(),
    provider_message_id: z.string().nullable(),
    failure_reason: z.string().nullable(),
    error_code: z.string().nullable(),
    attempt_count: z.number().int(),
    queued_at: z.string(),
    sent_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    failed_at: z.string().nullable(),
  })
  .openapi('SendJob');

type CampaignRow = typeof campaigns.$inferSelect;
export function campaignJson(r: CampaignRow): z.infer<typeof CampaignSchema> {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    status_reason: r.statusReason,
    template_ids: r.templateIds,
    quiet_hours_start: r.quietHoursStart,
    quiet_hours_end: r.quietHoursEnd,
    target_url: r.targetUrl,
    audience: r.audience,
    scheduled_at: r.scheduledAt,
    sending_number_ids: r.sendingNumberIds,
    utm_params: r.utmParams,
    audience_count: r.audienceCount,
    skipped_counts: r.skippedCounts,
    queued_at: r.queuedAt,
    started_at: r.startedAt,
    completed_at: r.completedAt,
    cancelled_at: r.cancelledAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

type JobRow = typeof sendJobs.$inferSelect;
const jobJson = (j: JobRow): z.infer<typeof JobSchema> => ({
  id: j.id,
  contact_id: j.contactId,
  template_id: j.templateId,
  sending_number_id: j.sendingNumberId,
  status: j.status,
  body: j.body,
  parts: j.parts,
  cost_cents: j.costCents,
  provider_message_id: j.providerMessageId,
  failure_reason: j.failureReason,
  error_code: j.errorCode,
  attempt_count: j.attemptCount,
  queued_at: j.queuedAt,
  sent_at: j.sentAt,
  delivered_at: j.deliveredAt,
  failed_at: j.failedAt,
});

async function findCampaign(db: Db, tenantId: string, id: string): Promise<CampaignRow> {
  const row = await db.query.campaigns.findFirst({
    where: and(eq(campaigns.id, id), eq(campaigns.tenantId, tenantId)),
  });
  if (!row) throw notFound('Campaign');
  return row;
}

type Settings = {
  template_ids?: string[];
  sending_number_ids?: string[];
  target_url?: string | null;
  quiet_hours_start?: string;
  quiet_hours_end?: string;
};

/** Cross-field and cross-table checks: templates and numbers must be this tenant's. */
async function validateSettings(db: Db, tenantId: string, s: Required<Settings>) {
  const errors: { path: string; message: string }[] = [];
  if (s.quiet_hours_start === s.quiet_hours_end) {
    errors.push({ path: 'quiet_hours_end', message: 'Quiet hours must start and end at different times' });
  }
  const ids = [...new Set(s.template_ids)];
  const found = await db
    .select({ id: messageTemplates.id, body: messageTemplates.body, isActive: messageTemplates.isActive })
    .from(messageTemplates)
    .where(and(eq(messageTemplates.tenantId, tenantId), inArray(messageTemplates.id, ids)));
  const byId = new Map(found.map((t) => [t.id, t]));
  s.template_ids.forEach((id, i) => {
    const t = byId.get(id);
    if (!t) errors.push({ path: `template_ids.${i}`, message: 'No such template' });
    else if (!t.isActive) errors.push({ path: `template_ids.${i}`, message: 'The template is inactive' });
    else if (usesLink(t.body) && !s.target_url) {
      errors.push({ path: 'target_url', message: 'A template uses {{link}}: set target_url' });
    }
  });
  if (s.sending_number_ids.length > 0) {
    const nums = await db
      .select({ id: sendingNumbers.id })
      .from(sendingNumbers)
      .where(
        and(
          eq(sendingNumbers.tenantId, tenantId),
          inArray(sendingNumbers.id, [...new Set(s.sending_number_ids)]),
        ),
      );
    const known = new Set(nums.map((n) => n.id));
    s.sending_number_ids.forEach((id, i) => {
      if (!known.has(id)) errors.push({ path: `sending_number_ids.${i}`, message: 'No such sending number' });
    });
  }
  if (errors.length) throw new ApiError('VALIDATION', 'The campaign has invalid fields.', { errors });
}

/** Who would get it now, who is excluded and why, and what it would cost (nothing is written). */
async function launchPreview(
  c: Context<AppEnv>,
  campaign: CampaignRow,
): Promise<z.infer<typeof PreviewSchema>> {
  const db = c.get('db');
  const now = new Date();
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, campaign.tenantId) });
  if (!tenant) throw notFound('Tenant');
  const rules = await db.select().from(suppressionRules).where(eq(suppressionRules.tenantId, tenant.id));
  const cutoff = suppressionCutoff(rules, now);
  const where = audienceWhere(tenant.id, campaign.audience, 3);
  // The same order of reasons as evaluateEligibility (invalid, do-not-contact, consent, suppressed).
  const counts = await c
    .get('db')
    .$client.prepare(
      `WITH a AS (
       SELECT CASE
         WHEN NOT (c.phone_e164 GLOB '+[1-9]*' AND length(c.phone_e164) BETWEEN 8 AND 16
                   AND substr(c.phone_e164, 2) NOT GLOB '*[^0-9]*') THEN 'invalid'
         WHEN EXISTS (SELECT 1 FROM do_not_contact d WHERE d.tenant_id = c.tenant_id AND d.phone_e164 = c.phone_e164)
           THEN 'do_not_contact'
         WHEN c.consent_status = 'unknown' AND ?1 = 0 THEN 'no_consent'
         WHEN ?2 IS NOT NULL AND c.last_sent_at IS NOT NULL AND c.last_sent_at >= ?2 THEN 'suppressed'
         ELSE 'eligible' END AS verdict
       FROM contacts c WHERE ${where.clause})
     SELECT verdict, count(*) AS n FROM a GROUP BY verdict`,
    )
    .bind(tenant.allowUnknownConsent ? 1 : 0, cutoff, ...where.params)
    .all<{ verdict: string; n: number }>();
  const by = Object.fromEntries(counts.results.map((r) => [r.verdict, r.n]));
  const excluded = {
    no_consent: by.no_consent ?? 0,
    do_not_contact: by.do_not_contact ?? 0,
    suppressed: by.suppressed ?? 0,
    invalid: by.invalid ?? 0,
  };
  const eligible = by.eligible ?? 0;
  const audience = eligible + Object.values(excluded).reduce((a, b) => a + b, 0);

  const templates = await db
    .select()
    .from(messageTemplates)
    .where(and(eq(messageTemplates.tenantId, tenant.id), inArray(messageTemplates.id, campaign.templateIds)));
  const sample = await db.query.contacts.findFirst({
    where: and(eq(contacts.tenantId, tenant.id), sql`${contacts.erasedAt} IS NULL`),
  });
  const representativeLink = previewShortLinkUrl(c.env);
  const perPart = await costPerPartCents(c.get('control'), {
    tenantId: tenant.id,
    country: tenant.country,
    at: now,
  });
  const warnings: string[] = [];
  const share = 1 / Math.max(1, campaign.templateIds.length);
  const rendered = campaign.templateIds.map((id) => {
    const t = templates.find((x) => x.id === id);
    const vars: Record<string, string | undefined> = sample ? { ...contactVariables(sample) } : {};
    if (campaign.targetUrl) vars.link = representativeLink;
    const text = applyComplianceFooter(renderTemplate(t?.body ?? '', vars).text, {
      appendOptOutFooter: tenant.appendOptOutFooter,
    });
    const a = analyzeSms(text);
    if (!t) warnings.push(`Template ${id} no longer exists.`);
    return { template_id: id, sample: text, encoding: a.encoding, segments: a.segments, share };
  });
  if (perPart === null)
    warnings.push(`No SMS cost is configured for ${tenant.country}; the cost is unknown.`);
  if (tenant.isPaused) warnings.push('Sending is paused for this tenant (kill switch).');
  const numbers = await activeNumberCount(db, tenant.id, campaign.sendingNumberIds);
  if (numbers === 0) warnings.push('No active sending number: nothing can be sent.');
  const estimated =
    perPart === null
      ? null
      : Math.round(rendered.reduce((sum, r) => sum + r.segments * r.share, 0) * perPart * eligible);
  return {
    audience,
    eligible,
    excluded,
    estimated_cost_cents: estimated,
    per_part_cents: perPart,
    templates: rendered,
    sending_numbers: numbers,
    warnings,
  };
}

async function activeNumberCount(db: Db, tenantId: string, ids: string[]) {
  const rows = await db
    .select({ id: sendingNumbers.id })
    .from(sendingNumbers)
    .where(
      and(
        eq(sendingNumbers.tenantId, tenantId),
        eq(sendingNumbers.isActive, true),
        ids.length ? inArray(sendingNumbers.id, ids) : undefined,
      ),
    );
  return rows.length;
}

/** Re-enqueues the campaign's parked (or lost) queued jobs and, if unfinished, its fan-out. */
async function rekick(env: Env, db: Db, campaign: CampaignRow, now: Date) {
  const at = now.toISOString();
  const lease = new Date(now.getTime() + LEASE_GRACE_SECONDS * 1000).toISOString();
  const rows = await db.all<{ id: string }>(sql`
    UPDATE send_jobs SET lease_until = ${lease}
     WHERE campaign_id = ${campaign.id} AND status = 'queued' AND (lease_until IS NULL OR lease_until < ${at})
    RETURNING id`);
  await enqueueSendJobs(
    env.SEND_QUEUE,
    rows.map((r) => ({ jobId: r.id, tenantId: campaign.tenantId })),
  );
  if (campaign.startedAt !== null && campaign.fanoutDoneAt === null) {
    await enqueueFanout(env.FANOUT_QUEUE, {
      campaignId: campaign.id,
      tenantId: campaign.tenantId,
      cursor: campaign.fanoutCursor,
    });
  }
  return rows.length;
}

const ActionResponses = {
  200: jsonResponse(CampaignSchema, 'The campaign after the action'),
  409: errorResponses[422],
  ...errorResponses,
};

export const campaignRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/campaigns',
      tags: ['Campaigns'],
      request: { query: PageQuery.extend({ status: z.enum(CAMPAIGN_STATUSES).optional() }) },
      responses: { 200: jsonResponse(page(CampaignSchema), 'Campaigns, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid('query');
      const p = await newestFirst(
        c.get('db'),
        campaigns,
        { tenantId: c.get('principal').tenantId, cursor, limit },
        status ? eq(campaigns.status, status) : undefined,
      );
      return c.json({ data: p.data.map(campaignJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/campaigns',
      tags: ['Campaigns'],
      request: { body: jsonBody(CampaignCreate) },
      responses: { 201: jsonResponse(CampaignSchema, 'Created as a draft'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const b = c.req.valid('json');
      await validateSettings(db, tenantId, {
        template_ids: b.template_ids,
        sending_number_ids: b.sending_number_ids,
        target_url: b.target_url ?? null,
        quiet_hours_start: b.quiet_hours_start,
        quiet_hours_end: b.quiet_hours_end,
      });
      const id = uuidv7();
      const [[created]] = await db.batch([
        db
          .insert(campaigns)
          .values({
            id,
            tenantId,
            name: b.name,
            templateIds: b.template_ids,
            quietHoursStart: b.quiet_hours_start,
            quietHoursEnd: b.quiet_hours_end,
            targetUrl: b.target_url ?? null,
            audience: b.audience,
            scheduledAt: b.scheduled_at ?? null,
            sendingNumberIds: b.sending_number_ids,
            utmParams: b.utm_params ?? null,
          })
          .returning(),
        auditRow(c, {
          action: 'campaign.created',
          resourceType: 'campaign',
          resourceId: id,
          metadata: { name: b.name },
        }),
      ]);
      return c.json(campaignJson(created as CampaignRow), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/campaigns/{id}',
      tags: ['Campaigns'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(CampaignSchema, 'A campaign'), ...errorResponses },
    }),
    async (c) => {
      const row = await findCampaign(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(campaignJson(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/campaigns/{id}',
      tags: ['Campaigns'],
      request: { params: IdParam, body: jsonBody(CampaignPatch) },
      responses: {
        200: jsonResponse(CampaignSchema, 'The updated draft'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const b = c.req.valid('json');
      const before = await findCampaign(db, tenantId, id);
      if (before.status !== 'draft')
        throw new ApiError('CONFLICT', `Only a draft can be edited; this one is ${before.status}.`);
      const targetUrl = b.target_url === undefined ? before.targetUrl : b.target_url;
      await validateSettings(db, tenantId, {
        template_ids: b.template_ids ?? before.templateIds,
        sending_number_ids: b.sending_number_ids ?? before.sendingNumberIds,
        target_url: targetUrl,
        quiet_hours_start: b.quiet_hours_start ?? before.quietHoursStart,
        quiet_hours_end: b.quiet_hours_end ?? before.quietHoursEnd,
      });
      const [[after]] = await db.batch([
        db
          .update(campaigns)
          .set({
            name: b.name,
            templateIds: b.template_ids,
            quietHoursStart: b.quiet_hours_start,
            quietHoursEnd: b.quiet_hours_end,
            targetUrl: b.target_url,
            audience: b.audience,
            scheduledAt: b.scheduled_at,
            sendingNumberIds: b.sending_number_ids,
            utmParams: b.utm_params,
            updatedAt: nowIso(),
          })
          .where(and(eq(campaigns.id, id), eq(campaigns.tenantId, tenantId), eq(campaigns.status, 'draft')))
          .returning(),
        auditRow(c, {
          action: 'campaign.updated',
          resourceType: 'campaign',
          resourceId: id,
          metadata: { changes: diff(campaignJson(before), b) },
        }),
      ]);
      if (!after)
        throw new ApiError('CONFLICT', 'The campaign was launched meanwhile; it can no longer be edited.');
      return c.json(campaignJson(after), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/campaigns/{id}/launch-preview',
      tags: ['Campaigns'],
      request: { params: IdParam },
      responses: {
        200: jsonResponse(PreviewSchema, 'Audience, exclusions and estimated cost'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const row = await findCampaign(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(await launchPreview(c, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/campaigns/{id}/launch',
      tags: ['Campaigns'],
      request: { params: IdParam },
      responses: {
        ...ActionResponses,
        202: jsonResponse(CampaignSchema, 'Launched: queued now or at scheduled_at'),
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findCampaign(db, tenantId, id);
      // Launching twice is harmless: a launched campaign answers its current state.
      if (before.status !== 'draft') {
        if (before.status === 'completed')
          throw new ApiError('CONFLICT', 'The campaign has already finished.');
        return c.json(campaignJson(before), 202);
      }
      const now = new Date();
      const at = now.toISOString();
      const startNow = before.scheduledAt === null || before.scheduledAt <= at;
      const [[after]] = await db.batch([
        db
          .update(campaigns)
          .set({
            status: 'queued',
            queuedAt: at,
            startedAt: startNow ? at : null,
            statusReason: null,
            updatedAt: at,
          })
          .where(and(eq(campaigns.id, id), eq(campaigns.tenantId, tenantId), eq(campaigns.status, 'draft')))
          .returning(),
        auditRow(c, {
          action: 'campaign.launched',
          resourceType: 'campaign',
          resourceId: id,
          metadata: { scheduled_at: before.scheduledAt, start_now: startNow },
        }),
      ]);
      if (!after) return c.json(campaignJson(await findCampaign(db, tenantId, id)), 202);
      if (startNow) await enqueueFanout(c.env.FANOUT_QUEUE, { campaignId: id, tenantId, cursor: null });
      return c.json(campaignJson(after), 202);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/campaigns/{id}/pause',
      tags: ['Campaigns'],
      request: { params: IdParam },
      responses: ActionResponses,
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findCampaign(db, tenantId, id);
      if (before.status === 'paused') return c.json(campaignJson(before), 200);
      if (before.status !== 'running' && before.status !== 'queued') {
        throw new ApiError('CONFLICT', `A ${before.status} campaign cannot be paused.`);
      }
      const [[after]] = await db.batch([
        db
          .update(campaigns)
          .set({ status: 'paused', statusReason: 'paused by a user', updatedAt: nowIso() })
          .where(
            and(
              eq(campaigns.id, id),
              eq(campaigns.tenantId, tenantId),
              inArray(campaigns.status, ['running', 'queued']),
            ),
          )
          .returning(),
        auditRow(c, { action: 'campaign.paused', resourceType: 'campaign', resourceId: id }),
      ]);
      return c.json(campaignJson(after ?? (await findCampaign(db, tenantId, id))), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/campaigns/{id}/resume',
      tags: ['Campaigns'],
      request: { params: IdParam },
      responses: ActionResponses,
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findCampaign(db, tenantId, id);
      if (before.status === 'running' || before.status === 'queued') return c.json(campaignJson(before), 200);
      if (before.status !== 'paused')
        throw new ApiError('CONFLICT', `A ${before.status} campaign cannot be resumed.`);
      const now = new Date();
      const [[after]] = await db.batch([
        db
          .update(campaigns)
          .set({
            status: before.startedAt === null ? 'queued' : 'running',
            statusReason: null,
            updatedAt: now.toISOString(),
          })
          .where(and(eq(campaigns.id, id), eq(campaigns.tenantId, tenantId), eq(campaigns.status, 'paused')))
          .returning(),
        auditRow(c, {
          action: 'campaign.resumed',
          resourceType: 'campaign',
          resourceId: id,
          metadata: { previous_reason: before.statusReason },
        }),
      ]);
      if (!after) return c.json(campaignJson(await findCampaign(db, tenantId, id)), 200);
      await rekick(c.env, db, after, now);
      return c.json(campaignJson(after), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/campaigns/{id}/cancel',
      tags: ['Campaigns'],
      request: { params: IdParam },
      responses: ActionResponses,
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findCampaign(db, tenantId, id);
      if (before.status === 'completed') {
        if (before.cancelledAt !== null) return c.json(campaignJson(before), 200);
        throw new ApiError('CONFLICT', 'The campaign has already finished.');
      }
      const at = nowIso();
      // Unsent jobs fail with 'cancelled' (so the numbers add up); an attempt already handed to
      // the provider finishes on its own.
      const [[after], cancelledJobs] = await db.batch([
        db
          .update(campaigns)
          .set({
            status: 'completed',
            statusReason: 'cancelled',
            cancelledAt: at,
            completedAt: at,
            updatedAt: at,
          })
          .where(
            and(
              eq(campaigns.id, id),
              eq(campaigns.tenantId, tenantId),
              sql`${campaigns.status} <> 'completed'`,
            ),
          )
          .returning(),
        db
          .update(sendJobs)
          .set({ status: 'failed', failureReason: 'cancelled', failedAt: at, leaseUntil: null })
          .where(
            and(
              eq(sendJobs.campaignId, id),
              eq(sendJobs.tenantId, tenantId),
              eq(sendJobs.status, 'queued'),
              sql`${sendJobs.attemptStartedAt} IS NULL`,
            ),
          )
          .returning({ id: sendJobs.id }),
        auditRow(c, {
          action: 'campaign.cancelled',
          resourceType: 'campaign',
          resourceId: id,
          metadata: { previous_status: before.status },
        }),
      ]);
      void cancelledJobs;
      return c.json(campaignJson(after ?? (await findCampaign(db, tenantId, id))), 200);
    },
  )
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
        campaignStats(c.get('db').$client, row),
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
  };
}
