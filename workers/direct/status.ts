// A Twilio status callback for a direct message (its URL names it: `?t=<tenant>&m=<message>`), in
// one statement: forward-only like a campaign job's (workers/webhooks/status.ts), so a replayed or
// late callback changes nothing; an uncharged failure gives its cost back to the budget.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { nowIso } from '../db/client';
import type { JobStatus } from '../db/schema';
import { ALLOWED_FROM, failureReason, isUncharged, jobStatusFor } from '../domain/twilio-status';
import { emitIfSubscribed } from '../integrations/subscribers';
import { messageEvent, refund } from '../webhooks/status';

export type DirectStatusInput = {
  tenantId: string;
  messageId: string;
  messageSid: string;
  status: string;
  errorCode: string | null;
};

export async function applyDirectStatus(
  db: Db,
  env: Env,
  input: DirectStatusInput,
): Promise<{ applied: JobStatus | null }> {
  const target = jobStatusFor(input.status);
  if (target === null || target === 'queued') return { applied: null };
  const now = nowIso();
  const allowed = sql.join(
    ALLOWED_FROM[target].map((s) => sql`${s}`),
    sql`, `,
  );
  const move =
    target === 'sent'
      ? sql`status = 'sent', sent_at = coalesce(sent_at, ${now})`
      : target === 'delivered'
        ? sql`status = 'delivered', delivered_at = ${now}, error_code = NULL, failure_reason = NULL`
        : sql`status = 'failed', failed_at = ${now}, error_code = ${input.errorCode},
              failure_reason = ${failureReason(input.errorCode, input.status)}`;
  const [updated] = await db.all<{
    cost_cents: number | null;
    sent_at: string | null;
    kind: string;
    contact_id: string | null;
    failure_reason: string | null;
    context: string;
  }>(sql`
    UPDATE direct_messages SET ${move}, provider_message_id = coalesce(provider_message_id, ${input.messageSid})
     WHERE id = ${input.messageId} AND tenant_id = ${input.tenantId} AND status IN (${allowed})
       AND (provider_message_id IS NULL OR provider_message_id = ${input.messageSid})
    RETURNING cost_cents, sent_at, kind, contact_id, failure_reason, context`);
  if (!updated) return { applied: null };
  if (target === 'failed' && isUncharged(input.status) && updated.cost_cents && updated.cost_cents > 0)
    await refund(env, input.tenantId, updated.cost_cents, updated.sent_at ?? now);
  if (target === 'delivered' || target === 'failed') {
    const ctx = JSON.parse(updated.context || '{}') as Record<string, unknown>;
    await emitIfSubscribed(env, db, input.tenantId, [
      messageEvent(target, {
        id: input.messageId,
        kind: updated.kind,
        contact_id: updated.contact_id,
        ...(ctx.flow_id ? { flow_id: ctx.flow_id } : {}),
        message_sid: input.messageSid,
        error_code: target === 'failed' ? input.errorCode : null,
        failure_reason: target === 'failed' ? updated.failure_reason : null,
      }),
    ]);
  }
  return { applied: target };
}
