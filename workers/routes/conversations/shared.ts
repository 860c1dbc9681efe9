// What several conversation routes need: the thread named in the path (404 for anyone else's), why
// a reply cannot go out now, the number it would go out from, and the assignee's address.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { findThread, type Thread } from '../../db/conversations';
import { doNotContact, sendingNumbers, tenants, users } from '../../db/schema';
import { stickyIndex } from '../../domain/ab-split';
import { replySender, type SenderCandidate } from '../../domain/conversations';
import { notFound } from '../../http/errors';

export async function loadThread(db: Db, tenantId: string, id: string): Promise<Thread> {
  const thread = await findThread(db, tenantId, id);
  if (!thread) throw notFound('Conversation');
  return thread;
}

export type ReplyBlock = {
  reason: 'no_conversation' | 'do_not_contact' | 'tenant_paused' | 'erased' | 'no_sender';
  detail: string;
} | null;

export type ReplyPlan = { block: ReplyBlock; sender: SenderCandidate | null };

/**
 * Whether a staff reply may go out now, and from which number. Replies are not marketing (no
 * suppression window, no quiet hours), but never go to someone on do-not-contact, never while the
 * kill switch is on, and only into a thread the person started.
 */
export async function planReply(db: Db, tenantId: string, thread: Thread): Promise<ReplyPlan> {
  const [dnc, tenant, numbers] = await db.batch([
    db
      .select({ reason: doNotContact.reason })
      .from(doNotContact)
      .where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, thread.phone))),
    db.select({ isPaused: tenants.isPaused }).from(tenants).where(eq(tenants.id, tenantId)),
    db
      .select({
        id: sendingNumbers.id,
        phoneE164: sendingNumbers.phoneE164,
        isActive: sendingNumbers.isActive,
        kind: sendingNumbers.kind,
      })
      .from(sendingNumbers)
      .where(eq(sendingNumbers.tenantId, tenantId))
      // a stable order: the fallback sender is picked by position (sticky per phone)
      .orderBy(sendingNumbers.createdAt, sendingNumbers.id),
  ]);
  // The numbers our latest messages to them came from (campaign jobs and direct messages).
  const recent = await db.all<{ sending_number_id: string }>(sql`
      SELECT sending_number_id FROM (
        SELECT sending_number_id, coalesce(sent_at, queued_at) AS at FROM send_jobs
         WHERE contact_id = ${thread.contact?.id ?? null} AND tenant_id = ${tenantId} AND sending_number_id IS NOT NULL
        UNION ALL
        SELECT sending_number_id, coalesce(sent_at, queued_at) AS at FROM direct_messages
         WHERE tenant_id = ${tenantId} AND to_phone = ${thread.phone} AND sending_number_id IS NOT NULL)
       ORDER BY at DESC LIMIT 5`);
  const usable = numbers.filter((n) => n.isActive && n.kind !== 'alphanumeric');
  const sender =
    replySender(
      numbers,
      thread.conversation?.lastInboundTo ?? null,
      recent.map((r) => r.sending_number_id),
    ) ?? (usable.length ? (usable[stickyIndex(thread.phone, usable.length)] ?? null) : null);
  const block = ((): ReplyBlock => {
    if (thread.contact?.erasedAt) return { reason: 'erased', detail: 'This person’s data was erased.' };
    if (dnc[0])
      return {
        reason: 'do_not_contact',
        detail: `${thread.phone} is on the do-not-contact list (${dnc[0].reason}): nothing can be sent to them.`,
      };
    if (!thread.conversation)
      return {
        reason: 'no_conversation',
        detail: 'They have not texted you: a reply answers a message (start with a campaign instead).',
      };
    if (tenant[0]?.isPaused)
      return { reason: 'tenant_paused', detail: 'Sending is paused for this account (kill switch).' };
    if (!sender) return { reason: 'no_sender', detail: 'No active sending number can take replies.' };
    return null;
  })();
  return { block, sender };
}

export async function emailOf(db: Db, tenantId: string, userId: string | null): Promise<string | null> {
  if (!userId) return null;
  const [u] = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.id, userId), eq(users.tenantId, tenantId)));
  return u?.email ?? null;
}
