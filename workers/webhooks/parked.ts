// Twilio webhooks of a tenant that is being moved to another shard (issue 11). While the move's
// fence is up, neither shard may be written for that tenant, and Twilio does not retry a webhook
// we fail: a STOP answered with an error would be lost. So the verified, parsed webhook is kept
// in the control database and applied, in arrival order, once the move is over: the operator
// endpoint `POST /ops/v1/tenants/:id/parked-webhooks/replay` does it, and `tenant move` and
// `tenant resume` call it (a moved tenant is still paused, so nothing is sent before a parked
// STOP is applied).
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { parkedWebhooks } from '../db/schema';
import { shardOf } from '../db/shards';
import { applyCallback, type CallbackInput } from './callback';
import type { InboundInput } from './inbound';
import { processInbound } from './inbound-effects';

export type Parked = { kind: 'status'; input: CallbackInput } | { kind: 'inbound'; input: InboundInput };

export async function parkWebhook(control: Db, tenantId: string, parked: Parked): Promise<void> {
  await control.insert(parkedWebhooks).values({
    id: uuidv7(),
    tenantId,
    kind: parked.kind,
    params: parked.input as unknown as Record<string, string>,
  });
  console.warn(JSON.stringify({ counter: 'twilio_webhook_parked', tenant: tenantId, kind: parked.kind }));
}

/** Rows applied per call: the replay stays well inside a request's limits; call again for more. */
const REPLAY_PAGE = 200;

/**
 * Applies the tenant's parked webhooks, oldest first, and deletes each once applied (both
 * handlers are replay-safe, so a crash between the two applies nothing twice). Throws
 * TenantMovingError while the move is still on.
 */
export async function replayParkedWebhooks(
  env: Env,
  control: Db,
  tenantId: string,
): Promise<{ replayed: number; more: boolean }> {
  const rows = await control
    .select()
    .from(parkedWebhooks)
    .where(eq(parkedWebhooks.tenantId, tenantId))
    .orderBy(asc(parkedWebhooks.receivedAt), asc(parkedWebhooks.id))
    .limit(REPLAY_PAGE + 1);
  const batch = rows.slice(0, REPLAY_PAGE);
  if (batch.length === 0) return { replayed: 0, more: false };
  const { db } = await shardOf(env, tenantId);
  for (const row of batch) {
    if (row.kind === 'status') {
      await applyCallback(db, env, row.params as unknown as CallbackInput);
    } else {
      // The keyword's auto-reply (e.g. the STOP confirmation) is not sent late; the opt-out itself is applied.
      await processInbound(env, db, row.params as unknown as InboundInput);
    }
    await control
      .delete(parkedWebhooks)
      .where(and(eq(parkedWebhooks.tenantId, tenantId), eq(parkedWebhooks.id, row.id)));
  }
  return { replayed: batch.length, more: rows.length > REPLAY_PAGE };
}
