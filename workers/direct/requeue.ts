// Every minute: a direct message still queued well after its queue message was due lost that
// message (a crash between the row and the queue, or a dropped delayed message). Queue it again;
// a copy too many is harmless (the sender claims a message once).
import { sql } from 'drizzle-orm';
import { andTenant, type CronScope } from '../cron/scope';
import { shards } from '../db/shards';
import { enqueueDirect } from './queue';

/** How late a queue message may be before it counts as lost (queue delivery is usually seconds). */
export const DIRECT_LOST_AFTER_MS = 10 * 60_000;
const LIMIT = 500;

export async function requeueLostDirect(
  env: Env,
  now: Date,
  scope?: CronScope,
): Promise<{ requeued: number }> {
  const cutoff = new Date(now.getTime() - DIRECT_LOST_AFTER_MS).toISOString();
  const at = now.toISOString();
  let requeued = 0;
  for (const shard of shards(env)) {
    // Only tenants homed here: a tenant being moved is left alone until its move is over.
    const lost = await shard.db.all<{ id: string; tenant_id: string }>(sql`
      UPDATE direct_messages SET next_attempt_at = ${at}
       WHERE id IN (
         SELECT m.id FROM direct_messages m
          WHERE m.status = 'queued' AND m.next_attempt_at < ${cutoff}
            AND m.tenant_id IN (SELECT id FROM tenants WHERE shard = ${shard.name})${andTenant('m.tenant_id', scope)}
          LIMIT ${LIMIT})
      RETURNING id, tenant_id`);
    for (const m of lost) await enqueueDirect(env, { messageId: m.id, tenantId: m.tenant_id });
    requeued += lost.length;
  }
  return { requeued };
}
