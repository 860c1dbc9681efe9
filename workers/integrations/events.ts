// Emitting an outbound webhook event: one delivery row per matching active endpoint, then a queue
// message each (workers/queues/webhooks.ts delivers, signs and retries).
//
// Cheap when nobody listens: a tenant without an active endpoint costs one query on the partial
// index webhook_subscriptions_active_idx (an empty range) and nothing else.
//
// Call it after the change the event describes has been committed. It throws when the event could
// not be recorded; on a hot path run it in ctx.waitUntil() and log the failure. Once the rows are
// written, delivery is certain: a lost queue message is re-sent by the cron sweeper.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { type WebhookEventType, webhookDeliveries, webhookSubscriptions } from '../db/schema';
import { tenantDb } from '../db/shards';

/** What the webhook queue carries: ids only, and the attempt count the message was scheduled for. */
export type WebhookMessage = {
  tenantId: string;
  deliveryId: string;
  attempt: number;
  /** Asked for from the delivery log ("Retry"), logged as such. */
  manual?: boolean;
};

export type WebhookEvent = {
  type: WebhookEventType;
  data: Record<string, unknown>;
  /** A stable id makes emitting twice harmless (one delivery per endpoint); default a new UUIDv7. */
  id?: string;
  at?: Date;
};

/** The JSON body every delivery sends, byte for byte the same on every attempt. */
export function eventBody(
  id: string,
  type: string,
  createdAt: string,
  data: Record<string, unknown>,
): string {
  return JSON.stringify({ id, type, created_at: createdAt, data });
}

type EmitEnv = Pick<Env, 'CONTROL_DB' | 'WEBHOOK_QUEUE'>;

// D1 binds at most 100 parameters per statement; a delivery row takes 8.
const ROWS_PER_INSERT = 12;
const MESSAGES_PER_SEND = 100;

/** Records `type` for the tenant's endpoints subscribed to it; returns the event id and how many deliveries. */
export async function emitEvent(
  env: EmitEnv,
  tenantId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  opts: { id?: string; at?: Date } = {},
): Promise<{ eventId: string; deliveries: number }> {
  const eventId = opts.id ?? uuidv7();
  const r = await emitEvents(env, tenantId, [{ type, data, id: eventId, at: opts.at }]);
  return { eventId, deliveries: r.deliveries };
}

/** Several events of one tenant with one subscription lookup (a batch of callbacks, an import). */
export async function emitEvents(
  env: EmitEnv,
  tenantId: string,
  list: readonly WebhookEvent[],
): Promise<{ deliveries: number }> {
  if (list.length === 0) return { deliveries: 0 };
  return emitEventsOn(env, await tenantDb(env, tenantId), tenantId, list);
}

/** emitEvents on the tenant's shard database, already known (the redirect knows it from the token). */
export async function emitEventsOn(
  env: Pick<Env, 'WEBHOOK_QUEUE'>,
  db: Db,
  tenantId: string,
  list: readonly WebhookEvent[],
): Promise<{ deliveries: number }> {
  if (list.length === 0) return { deliveries: 0 };
  const subs = await db
    .select({ id: webhookSubscriptions.id, events: webhookSubscriptions.events })
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.tenantId, tenantId), eq(webhookSubscriptions.isActive, true)));
  if (subs.length === 0) return { deliveries: 0 };

  const rows: (typeof webhookDeliveries.$inferInsert)[] = [];
  for (const e of list) {
    const listeners = subs.filter((s) => s.events.includes(e.type));
    if (listeners.length === 0) continue;
    const at = (e.at ?? new Date()).toISOString();
    const eventId = e.id ?? uuidv7();
    const body = eventBody(eventId, e.type, at, e.data);
    for (const s of listeners) {
      rows.push({
        id: uuidv7(),
        tenantId,
        subscriptionId: s.id,
        eventId,
        eventType: e.type,
        body,
        state: 'pending',
        nextAttemptAt: at,
      });
    }
  }
  if (rows.length === 0) return { deliveries: 0 };

  const inserts = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    inserts.push(
      db
        .insert(webhookDeliveries)
        .values(rows.slice(i, i + ROWS_PER_INSERT))
        .onConflictDoNothing({ target: [webhookDeliveries.subscriptionId, webhookDeliveries.eventId] })
        .returning({ id: webhookDeliveries.id }),
    );
  }
  const [first, ...rest] = inserts;
  const created = (await db.batch([first!, ...rest])).flat();
  await enqueueDeliveries(
    env,
    created.map((r) => ({ tenantId, deliveryId: r.id, attempt: 0 })),
  );
  return { deliveries: created.length };
}

export async function enqueueDeliveries(
  env: Pick<Env, 'WEBHOOK_QUEUE'>,
  messages: readonly WebhookMessage[],
  delaySeconds?: number,
): Promise<void> {
  for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND) {
    await env.WEBHOOK_QUEUE.sendBatch(
      messages.slice(i, i + MESSAGES_PER_SEND).map((body) => ({ body, delaySeconds })),
    );
  }
}

/** emitEvent for paths where the change must not fail because of its webhook: failures are logged. */
export async function emitEventSafely(
  env: EmitEnv,
  tenantId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  opts: { id?: string; at?: Date } = {},
): Promise<void> {
  try {
    await emitEvent(env, tenantId, type, data, opts);
  } catch (err) {
    console.error(`webhook event ${type} not recorded`, tenantId, err);
  }
}
