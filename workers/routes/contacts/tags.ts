// Tags across contacts: the tenant's tags with their counts, and bulk tag / untag of listed contacts
// or of a whole segment in bounded statements (INSERT … SELECT, never a loop per contact).
// Also the list filters by tag and by segment that the contacts list and the export share.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { filterWhere, loadSegmentGraph, matchesWhere, type Where } from '../../db/audience';
import { segments, tenants } from '../../db/schema';
import { statement } from '../../db/statements';
import { type BulkTarget, bulkTagStatements, tagCounts } from '../../db/tags';
import type { Filter } from '../../domain/segments/grammar';
import { MAX_TAGS_PER_REQUEST, normalizeTag, normalizeTags, tagKey } from '../../domain/tags';
import { enqueueTagged } from '../../flows/queue';
import { auditRow } from '../../http/audit';
import type { AppEnv } from '../../http/context';
import { ApiError, notFound } from '../../http/errors';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../http/router';

/** Tag rows one bulk request may write: e.g. 5 tags on 100,000 contacts. */
export const MAX_BULK_TAG_ROWS = 500_000;
const MAX_LISTED_CONTACTS = 1000;

/** Contacts carrying `tag` (any case), for a drizzle query on `contacts`. */
export function tagCondition(tenantId: string, tag: string): SQL {
  const t = normalizeTag(tag);
  const value = t.ok ? t.tag : tag;
  return sql`"contacts"."id" IN (SELECT contact_id FROM contact_tags WHERE tenant_id = ${tenantId} AND tag = ${value})`;
}

/** The compiled filter of one of the tenant's segments (404 for anyone else's). */
export async function segmentWhere(c: Context<AppEnv>, segmentId: string): Promise<(first: number) => Where> {
  const db = c.get('db');
  const { tenantId } = c.get('principal');
  const seg = await db.query.segments.findFirst({
    where: and(eq(segments.id, segmentId), eq(segments.tenantId, tenantId)),
  });
  if (!seg) throw notFound('Segment');
  const filter = seg.filter as Filter;
  const graph = await loadSegmentGraph(db.$client, tenantId, [seg.id]);
  const tenant = await c.get('control').query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  if (!tenant) throw notFound('Tenant');
  const now = new Date();
  return (first) => filterWhere(tenantId, filter, { now, timezone: tenant.timezone, segments: graph }, first);
}

/** Contacts in a segment, for a drizzle query on `contacts`. */
export async function segmentCondition(c: Context<AppEnv>, segmentId: string): Promise<SQL> {
  return matchesWhere((await segmentWhere(c, segmentId))(1));
}

const TagList = z.array(z.string().max(200)).max(MAX_TAGS_PER_REQUEST);

const BulkBody = z
  .object({
    contact_ids: z.array(z.uuid()).min(1).max(MAX_LISTED_CONTACTS).optional(),
    segment_id: z.uuid().optional(),
    add: TagList.default([]),
    remove: TagList.default([]),
  })
  .strict()
  .openapi('BulkTagRequest');

const BulkResult = z
  .object({
    contacts: z
      .number()
      .int()
      .openapi({ description: 'Contacts targeted (listed ids that exist, or the segment)' }),
    added: z
      .number()
      .int()
      .openapi({ description: 'Tags newly put on a contact (not those it had, nor past its 100-tag limit)' }),
    removed: z.number().int().openapi({ description: 'Tags taken off a contact' }),
  })
  .openapi('BulkTagResult');

function tagErrors(list: string[], path: string) {
  const r = normalizeTags(list);
  if (r.ok) return { tags: r.tags, errors: [] };
  return { tags: [], errors: [{ path: `${path}.${r.index}`, message: r.reason }] };
}

export const contactTagRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/contacts/tags',
      tags: ['Contacts'],
      summary: 'The tenant’s tags, most used first, with how many contacts carry each',
      responses: {
        200: jsonResponse(
          z.object({ data: z.array(z.object({ tag: z.string(), contacts: z.number().int() })) }),
          'Tags',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const rows = await tagCounts(c.get('db').$client, c.get('principal').tenantId, 1000);
      return c.json({ data: rows }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/contacts/tags',
      tags: ['Contacts'],
      summary: 'Add and remove tags on listed contacts or on everyone in a segment',
      description:
        'Give `contact_ids` (up to 1,000) or `segment_id`. Tags match without regard to case; a tag a contact ' +
        'already has is left as it is. Erased contacts are never tagged. One request writes at most ' +
        `${MAX_BULK_TAG_ROWS.toLocaleString('en')} tag rows (tags added × contacts).`,
      request: { body: jsonBody(BulkBody) },
      responses: { 200: jsonResponse(BulkResult, 'What changed'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const d1 = db.$client;
      const { tenantId } = c.get('principal');
      const b = c.req.valid('json');
      const add = tagErrors(b.add, 'add');
      const remove = tagErrors(b.remove, 'remove');
      const errors = [...add.errors, ...remove.errors];
      if ((b.contact_ids === undefined) === (b.segment_id === undefined)) {
        errors.push({ path: 'contact_ids', message: 'Give either contact_ids or segment_id' });
      }
      if (add.tags.length === 0 && remove.tags.length === 0 && errors.length === 0) {
        errors.push({ path: 'add', message: 'Name at least one tag to add or remove' });
      }
      const removing = new Set(remove.tags.map(tagKey));
      add.tags.forEach((t, i) => {
        if (removing.has(tagKey(t))) errors.push({ path: `add.${i}`, message: `"${t}" is also in remove` });
      });
      if (errors.length > 0) throw new ApiError('VALIDATION', 'The request has invalid fields.', { errors });

      const where = b.segment_id ? await segmentWhere(c, b.segment_id) : null;
      const contactIds = [...new Set(b.contact_ids ?? [])];
      const target: BulkTarget = where ? { where } : { contactIds };
      const counted = where
        ? (() => {
            const w = where(1);
            return d1.prepare(`SELECT count(*) AS n FROM contacts c WHERE ${w.clause}`).bind(...w.params);
          })()
        : d1
            .prepare(
              `SELECT count(*) AS n FROM contacts WHERE tenant_id = ?1 AND erased_at IS NULL
                   AND id IN (SELECT value FROM json_each(?2))`,
            )
            .bind(tenantId, JSON.stringify(contactIds));
      const contacts = (await counted.first<{ n: number }>())?.n ?? 0;
      if (add.tags.length * contacts > MAX_BULK_TAG_ROWS) {
        throw new ApiError(
          'VALIDATION',
          `Adding ${add.tags.length} tags to ${contacts.toLocaleString('en')} contacts is more than one request ` +
            `may write (${MAX_BULK_TAG_ROWS.toLocaleString('en')}); add fewer tags at a time.`,
          { errors: [{ path: 'add', message: 'Too many tags for this many contacts in one request' }] },
        );
      }
      const at = new Date().toISOString();
      const tagStatements = bulkTagStatements(
        d1,
        tenantId,
        target,
        { add: add.tags, remove: remove.tags },
        at,
      );
      const results = await d1.batch([
        ...tagStatements,
        statement(
          d1,
          auditRow(c, {
            action: 'contact.tags_changed',
            resourceType: 'contact',
            resourceId: null,
            metadata: {
              target: b.segment_id ? { segment_id: b.segment_id } : { contact_ids: contactIds },
              contacts,
              add: add.tags,
              remove: remove.tags,
            },
          }),
        ),
      ]);
      const changes = results.map((r) => r.meta.changes ?? 0);
      const added = changes.slice(0, add.tags.length).reduce((a, n) => a + n, 0);
      const removed = remove.tags.length > 0 ? (changes[add.tags.length] ?? 0) : 0;
      // issue 14: the contacts newly tagged enter the flows those tags start (in the background)
      if (added > 0) await enqueueTagged(c.env, c.get('db'), { tenantId, tags: add.tags, at });
      return c.json({ contacts, added, removed }, 200);
    },
  );
