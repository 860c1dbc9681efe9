// GET /conversations/:contact_id (the thread: their messages and ours, newest first, with delivery
// status) and PATCH (close / reopen, assign, mark read or unread). Issue 12.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { conversations, users } from '../../db/schema';
import { threadMessages } from '../../db/thread';
import { parseThreadCursorKey, threadCursorKey } from '../../domain/conversations';
import { auditRow } from '../../http/audit';
import { ApiError } from '../../http/errors';
import { decodeCursor, encodeCursor } from '../../http/pagination';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../http/router';
import {
  ConversationSchema,
  contactRef,
  conversationJson,
  ThreadParam,
  ThreadSchema,
  threadMessageJson,
} from './schemas';
import { emailOf, loadThread, planReply } from './shared';

const ThreadQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

const Patch = z
  .object({
    status: z.enum(['open', 'closed']),
    assignee_id: z.uuid().nullable(),
    /** true: read (no unread messages); false: mark as unread again. */
    read: z.boolean(),
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'Send status, assignee_id or read');

export const conversationThreadRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/conversations/{contact_id}',
      tags: ['Conversations'],
      summary: 'The thread: their messages and ours (with delivery status), newest first',
      request: { params: ThreadParam, query: ThreadQuery },
      responses: { 200: jsonResponse(ThreadSchema, 'The thread'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { contact_id } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      const key = decodeCursor(cursor);
      const before = key ? parseThreadCursorKey(key) : null;
      if (key && !before) throw new ApiError('BAD_REQUEST', 'The cursor is not one this API issued.');
      const thread = await loadThread(db, tenantId, contact_id);
      const [rows, plan, assignee] = await Promise.all([
        threadMessages(db, {
          tenantId,
          phone: thread.phone,
          contactId: thread.contact?.id ?? null,
          limit: limit + 1,
          before,
        }),
        planReply(db, tenantId, thread),
        emailOf(db, tenantId, thread.conversation?.assignedUserId ?? null),
      ]);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return c.json(
        {
          thread_id: thread.contact?.id ?? thread.conversation?.id ?? contact_id,
          phone_e164: thread.phone,
          contact: contactRef(thread.contact),
          conversation: thread.conversation
            ? conversationJson(thread.conversation, thread.contact, assignee)
            : null,
          reply_blocked: plan.block,
          data: page.map(threadMessageJson),
          next_cursor: rows.length > limit && last ? encodeCursor(threadCursorKey(last.at, last.id)) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/conversations/{contact_id}',
      tags: ['Conversations'],
      summary: 'Close or reopen, assign, mark read or unread',
      request: { params: ThreadParam, body: jsonBody(Patch) },
      responses: { 200: jsonResponse(ConversationSchema, 'The conversation'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { contact_id } = c.req.valid('param');
      const body = c.req.valid('json');
      const thread = await loadThread(db, tenantId, contact_id);
      const conv = thread.conversation;
      if (!conv) throw new ApiError('NOT_FOUND', 'They have not texted you: there is no conversation yet.');
      let assigneeEmail: string | null = null;
      if (body.assignee_id) {
        // Someone of this tenant who can reply (the control database is where users live).
        const [u] = await c
          .get('control')
          .select({ email: users.email, role: users.role, isActive: users.isActive })
          .from(users)
          .where(and(eq(users.id, body.assignee_id), eq(users.tenantId, tenantId)));
        const problem = !u
          ? 'No user of yours has this id'
          : !u.isActive
            ? 'This user is deactivated'
            : u.role === 'viewer'
              ? 'A viewer cannot reply: choose staff or an admin'
              : null;
        if (problem)
          throw new ApiError('VALIDATION', problem, { errors: [{ path: 'assignee_id', message: problem }] });
        assigneeEmail = u?.email ?? null;
      }
      const now = new Date().toISOString();
      const set: Partial<typeof conversations.$inferInsert> = { updatedAt: now };
      if (body.status === 'closed' && conv.status !== 'closed')
        Object.assign(set, { status: 'closed', closedAt: now });
      if (body.status === 'open' && conv.status !== 'open')
        Object.assign(set, { status: 'open', closedAt: null });
      if (body.assignee_id !== undefined) set.assignedUserId = body.assignee_id;
      if (body.read === true) Object.assign(set, { unreadCount: 0, lastReadAt: now });
      if (body.read === false && conv.unreadCount === 0) set.unreadCount = 1;
      const [[updated]] = await db.batch([
        db
          .update(conversations)
          .set(set)
          .where(and(eq(conversations.id, conv.id), eq(conversations.tenantId, tenantId)))
          .returning(),
        auditRow(c, {
          action: 'conversation.updated',
          resourceType: 'conversation',
          resourceId: conv.id,
          metadata: {
            ...(body.status !== undefined ? { status: { from: conv.status, to: body.status } } : {}),
            ...(body.assignee_id !== undefined
              ? { assignee_id: { from: conv.assignedUserId, to: body.assignee_id } }
              : {}),
            ...(body.read !== undefined ? { read: body.read } : {}),
          },
        }),
      ]);
      if (!updated) throw new ApiError('NOT_FOUND', 'Conversation not found');
      const email =
        body.assignee_id !== undefined ? assigneeEmail : await emailOf(db, tenantId, updated.assignedUserId);
      return c.json(conversationJson(updated, thread.contact, email), 200);
    },
  );
