// Launch and lifecycle: the launch preview (who gets it, what it costs), launch, pause, resume and
// cancel. These only move the campaign's state and kick the queues; the sending happens there.
import { createRoute, type z } from '@hono/zod-openapi';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { audienceVerdicts, audienceWhere } from '../../db/audience';
import type { Db } from '../../db/client';
import { nowIso } from '../../db/client';
import { costPerPartCents } from '../../db/costs';
import {
  campaigns,
  contacts,
  messageTemplates,
  sendingNumbers,
  sendJobs,
  suppressionRules,
  tenants,
} from '../../db/schema';
import { applyComplianceFooter } from '../../domain/compliance';
import { suppressionCutoff } from '../../domain/eligibility';
import { analyzeSms } from '../../domain/sms-encoding';
import { contactVariables, renderTemplate } from '../../domain/template';
import { auditRow } from '../../http/audit';
import type { AppEnv } from '../../http/context';
import { ApiError, notFound } from '../../http/errors';
import { createRouter, errorResponses, IdParam, jsonResponse } from '../../http/router';
import { previewShortLinkUrl } from '../../redirect/links';
import { enqueueFanout, enqueueSendJobs } from '../../send/enqueue';
import { LEASE_GRACE_SECONDS } from '../../send/loop';
import { assertMmsSendable, mmsBlockers, mmsBlockerText } from './mms';
import { type CampaignRow, CampaignSchema, campaignJson, PreviewSchema } from './schemas';
import { campaignAudience, findCampaign } from './shared';

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
  const resolved = await campaignAudience(db, campaign, now, tenant.timezone);
  const { eligible, ...excluded } = await audienceVerdicts(
    db.$client,
    (first) => audienceWhere(tenant.id, resolved, first),
    { allowUnknownConsent: tenant.allowUnknownConsent, suppressedSince: cutoff },
  );
  const audience = eligible + Object.values(excluded).reduce((a, b) => a + b, 0);

  const templates = await db
    .select()
    .from(messageTemplates)
    .where(and(eq(messageTemplates.tenantId, tenant.id), inArray(messageTemplates.id, campaign.templateIds)));
  const sample = await db.query.contacts.findFirst({
    where: and(eq(contacts.tenantId, tenant.id), sql`${contacts.erasedAt} IS NULL`),
  });
  const representativeLink = previewShortLinkUrl(c.env);
  const priced = { tenantId: tenant.id, country: tenant.country, at: now };
  const [perPart, mmsPrice] = await Promise.all([
    costPerPartCents(c.get('control'), priced),
    costPerPartCents(c.get('control'), { ...priced, channel: 'mms' }),
  ]);
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
    const channel = t?.mediaUrl ? ('mms' as const) : ('sms' as const);
    return {
      template_id: id,
      sample: text,
      encoding: a.encoding,
      segments: a.segments,
      share,
      channel,
      media_url: t?.mediaUrl ?? null,
      // One recipient's message: parts × the SMS price, or one MMS price whatever its length.
      cost_cents: channel === 'mms' ? mmsPrice : perPart === null ? null : a.segments * perPart,
    };
  });
  if (perPart === null && rendered.some((r) => r.channel === 'sms'))
    warnings.push(`No SMS cost is configured for ${tenant.country}; the cost is unknown.`);
  if (mmsPrice === null && rendered.some((r) => r.channel === 'mms'))
    warnings.push(`No MMS price is configured for ${tenant.country}; the cost of the MMS is unknown.`);
  const blocked = mmsBlockerText(await mmsBlockers(db, campaign));
  if (blocked) warnings.push(blocked);
  if (tenant.isPaused) warnings.push('Sending is paused for this tenant (kill switch).');
  const numbers = await activeNumberCount(db, tenant.id, campaign.sendingNumberIds);
  if (numbers === 0) warnings.push('No active sending number: nothing can be sent.');
  const estimated = rendered.some((r) => r.cost_cents === null)
    ? null
    : Math.round(rendered.reduce((sum, r) => sum + (r.cost_cents ?? 0) * r.share, 0) * eligible);
  return {
    audience,
    eligible,
    excluded,
    estimated_cost_cents: estimated,
    per_part_cents: perPart,
    mms_price_cents: mmsPrice,
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

export const campaignLifecycleRoutes = createRouter()
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
      await assertMmsSendable(db, before);
      const now = new Date();
      const at = now.toISOString();
      const startNow = before.scheduledAt === null || before.scheduledAt <= at;
      // Segments are frozen now, with "within N days" counted from when sending starts.
      const tenant = await c.get('control').query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
      if (!tenant) throw notFound('Tenant');
      const audience = await campaignAudience(
        db,
        before,
        startNow ? now : new Date(before.scheduledAt as string),
        tenant.timezone,
      );
      const [[after]] = await db.batch([
        db
          .update(campaigns)
          .set({
            status: 'queued',
            audience: audience.snapshot ? audience : undefined,
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
  );
