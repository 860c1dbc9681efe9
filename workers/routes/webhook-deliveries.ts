// The delivery log of a webhook endpoint (what was sent, what the receiver answered, when it is
// tried again) and the Retry action.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { nowIso } from '../db/client';
import { WEBHOOK_DELIVERY_STATES, webhookDeliveries } from '../db/schema';
import { auditRow } from '../http/audit';
import { ApiError, notFound } from '../http/errors';
import { newestFirst } from '../http/pagination';
import { createRouter, errorResponses, jsonResponse, PageQuery, page } from '../http/router';
import { enqueueDeliveries } from '../integrations/events';
import { type DeliveryRow, DeliverySchema, deliveryJson, findWebhook } from './webhook-schemas';

const DeliveryParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
  delivery_id: z.uuid().openapi({ param: { name: 'delivery_id', in: 'path' } }),
});

const DeliveryQuery = PageQuery.extend({
  state: z.enum(WEBHOOK_DELIVERY_STATES).optional(),
  event_type: z.string().max(60).optional(),
});

async function findDelivery(db: import('../db/client').Db, tenantId: string, webhookId: string, id: string) {
  const d = await db.query.webhookDeliveries.findFirst({
    where: and(
      eq(webhookDeliveries.id, id),
      eq(webhookDeliveries.subscriptionId, webhookId),
      eq(webhookDeliveries.tenantId, tenantId),
    ),
  });
  if (!d) throw notFound('Delivery');
  return d;
}

export const webhookDeliveryRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}/deliveries',
      tags: ['Webhooks'],
      request: {
        params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }),
        query: DeliveryQuery,
      },
      responses: { 200: jsonResponse(page(DeliverySchema), 'Deliveries, newest first'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      await findWebhook(db, tenantId, id);
      const p = await newestFirst(
        db,
        webhookDeliveries,
        { tenantId, cursor: q.cursor, limit: q.limit },
        eq(webhookDeliveries.subscriptionId, id),
        q.state ? eq(webhookDeliveries.state, q.state) : undefined,
        q.event_type ? eq(webhookDeliveries.eventType, q.event_type) : undefined,
      );
      return c.json({ data: p.data.map(deliveryJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}/deliveries/{delivery_id}',
      tags: ['Webhooks'],
      request: { params: DeliveryParams },
      responses: { 200: jsonResponse(DeliverySchema, 'A delivery'), ...errorResponses },
    }),
    async (c) => {
      const { id, delivery_id } = c.req.valid('param');
      const d = await findDelivery(c.get('db'), c.get('principal').tenantId, id, delivery_id);
      return c.json(deliveryJson(d), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/deliveries/{delivery_id}/retry',
      tags: ['Webhooks'],
      request: { params: DeliveryParams },
      responses: {
        202: jsonResponse(DeliverySchema, 'Queued for an attempt now'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id, delivery_id } = c.req.valid('param');
      const w = await findWebhook(db, tenantId, id);
      const d = await findDelivery(db, tenantId, id, delivery_id);
      if (!w.isActive) {
        throw new ApiError('CONFLICT', 'The endpoint is switched off. Switch it on, then retry.');
      }
      // Same bytes, same event id: a receiver that already has it de-duplicates it.
      const [[after]] = await db.batch([
        db
          .update(webhookDeliveries)
          .set({ state: 'pending', nextAttemptAt: nowIso() })
          .where(and(eq(webhookDeliveries.id, d.id), eq(webhookDeliveries.tenantId, tenantId)))
          .returning(),
        auditRow(c, {
          action: 'webhook.delivery_retried',
          resourceType: 'webhook',
          resourceId: id,
          metadata: { delivery_id: d.id, event_id: d.eventId, previous_state: d.state },
        }),
      ]);
      await enqueueDeliveries(c.env, [{ tenantId, deliveryId: d.id, attempt: d.attemptCount, manual: true }]);
      return c.json(deliveryJson(after as DeliveryRow), 202);
    },
  );
