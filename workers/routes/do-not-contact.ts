import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, like, lt, or } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import { tenantCountry } from '../db/contacts';
import { addDoNotContactRow, removeDoNotContactRow } from '../db/do-not-contact';
import { contacts, DNC_REASONS, DNC_SOURCES, doNotContact } from '../db/schema';
import { normalizePhone, phoneSearch } from '../domain/phone';
import { exitPhoneEnrolments } from '../flows/exits';
import { auditRow } from '../http/audit';
import { requireRole } from '../http/auth-middleware';
import { ApiError, notFound } from '../http/errors';
import { decodeCursor, paginate } from '../http/pagination';
import { createRouter, errorResponses, jsonBody, jsonResponse, PageQuery, page } from '../http/router';
import { emitIfSubscribed } from '../integrations/subscribers';

const DncSchema = z
  .object({
    id: z.string(),
    phone: z.string(),
    reason: z.enum(DNC_REASONS),
    /** How it got here: a STOP reply (`sms`), the opt-out link (`link`), the team (`staff`); null: older. */
    source: z.enum(DNC_SOURCES).nullable(),
    contact_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('DoNotContact');

// STOP entries come only from the person's own reply (the inbound webhook).
const DncCreate = z
  .object({ phone: z.string().trim().min(1).max(40), reason: z.enum(['MANUAL', 'COMPLAINED']) })
  .strict();

const DncQuery = PageQuery.extend({ search: z.string().max(100).optional() });

const PhoneParam = z.object({
  phone: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: 'phone', in: 'path' }, example: '%2B61412345678' }),
});

type DncRow = typeof doNotContact.$inferSelect;
const dncJson = (d: DncRow, contactId: string | null): z.infer<typeof DncSchema> => ({
  id: d.id,
  phone: d.phoneE164,
  reason: d.reason,
  source: d.source,
  contact_id: contactId,
  created_at: d.createdAt,
});

const withContact = (db: import('../db/client').Db) =>
  db
    .select({ entry: doNotContact, contactId: contacts.id })
    .from(doNotContact)
    .leftJoin(
      contacts,
      and(eq(contacts.tenantId, doNotContact.tenantId), eq(contacts.phoneE164, doNotContact.phoneE164)),
    );

async function findEntry(db: import('../db/client').Db, tenantId: string, phone: string) {
  const [row] = await withContact(db)
    .where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, phone)))
    .limit(1);
  return row;
}

/** An E.164 number as stored, or what the caller typed in any common format. */
function entryPhone(input: string, country: string): string | null {
  const compact = input.replace(/[\s()\-.]/g, '');
  if (/^\+[1-9]\d{6,14}$/.test(compact)) return compact;
  const n = normalizePhone(input, country);
  return n.ok ? n.e164 : null;
}

export const doNotContactRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/do-not-contact',
      tags: ['Do not contact'],
      request: { query: DncQuery },
      responses: {
        200: jsonResponse(page(DncSchema), 'Numbers never to text, newest first'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const q = c.req.valid('query');
      const after = decodeCursor(q.cursor);
      let searchCond: ReturnType<typeof or> | undefined;
      if (q.search?.trim()) {
        const s = phoneSearch(q.search, await tenantCountry(db, tenantId));
        if (!s)
          throw new ApiError('VALIDATION', 'Search the list by phone number (digits).', {
            errors: [{ path: 'search', message: 'Expected a phone number or part of one' }],
          });
        searchCond = or(
          s.e164 ? eq(doNotContact.phoneE164, s.e164) : undefined,
          ...s.digits.map((d) => like(doNotContact.phoneE164, `%${d}%`)),
        );
      }
      const rows = await withContact(db)
        .where(
          and(
            eq(doNotContact.tenantId, tenantId),
            searchCond,
            after ? lt(doNotContact.id, after) : undefined,
          ),
        )
        .orderBy(desc(doNotContact.id))
        .limit(q.limit + 1);
      const p = paginate(rows, q.limit, (r) => r.entry.id);
      return c.json(
        { data: p.data.map((r) => dncJson(r.entry, r.contactId)), next_cursor: p.next_cursor },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/do-not-contact',
      tags: ['Do not contact'],
      request: { body: jsonBody(DncCreate) },
      responses: {
        201: jsonResponse(DncSchema, 'Added'),
        200: jsonResponse(DncSchema, 'Already on the list (its original reason and date are kept)'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const country = await tenantCountry(db, tenantId);
      const phone = entryPhone(body.phone, country);
      if (!phone) {
        const n = normalizePhone(body.phone, country);
        const reason = n.ok ? 'not a phone number' : n.reason;
        throw new ApiError('VALIDATION', `The phone number is not usable: ${reason}.`, {
          errors: [{ path: 'phone', message: reason }],
        });
      }
      const existing = await findEntry(db, tenantId, phone);
      if (existing) return c.json(dncJson(existing.entry, existing.contactId), 200);
      await db.batch([
        addDoNotContactRow(db, tenantId, phone, body.reason, 'staff'),
        auditRow(c, {
          action: 'do_not_contact.added',
          resourceType: 'do_not_contact',
          resourceId: phone,
          metadata: { phone, reason: body.reason },
        }),
      ]);
      const row = await findEntry(db, tenantId, phone);
      if (!row) throw notFound('Do-not-contact entry');
      // Issue 14: the person leaves every flow at once, and the tenant's endpoints hear of it.
      const at = new Date();
      await runBatch(db, exitPhoneEnrolments(tenantId, phone, 'do_not_contact', at.toISOString()));
      await emitIfSubscribed(c.env, db, tenantId, [
        {
          type: 'contact.opted_out',
          at,
          data: { contact: { id: row.contactId, phone_e164: phone }, source: 'api', reason: body.reason },
        },
      ]);
      return c.json(dncJson(row.entry, row.contactId), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/do-not-contact/{phone}',
      tags: ['Do not contact'],
      summary: 'Remove a number (admin only; only at the person’s own request)',
      middleware: [requireRole('admin')] as const,
      request: { params: PhoneParam },
      responses: { 204: { description: 'Removed' }, ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const phone = entryPhone(c.req.valid('param').phone, await tenantCountry(db, tenantId));
      const existing = phone ? await findEntry(db, tenantId, phone) : undefined;
      if (!phone || !existing) throw notFound('Do-not-contact entry');
      await db.batch([
        removeDoNotContactRow(db, tenantId, phone),
        auditRow(c, {
          action: 'do_not_contact.removed',
          resourceType: 'do_not_contact',
          resourceId: phone,
          metadata: { phone, reason: existing.entry.reason, listed_since: existing.entry.createdAt },
        }),
      ]);
      return c.body(null, 204);
    },
  );
