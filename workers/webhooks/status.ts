// Applies one Twilio message status (from a status callback or from reconciliation) to its
// send job, in ONE D1 batch (one round trip, one transaction) on the tenant's shard, replay-safe
// and order-tolerant without reading the job first, and without storing the callback (the job
// row is the record; only a callback naming no job is kept, for reconciliation):
// - the job is found in SQL by the job id our StatusCallback URL carries (signed by Twilio with
//   the rest of the URL), so a callback that arrives before the send path recorded the MessageSid
//   is applied at once and records the sid; without a job id, by MessageSid within the tenant;
// - the UPDATE's WHERE lists the states the target may be reached from (forward-only), so two
//   callbacks racing each other end in the same state whatever order D1 runs them in;
// - a FAILED event (with its reason) is inserted only when the job is failed and has none yet, so
//   it is emitted once per job; a delivery needs no event (delivered_at on the job says it);
// - a callback naming no job of ours is kept unprocessed, so reconciliation can apply it once the
//   send path has recorded the sid.
import { sql } from 'drizzle-orm';
import { type Renderable, runBatch } from '../db/batch';
import { type Db, nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import type { JobStatus } from '../db/schema';
import { ALLOWED_FROM, failureReason, isUncharged, jobStatusFor } from '../domain/twilio-status';
import type { WebhookEvent } from '../integrations/events';
import { emitIfSubscribed } from '../integrations/subscribers';

export type StatusInput = {
  /** The tenant the callback belongs to (from our signed callback URL, or the job reconciled). */
  tenantId: string;
  /** The job, when the callback URL names it. */
  jobId: string | null;
  providerEventId: string;
  messageSid: string;
  status: string;
  errorCode: string | null;
  payload: Record<string, string>;
  source: 'webhook' | 'reconcile';
  /** Overrides the reason derived from the error code (reconciliation's own verdicts). */
  reason?: string;
  /** Store a callback for an unknown sid (default); reconciliation re-trying an orphan does not. */
  storeUnknown?: boolean;
};

export type StatusOutcome =
  | { kind: 'unknown_message' }
  | { kind: 'no_change'; jobId: string; tenantId: string }
  | { kind: 'applied'; jobId: string; tenantId: string; status: JobStatus; refundedCents: number };

type Found = { id: string; tenant_id: string };
type Updated = {
  id: string;
  tenant_id: string;
  cost_cents: number | null;
  sent_at: string | null;
  contact_id: string;
  campaign_id: string;
};

export async function applyStatus(db: Db, env: Env, input: StatusInput): Promise<StatusOutcome> {
  const now = nowIso();
  const target = jobStatusFor(input.status);
  const eventType = `status:${input.status}`;
  const payload = JSON.stringify(input.payload);
  const sid = input.messageSid;

  const jobId = input.jobId
    ? sql`(SELECT j.id FROM send_jobs j
        WHERE j.id = ${input.jobId} AND j.tenant_id = ${input.tenantId}
          AND (j.provider_message_id IS NULL OR j.provider_message_id = ${sid}))`
    : sql`(SELECT j.id FROM send_jobs j
        WHERE j.provider_message_id = ${sid} AND j.tenant_id = ${input.tenantId}
        ORDER BY j.id LIMIT 1)`;

  const statements: Renderable[] = [sql`SELECT id, tenant_id FROM send_jobs WHERE id = ${jobId}`];
  const moves = target !== null && target !== 'queued';
  const reason = target === 'failed' ? (input.reason ?? failureReason(input.errorCode, input.status)) : null;
  if (moves) {
    const allowed = sql.join(
      ALLOWED_FROM[target].map((s) => sql`${s}`),
      sql`, `,
    );
    const move =
      target === 'sent'
        ? sql`status = 'sent', sent_at = coalesce(sent_at, ${now})`
        : target === 'delivered'
          ? sql`status = 'delivered', delivered_at = ${now}, error_code = NULL, failure_reason = NULL`
          : sql`status = 'failed', failed_at = ${now}, error_code = ${input.errorCode}, failure_reason = ${reason}`;
    // Ahead of the send path's own record: the sid is known here first.
    const set = sql`${move}, provider_message_id = coalesce(provider_message_id, ${sid}), lease_until = NULL`;
    // The replay guard is the state itself: a job moves only forward, so a replayed (or late)
    // callback matches no row and changes nothing.
    statements.push(
      sql`UPDATE send_jobs SET ${set}
          WHERE id = ${jobId} AND status IN (${allowed})
          RETURNING id, tenant_id, cost_cents, sent_at, contact_id, campaign_id`,
    );
  }
  if (target === 'failed') {
    // A failure is worth an event of its own (its reason, for the log); a delivery is the job row's.
    const metadata = JSON.stringify({
      source: input.source,
      twilio_status: input.status,
      message_sid: input.messageSid,
      error_code: input.errorCode,
      failure_reason: reason,
    });
    statements.push(
      sql`INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at)
          SELECT ${uuidv7()}, tenant_id, contact_id, campaign_id, id, 'FAILED', ${metadata}, ${now}
            FROM send_jobs
           WHERE id = ${jobId} AND status = 'failed'
             AND NOT EXISTS (SELECT 1 FROM events WHERE send_job_id = send_jobs.id AND event_type = 'FAILED')`,
    );
  }
  if (input.source === 'reconcile') {
    // Reconciliation's marker: the job was looked up at Twilio once, never again.
    statements.push(
      sql`INSERT INTO webhook_events (id, tenant_id, provider_event_id, event_type, payload, processed_at)
          SELECT ${uuidv7()}, tenant_id, ${input.providerEventId}, ${eventType}, ${payload}, ${now}
            FROM send_jobs WHERE id = ${jobId}
          ON CONFLICT (provider_event_id) DO NOTHING`,
    );
  }
  if (input.storeUnknown !== false) {
    // A callback naming no job of ours is kept (unprocessed) for reconciliation to retry.
    statements.push(
      sql`INSERT INTO webhook_events (id, tenant_id, provider_event_id, event_type, payload, processed_at)
          SELECT ${uuidv7()}, ${input.tenantId}, ${input.providerEventId}, ${eventType}, ${payload}, NULL
          WHERE NOT EXISTS (SELECT 1 FROM send_jobs WHERE id = ${jobId})
          ON CONFLICT (provider_event_id) DO NOTHING`,
    );
  }

  const results = await runBatch(db, statements);
  const found = results[0]?.rows[0] as Found | undefined;
  if (!found) return { kind: 'unknown_message' };
  const updated = moves ? (results[1]?.rows[0] as Updated | undefined) : undefined;
  if (!updated || !target) return { kind: 'no_change', jobId: found.id, tenantId: found.tenant_id };

  let refundedCents = 0;
  if (target === 'failed' && isUncharged(input.status) && updated.cost_cents && updated.cost_cents > 0) {
    const ok = await refund(env, updated.tenant_id, updated.cost_cents, updated.sent_at ?? now);
    refundedCents = ok ? updated.cost_cents : 0;
  }
  if (target === 'delivered' || target === 'failed')
    await emitIfSubscribed(env, db, updated.tenant_id, [
      messageEvent(target, {
        id: updated.id,
        kind: 'campaign',
        campaign_id: updated.campaign_id,
        contact_id: updated.contact_id,
        message_sid: sid,
        error_code: target === 'failed' ? input.errorCode : null,
        failure_reason: reason,
      }),
    ]);
  return { kind: 'applied', jobId: updated.id, tenantId: updated.tenant_id, status: target, refundedCents };
}

/** `message.delivered` / `message.failed` for a message that has just reached that state. */
export function messageEvent(status: 'delivered' | 'failed', message: Record<string, unknown>): WebhookEvent {
  return {
    type: status === 'delivered' ? 'message.delivered' : 'message.failed',
    data: { message: { ...message, status } },
  };
}

/**
 * Gives an uncharged message's cost back to the tenant's budget (TenantGovernor.refund).
 * A failure is logged, never thrown: the job's state is already committed, and Twilio must not
 * retry a callback we have recorded.
 */
export async function refund(
  env: Env,
  tenantId: string,
  cents: number,
  spentAtIso: string,
): Promise<boolean> {
  try {
    await env.TENANT_GOVERNOR.getByName(tenantId).refund(cents, spentAtIso);
    return true;
  } catch (err) {
    console.warn(
      JSON.stringify({ counter: 'budget_refund_failed', tenant_id: tenantId, cents, error: String(err) }),
    );
    return false;
  }
}
