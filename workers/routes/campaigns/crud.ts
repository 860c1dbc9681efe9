// Campaign CRUD: list, create, read, edit a draft, and duplicate any campaign into a new draft.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, inArray } from 'drizzle-orm';
import type { CampaignAudience } from '../../db/audience';
import { nowIso } from '../../db/client';
import { uuidv7 } from '../../db/ids';
import { CAMPAIGN_STATUSES, campaigns, segments } from '../../db/schema';
import { auditRow, diff } from '../../http/audit';
import { ApiError } from '../../http/errors';
import { newestFirst } from '../../http/pagination';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
} from '../../http/router';
import { CampaignCreate, CampaignPatch, type CampaignRow, CampaignSchema, campaignJson } from './schemas';
import { findCampaign, validateSettings } from './shared';

export const campaignCrudRoutes = createRouter()
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
        audience: b.audience,
        ab_test: b.ab_test ?? null,
        send_at_local: b.send_at_local ?? null,
        scheduled_at: b.scheduled_at ?? null,
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
            abTest: b.ab_test ?? null,
            sendAtLocal: b.send_at_local ?? null,
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
        audience: b.audience ?? {},
        ab_test: b.ab_test === undefined ? before.abTest : b.ab_test,
        send_at_local: b.send_at_local === undefined ? before.sendAtLocal : b.send_at_local,
        scheduled_at: b.scheduled_at === undefined ? before.scheduledAt : b.scheduled_at,
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
            abTest: b.ab_test,
            sendAtLocal: b.send_at_local,
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
      method: 'post',
      path: '/campaigns/{id}/duplicate',
      tags: ['Campaigns'],
      summary: 'Copy a campaign (any status) into a new draft',
      description:
        'The copy is a draft named "<name> (copy)" with the same templates, audience, sending numbers, quiet ' +
        'hours, target URL, UTM parameters, A/B test settings and local-time delivery (the same date: change ' +
        'it before launching if it has passed). It starts when launched (no schedule), and its audience names ' +
        'the segments as they are now (not as the original froze them at launch); segments deleted since are left out.',
      request: { params: IdParam },
      responses: { 201: jsonResponse(CampaignSchema, 'The new draft'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const source = await findCampaign(db, tenantId, c.req.valid('param').id);
      const { snapshot: _frozen, ...audience } = source.audience as CampaignAudience;
      const named = [...(audience.include_segment_ids ?? []), ...(audience.exclude_segment_ids ?? [])];
      if (named.length > 0) {
        const found = await db
          .select({ id: segments.id })
          .from(segments)
          .where(and(eq(segments.tenantId, tenantId), inArray(segments.id, named)));
        const alive = new Set(found.map((r) => r.id));
        for (const key of ['include_segment_ids', 'exclude_segment_ids'] as const) {
          if (audience[key]) audience[key] = audience[key].filter((x) => alive.has(x));
        }
      }
      const suffix = ' (copy)';
      const name = `${source.name.slice(0, 200 - suffix.length)}${suffix}`;
      const id = uuidv7();
      const [[created]] = await db.batch([
        db
          .insert(campaigns)
          .values({
            id,
            tenantId,
            name,
            templateIds: source.templateIds,
            quietHoursStart: source.quietHoursStart,
            quietHoursEnd: source.quietHoursEnd,
            targetUrl: source.targetUrl,
            audience,
            scheduledAt: null,
            sendingNumberIds: source.sendingNumberIds,
            utmParams: source.utmParams,
            abTest: source.abTest,
            sendAtLocal: source.sendAtLocal,
          })
          .returning(),
        auditRow(c, {
          action: 'campaign.duplicated',
          resourceType: 'campaign',
          resourceId: id,
          metadata: { source_id: source.id, source_status: source.status, name },
        }),
      ]);
      return c.json(campaignJson(created as CampaignRow), 201);
    },
  );
