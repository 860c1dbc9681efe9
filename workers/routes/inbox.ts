// The inbox: what people texted back (replies, opt-outs, opt-ins, HELP), newest first, with the
// contact and the campaign that reached them. Built from the events the inbound webhook logs
// (metadata.source = 'inbound_sms' carries the body and sender).
import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, lt, type SQL, sql } from 'drizzle-orm';
import { campaigns, contacts, events } from '../db/schema';
import { decodeCursor, paginate } from '../http/pagination';
import { createRouter, errorResponses, jsonResponse, PageQuery, page } from '../http/router';

export const INBOX_TYPES = ['reply', 'opt_out', 'opt_in', 'help'] as const;
type InboxType = (typeof INBOX_TYPES)[number];

const InboxItem = z
  .object({
    id: z.string(),
    type: z.enum(INBOX_TYPES),
    body: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    keyword: z.string().nullable(),
    contact: z
      .object({
        id: z.string(),
        first_name: z.string().nullable(),
        last_name: z.string().nullable(),
        phone_e164: z.string(),
      })
      .nullable(),
    campaign: z.object({ id: z.string(), name: z.string() }).nullable(),
    created_at: z.string(),
  })
  .openapi('InboxItem');

const InboxQuery = PageQuery.extend({
  type: z.enum(INBOX_TYPES).optional(),
  campaign_id: z.uuid().optional(),
  contact_id: z.uuid().optional(),
});

const intent = sql`json_extract(${events.metadata}, '$.intent')`;

function typeFilter(type: InboxType | undefined): SQL | undefined {
  switch (type) {
    case 'opt_out':
      return eq(events.eventType, 'OPT_OUT');
    case 'opt_in':
      return eq(events.eventType, 'RESUBSCRIBE');
    case 'help':
      return and(eq(events.eventType, 'REPLIED'), sql`${intent} = 'help'`);
    case 'reply':
      return and(eq(events.eventType, 'REPLIED'), sql`${intent} IS NOT 'help'`);
    default:
      return sql`${events.eventType} IN ('REPLIED', 'OPT_OUT', 'RESUBSCRIBE')`;
  }
}

function typeOf(eventType: string, metadata: Record<string, unknown>): InboxType {
  if (eventType === 'OPT_OUT') return 'opt_out';
  if (eventType === 'RESUBSCRIBE') return 'opt_in';
  return metadata.intent === 'help' ? 'help' : 'reply';
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

export const inboxRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/inbox',
    tags: ['Inbox'],
    summary: 'Inbound messages: replies, opt-outs, opt-ins and HELP, newest first',
    request: { query: InboxQuery },
    responses: { 200: jsonResponse(page(InboxItem), 'Inbound messages'), ...errorResponses },
  }),
  async (c) => {
    const { limit, cursor, type, campaign_id, contact_id } = c.req.valid('query');
    const tenantId = c.get('principal').tenantId;
    const after = decodeCursor(cursor);
    const rows = await c
      .get('db')
      .select({
        id: events.id,
        eventType: events.eventType,
        metadata: events.metadata,
        createdAt: events.createdAt,
        contactId: contacts.id,
        firstName: contacts.firstName,
        lastName: contacts.lastName,
        phone: contacts.phoneE164,
        campaignId: campaigns.id,
        campaignName: campaigns.name,
      })
      .from(events)
      .leftJoin(contacts, and(eq(contacts.id, events.contactId), eq(contacts.tenantId, tenantId)))
      .leftJoin(campaigns, and(eq(campaigns.id, events.campaignId), eq(campaigns.tenantId, tenantId)))
      .where(
        and(
          eq(events.tenantId, tenantId),
          typeFilter(type),
          sql`json_extract(${events.metadata}, '$.source') = 'inbound_sms'`,
          campaign_id ? eq(events.campaignId, campaign_id) : undefined,
          contact_id ? eq(events.contactId, contact_id) : undefined,
          after ? lt(events.id, after) : undefined,
        ),
      )
      .orderBy(desc(events.id))
      .limit(limit + 1);
    const p = paginate(rows, limit, (r) => r.id);
    return c.json(
      {
        data: p.data.map((r) => ({
          id: r.id,
          type: typeOf(r.eventType, r.metadata),
          body: str(r.metadata.body),
          from: str(r.metadata.from),
          to: str(r.metadata.to),
          keyword: str(r.metadata.keyword),
          contact:
            r.contactId && r.phone
              ? { id: r.contactId, first_name: r.firstName, last_name: r.lastName, phone_e164: r.phone }
              : null,
          campaign: r.campaignId && r.campaignName ? { id: r.campaignId, name: r.campaignName } : null,
          created_at: r.createdAt,
        })),
        next_cursor: p.next_cursor,
      },
      200,
    );
  },
);
