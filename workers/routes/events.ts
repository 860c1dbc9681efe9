import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { derivedEvents, type LoggedEvent, messageSlots, messageSpan } from '../db/message-log';
import { campaigns, EVENT_TYPES, events, tenants } from '../db/schema';
import { BUCKETS, chooseBucket, csvRow, seriesRange, slotMinutesFor, toSeries } from '../domain/event-log';
import { ApiError, notFound } from '../http/errors';
import { decodeCursor, paginate } from '../http/pagination';
import { createRouter, errorResponses, jsonResponse, PageQuery, page } from '../http/router';

const EventSchema = z
  .object({
    id: z.string(),
    type: z.enum(EVENT_TYPES),
    contact_id: z.string().nullable(),
    campaign_id: z.string().nullable(),
    send_job_id: z.string().nullable(),
    short_link_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .openapi('Event');

const Filters = z.object({
  type: z.enum(EVENT_TYPES).optional(),
  campaign_id: z.uuid().optional(),
  contact_id: z.uuid().optional(),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Events at or after this instant' }),
  until: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Events before this instant' }),
});

type FilterValues = z.infer<typeof Filters>;
type EventRow = typeof events.$inferSelect;

const toIso = (s: string) => new Date(s).toISOString();

function where(tenantId: string, f: FilterValues, before?: string): SQL | undefined {
  return and(
    eq(events.tenantId, tenantId),
    f.type ? eq(events.eventType, f.type) : undefined,
    f.campaign_id ? eq(events.campaignId, f.campaign_id) : undefined,
    f.contact_id ? eq(events.contactId, f.contact_id) : undefined,
    f.since ? gte(events.createdAt, toIso(f.since)) : undefined,
    f.until ? lt(events.createdAt, toIso(f.until)) : undefined,
    before ? lt(events.id, before) : undefined,
  );
}

function eventJson(e: EventRow | LoggedEvent) {
  return {
    id: e.id,
    type: e.eventType,
    contact_id: e.contactId,
    campaign_id: e.campaignId,
    send_job_id: e.sendJobId,
    short_link_id: e.shortLinkId,
    metadata: e.metadata,
    created_at: e.createdAt,
  };
}

/**
 * Stored events and, for a campaign or a contact, the events derived from its messages' own rows
 * (queued, sent, delivered, clicked: workers/db/message-log.ts), merged newest first by id.
 */
async function fetchPage(
  db: Db,
  tenantId: string,
  f: FilterValues,
  limit: number,
  before?: string,
): Promise<(EventRow | LoggedEvent)[]> {
  const stored = await db
    .select()
    .from(events)
    .where(where(tenantId, f, before))
    .orderBy(desc(events.id))
    .limit(limit + 1);
  const derived = await derivedEvents(
    db,
    {
      tenantId,
      campaignId: f.campaign_id,
      contactId: f.contact_id,
      type: f.type,
      since: f.since ? toIso(f.since) : undefined,
      until: f.until ? toIso(f.until) : undefined,
      before,
    },
    limit + 1,
  );
  if (derived.length === 0) return stored;
  return [...stored, ...derived].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, limit + 1);
}

const CSV_COLUMNS = [
  'id',
  'created_at',
  'type',
  'campaign_id',
  'contact_id',
  'send_job_id',
  'short_link_id',
  'metadata',
] as const;
// One D1 query per page: large enough to keep the query count low, small enough to stream.
const CSV_PAGE_ROWS = 1000;

/** The CSV body, fetched page by page as the client reads, so an export never sits in memory. */
function csvStream(db: Db, tenantId: string, f: FilterValues): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let before: string | undefined;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvRow([...CSV_COLUMNS])));
        }
        const rows = await fetchPage(db, tenantId, f, CSV_PAGE_ROWS, before);
        const data = rows.slice(0, CSV_PAGE_ROWS);
        const lines = data.map((e) =>
          csvRow([
            e.id,
            e.createdAt,
            e.eventType,
            e.campaignId,
            e.contactId,
            e.sendJobId,
            e.shortLinkId,
            JSON.stringify(e.metadata),
          ]),
        );
        if (lines.length > 0) controller.enqueue(encoder.encode(lines.join('')));
        const last = data[data.length - 1];
        if (rows.length <= CSV_PAGE_ROWS || !last) controller.close();
        else before = last.id;
      } catch (err) {
        // The status line is already sent; failing the stream makes the download visibly incomplete.
        console.error('events.csv export failed', err);
        controller.error(err);
      }
    },
  });
}

const SeriesPointSchema = z
  .object({
    t: z.string().openapi({ description: 'Bucket start (local hour or local midnight), ISO-8601 UTC' }),
    sent: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    clicks: z.number().int(),
    human_clicks: z.number().int(),
  })
  .openapi('EventSeriesPoint');

const SeriesSchema = z
  .object({
    bucket: z.enum(BUCKETS),
    timezone: z.string(),
    range: z.object({ from: z.string(), to: z.string() }).nullable().openapi({
      description: "The time axis: the first bucket's start to the last bucket's end (null: no data)",
    }),
    data: z.array(SeriesPointSchema),
  })
  .openapi('EventSeries');

const DEFAULT_SERIES_DAYS = 30;

export const eventRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/events',
      tags: ['Events'],
      summary: 'The event log, newest first',
      request: { query: PageQuery.extend(Filters.shape) },
      responses: { 200: jsonResponse(page(EventSchema), 'Events, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor, ...filters } = c.req.valid('query');
      const rows = await fetchPage(
        c.get('db'),
        c.get('principal').tenantId,
        filters,
        limit,
        decodeCursor(cursor),
      );
      const p = paginate(rows, limit, (r) => r.id);
      return c.json({ data: p.data.map(eventJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/events.csv',
      tags: ['Events'],
      summary: 'The event log as CSV (same filters, every matching event, newest first)',
      request: { query: Filters },
      responses: {
        200: {
          description: `A header row (${CSV_COLUMNS.join(', ')}), then one row per event; metadata is JSON`,
          content: { 'text/csv': { schema: z.string() } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const filters = c.req.valid('query');
      const stamp = new Date().toISOString().slice(0, 10);
      return c.body(csvStream(c.get('db'), c.get('principal').tenantId, filters), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="events-${stamp}.csv"`,
        'cache-control': 'no-store',
      });
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/events/timeseries',
      tags: ['Events'],
      summary: 'Sends, deliveries, failures, clicks and human clicks over time, for the report chart',
      description:
        "Buckets are minutes, 5 or 15 minutes, hours or days of the tenant's time zone; `t` is the bucket's start " +
        'as a UTC instant. `bucket=auto` (the default) picks the size that shows the span from the first to the ' +
        'last event in at most about 120 points: minutes for a campaign that ran a few minutes, days for weeks. ' +
        'Gaps between the first and last bucket are filled with zeros. Without `campaign_id` the series covers ' +
        `the whole tenant, from \`since\` (default: the last ${DEFAULT_SERIES_DAYS} days). ` +
        'An archived campaign (its per-message rows moved to the archive, see docs/lifecycle.md) is kept per day ' +
        "of the tenant's time zone: whenever one is in the series the bucket is `day` whatever was asked, and " +
        '`since`/`until` take its days whose local midnight falls inside them.',
      request: {
        query: z.object({
          campaign_id: z.uuid().optional(),
          bucket: z.enum(['auto', ...BUCKETS]).default('auto'),
          since: Filters.shape.since,
          until: Filters.shape.until,
        }),
      },
      responses: { 200: jsonResponse(SeriesSchema, 'The series'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const db = c.get('db');
      const tenantId = c.get('principal').tenantId;
      const [tenant] = await db
        .select({ timezone: tenants.timezone })
        .from(tenants)
        .where(eq(tenants.id, tenantId));
      if (!tenant) throw new ApiError('UNAUTHENTICATED', 'The tenant no longer exists.');
      if (q.campaign_id) {
        const [found] = await db
          .select({ id: campaigns.id })
          .from(campaigns)
          .where(and(eq(campaigns.id, q.campaign_id), eq(campaigns.tenantId, tenantId)));
        if (!found) throw notFound('Campaign');
      }
      const since =
        q.since ??
        (q.campaign_id ? undefined : new Date(Date.now() - DEFAULT_SERIES_DAYS * 86_400_000).toISOString());
      // From the messages' own rows and the campaigns' click counts (no event row per message).
      const scope = {
        tenantId,
        campaignId: q.campaign_id,
        since: since ? toIso(since) : undefined,
        until: q.until ? toIso(q.until) : undefined,
      };
      let bucket = q.bucket === 'auto' ? null : q.bucket;
      if (bucket === null) {
        const span = await messageSpan(db, scope);
        bucket = span.daily
          ? 'day'
          : span.first && span.last
            ? chooseBucket(Date.parse(span.last) - Date.parse(span.first))
            : 'hour';
      }
      const slots = await messageSlots(db, scope, slotMinutesFor(bucket));
      // An archived campaign's counts are kept per day (docs/lifecycle.md): only day buckets show them.
      if (slots.some((s) => s.daily)) bucket = 'day';
      const data = toSeries(slots, bucket, tenant.timezone);
      return c.json(
        { bucket, timezone: tenant.timezone, range: seriesRange(data, bucket, tenant.timezone), data },
        200,
      );
    },
  );
