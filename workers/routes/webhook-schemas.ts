// Shapes shared by the webhook routes (endpoints and their delivery log).
import { z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  WEBHOOK_DELIVERY_STATES,
  WEBHOOK_EVENT_TYPES,
  type webhookDeliveries,
  webhookSubscriptions,
} from '../db/schema';
import { notFound } from '../http/errors';

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    is_active: z.boolean(),
    /** The secret's last four characters (the secret itself is shown only when created or rotated). */
    secret_hint: z.string(),
    /** Set when the platform switched the endpoint off after 24 h of failed deliveries. */
    disabled_at: z.string().nullable(),
    disabled_reason: z.string().nullable(),
    failing_since: z.string().nullable(),
    last_success_at: z.string().nullable(),
    last_failure_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Webhook');

export type WebhookRow = typeof webhookSubscriptions.$inferSelect;
export const webhookJson = (w: WebhookRow): z.infer<typeof WebhookSchema> => ({
  id: w.id,
  url: w.url,
  description: w.description,
  events: w.events,
  is_active: w.isActive,
  secret_hint: w.secretHint,
  disabled_at: w.disabledAt,
  disabled_reason: w.disabledReason,
  failing_since: w.failingSince,
  last_success_at: w.lastSuccessAt,
  last_failure_at: w.lastFailureAt,
  created_at: w.createdAt,
  updated_at: w.updatedAt,
});

export async function findWebhook(db: Db, tenantId: string, id: string): Promise<WebhookRow> {
  const w = await db.query.webhookSubscriptions.findFirst({
    where: and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.tenantId, tenantId)),
  });
  if (!w) throw notFound('Webhook');
  return w;
}

export const DeliverySchema = z
  .object({
    id: z.string(),
    webhook_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    state: z.enum(WEBHOOK_DELIVERY_STATES),
    attempt_count: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_latency_ms: z.number().int().nullable(),
    /** The first 1 KB of the receiver's last answer. */
    last_response_snippet: z.string().nullable(),
    attempts: z.array(
      z.object({
        at: z.string(),
        status: z.number().int().nullable(),
        latency_ms: z.number().int(),
        error: z.string().nullable(),
        manual: z.boolean().optional(),
      }),
    ),
    succeeded_at: z.string().nullable(),
    is_test: z.boolean(),
    /** The body sent: `{id, type, created_at, data}`. */
    payload: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .openapi('WebhookDelivery');

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export const deliveryJson = (d: DeliveryRow): z.infer<typeof DeliverySchema> => ({
  id: d.id,
  webhook_id: d.subscriptionId,
  event_id: d.eventId,
  event_type: d.eventType,
  state: d.state,
  attempt_count: d.attemptCount,
  next_attempt_at: d.nextAttemptAt,
  last_attempt_at: d.lastAttemptAt,
  last_status: d.lastStatus,
  last_error: d.lastError,
  last_latency_ms: d.lastLatencyMs,
  last_response_snippet: d.lastResponseSnippet,
  attempts: d.attempts,
  succeeded_at: d.succeededAt,
  is_test: d.isTest,
  payload: JSON.parse(d.body) as Record<string, unknown>,
  created_at: d.createdAt,
});
