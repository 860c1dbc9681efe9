// Which tenant (and so which shard) a Twilio webhook belongs to, from signed data only: the query
// of our own StatusCallback URL (Twilio signs the full URL) or the number a message was sent To.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { sendingNumbers } from '../db/schema';

const ID = /^[0-9a-f-]{36}$/i;

/** `?t=<tenant id>&j=<job id>` as the send path puts it on each message's StatusCallback URL. */
export function statusCallbackQuery(ref: { tenantId: string; jobId: string }): string {
  return `t=${encodeURIComponent(ref.tenantId)}&j=${encodeURIComponent(ref.jobId)}`;
}

export function callbackRef(q: URLSearchParams): { tenantId: string; jobId: string | null } | null {
  const tenantId = q.get('t');
  const jobId = q.get('j');
  if (!tenantId || !ID.test(tenantId)) return null;
  return { tenantId, jobId: jobId && ID.test(jobId) ? jobId : null };
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
