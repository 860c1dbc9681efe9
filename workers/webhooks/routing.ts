// Which tenant (and so which shard) a Twilio webhook belongs to, from signed data only: the query
// of our own StatusCallback URL (Twilio signs the full URL) or the number a message was sent To.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { sendingNumbers } from '../db/schema';

const ID = /^[0-9a-f-]{36}$/i;

/** Whose message it is: a campaign's send job, or a direct message (workers/direct/). */
export type MessageRef = { tenantId: string; jobId: string } | { tenantId: string; messageId: string };

/**
 * `?t=<tenant id>&j=<job id>` (or `&m=<direct message id>`), as the send paths put it on each
 * message's StatusCallback URL.
 */
export function statusCallbackQuery(ref: MessageRef): string {
  const t = `t=${encodeURIComponent(ref.tenantId)}`;
  return 'jobId' in ref
    ? `${t}&j=${encodeURIComponent(ref.jobId)}`
    : `${t}&m=${encodeURIComponent(ref.messageId)}`;
}

export function callbackRef(
  q: URLSearchParams,
): { tenantId: string; jobId: string | null; messageId: string | null } | null {
  const tenantId = q.get('t');
  const jobId = q.get('j');
  const messageId = q.get('m');
  if (!tenantId || !ID.test(tenantId)) return null;
  return {
    tenantId,
    jobId: jobId && ID.test(jobId) ? jobId : null,
    messageId: messageId && ID.test(messageId) ? messageId : null,
  };
}

/** The tenant owning one of our numbers, from the control database's sender directory. */
export async function numberOwner(control: Db, phone: string): Promise<string | null> {
  const [row] = await control
    .select({ tenantId: sendingNumbers.tenantId })
    .from(sendingNumbers)
    .where(eq(sendingNumbers.phoneE164, phone))
    .limit(1);
  return row?.tenantId ?? null;
}
