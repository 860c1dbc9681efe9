// Applies one Twilio message status (from a status callback or from reconciliation) to its
// send job, in ONE D1 batch (one round trip, one transaction) on the tenant's shard, replay-safe
// and order-tolerant without reading the job first:
// - the job is found in SQL by the job id our StatusCallback URL carries (signed by Twilio with
//   the rest of the URL), so a callback that arrives before the send path recorded the MessageSid
//   is applied at once and records the sid; without a job id, by MessageSid within the tenant;
// - the webhook_events insert (ON CONFLICT DO NOTHING) is the replay guard: the job UPDATE only
//   runs when this request's row went in;
// - the UPDATE's WHERE lists the states the target may be reached from (forward-only), so two
//   callbacks racing each other end in the same state whatever order D1 runs them in;
// - DELIVERED / FAILED events are inserted only when the job is in that state and has no such
//   event yet, so each is emitted once per job;
// - a callback naming no job of ours is kept unprocessed, so reconciliation can apply it once the
//   send path has recorded the sid.
import { sql } from 'drizzle-orm';
import { type Db, nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import type { JobStatus } from '../db/schema';
import { ALLOWED_FROM, failureReason, isUncharged, jobStatusFor } from '../domain/twilio-status';
import { type Renderable, runBatch } from './batch';

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
  | { kind: 'replay' }
  | { kind: 'unknown_message' }
  | { kind: 'no_change'; jobId: string; tenantId: string }
  | { kind: 'applied'; jobId: string; tenantId: string; status: JobStatus; refundedCents: number };

type Recorded = { tenant_id: string; job_id: string };
type Updated = { id: string; tenant_id: string; cost_cents: number | null; sent_at: string | null };

export async function applyStatus(db: Db, env: Env, input: StatusInput): Promise<StatusOutcome> {
  const now = nowIso();
  const weId = uuidv7();
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
  const ours = sql`EXISTS (SELECT 1 FROM webhook_events WHERE id = ${weId})`;

  const statements: Renderable[] = [
    sql`INSERT INTO webhook_events (id, tenant_id, provider_event_id, event_type, payload, processed_at)
        SELECT ${weId}, j.tenant_id, ${input.providerEventId}, ${eventType}, ${payload}, ${now}
          FROM send_jobs j WHERE j.id = ${jobId}
        ON CONFLICT (provider_event_id) DO NOTHING
        RETURNING tenant_id, (SELECT ${jobId}) AS job_id`,
  ];
  if (input.storeUnknown !== false) {
    statements.push(
      sql`INSERT INTO webhook_events (id, tenant_id, provider_event_id, event_type, payload, processed_at)
          SELECT ${uuidv7()}, ${input.tenantId}, ${input.providerEventId}, ${eventType}, ${payload}, NULL
          WHERE NOT ${ours}
          ON CONFLICT (provider_event_id) DO NOTHING
          RETURNING id`,
    );
  }

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
    statements.push(
      sql`UPDATE send_jobs SET ${set}
          WHERE id = ${jobId} AND status IN (${allowed}) AND ${ours}
          RETURNING id, tenant_id, cost_cents, sent_at`,
    );
  }
  if (target === 'delivered' || target === 'failed') {
    const kind = target === 'delivered' ? 'DELIVERED' : 'FAILED';
    const metadata = JSON.stringify({
      source: input.source,
      twilio_status: input.status,
      message_sid: input.messageSid,
      ...(target === 'failed' ? { error_code: input.errorCode, failure_reason: reason } : {}),
    });
    statements.push(
      sql`INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at)
          SELECT ${uuidv7()}, tenant_id, contact_id, campaign_id, id, ${kind}, ${metadata}, ${now}
            FROM send_jobs
           WHERE id = ${jobId} AND status = ${target} AND ${ours}
             AND NOT EXISTS (SELECT 1 FROM events WHERE send_job_id = send_jobs.id AND event_type = ${kind})`,
    );
  }

  const results = await runBatch(db, statements);
  const recorded = results[0]?.rows[0] as Recorded | undefined;
  if (!recorded) {
    const orphan = input.storeUnknown !== false ? results[1]?.rows[0] : undefined;
    if (orphan || input.storeUnknown === false) return { kind: 'unknown_message' };
    return { kind: 'replay' };
  }
  const updated = moves
    ? (results[input.storeUnknown !== false ? 2 : 1]?.rows[0] as Updated | undefined)
    : undefined;
  if (!updated || !target) return { kind: 'no_change', jobId: recorded.job_id, tenantId: recorded.tenant_id };

  let refundedCents = 0;
  if (target === 'failed' && isUncharged(input.status) && updated.cost_cents && updated.cost_cents > 0) {
    const ok = await refund(env, updated.tenant_id, updated.cost_cents, updated.sent_at ?? now);
    refundedCents = ok ? updated.cost_cents : 0;
  }
  return { kind: 'applied', jobId: updated.id, tenantId: updated.tenant_id, status: target, refundedCents };
}

/**
 * Gives an uncharged message's cost back to the tenant's budget (TenantGovernor.refund).
 * A failure is logged, never thrown: the job's state is already committed, and Twilio must not
 * retry a callback we have recorded.
 */
async function refund(env: Env, tenantId: string, cents: number, spentAtIso: string): Promise<boolean> {
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
