// Applies one Twilio message status (from a status callback or from reconciliation) to its
// send job. Replay-safe and order-tolerant without reading the job's state first:
// - the webhook_events insert (ON CONFLICT DO NOTHING) is the replay guard, and every other
//   statement in the same batch only acts when that insert happened;
// - the UPDATE's WHERE lists the states the target may be reached from (forward-only), so two
//   callbacks racing each other end in the same state whatever order D1 runs them in;
// - DELIVERED / FAILED events are inserted only when the job is in that state and has no such
//   event yet, so each is emitted once per job.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Db, nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { type JobStatus, sendingNumbers, sendJobs, webhookEvents } from '../db/schema';
import { ALLOWED_FROM, failureReason, isUncharged, jobStatusFor } from '../domain/twilio-status';
import { type Renderable, runBatch } from './batch';

export type StatusInput = {
  providerEventId: string;
  messageSid: string;
  status: string;
  errorCode: string | null;
  /** Our sending number (`From` of an outbound message), when Twilio says it. */
  from: string | null;
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
  | { kind: 'tenant_mismatch' }
  | { kind: 'no_change'; jobId: string; tenantId: string }
  | { kind: 'applied'; jobId: string; tenantId: string; status: JobStatus; refundedCents: number };

type JobRef = {
  id: string;
  tenantId: string;
  campaignId: string;
  contactId: string;
  sendingNumberId: string | null;
  costCents: number | null;
  sentAt: string | null;
};

/** The job a MessageSid names, refusing one whose tenant differs from the sending number's. */
async function findJob(
  db: Db,
  messageSid: string,
  from: string | null,
): Promise<JobRef | 'unknown' | 'mismatch'> {
  const jobsQuery = db
    .select({
      id: sendJobs.id,
      tenantId: sendJobs.tenantId,
      campaignId: sendJobs.campaignId,
      contactId: sendJobs.contactId,
      sendingNumberId: sendJobs.sendingNumberId,
      costCents: sendJobs.costCents,
      sentAt: sendJobs.sentAt,
    })
    .from(sendJobs)
    .where(eq(sendJobs.providerMessageId, messageSid))
    .limit(5);
  const numberQuery = db
    .select({ tenantId: sendingNumbers.tenantId })
    .from(sendingNumbers)
    .where(eq(sendingNumbers.phoneE164, from ?? ''))
    .limit(1);
  const [jobs, numbers] = await db.batch([jobsQuery, numberQuery]);
  if (jobs.length === 0) return 'unknown';
  const numberTenant = from ? numbers[0]?.tenantId : undefined;
  // A number we do not (or no longer) hold says nothing about the tenant: the sid decides.
  const job = numberTenant ? jobs.find((j) => j.tenantId === numberTenant) : jobs[0];
  return job ?? 'mismatch';
}

function storeOrphan(db: Db, input: StatusInput, processed: boolean) {
  return db
    .insert(webhookEvents)
    .values({
      id: uuidv7(),
      tenantId: null,
      providerEventId: input.providerEventId,
      eventType: `status:${input.status}`,
      payload: input.payload,
      processedAt: processed ? nowIso() : null,
    })
    .onConflictDoNothing({ target: webhookEvents.providerEventId });
}

export async function applyStatus(db: Db, env: Env, input: StatusInput): Promise<StatusOutcome> {
  const found = await findJob(db, input.messageSid, input.from);
  if (found === 'unknown') {
    // Kept unprocessed: the callback may have beaten the send path's write of the sid, and
    // reconciliation re-applies such orphans once the job shows up.
    if (input.storeUnknown !== false) await storeOrphan(db, input, false);
    return { kind: 'unknown_message' };
  }
  if (found === 'mismatch') {
    console.warn(
      JSON.stringify({
        counter: 'twilio_webhook_tenant_mismatch',
        message_sid: input.messageSid,
        from: input.from,
      }),
    );
    await storeOrphan(db, input, true);
    return { kind: 'tenant_mismatch' };
  }

  const job = found;
  const now = nowIso();
  const weId = uuidv7();
  const target = jobStatusFor(input.status);
  const recorded = db
    .insert(webhookEvents)
    .values({
      id: weId,
      tenantId: job.tenantId,
      providerEventId: input.providerEventId,
      eventType: `status:${input.status}`,
      payload: input.payload,
      processedAt: now,
    })
    .onConflictDoNothing({ target: webhookEvents.providerEventId });

  if (target === null || target === 'queued') {
    const [inserted] = await runBatch(db, [recorded]);
    return inserted === 0 ? { kind: 'replay' } : { kind: 'no_change', jobId: job.id, tenantId: job.tenantId };
  }

  const reason = target === 'failed' ? (input.reason ?? failureReason(input.errorCode, input.status)) : null;
  const changes =
    target === 'sent'
      ? { status: target, sentAt: sql`coalesce(${sendJobs.sentAt}, ${now})` }
      : target === 'delivered'
        ? { status: target, deliveredAt: now, errorCode: null, failureReason: null }
        : { status: target, failedAt: now, errorCode: input.errorCode, failureReason: reason };
  const update = db
    .update(sendJobs)
    .set(changes)
    .where(
      and(
        eq(sendJobs.id, job.id),
        eq(sendJobs.tenantId, job.tenantId),
        inArray(sendJobs.status, [...ALLOWED_FROM[target]]),
        sql`EXISTS (SELECT 1 FROM webhook_events WHERE id = ${weId})`,
      ),
    );
  const statements: Renderable[] = [recorded, update];

  if (target === 'delivered' || target === 'failed') {
    const eventType = target === 'delivered' ? 'DELIVERED' : 'FAILED';
    const metadata = JSON.stringify({
      source: input.source,
      twilio_status: input.status,
      message_sid: input.messageSid,
      ...(target === 'failed' ? { error_code: input.errorCode, failure_reason: reason } : {}),
    });
    statements.push(
      sql`INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at)
          SELECT ${uuidv7()}, tenant_id, contact_id, campaign_id, id, ${eventType}, ${metadata}, ${now}
          FROM send_jobs
          WHERE id = ${job.id} AND status = ${target}
            AND NOT EXISTS (SELECT 1 FROM events WHERE send_job_id = ${job.id} AND event_type = ${eventType})`,
    );
  }

  const [inserted, updated] = await runBatch(db, statements);
  if (inserted === 0) return { kind: 'replay' };
  if (updated === 0) return { kind: 'no_change', jobId: job.id, tenantId: job.tenantId };

  let refundedCents = 0;
  if (target === 'failed' && isUncharged(input.status) && job.costCents && job.costCents > 0) {
    refundedCents = (await refund(env, job.tenantId, job.costCents, job.sentAt ?? now)) ? job.costCents : 0;
  }
  return { kind: 'applied', jobId: job.id, tenantId: job.tenantId, status: target, refundedCents };
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
