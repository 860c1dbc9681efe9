// Outbound webhook endpoints (issue 14): a tenant subscribes https URLs to events; each delivery is
// signed with the endpoint's secret (shown once, here), retried for 24 h and logged
// (routes/webhook-deliveries.ts). Writes need the admin role: the secret is a credential.
import { createRoute, z } from '@hono/zod-openapi';
import { and, count, eq } from 'drizzle-orm';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { WEBHOOK_EVENT_TYPES, webhookSubscriptions } from '../db/schema';
import { auditRow, diff } from '../http/audit';
import { ApiError } from '../http/errors';
import { newestFirst } from '../http/pagination';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
} from '../http/router';
import { eventBody } from '../integrations/events';
import { assertPublicUrl } from '../integrations/public-url';
import { MissingSigningKeyError, newWebhookSecret, sealSecret, secretHint } from '../integrations/secret-box';
import { forgetSubscriptions } from '../integrations/subscribers';
import { sendTestEvent } from '../integrations/webhook-deliveries';
import { DeliverySchema, deliveryJson, findWebhook, WebhookSchema, webhookJson } from './webhook-schemas';

/** Endpoints per tenant: enough for a CRM, a data warehouse and a few automations. */
export const MAX_WEBHOOKS = 20;

const WebhookWithSecret = WebhookSchema.extend({
  /** Sign-checking secret for `X-Signature`; shown this once, store it in the receiver. */
  secret: z.string(),
}).openapi('WebhookWithSecret');

const Events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1, 'Choose at least one event')
  .transform((list) => [...new Set(list)]);
const Url = z.string().trim().min(1).max(2000);
const Description = z.string().trim().max(200).nullable();

const WebhookCreate = z
  .object({
    url: Url,
    events: Events,
    is_active: z.boolean().default(true),
    description: Description.optional(),
  })
  .strict();
const WebhookPatch = z
  .object({ url: Url, events: Events, is_active: z.boolean(), description: Description })
  .partial()
  .strict();

type WebhookRow = typeof webhookSubscriptions.$inferSelect;

async function seal(env: Env, secret: string, id: string): Promise<string> {
  try {
    return await sealSecret(env, secret, id);
  } catch (err) {
    if (err instanceof MissingSigningKeyError) throw new ApiError('INTERNAL', err.message);
    throw err;
  }
}

export const webhookRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/webhooks',
      tags: ['Webhooks'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(WebhookSchema), 'Endpoints, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('db'), webhookSubscriptions, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map(webhookJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/webhooks',
      tags: ['Webhooks'],
      request: { body: jsonBody(WebhookCreate) },
      responses: {
        201: jsonResponse(WebhookWithSecret, 'Created; the secret is shown this once'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const url = await assertPublicUrl(c.env, body.url, { path: 'url', label: 'The webhook URL' });
      const [{ n } = { n: 0 }] = await db
        .select({ n: count() })
        .from(webhookSubscriptions)
        .where(eq(webhookSubscriptions.tenantId, tenantId));
      if (n >= MAX_WEBHOOKS) {
        throw new ApiError('VALIDATION', `At most ${MAX_WEBHOOKS} webhook endpoints; delete one first.`, {
          errors: [{ path: 'url', message: `At most ${MAX_WEBHOOKS} endpoints` }],
        });
      }
      const id = uuidv7();
      const secret = newWebhookSecret();
      const [[created]] = await db.batch([
        db
          .insert(webhookSubscriptions)
          .values({
            id,
            tenantId,
            url: url.toString(),
            description: body.description ?? null,
            events: body.events,
            isActive: body.is_active,
            secretCiphertext: await seal(c.env, secret, id),
            secretHint: secretHint(secret),
          })
          .returning(),
        auditRow(c, {
          action: 'webhook.created',
          resourceType: 'webhook',
          resourceId: id,
          metadata: { url: url.toString(), events: body.events, is_active: body.is_active },
        }),
      ]);
      forgetSubscriptions(c.get('principal').tenantId);
      return c.json({ ...webhookJson(created as WebhookRow), secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}',
      tags: ['Webhooks'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(WebhookSchema, 'An endpoint'), ...errorResponses },
    }),
    async (c) => {
      const w = await findWebhook(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(webhookJson(w), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/webhooks/{id}',
      tags: ['Webhooks'],
      request: { params: IdParam, body: jsonBody(WebhookPatch) },
      responses: { 200: jsonResponse(WebhookSchema, 'The updated endpoint'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findWebhook(db, tenantId, id);
      const url =
        body.url === undefined
          ? undefined
          : (await assertPublicUrl(c.env, body.url, { path: 'url', label: 'The webhook URL' })).toString();
      // Switching it back on starts afresh: the failure streak and the platform's verdict are cleared.
      const reenabled = body.is_active === true && !before.isActive;
      const [[after]] = await db.batch([
        db
          .update(webhookSubscriptions)
          .set({
            url,
            events: body.events,
            isActive: body.is_active,
            description: body.description,
            ...(reenabled ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
            updatedAt: nowIso(),
          })
          .where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.tenantId, tenantId)))
          .returning(),
        auditRow(c, {
          action: reenabled
            ? 'webhook.enabled'
            : body.is_active === false && before.isActive
              ? 'webhook.paused'
              : 'webhook.updated',
          resourceType: 'webhook',
          resourceId: id,
          metadata: { changes: diff(webhookJson(before), { ...body, url }) },
        }),
      ]);
      forgetSubscriptions(c.get('principal').tenantId);
      return c.json(webhookJson(after as WebhookRow), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/webhooks/{id}',
      tags: ['Webhooks'],
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted, with its delivery log' }, ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findWebhook(db, tenantId, id);
      await db.batch([
        db
          .delete(webhookSubscriptions)
          .where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.tenantId, tenantId))),
        auditRow(c, {
          action: 'webhook.deleted',
          resourceType: 'webhook',
          resourceId: id,
          metadata: { url: before.url, events: before.events },
        }),
      ]);
      forgetSubscriptions(c.get('principal').tenantId);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/rotate-secret',
      tags: ['Webhooks'],
      request: { params: IdParam },
      responses: {
        200: jsonResponse(WebhookWithSecret, 'A new secret, shown this once; the old one stops working now'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      await findWebhook(db, tenantId, id);
      const secret = newWebhookSecret();
      const [[after]] = await db.batch([
        db
          .update(webhookSubscriptions)
          .set({
            secretCiphertext: await seal(c.env, secret, id),
            secretHint: secretHint(secret),
            updatedAt: nowIso(),
          })
          .where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.tenantId, tenantId)))
          .returning(),
        auditRow(c, { action: 'webhook.secret_rotated', resourceType: 'webhook', resourceId: id }),
      ]);
      return c.json({ ...webhookJson(after as WebhookRow), secret }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/test',
      tags: ['Webhooks'],
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          DeliverySchema,
          'One `webhook.test` delivery, attempted now (also when the endpoint is off)',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const w = await findWebhook(db, tenantId, id);
      const eventId = uuidv7();
      const text = eventBody(eventId, 'webhook.test', nowIso(), {
        webhook_id: w.id,
        message: 'A test event: your endpoint received and can verify our deliveries.',
      });
      const delivery = await sendTestEvent(c.env, db, w, { eventId, text });
      await auditRow(c, {
        action: 'webhook.test_sent',
        resourceType: 'webhook',
        resourceId: id,
        metadata: { delivery_id: delivery.id, status: delivery.lastStatus, error: delivery.lastError },
      });
      return c.json(deliveryJson(delivery), 200);
    },
  );
