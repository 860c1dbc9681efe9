import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import { uuidv7 } from '../db/ids';
import { CHANNELS, costs, PROVIDERS, tenants } from '../db/schema';
import { startOfLocalDay } from '../domain/local-time';
import { audit } from '../http/audit';
import { ApiError, notFound } from '../http/errors';
import { decodeCursor, paginate } from '../http/pagination';
import { createRouter, errorResponses, jsonBody, jsonResponse, PageQuery, page } from '../http/router';

const CostSchema = z
  .object({
    id: z.string(),
    provider: z.enum(PROVIDERS),
    country: z.string(),
    /** `sms`: the price of one part; `mms`: the price of one whole MMS (Twilio bills MMS per message). */
    channel: z.enum(CHANNELS),
    per_part_cents: z.number().int(),
    effective_from: z.string(),
    effective_until: z.string().nullable(),
    /** `platform` rows are the default price list; `tenant` rows are this tenant's own and win. */
    scope: z.enum(['platform', 'tenant']),
    created_at: z.string(),
  })
  .openapi('Cost');

// A date means the start of that day in the tenant's zone; a date-time is taken as given.
const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const Country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code, e.g. AU');
const CostCreate = z
  .object({
    provider: z.enum(PROVIDERS).default('twilio'),
    country: Country,
    channel: z.enum(CHANNELS).default('sms'),
    per_part_cents: z.number().int().min(0).max(100_000),
    effective_from: Instant,
    effective_until: Instant.nullable().optional(),
  })
  .strict();
const CostQuery = PageQuery.extend({
  country: Country.optional(),
  provider: z.enum(PROVIDERS).optional(),
  channel: z.enum(CHANNELS).optional(),
});

type CostRow = typeof costs.$inferSelect;
const costJson = (r: CostRow): z.infer<typeof CostSchema> => ({
  id: r.id,
  provider: r.provider,
  country: r.country,
  channel: r.channel,
  per_part_cents: r.perPartCents,
  effective_from: r.effectiveFrom,
  effective_until: r.effectiveUntil,
  scope: r.tenantId === null ? 'platform' : 'tenant',
  created_at: r.createdAt,
});

function toIso(value: string, timezone: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(startOfLocalDay(value, timezone)).toISOString()
    : new Date(value).toISOString();
}

export const costRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/costs',
      tags: ['Costs'],
      request: { query: CostQuery },
      responses: {
        200: jsonResponse(page(CostSchema), 'The platform price list and the tenant’s own prices'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { limit, cursor, country, provider, channel } = c.req.valid('query');
      const after = decodeCursor(cursor);
      const rows = await c
        .get('control')
        .select()
        .from(costs)
        .where(
          and(
            or(eq(costs.tenantId, c.get('principal').tenantId), isNull(costs.tenantId)),
            country ? eq(costs.country, country) : undefined,
            provider ? eq(costs.provider, provider) : undefined,
            channel ? eq(costs.channel, channel) : undefined,
            after ? lt(costs.id, after) : undefined,
          ),
        )
        .orderBy(desc(costs.id))
        .limit(limit + 1);
      const p = paginate(rows, limit, (r) => r.id);
      return c.json({ data: p.data.map(costJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/costs',
      tags: ['Costs'],
      request: { body: jsonBody(CostCreate) },
      responses: { 201: jsonResponse(CostSchema, 'Created for this tenant'), ...errorResponses },
    }),
    async (c) => {
      // Prices (and the tenants directory) live in the control database; the audit log is the tenant's.
      const db = c.get('control');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
      if (!tenant) throw notFound('Tenant');
      const from = toIso(body.effective_from, tenant.timezone);
      const until = body.effective_until ? toIso(body.effective_until, tenant.timezone) : null;
      if (until !== null && until <= from) {
        throw new ApiError('VALIDATION', 'The price must be effective for some time.', {
          errors: [{ path: 'effective_until', message: 'Must be after effective_from' }],
        });
      }
      const id = uuidv7();
      const [created] = await db
        .insert(costs)
        .values({
          id,
          tenantId,
          provider: body.provider,
          country: body.country,
          channel: body.channel,
          perPartCents: body.per_part_cents,
          effectiveFrom: from,
          effectiveUntil: until,
        })
        .returning();
      await audit(c, {
        action: 'cost.created',
        resourceType: 'cost',
        resourceId: id,
        metadata: {
          provider: body.provider,
          country: body.country,
          channel: body.channel,
          per_part_cents: body.per_part_cents,
          effective_from: from,
          effective_until: until,
        },
      });
      return c.json(costJson(created as CostRow), 201);
    },
  );
