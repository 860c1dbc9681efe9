// Which event types a tenant's active webhook endpoints listen to, remembered per isolate for a
// short while. Hot paths (status callbacks, clicks) ask here first, so a tenant without an endpoint
// for the event costs them no query at all most of the time, and one indexed query otherwise.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type WebhookEventType, webhookSubscriptions } from '../db/schema';
import { emitEventsOn, type WebhookEvent } from './events';

/** A new or changed endpoint is heard by other isolates' hot paths within this time. */
export const SUBSCRIPTION_CACHE_MS = 30_000;
const MAX_TENANTS = 10_000;
const cache = new Map<string, { types: ReadonlySet<WebhookEventType>; until: number }>();

/** The event types some active endpoint of the tenant is subscribed to. */
export async function subscribedTypes(
  db: Db,
  tenantId: string,
  nowMs: number = Date.now(),
): Promise<ReadonlySet<WebhookEventType>> {
  const hit = cache.get(tenantId);
  if (hit && hit.until > nowMs) return hit.types;
  const rows = await db
    .select({ events: webhookSubscriptions.events })
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.tenantId, tenantId), eq(webhookSubscriptions.isActive, true)));
  const types = new Set(rows.flatMap((r) => r.events));
  if (cache.size >= MAX_TENANTS) cache.clear();
  cache.set(tenantId, { types, until: nowMs + SUBSCRIPTION_CACHE_MS });
  return types;
}

/** Forgets what this isolate remembers (after an endpoint changes; tests). */
export function forgetSubscriptions(tenantId?: string): void {
  if (tenantId === undefined) cache.clear();
  else cache.delete(tenantId);
}

/**
 * Emits those of `events` somebody listens to; nothing (and usually no query) when nobody does.
 * Failures are logged, never thrown: the change the events describe is already committed.
 */
export async function emitIfSubscribed(
  env: Pick<Env, 'WEBHOOK_QUEUE'>,
  db: Db,
  tenantId: string,
  events: readonly WebhookEvent[],
): Promise<void> {
  if (events.length === 0) return;
  try {
    const types = await subscribedTypes(db, tenantId);
    const wanted = events.filter((e) => types.has(e.type));
    if (wanted.length > 0) await emitEventsOn(env, db, tenantId, wanted);
  } catch (err) {
    console.error('webhook events not recorded', tenantId, events.map((e) => e.type).join(','), err);
  }
}
