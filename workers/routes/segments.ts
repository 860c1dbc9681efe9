// Segments: saved, named contact filters (grammar: workers/domain/segments/grammar.ts,
// docs/segments.md), and the live preview the builder calls while a filter is edited.
// A segment a draft campaign or another segment still names cannot be deleted (409 naming them);
// launched campaigns froze their segments at launch (workers/db/audience.ts) and do not hold it.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { audienceVerdicts, filterWhere, loadSegmentGraph } from '../db/audience';
import type { Db } from '../db/client';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { CAMPAIGN_STATUSES, segments, suppressionRules, tenants } from '../db/schema';
import { suppressionCutoff } from '../domain/eligibility';
import { conditionsOf, type Filter, segmentRefs } from '../domain/segments/grammar';
import { checkReferences, type PathError, validateFilter } from '../domain/segments/validate';
import { auditRow, diff } from '../http/audit';
import type { AppEnv } from '../http/context';
import { ApiError, notFound } from '../http/errors';
import { newestFirst } from '../http/pagination';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
} from '../http/router';

const FilterInput = z.record(z.string(), z.unknown()).openapi('SegmentFilter', {
  description:
    'A group `{"all": [...]}` or `{"any": [...]}` of conditions `{field, op, value}` and (one level) groups. ' +
    'Fields: consent_status, tags, timezone, created_at, import_batch_id, custom.<name>, last_sent_at, ' +
    'last_human_click_at, last_reply_at, segment. See docs/segments.md.',
  example: {
    all: [
      { field: 'tags', op: 'has_any', value: ['VIP'] },
      { field: 'timezone', op: 'eq', value: 'Australia/Sydney' },
      { field: 'last_human_click_at', op: 'within_days', value: 30 },
      { field: 'custom.purchased', op: 'not_set' },
    ],
  },
});

const Name = z.string().trim().min(1).max(200);
const SegmentCreate = z.object({ name: Name, filter: FilterInput }).strict();
const SegmentPatch = z.object({ name: Name, filter: FilterInput }).partial().strict();
const PreviewBody = z
  .object({
    filter: FilterInput,
    segment_id: z
      .uuid()
      .optional()
      .openapi({ description: 'The segment being edited, so a filter that would include itself is refused' }),
  })
  .strict();

const SegmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    filter: z.record(z.string(), z.unknown()),
    conditions: z.number().int().openapi({ description: 'How many conditions the filter has' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Segment');

const UsedBySchema = z.object({
  campaigns: z.array(z.object({ id: z.string(), name: z.string(), status: z.enum(CAMPAIGN_STATUSES) })),
  segments: z.array(z.object({ id: z.string(), name: z.string() })),
});

const SegmentDetailSchema = SegmentSchema.extend({
  used_by: UsedBySchema.openapi({
    description:
      'Campaigns whose audience names it (any status) and segments that include it. Drafts and segments keep it from being deleted.',
  }),
}).openapi('SegmentDetail');

const PreviewSchema = z
  .object({
    count: z.number().int().openapi({ description: 'Contacts matching the filter (erased people never do)' }),
    eligible: z.number().int().openapi({ description: 'Of those, who a campaign would text now' }),
    skipped: z
      .object({
        invalid: z.number().int(),
        do_not_contact: z.number().int(),
        no_consent: z.number().int(),
        suppressed: z.number().int(),
      })
      .openapi({ description: 'Why the others would be skipped, as the fan-out counts them' }),
  })
  .openapi('SegmentPreview');

type SegmentRow = typeof segments.$inferSelect;
const segmentJson = (r: SegmentRow): z.infer<typeof SegmentSchema> => ({
  id: r.id,
  name: r.name,
  filter: r.filter,
  conditions: conditionsOf(r.filter as Filter).length,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

async function findSegment(db: Db, tenantId: string, id: string): Promise<SegmentRow> {
  const row = await db.query.segments.findFirst({
    where: and(eq(segments.id, id), eq(segments.tenantId, tenantId)),
  });
  if (!row) throw notFound('Segment');
  return row;
}

const invalid = (errors: PathError[]) =>
  new ApiError('VALIDATION', 'The segment filter is not valid.', { errors });

/**
 * The filter, validated and with every segment it reaches loaded: the pure checks first, then the
 * references (unknown, another tenant's, cycles through `selfId`) and the import ids it names.
 */
async function checkedFilter(db: Db, tenantId: string, raw: unknown, selfId: string | null) {
  const checked = validateFilter(raw, 'filter');
  if (!checked.ok) throw invalid(checked.errors);
  const filter = checked.filter;
  const graph = await loadSegmentGraph(
    db.$client,
    tenantId,
    segmentRefs(filter).map((r) => r.id),
  );
  const errors = checkReferences(filter, graph, selfId, 'filter');
  const imports = conditionsOf(filter).filter(
    (c) => c.condition.field === 'import_batch_id' && 'value' in c.condition,
  );
  if (imports.length > 0) {
    const ids = imports.map((c) => (c.condition as { value: string }).value);
    const found = await db.$client
      .prepare(
        'SELECT id FROM import_batches WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))',
      )
      .bind(tenantId, JSON.stringify(ids))
      .all<{ id: string }>();
    const known = new Set(found.results.map((r) => r.id));
    for (const c of imports) {
      if (!known.has((c.condition as { value: string }).value)) {
        errors.push({ path: `filter.${c.path}.value`, message: 'No such import' });
      }
    }
  }
  if (errors.length > 0) throw invalid(errors);
  return { filter, graph };
}

async function usedBy(db: Db, tenantId: string, id: string): Promise<z.infer<typeof UsedBySchema>> {
  const [campaignRows, segmentRows] = await db.$client.batch([
    db.$client
      .prepare(
        `SELECT id, name, status FROM campaigns
          WHERE tenant_id = ?1 AND (
            EXISTS (SELECT 1 FROM json_each(audience, '$.include_segment_ids') WHERE value = ?2) OR
            EXISTS (SELECT 1 FROM json_each(audience, '$.exclude_segment_ids') WHERE value = ?2))
          ORDER BY id DESC LIMIT 100`,
      )
      .bind(tenantId, id),
    // A text search finds candidates; the parsed filter confirms them.
    db.$client
      .prepare(
        `SELECT id, name, filter FROM segments WHERE tenant_id = ?1 AND id <> ?2 AND instr(filter, ?2) > 0 LIMIT 100`,
      )
      .bind(tenantId, id),
  ]);
  type C = { id: string; name: string; status: (typeof CAMPAIGN_STATUSES)[number] };
  type S = { id: string; name: string; filter: string };
  return {
    campaigns: ((campaignRows?.results ?? []) as C[]).map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
    })),
    segments: ((segmentRows?.results ?? []) as S[])
      .filter((r) => segmentRefs(JSON.parse(r.filter) as Filter).some((ref) => ref.id === id))
      .map((r) => ({ id: r.id, name: r.name })),
  };
}

const isUniqueViolation = (err: unknown) => String(err).includes('UNIQUE constraint failed');
const duplicateName = (name: string) =>
  new ApiError('CONFLICT', `A segment named "${name}" already exists.`, {
    errors: [{ path: 'name', message: 'Already used by another segment' }],
  });

async function preview(
  c: Context<AppEnv>,
  filter: Filter,
  graph: Awaited<ReturnType<typeof loadSegmentGraph>>,
) {
  const { tenantId } = c.get('principal');
  const db = c.get('db');
  const now = new Date();
  const tenant = await c.get('control').query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  if (!tenant) throw notFound('Tenant');
  const rules = await db.select().from(suppressionRules).where(eq(suppressionRules.tenantId, tenantId));
  const v = await audienceVerdicts(
    db.$client,
    (first) => filterWhere(tenantId, filter, { now, timezone: tenant.timezone, segments: graph }, first),
    { allowUnknownConsent: tenant.allowUnknownConsent, suppressedSince: suppressionCutoff(rules, now) },
  );
  const { eligible, ...skipped } = v;
  return { count: eligible + Object.values(skipped).reduce((a, b) => a + b, 0), eligible, skipped };
}

export const segmentRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/segments/preview',
      tags: ['Segments'],
      summary: 'Count who a filter matches, and who of them a campaign would skip and why',
      request: { body: jsonBody(PreviewBody) },
      responses: { 200: jsonResponse(PreviewSchema, 'The counts'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const { filter, graph } = await checkedFilter(
        c.get('db'),
        c.get('principal').tenantId,
        b.filter,
        b.segment_id ?? null,
      );
      return c.json(await preview(c, filter, graph), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/segments',
      tags: ['Segments'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(SegmentSchema), 'Segments, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('db'), segments, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map(segmentJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/segments',
      tags: ['Segments'],
      request: { body: jsonBody(SegmentCreate) },
      responses: {
        201: jsonResponse(SegmentSchema, 'Created'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const b = c.req.valid('json');
      const id = uuidv7();
      const { filter } = await checkedFilter(db, tenantId, b.filter, id);
      try {
        const [[created]] = await db.batch([
          db.insert(segments).values({ id, tenantId, name: b.name, filter }).returning(),
          auditRow(c, {
            action: 'segment.created',
            resourceType: 'segment',
            resourceId: id,
            metadata: { name: b.name, filter },
          }),
        ]);
        return c.json(segmentJson(created as SegmentRow), 201);
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateName(b.name);
        throw err;
      }
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/segments/{id}',
      tags: ['Segments'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(SegmentDetailSchema, 'A segment'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const row = await findSegment(db, tenantId, c.req.valid('param').id);
      return c.json({ ...segmentJson(row), used_by: await usedBy(db, tenantId, row.id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/segments/{id}',
      tags: ['Segments'],
      summary: 'Rename or change the filter (draft campaigns that name it follow; launched ones keep theirs)',
      request: { params: IdParam, body: jsonBody(SegmentPatch) },
      responses: {
        200: jsonResponse(SegmentSchema, 'The updated segment'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const b = c.req.valid('json');
      const before = await findSegment(db, tenantId, id);
      const filter =
        b.filter === undefined ? undefined : (await checkedFilter(db, tenantId, b.filter, id)).filter;
      const changes = diff({ name: before.name, filter: before.filter } as Record<string, unknown>, {
        name: b.name,
        filter,
      });
      if (Object.keys(changes).length === 0) return c.json(segmentJson(before), 200);
      try {
        const [[after]] = await db.batch([
          db
            .update(segments)
            .set({ name: b.name, filter, updatedAt: nowIso() })
            .where(and(eq(segments.id, id), eq(segments.tenantId, tenantId)))
            .returning(),
          auditRow(c, {
            action: 'segment.updated',
            resourceType: 'segment',
            resourceId: id,
            metadata: { changes },
          }),
        ]);
        if (!after) throw notFound('Segment');
        return c.json(segmentJson(after), 200);
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateName(b.name ?? before.name);
        throw err;
      }
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/segments/{id}',
      tags: ['Segments'],
      summary: 'Delete a segment no draft campaign or other segment names',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, 409: errorResponses[422], ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const row = await findSegment(db, tenantId, id);
      const users = await usedBy(db, tenantId, id);
      const drafts = users.campaigns.filter((x) => x.status === 'draft');
      if (drafts.length > 0 || users.segments.length > 0) {
        const names = [
          ...drafts.map((x) => `campaign "${x.name}"`),
          ...users.segments.map((x) => `segment "${x.name}"`),
        ];
        throw new ApiError(
          'CONFLICT',
          `"${row.name}" is still used by ${names.join(', ')}. Remove it from them first.`,
          { extra: { campaigns: drafts, segments: users.segments } },
        );
      }
      await db.batch([
        db.delete(segments).where(and(eq(segments.id, id), eq(segments.tenantId, tenantId))),
        auditRow(c, {
          action: 'segment.deleted',
          resourceType: 'segment',
          resourceId: id,
          metadata: { name: row.name, filter: row.filter },
        }),
      ]);
      return c.body(null, 204);
    },
  );
