// The conversation API's shapes (issue 12) and the row → JSON mappings its routes share.
import { z } from '@hono/zod-openapi';
import type { ConversationRow, ThreadContact } from '../../db/conversations';
import { CONVERSATION_STATUSES, DIRECT_KINDS } from '../../db/schema';
import type { ThreadMessageRow } from '../../db/thread';

export const ThreadParam = z.object({
  contact_id: z.uuid().openapi({
    param: { name: 'contact_id', in: 'path' },
    description: 'The contact’s id; for a sender who is not a contact, the conversation’s id',
  }),
});

const ContactRef = z.object({
  id: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  phone_e164: z.string(),
});

export const ConversationSchema = z
  .object({
    id: z.string(),
    /** The thread's key in URLs: the contact's id, or the conversation's id when there is no contact. */
    thread_id: z.string(),
    phone_e164: z.string(),
    contact: ContactRef.nullable(),
    status: z.enum(CONVERSATION_STATUSES),
    assignee_id: z.string().nullable(),
    assignee_email: z.string().nullable(),
    unread_count: z.number().int(),
    last_message: z.object({
      direction: z.enum(['inbound', 'outbound']),
      preview: z.string().nullable(),
      at: z.string(),
    }),
    last_inbound_at: z.string().nullable(),
    last_read_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Conversation');

export const INBOUND_KINDS = ['message', 'help', 'opt_out', 'opt_in'] as const;
export const MESSAGE_KINDS = [...INBOUND_KINDS, 'campaign', ...DIRECT_KINDS] as const;

export const ThreadMessageSchema = z
  .object({
    id: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    /** Inbound: message, help, opt_out, opt_in. Outbound: campaign, reply, test, confirmation, flow, verification. */
    kind: z.enum(MESSAGE_KINDS),
    body: z.string().nullable(),
    /** Inbound: received. Outbound: queued, sent, delivered, failed. */
    status: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    campaign: z.object({ id: z.string(), name: z.string() }).nullable(),
    /** A test send of a campaign: never part of its stats. */
    is_test: z.boolean(),
    parts: z.number().int().nullable(),
    cost_cents: z.number().int().nullable(),
    failure_reason: z.string().nullable(),
    sent_by: z.object({ id: z.string(), email: z.string() }).nullable(),
    /** When it was received, or sent (queued, while not yet sent). */
    at: z.string(),
    sent_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    failed_at: z.string().nullable(),
  })
  .openapi('ThreadMessage');

export const ReplyBlock = z
  .object({
    reason: z.enum(['no_conversation', 'do_not_contact', 'tenant_paused', 'erased', 'no_sender']),
    detail: z.string(),
  })
  .nullable();

export const ThreadSchema = z
  .object({
    thread_id: z.string(),
    phone_e164: z.string(),
    contact: ContactRef.nullable(),
    /** Null until the person texts us (a contact page shows our messages all the same). */
    conversation: ConversationSchema.nullable(),
    /** Why a reply cannot be sent now (null: it can). */
    reply_blocked: ReplyBlock,
    data: z.array(ThreadMessageSchema),
    next_cursor: z.string().nullable(),
  })
  .openapi('Thread');

export type ConversationJson = z.infer<typeof ConversationSchema>;

export function contactRef(c: ThreadContact | null): z.infer<typeof ContactRef> | null {
  if (!c || c.erasedAt) return null;
  return { id: c.id, first_name: c.firstName, last_name: c.lastName, phone_e164: c.phoneE164 };
}

export function conversationJson(
  r: ConversationRow,
  contact: ThreadContact | null,
  assigneeEmail: string | null,
): ConversationJson {
  const ref = contactRef(contact);
  return {
    id: r.id,
    thread_id: ref?.id ?? r.id,
    phone_e164: r.phoneE164,
    contact: ref,
    status: r.status,
    assignee_id: r.assignedUserId,
    assignee_email: r.assignedUserId ? assigneeEmail : null,
    unread_count: r.unreadCount,
    last_message: { direction: r.lastDirection, preview: r.lastPreview, at: r.lastMessageAt },
    last_inbound_at: r.lastInboundAt,
    last_read_at: r.lastReadAt,
    closed_at: r.closedAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function kindOf(r: ThreadMessageRow): (typeof MESSAGE_KINDS)[number] {
  if (r.direction === 'outbound')
    return (MESSAGE_KINDS as readonly string[]).includes(r.kind)
      ? (r.kind as (typeof MESSAGE_KINDS)[number])
      : 'reply';
  if (r.kind === 'OPT_OUT') return 'opt_out';
  if (r.kind === 'RESUBSCRIBE') return 'opt_in';
  return r.intent === 'help' ? 'help' : 'message';
}

export function threadMessageJson(r: ThreadMessageRow): z.infer<typeof ThreadMessageSchema> {
  return {
    id: r.id,
    direction: r.direction,
    kind: kindOf(r),
    body: r.body,
    status: r.status,
    from: r.from_phone,
    to: r.to_phone,
    campaign: r.campaign_id && r.campaign_name ? { id: r.campaign_id, name: r.campaign_name } : null,
    is_test: r.direction === 'outbound' && r.kind === 'test',
    parts: r.parts,
    cost_cents: r.cost_cents,
    failure_reason: r.failure_reason,
    sent_by: r.sent_by_id && r.sent_by_email ? { id: r.sent_by_id, email: r.sent_by_email } : null,
    at: r.at,
    sent_at: r.sent_at,
    delivered_at: r.delivered_at,
    failed_at: r.failed_at,
  };
}
