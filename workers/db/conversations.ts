// Conversation threads (issue 12): one row per phone that texted the tenant (schema/conversations.ts
// `conversations`). The inbound webhook upserts it in its own batch; staff replies and actions
// update it; the routes find a thread by the contact's id or, for a sender who is not a contact,
// by the thread's own id.
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { needsPerson, previewOf } from '../domain/conversations';
import type { Db } from './client';
import { uuidv7 } from './ids';
import { contacts, conversations } from './schema';

export type ConversationRow = typeof conversations.$inferSelect;
export type ThreadContact = Pick<
  typeof contacts.$inferSelect,
  'id' | 'phoneE164' | 'firstName' | 'lastName' | 'erasedAt' | 'timezone'
>;

/**
 * The inbound message's effect on its thread, as one statement for the webhook's batch: create the
 * thread, or move it forward (a reply reopens a closed thread and counts as unread; a STOP or START
 * only shows in it). `guard` is the webhook's replay guard (the statement does nothing on a replay).
 */
export function inboundThreadUpsert(p: {
  tenantId: string;
  from: string;
  to: string;
  body: string;
  numMedia: number;
  eventType: 'REPLIED' | 'OPT_OUT' | 'RESUBSCRIBE';
  at: string;
  guard: SQL;
}): SQL {
  const person = needsPerson(p.eventType) ? 1 : 0;
  const preview = previewOf(p.body, p.numMedia);
  return sql`
    INSERT INTO conversations (id, tenant_id, phone_e164, status, unread_count, last_message_at, last_inbound_at,
                               last_inbound_to, last_direction, last_preview, closed_at, created_at, updated_at)
    SELECT ${uuidv7()}, ${p.tenantId}, ${p.from}, CASE WHEN ${person} = 1 THEN 'open' ELSE 'closed' END, ${person},
           ${p.at}, ${p.at}, ${p.to}, 'inbound', ${preview}, CASE WHEN ${person} = 1 THEN NULL ELSE ${p.at} END,
           ${p.at}, ${p.at}
     WHERE ${p.guard}
    ON CONFLICT (tenant_id, phone_e164) DO UPDATE SET
      status = CASE WHEN ${person} = 1 THEN 'open' ELSE status END,
      closed_at = CASE WHEN ${person} = 1 THEN NULL ELSE closed_at END,
      unread_count = unread_count + ${person},
      last_message_at = max(last_message_at, excluded.last_message_at),
      last_inbound_at = excluded.last_inbound_at,
      last_inbound_to = excluded.last_inbound_to,
      last_direction = 'inbound',
      last_preview = excluded.last_preview,
      updated_at = excluded.updated_at`;
}

/** Our reply's effect on its thread: the latest message, and read (whoever answers has read it). */
export function replyThreadUpdate(db: Db, conversationId: string, body: string, at: string) {
  return db
    .update(conversations)
    .set({
      lastMessageAt: sql`max(${conversations.lastMessageAt}, ${at})`,
      lastOutboundAt: at,
      lastDirection: 'outbound',
      lastPreview: previewOf(body),
      unreadCount: 0,
      lastReadAt: at,
      updatedAt: at,
    })
    .where(eq(conversations.id, conversationId));
}

export type Thread = {
  contact: ThreadContact | null;
  conversation: ConversationRow | null;
  /** The thread's phone: the contact's, or the sender's when there is no contact. */
  phone: string;
};

const contactColumns = {
  id: contacts.id,
  phoneE164: contacts.phoneE164,
  firstName: contacts.firstName,
  lastName: contacts.lastName,
  erasedAt: contacts.erasedAt,
  timezone: contacts.timezone,
};

/**
 * The thread named by `id`: a contact's id (whether or not they ever wrote: the contact page shows
 * our messages too) or a conversation's id (a sender who is not a contact). Null when the tenant has
 * neither, which the routes answer with 404 (another tenant's ids included).
 */
export async function findThread(db: Db, tenantId: string, id: string): Promise<Thread | null> {
  const [byContact, byConversation] = await db.batch([
    db
      .select(contactColumns)
      .from(contacts)
      .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, id)))
      .limit(1),
    db
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id)))
      .limit(1),
  ]);
  const contact = byContact[0];
  if (contact) {
    const [conversation] = await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.phoneE164, contact.phoneE164)))
      .limit(1);
    return { contact, conversation: conversation ?? null, phone: contact.phoneE164 };
  }
  const conversation = byConversation[0];
  if (!conversation) return null;
  const [owner] = await db
    .select(contactColumns)
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneE164, conversation.phoneE164)))
    .limit(1);
  return { contact: owner ?? null, conversation, phone: conversation.phoneE164 };
}
