// Every minute (cron): webhook deliveries whose queue message went missing are sent again, old
// delivery logs are dropped, and opt-in requests nobody confirmed within 24 h expire.
import { and, eq, inArray, lt, ne } from 'drizzle-orm';
import { pendingOptIns, webhookDeliveries } from '../db/schema';
import { shards } from '../db/shards';
import { enqueueDeliveries } from './events';

/** A pending delivery this far past its time has lost its queue message. */
export const OVERDUE_MS = 5 * 60 * 1000;
/** How long the delivery log keeps finished deliveries. */
export const DELIVERY_LOG_DAYS = 30;
const BATCH = 500;

export async function sweepWebhooks(
  env: Pick<Env, 'CONTROL_DB' | 'WEBHOOK_QUEUE'>,
  now: Date,
): Promise<{ resent: number }> {
  let resent = 0;
  const overdue = new Date(now.getTime() - OVERDUE_MS).toISOString();
  const oldest = new Date(now.getTime() - DELIVERY_LOG_DAYS * 86_400_000).toISOString();
  for (const shard of shards(env)) {
    const db = shard.db;
    const lost = await db
      .select({
        id: webhookDeliveries.id,
        tenantId: webhookDeliveries.tenantId,
        attempt: webhookDeliveries.attemptCount,
      })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.state, 'pending'), lt(webhookDeliveries.nextAttemptAt, overdue)))
      .limit(BATCH);
    if (lost.length > 0) {
      // Moving next_attempt_at to now keeps the next sweep from sending them again straight away.
      await db
        .update(webhookDeliveries)
        .set({ nextAttemptAt: now.toISOString() })
        .where(
          inArray(
            webhookDeliveries.id,
            lost.map((l) => l.id),
          ),
        );
      await enqueueDeliveries(
        env,
        lost.map((l) => ({ tenantId: l.tenantId, deliveryId: l.id, attempt: l.attempt })),
      );
      resent += lost.length;
    }
    await db
      .delete(webhookDeliveries)
      .where(and(ne(webhookDeliveries.state, 'pending'), lt(webhookDeliveries.createdAt, oldest)));
  }
  return { resent };
}

export async function expireOptIns(env: Pick<Env, 'CONTROL_DB'>, now: Date): Promise<void> {
  const at = now.toISOString();
  for (const shard of shards(env)) {
    await shard.db
      .update(pendingOptIns)
      .set({ status: 'expired', updatedAt: at })
      .where(and(eq(pendingOptIns.status, 'pending'), lt(pendingOptIns.expiresAt, at)));
  }
}
