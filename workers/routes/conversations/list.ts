// GET /conversations (issue 12): one row per person who texted us, latest activity first, with
// filters (open / closed, assigned to someone / to me / to nobody, unread) and `updated_since` for
// polling: the UI asks every few seconds for what changed, one indexed query each time.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { ConversationRow } from '../../db/conversations';
import { CONVERSATION_STATUSES } from '../../db/schema';
import { ApiError } from '../../http/errors';
import { decodeCursor, paginate } from '../../http/pagination';
import { createRouter, errorResponses, jsonResponse, PageQuery } from '../../http/router';
import { ConversationSchema, conversationJson } from './schemas';

const ListQuery = PageQuery.extend({
  status: z.enum(CONVERSATION_STATUSES).optional(),
  assignee_id: z
    .union([z.uuid(), z.enum(['me', 'none'])])
    .optional()
    .openapi({ description: 'A user’s id, `me` (the signed-in user) or `none` (unassigned)' }),
  unread: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  updated_since: z.iso.datetime({ offset: true }).optional().openapi({
    description: 'Only threads changed at or after this instant (poll with the last `server_time`)',
  }),
});

const ListAnswer = z
  .object({
    data: z.array(ConversationSchema),
    next_cursor: z.string().nullable(),
    /** The server's clock when it answered: the next poll's `updated_since` (minus a few seconds). */
    server_time: z.string(),
  })
  .openapi('ConversationPage');

type Row = {
  id: string;
  tenant_id: string;
  phone_e164: string;
  status: 'open' | 'closed';
  assigned_user_id: string | null;
  unread_count: number;
  last_read_at: string | null;
  last_message_at: string;
  last_inbound_at: string | null;
  last_outbound_at: string | null;
  last_inbound_to: string | null;
  last_direction: 'inbound' | 'outbound';
  last_preview: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
  contact_id: string | null;
  first_name: string | null;
  last_name: string | null;
  contact_timezone: string | null;
  assignee_email: string | null;
};

export function rowToConversation(r: Row): ConversationRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    phoneE164: r.phone_e164,
    status: r.status,
    assignedUserId: r.assigned_user_id,
    unreadCount: r.unread_count,
    lastReadAt: r.last_read_at,
    lastMessageAt: r.last_message_at,
    lastInboundAt: r.last_inbound_at,
    lastOutboundAt: r.last_outbound_at,
    lastInboundTo: r.last_inbound_to,
    lastDirection: r.last_direction,
    lastPreview: r.last_preview,
    closedAt: r.closed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const conversationListRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/conversations',
    tags: ['Conversations'],
    summary: 'Threads with the people who texted you, latest activity first',
    request: { query: ListQuery },
    responses: { 200: jsonResponse(ListAnswer, 'Conversations'), ...errorResponses },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const { tenantId, userId } = c.get('principal');
    const serverTime = new Date().toISOString();
    if (q.assignee_id === 'me' && !userId)
      throw new ApiError('VALIDATION', 'An API key is nobody: `assignee_id=me` needs a signed-in user.', {
        errors: [{ path: 'assignee_id', message: 'Use a user id with an API key' }],
      });
    const key = decodeCursor(q.cursor);
    const at = key ? key.slice(0, key.lastIndexOf('|')) : null;
    const id = key ? key.slice(key.lastIndexOf('|') + 1) : null;
    const assignee =
      q.assignee_id === undefined
        ? sql``
        : q.assignee_id === 'none'
          ? sql`AND cv.assigned_user_id IS NULL`
          : sql`AND cv.assigned_user_id = ${q.assignee_id === 'me' ? userId : q.assignee_id}`;
    const rows = await c.get('db').all<Row>(sql`
      SELECT cv.*, ct.id AS contact_id, ct.first_name, ct.last_name, ct.timezone AS contact_timezone,
             u.email AS assignee_email
        FROM conversations cv
        LEFT JOIN contacts ct ON ct.tenant_id = cv.tenant_id AND ct.phone_e164 = cv.phone_e164
        LEFT JOIN users u ON u.id = cv.assigned_user_id AND u.tenant_id = cv.tenant_id
       WHERE cv.tenant_id = ${tenantId}
         ${q.status ? sql`AND cv.status = ${q.status}` : sql``}
         ${assignee}
         ${q.unread === true ? sql`AND cv.unread_count > 0` : q.unread === false ? sql`AND cv.unread_count = 0` : sql``}
         ${q.updated_since ? sql`AND cv.updated_at >= ${new Date(q.updated_since).toISOString()}` : sql``}
         ${at && id ? sql`AND (cv.last_message_at < ${at} OR (cv.last_message_at = ${at} AND cv.id < ${id}))` : sql``}
       ORDER BY cv.last_message_at DESC, cv.id DESC
       LIMIT ${q.limit + 1}`);
    const p = paginate(rows, q.limit, (r) => `${r.last_message_at}|${r.id}`);
    return c.json(
      {
        data: p.data.map((r) =>
          conversationJson(
            rowToConversation(r),
            r.contact_id
              ? {
                  id: r.contact_id,
                  phoneE164: r.phone_e164,
                  firstName: r.first_name,
                  lastName: r.last_name,
                  erasedAt: null,
                  timezone: r.contact_timezone,
                }
              : null,
            r.assignee_email,
          ),
        ),
        next_cursor: p.next_cursor,
        server_time: serverTime,
      },
      200,
    );
  },
);
