// Which tenant (and so which shard) a Twilio webhook belongs to, from signed data only: the query
// of our own StatusCallback URL (Twilio signs the full URL), or the number (else the Messaging
// Service) a message was sent To; and whether the account that signed it may speak for that tenant.
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

export type InboundSender = { id: string; tenantId: string; twilioAccountSid: string | null };

const senderColumns = {
  id: sendingNumbers.id,
  tenantId: sendingNumbers.tenantId,
  twilioAccountSid: sendingNumbers.twilioAccountSid,
};

/**
 * The sender an inbound message reached, from the control database's sender directory: the number
 * it was sent To when a tenant registered that number by itself, else the Messaging Service it came
 * through (Twilio adds `MessagingServiceSid` when the number is in a service's pool). Both are
 * signed parameters; the caller checks them against the signing account.
 */
export async function inboundSender(
  control: Db,
  to: string,
  messagingServiceSid: string | null,
): Promise<InboundSender | null> {
  const [byNumber] = await control
    .select(senderColumns)
    .from(sendingNumbers)
    .where(eq(sendingNumbers.phoneE164, to))
    .limit(1);
  if (byNumber || !messagingServiceSid) return byNumber ?? null;
  const [byService] = await control
    .select(senderColumns)
    .from(sendingNumbers)
    .where(eq(sendingNumbers.messagingServiceSid, messagingServiceSid))
    .limit(1);
  return byService ?? null;
}

/**
 * May the account that signed a webhook speak for this tenant (and sender)? A tenant's own account
 * only for that tenant, and for a sender recorded under that account. The platform account (tenant
 * null) for any tenant: it is ours, and carries every tenant without its own account, as well as
 * messages a tenant sent before it brought its own.
 */
export function accountMayCarry(
  signer: { accountSid: string; tenantId: string | null },
  tenantId: string,
  sender?: { twilioAccountSid: string | null },
): boolean {
  if (sender?.twilioAccountSid) return sender.twilioAccountSid === signer.accountSid;
  return signer.tenantId === null || signer.tenantId === tenantId;
}
