// GET /contacts.csv: the tenant's contacts (a segment, a search, a tag) as CSV, streamed page by
// page (keyset on id) as the client reads, so 100k contacts never sit in the Worker's memory.
//
// Custom fields become columns. Their names come from one aggregate query before the first row
// (SELECT DISTINCT key over json_each(custom_fields) of the same contacts): the database reads
// the custom fields once more, but only the key names reach the Worker, and the rows themselves
// are read once. Past 200 names the rest go, as JSON, into one `other_custom_fields` column.
import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { contactSearchCondition, dncJoin, tenantCountry } from '../../db/contacts';
import { CONSENT_STATUSES, contacts, doNotContact } from '../../db/schema';
import { tagsOf } from '../../db/tags';
import { csvLine, headerKey } from '../../domain/csv-import';
import { createRouter, errorResponses, jsonResponse } from '../../http/router';
import { segmentCondition, tagCondition } from './tags';

export const EXPORT_PAGE_ROWS = 1000;
export const MAX_CUSTOM_COLUMNS = 200;

/** Columns an import reads back; then the custom fields; then read-only facts the import ignores. */
const LEADING = [
  'phone',
  'first_name',
  'last_name',
  'email',
  'timezone',
  'consent_status',
  'consent_source',
  'consent_timestamp',
  'tags',
] as const;
const TRAILING = [
  'contact_id',
  'on_do_not_contact',
  'last_sent_at',
  'last_human_click_at',
  'last_reply_at',
  'import_batch_id',
  'created_at',
] as const;

const Query = z.object({
  segment_id: z.uuid().optional(),
  search: z.string().max(200).optional(),
  tag: z.string().max(200).optional(),
  consent_status: z.enum(CONSENT_STATUSES).optional(),
  on_do_not_contact: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** The custom field names the matching contacts use, in name order (at most `limit`). */
export async function customKeys(db: Db, where: SQL, limit = MAX_CUSTOM_COLUMNS + 1): Promise<string[]> {
  const rows = await db.all<{ key: string }>(
    sql`SELECT DISTINCT j.key AS key FROM ${contacts}, json_each(${contacts.customFields}) j
         WHERE ${where} ORDER BY j.key LIMIT ${limit}`,
  );
  return rows.map((r) => r.key);
}

/** On (or not on) do-not-contact, without the join (the count and key queries have none). */
function dncCondition(listed: boolean): SQL {
  const exists = sql`EXISTS (SELECT 1 FROM do_not_contact d WHERE d.tenant_id = "contacts"."tenant_id" AND d.phone_e164 = "contacts"."phone_e164")`;
  return listed ? exists : sql`NOT ${exists}`;
}

/** A custom field named like one of our columns gets a `custom:` prefix, so no header repeats. */
function customHeader(key: string): string {
  const taken = new Set([...LEADING, ...TRAILING, 'other_custom_fields'].map(headerKey));
  return taken.has(headerKey(key)) ? `custom:${key}` : key;
}

function exportStream(db: Db, tenantId: string, where: SQL): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let keys: string[] | null = null;
  let overflow = false;
  let after: string | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (keys === null) {
          const found = await customKeys(db, where);
          overflow = found.length > MAX_CUSTOM_COLUMNS;
          keys = found.slice(0, MAX_CUSTOM_COLUMNS);
          const header = [
            ...LEADING,
            ...keys.map(customHeader),
            ...(overflow ? ['other_custom_fields'] : []),
            ...TRAILING,
          ];
          controller.enqueue(encoder.encode(csvLine(header)));
          return;
        }
        const rows = await db
          .select({ contact: contacts, dnc: doNotContact.id })
          .from(contacts)
          .leftJoin(doNotContact, dncJoin)
          .where(and(where, after ? gt(contacts.id, after) : undefined))
          .orderBy(asc(contacts.id))
          .limit(EXPORT_PAGE_ROWS);
        const tags = await tagsOf(
          db.$client,
          tenantId,
          rows.map((r) => r.contact.id),
        );
        const known = new Set(keys);
        const lines = rows.map(({ contact: c, dnc }) => {
          const custom = c.customFields;
          const rest = Object.fromEntries(Object.entries(custom).filter(([k]) => !known.has(k)));
          return csvLine([
            c.phoneE164,
            c.firstName,
            c.lastName,
            c.email,
            c.timezone,
            c.consentStatus,
            c.consentSource,
            c.consentTimestamp,
            (tags.get(c.id) ?? []).join('; '),
            ...(keys ?? []).map((k) => custom[k]),
            ...(overflow ? [Object.keys(rest).length ? JSON.stringify(rest) : ''] : []),
            c.id,
            dnc ? 'true' : 'false',
            c.lastSentAt,
            c.lastHumanClickAt,
            c.lastReplyAt,
            c.importBatchId,
            c.createdAt,
          ]);
        });
        if (lines.length > 0) controller.enqueue(encoder.encode(lines.join('')));
        const last = rows[rows.length - 1];
        if (rows.length < EXPORT_PAGE_ROWS || !last) controller.close();
        else after = last.contact.id;
      } catch (err) {
        // The status line is already sent; failing the stream makes the download visibly incomplete.
        console.error('contacts.csv export failed', err);
        controller.error(err);
      }
    },
  });
}

export const contactExportRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/contacts/custom-fields',
      tags: ['Contacts'],
      summary: 'The custom field names the tenant’s contacts use (for segment builders and exports)',
      responses: {
        200: jsonResponse(
          z.object({ data: z.array(z.string()) }),
          'Names, in alphabetical order (at most 500)',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { tenantId } = c.get('principal');
      const where = and(eq(contacts.tenantId, tenantId), isNull(contacts.erasedAt)) as SQL;
      return c.json({ data: await customKeys(c.get('db'), where, 500) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/contacts.csv',
      tags: ['Contacts'],
      summary: 'Contacts as CSV (a segment, a search, a tag), streamed',
      description:
        `Columns: ${LEADING.join(', ')}, then one column per custom field, then ${TRAILING.join(', ')}. ` +
        'Tags are separated by "; ". The file re-imports as it is (POST /imports ignores the read-only columns). ' +
        'Cells that a spreadsheet would run as a formula start with an apostrophe.',
      request: { query: Query },
      responses: {
        200: { description: 'The CSV', content: { 'text/csv': { schema: z.string() } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const q = c.req.valid('query');
      const country = q.search ? await tenantCountry(db, tenantId) : 'AU';
      const where = and(
        eq(contacts.tenantId, tenantId),
        isNull(contacts.erasedAt),
        q.search ? contactSearchCondition(q.search, country) : undefined,
        q.consent_status ? eq(contacts.consentStatus, q.consent_status) : undefined,
        q.on_do_not_contact === undefined ? undefined : dncCondition(q.on_do_not_contact),
        q.tag ? tagCondition(tenantId, q.tag) : undefined,
        q.segment_id ? await segmentCondition(c, q.segment_id) : undefined,
      ) as SQL;
      const stamp = new Date().toISOString().slice(0, 10);
      return c.body(exportStream(db, tenantId, where), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="contacts-${stamp}.csv"`,
        'cache-control': 'no-store',
      });
    },
  );
