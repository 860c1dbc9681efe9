// Launch and lifecycle: launch (a local-time campaign starts itself in time), pause, resume and
// cancel. These only move the campaign's state and kick the queues; the sending happens there.
import { createRoute } from '@hono/zod-openapi';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { nowIso } from '../../db/client';
import { campaigns, sendJobs, tenants } from '../../db/schema';
import { localFanoutStart } from '../../domain/local-delivery';
import { auditRow } from '../../http/audit';
import { ApiError, notFound } from '../../http/errors';
import { createRouter, errorResponses, IdParam, jsonResponse } from '../../http/router';
import { enqueueFanout, enqueueSendJobs } from '../../send/enqueue';
import { LEASE_GRACE_SECONDS } from '../../send/loop';
import { localDatePassed } from './ab';
import { assertMmsSendable } from './mms';
import { assertOptOutPossible } from './preview';
import { type CampaignRow, CampaignSchema, campaignJson } from './schemas';
import { campaignAudience, findCampaign } from './shared';

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
      const tenant = await c.get('control').query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
      if (!tenant) throw notFound('Tenant');
      if (before.sendAtLocal && localDatePassed(before.sendAtLocal, tenant.timezone, now)) {
        throw new ApiError('VALIDATION', 'The local delivery date has passed.', {
          errors: [{ path: 'send_at_local.date', message: 'The date has passed: choose a new one' }],
        });
      }
      // A local-time campaign starts its fan-out when the date begins somewhere on Earth (so no
      // recipient's time counts as passed merely for launching early); see localFanoutStart.
      const startAt = before.sendAtLocal
        ? localFanoutStart(before.sendAtLocal.date).toISOString()
        : before.scheduledAt;
      const startNow = startAt === null || startAt <= at;
      // Spam Act: a sender recipients cannot reply to must carry the personal opt-out link.
      await assertOptOutPossible(db, before, tenant);
      // Segments are frozen now, with "within N days" counted from when sending starts.
      const audience = await campaignAudience(
        db,
        before,
        startNow ? now : new Date(startAt as string),
        tenant.timezone,
      );
      const [[after]] = await db.batch([
        db
          .update(campaigns)
          .set({
            status: 'queued',
            audience: audience.snapshot ? audience : undefined,
            scheduledAt: startNow ? before.scheduledAt : startAt,
            abPhase: before.abTest ? 'test' : null,
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
          metadata: { scheduled_at: startAt, start_now: startNow },
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
