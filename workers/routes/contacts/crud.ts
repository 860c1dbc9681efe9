// Contacts: list (search, consent, do-not-contact, tag and segment filters), create, read, edit
// (tags included), erase, and a contact's timeline.
import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { nowIso } from '../../db/client';
import { contactSearchCondition, erasedPhone, tenantCountry } from '../../db/contacts';
import { uuidv7 } from '../../db/ids';
import { derivedEvents } from '../../db/message-log';
import { eraseFromLogs } from '../../db/privacy';
import { contacts, contactTags, doNotContact, events, sendJobs, suppressionRules } from '../../db/schema';
import { statement } from '../../db/statements';
import { replaceTagsStatements, tagsOf } from '../../db/tags';
import { normalizePhone } from '../../domain/phone';
import { isSuppressed, suppressedUntil } from '../../domain/suppression';
import { tagKey } from '../../domain/tags';
import { enrolOnTrigger } from '../../flows/enrol';
import { auditRow, diff } from '../../http/audit';
import { ApiError } from '../../http/errors';
import { decodeCursor, paginate } from '../../http/pagination';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
} from '../../http/router';
import { emitEventSafely } from '../../integrations/events';
import {
  ContactCreate,
  ContactDetailSchema,
  ContactPatch,
  ContactQuery,
  ContactSchema,
  contactJson,
  EventSchema,
} from './schemas';
import {
  contactIdByPhone,
  duplicatePhone,
  findContact,
  invalidPhone,
  isUniqueViolation,
  selectWithDnc,
} from './shared';
import { segmentCondition, tagCondition } from './tags';

export const contactCrudRoutes = createRouter()
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
      const created = contactJson(row.contact, row, row.tags);
      await emitEventSafely(c.env, tenantId, 'contact.created', { contact: created }); // issue 14: webhooks
      // issue 14: flows started by a tag this contact now has
      await enrolOnTrigger(c.env, db, {
        tenantId,
        contactId: id,
        trigger: { type: 'tag_added', tags },
        now: new Date(),
      });
      return c.json(created, 201);
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
      if (changes.tags) {
        // issue 14: flows started by a tag the contact did not have before
        const had = new Set(tagsBefore.map(tagKey));
        const added = (body.tags ?? []).filter((t) => !had.has(tagKey(t)));
        await enrolOnTrigger(c.env, db, {
          tenantId,
          contactId: id,
          trigger: { type: 'tag_added', tags: added },
          now: new Date(),
        });
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
        'placeholder and the rendered bodies of their messages are cleared, as are their number and words in stored ' +
        'Twilio webhook payloads and inbound messages. The row itself stays (marked `erased_at`) ' +
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
        // Their number and words in Twilio's stored payloads and in replies logged before they were a contact.
        ...eraseFromLogs(db, tenantId, contact.phoneE164, now, id),
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
      // Stored events and the contact's messages (queued, sent, delivered, clicked) from their own
      // rows (workers/db/message-log.ts), newest first.
      const before = decodeCursor(cursor);
      const stored = await db
        .select()
        .from(events)
        .where(
          and(
            eq(events.tenantId, tenantId),
            eq(events.contactId, id),
            before ? lt(events.id, before) : undefined,
          ),
        )
        .orderBy(desc(events.id))
        .limit(limit + 1);
      const derived = await derivedEvents(db, { tenantId, contactId: id, before }, limit + 1);
      const merged = [...stored, ...derived].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, limit + 1);
      const p = paginate(merged, limit, (e) => e.id);
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
