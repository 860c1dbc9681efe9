// Contacts: list (search, consent, do-not-contact, tag and segment filters), create, read, edit
// (tags included), erase, and a contact's timeline. Bulk tagging and the tag list are in
// contact-tags.ts, the CSV export in contacts-export.ts; all three are mounted as one app.
import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { nowIso } from '../db/client';
import { contactSearchCondition, dncJoin, erasedPhone, tenantCountry } from '../db/contacts';
import { uuidv7 } from '../db/ids';
import {
  CONSENT_STATUSES,
  contacts,
  contactTags,
  DNC_REASONS,
  doNotContact,
  EVENT_TYPES,
  events,
  sendJobs,
  suppressionRules,
} from '../db/schema';
import { statement } from '../db/statements';
import { replaceTagsStatements, tagsOf } from '../db/tags';
import { isIsoTimestamp } from '../domain/csv-import';
import { normalizePhone } from '../domain/phone';
import { isSuppressed, suppressedUntil } from '../domain/suppression';
import { MAX_TAGS_PER_CONTACT, normalizeTags, tagKey } from '../domain/tags';
import { auditRow, diff } from '../http/audit';
import { ApiError, notFound } from '../http/errors';
import { decodeCursor, newestFirst, paginate } from '../http/pagination';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
  TimeZone,
} from '../http/router';
import { contactTagRoutes, segmentCondition, tagCondition } from './contact-tags';
import { contactExportRoutes } from './contacts-export';

const ContactSchema = z
  .object({
    id: z.string(),
    phone_e164: z.string(),
    email: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    timezone: z.string().nullable(),
    custom_fields: z.record(z.string(), z.string()),
    consent_status: z.enum(CONSENT_STATUSES),
    consent_source: z.string().nullable(),
    consent_timestamp: z.string().nullable(),
    last_sent_at: z.string().nullable(),
    last_human_click_at: z.string().nullable(),
    last_reply_at: z.string().nullable(),
    import_batch_id: z.string().nullable(),
    tags: z.array(z.string()),
    on_do_not_contact: z.boolean(),
    do_not_contact: z.object({ reason: z.enum(DNC_REASONS), created_at: z.string() }).nullable(),
    erased_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Contact');

const ContactDetailSchema = ContactSchema.extend({
  suppressed: z.boolean(),
  suppressed_until: z.string().nullable(),
}).openapi('ContactDetail');

const ConsentTimestamp = z
  .string()
  .trim()
  .refine(isIsoTimestamp, 'Expected an ISO-8601 date or date-time, e.g. 2024-05-01T09:30:00+10:00');
const CustomFields = z
  .record(z.string().trim().min(1).max(100), z.string().max(1000))
  .refine((r) => Object.keys(r).length <= 100, 'At most 100 custom fields');
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
const Tags = z
  .array(z.string().max(200))
  .max(MAX_TAGS_PER_CONTACT, `At most ${MAX_TAGS_PER_CONTACT} tags`)
  .transform((tags, ctx) => {
    const r = normalizeTags(tags);
    if (r.ok) return r.tags;
    ctx.addIssue({ code: 'custom', path: [r.index], message: r.reason });
    return z.NEVER;
  })
  .openapi({
    type: 'array',
    items: { type: 'string' },
    description:
      'Trimmed; case-insensitive (VIP = vip), kept as first written; at most 64 characters, no , or ;',
  });

const ContactCreate = z
  .object({
    phone: z.string().trim().min(1).max(40),
    email: z.email().max(254).nullable().optional(),
    first_name: optionalText(200),
    last_name: optionalText(200),
    timezone: TimeZone.nullable().optional(),
    custom_fields: CustomFields.optional(),
    consent_status: z.enum(CONSENT_STATUSES),
    consent_source: optionalText(200),
    consent_timestamp: ConsentTimestamp.nullable().optional(),
    tags: Tags.optional(),
  })
  .strict();

const ContactPatch = ContactCreate.partial().strict();

const ContactQuery = PageQuery.extend({
  search: z.string().max(200).optional(),
  consent_status: z.enum(CONSENT_STATUSES).optional(),
  on_do_not_contact: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  tag: z.string().max(200).optional().openapi({ description: 'Only contacts with this tag (any case)' }),
  segment_id: z.uuid().optional().openapi({ description: 'Only contacts in this segment' }),
});

const EventSchema = z
  .object({
    id: z.string(),
    event_type: z.enum(EVENT_TYPES),
    campaign_id: z.string().nullable(),
    send_job_id: z.string().nullable(),
    short_link_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .openapi('ContactEvent');

type ContactRow = typeof contacts.$inferSelect;
type DncPart = { reason: (typeof DNC_REASONS)[number] | null; createdAt: string | null };

export function contactJson(c: ContactRow, dnc: DncPart, tags: string[]): z.infer<typeof ContactSchema> {
  const listed = dnc.reason !== null && dnc.createdAt !== null;
  return {
    id: c.id,
    phone_e164: c.phoneE164,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    timezone: c.timezone,
    custom_fields: c.customFields,
    consent_status: c.consentStatus,
    consent_source: c.consentSource,
    consent_timestamp: c.consentTimestamp,
    last_sent_at: c.lastSentAt,
    last_human_click_at: c.lastHumanClickAt,
    last_reply_at: c.lastReplyAt,
    import_batch_id: c.importBatchId,
    tags,
    on_do_not_contact: listed,
    do_not_contact: listed ? { reason: dnc.reason!, created_at: dnc.createdAt! } : null,
    erased_at: c.erasedAt,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

const selectWithDnc = (db: Db) =>
  db
    .select({ contact: contacts, reason: doNotContact.reason, createdAt: doNotContact.createdAt })
    .from(contacts)
    .leftJoin(doNotContact, dncJoin);

async function findContact(db: Db, tenantId: string, id: string) {
  const [row] = await selectWithDnc(db)
    .where(and(eq(contacts.id, id), eq(contacts.tenantId, tenantId)))
    .limit(1);
  if (!row) throw notFound('Contact');
  const tags = (await tagsOf(db.$client, tenantId, [id])).get(id) ?? [];
  return { ...row, tags };
}

function invalidPhone(reason: string): ApiError {
  return new ApiError('VALIDATION', `The phone number is not usable: ${reason}.`, {
    errors: [{ path: 'phone', message: reason }],
  });
}

function duplicatePhone(existingId: string): ApiError {
  return new ApiError('CONFLICT', 'A contact with this phone number already exists.', {
    extra: { existing_contact_id: existingId },
  });
}

async function contactIdByPhone(db: Db, tenantId: string, phoneE164: string) {
  const [row] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneE164, phoneE164)))
    .limit(1);
  return row?.id ?? null;
}

const isUniqueViolation = (err: unknown) => String(err).includes('UNIQUE constraint failed');

const contactCrudRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/contacts',
      tags: ['Contacts'],
      request: { query: ContactQuery },
      responses: { 200: jsonResponse(page(ContactSchema), 'Contacts, newest first'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const q = c.req.valid('query');
      const after = decodeCursor(q.cursor);
      const country = q.search ? await tenantCountry(db, tenantId) : 'AU';
      const inSegment = q.segment_id ? await segmentCondition(c, q.segment_id) : undefined;
      const rows = await selectWithDnc(db)
        .where(
          and(
            eq(contacts.tenantId, tenantId),
            isNull(contacts.erasedAt),
            q.search ? contactSearchCondition(q.search, country) : undefined,
            q.consent_status ? eq(contacts.consentStatus, q.consent_status) : undefined,
            q.on_do_not_contact === undefined
              ? undefined
              : q.on_do_not_contact
                ? isNotNull(doNotContact.id)
                : isNull(doNotContact.id),
            q.tag ? tagCondition(tenantId, q.tag) : undefined,
            inSegment,
            after ? lt(contacts.id, after) : undefined,
          ),
        )
        .orderBy(desc(contacts.id))
        .limit(q.limit + 1);
      const p = paginate(rows, q.limit, (r) => r.contact.id);
      const tags = await tagsOf(
        db.$client,
        tenantId,
        p.data.map((r) => r.contact.id),
      );
      return c.json(
        {
          data: p.data.map((r) => contactJson(r.contact, r, tags.get(r.contact.id) ?? [])),
          next_cursor: p.next_cursor,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/contacts',
      tags: ['Contacts'],
      request: { body: jsonBody(ContactCreate) },
      responses: {
        201: jsonResponse(ContactSchema, 'Created'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const phone = normalizePhone(body.phone, await tenantCountry(db, tenantId));
      if (!phone.ok) throw invalidPhone(phone.reason);
      const existing = await contactIdByPhone(db, tenantId, phone.e164);
      if (existing) throw duplicatePhone(existing);
      const id = uuidv7();
      const values = {
        id,
        tenantId,
        phoneE164: phone.e164,
        email: body.email?.toLowerCase() ?? null,
        firstName: body.first_name || null,
        lastName: body.last_name || null,
        timezone: body.timezone ?? null,
        customFields: body.custom_fields ?? {},
        consentStatus: body.consent_status,
        consentSource: body.consent_source || null,
        consentTimestamp: body.consent_timestamp ?? null,
      };
      const tags = body.tags ?? [];
      const d1 = db.$client;
      try {
        await d1.batch([
          statement(d1, db.insert(contacts).values(values)),
          ...(tags.length ? replaceTagsStatements(d1, tenantId, id, tags, nowIso()) : []),
          statement(
            d1,
            auditRow(c, {
              action: 'contact.created',
              resourceType: 'contact',
              resourceId: id,
              metadata: {
                consent: {
                  to: values.consentStatus,
                  source: values.consentSource,
                  timestamp: values.consentTimestamp,
                },
                ...(tags.length ? { tags } : {}),
              },
            }),
          ),
        ]);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw duplicatePhone((await contactIdByPhone(db, tenantId, phone.e164)) ?? 'unknown');
      }
      const row = await findContact(db, tenantId, id);
      return c.json(contactJson(row.contact, row, row.tags), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/contacts/{id}',
      tags: ['Contacts'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(ContactDetailSchema, 'A contact'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const row = await findContact(db, tenantId, c.req.valid('param').id);
      const rules = await db
        .select({
          windowDays: suppressionRules.windowDays,
          isActive: suppressionRules.isActive,
          expiresAt: suppressionRules.expiresAt,
        })
        .from(suppressionRules)
        .where(and(eq(suppressionRules.tenantId, tenantId), eq(suppressionRules.isActive, true)));
      const now = new Date();
      const last = row.contact.lastSentAt ? new Date(row.contact.lastSentAt) : null;
      const until = suppressedUntil(last, rules, now);
      return c.json(
        {
          ...contactJson(row.contact, row, row.tags),
          suppressed: isSuppressed(last, rules, now),
          suppressed_until: until?.toISOString() ?? null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/contacts/{id}',
      tags: ['Contacts'],
      request: { params: IdParam, body: jsonBody(ContactPatch) },
      responses: {
        200: jsonResponse(ContactSchema, 'The updated contact'),
        409: errorResponses[422],
        410: errorResponses[404],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const { contact: before, tags: tagsBefore } = await findContact(db, tenantId, id);
      if (before.erasedAt) throw new ApiError('GONE', 'This contact was erased.');
      let phoneE164: string | undefined;
      if (body.phone !== undefined) {
        const phone = normalizePhone(body.phone, await tenantCountry(db, tenantId));
        if (!phone.ok) throw invalidPhone(phone.reason);
        if (phone.e164 !== before.phoneE164) {
          const other = await contactIdByPhone(db, tenantId, phone.e164);
          if (other) throw duplicatePhone(other);
        }
        phoneE164 = phone.e164;
      }
      const consentChanged =
        body.consent_status !== undefined && body.consent_status !== before.consentStatus;
      // Source and timestamp describe one act of consent: a new status without them does not inherit the old ones.
      const patch = {
        phoneE164,
        email: body.email === undefined ? undefined : (body.email?.toLowerCase() ?? null),
        firstName: body.first_name === undefined ? undefined : body.first_name || null,
        lastName: body.last_name === undefined ? undefined : body.last_name || null,
        timezone: body.timezone,
        customFields: body.custom_fields,
        consentStatus: body.consent_status,
        consentSource:
          body.consent_source === undefined
            ? consentChanged
              ? null
              : undefined
            : body.consent_source || null,
        consentTimestamp:
          body.consent_timestamp === undefined ? (consentChanged ? null : undefined) : body.consent_timestamp,
      };
      const changes = diff(before as unknown as Record<string, unknown>, patch);
      // Tags compare as a set, without regard to case or order.
      const tagSet = (t: string[]) => JSON.stringify(t.map(tagKey).sort());
      if (body.tags !== undefined && tagSet(body.tags) !== tagSet(tagsBefore)) {
        changes.tags = { from: tagsBefore, to: body.tags };
      }
      if (Object.keys(changes).length === 0) {
        const row = await findContact(db, tenantId, id);
        return c.json(contactJson(row.contact, row, row.tags), 200);
      }
      const at = nowIso();
      const d1 = db.$client;
      try {
        await d1.batch([
          statement(
            d1,
            db
              .update(contacts)
              .set({ ...patch, updatedAt: at })
              .where(and(eq(contacts.id, id), eq(contacts.tenantId, tenantId))),
          ),
          ...(changes.tags ? replaceTagsStatements(d1, tenantId, id, body.tags ?? [], at) : []),
          statement(
            d1,
            auditRow(c, {
              action: consentChanged ? 'contact.consent_changed' : 'contact.updated',
              resourceType: 'contact',
              resourceId: id,
              metadata: { changes },
            }),
          ),
        ]);
      } catch (err) {
        if (!isUniqueViolation(err) || !phoneE164) throw err;
        throw duplicatePhone((await contactIdByPhone(db, tenantId, phoneE164)) ?? 'unknown');
      }
      const row = await findContact(db, tenantId, id);
      return c.json(contactJson(row.contact, row, row.tags), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/contacts/{id}',
      tags: ['Contacts'],
      summary: 'Erase the person’s data',
      description:
        'Names, email, timezone, custom fields, tags and consent details are erased, the phone number is replaced by a ' +
        'placeholder and the rendered bodies of their messages are cleared. The row itself stays (marked `erased_at`) ' +
        'so past campaigns keep honest counts. A do-not-contact entry for the number stays: it is the person’s own request.',
      request: { params: IdParam },
      responses: { 204: { description: 'Erased' }, 410: errorResponses[404], ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const { contact } = await findContact(db, tenantId, id);
      if (contact.erasedAt) throw new ApiError('GONE', 'This contact was already erased.');
      const now = nowIso();
      await db.batch([
        db
          .update(contacts)
          .set({
            phoneE164: erasedPhone(id),
            email: null,
            firstName: null,
            lastName: null,
            timezone: null,
            customFields: {},
            consentStatus: 'unknown',
            consentSource: null,
            consentTimestamp: null,
            erasedAt: now,
            updatedAt: now,
          })
          .where(and(eq(contacts.id, id), eq(contacts.tenantId, tenantId))),
        db.delete(contactTags).where(and(eq(contactTags.contactId, id), eq(contactTags.tenantId, tenantId))),
        // Rendered messages carry the person's name; counts, statuses and costs stay.
        db
          .update(sendJobs)
          .set({ body: null })
          .where(and(eq(sendJobs.contactId, id), eq(sendJobs.tenantId, tenantId))),
        db
          .update(events)
          .set({ metadata: sql`json_remove(${events.metadata}, '$.body', '$.from', '$.to', '$.phone')` })
          .where(and(eq(events.contactId, id), eq(events.tenantId, tenantId))),
        auditRow(c, { action: 'contact.erased', resourceType: 'contact', resourceId: id }),
      ]);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/contacts/{id}/events',
      tags: ['Contacts'],
      request: { params: IdParam, query: PageQuery },
      responses: {
        200: jsonResponse(page(EventSchema), 'The contact’s timeline, newest first'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      await findContact(db, tenantId, id);
      const p = await newestFirst(db, events, { tenantId, cursor, limit }, eq(events.contactId, id));
      return c.json(
        {
          data: p.data.map((e) => ({
            id: e.id,
            event_type: e.eventType,
            campaign_id: e.campaignId,
            send_job_id: e.sendJobId,
            short_link_id: e.shortLinkId,
            metadata: e.metadata,
            created_at: e.createdAt,
          })),
          next_cursor: p.next_cursor,
        },
        200,
      );
    },
  );

/** The bulk tag and export routes first: `/contacts/tags` must not be read as `/contacts/{id}`. */
export const contactRoutes = createRouter()
  .route('/', contactTagRoutes)
  .route('/', contactExportRoutes)
  .route('/', contactCrudRoutes);
