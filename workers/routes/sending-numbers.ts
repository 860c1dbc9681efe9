import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { NumberConfig } from '../../durable-objects/sending-number';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { replicateTenant } from '../db/replicate';
import { PROVIDERS, sendingNumbers, tenants } from '../db/schema';
import { normalizePhone } from '../domain/phone';
import { audit, diff } from '../http/audit';
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

const SendingNumberSchema = z
  .object({
    id: z.string(),
    phone: z.string(),
    provider: z.enum(PROVIDERS),
    daily_limit: z.number().int(),
    per_minute_limit: z.number().int(),
    warmup_start_date: z.string().nullable(),
    is_active: z.boolean(),
    created_at: z.string(),
  })
  .openapi('SendingNumber');

const UsageSchema = z
  .object({
    sent_this_minute: z.number().int(),
    sent_today: z.number().int(),
    allowed_today: z.number().int(),
    per_minute_limit: z.number().int(),
    daily_limit: z.number().int(),
    is_active: z.boolean(),
  })
  .openapi('SendingNumberUsage');

const IsoDate = z.iso.date('Expected YYYY-MM-DD');
const Limit = z.number().int().min(1).max(1_000_000);
const NumberCreate = z
  .object({
    phone: z.string().trim().min(1).max(40),
    provider: z.enum(PROVIDERS).default('twilio'),
    daily_limit: Limit,
    per_minute_limit: z.number().int().min(1).max(100_000),
    warmup_start_date: IsoDate.nullable().optional(),
    is_active: z.boolean().default(true),
  })
  .strict();
const NumberPatch = z
  .object({
    daily_limit: Limit,
    per_minute_limit: z.number().int().min(1).max(100_000),
    warmup_start_date: IsoDate.nullable(),
    is_active: z.boolean(),
  })
  .partial()
  .strict();

type NumberRow = typeof sendingNumbers.$inferSelect;
const numberJson = (n: NumberRow): z.infer<typeof SendingNumberSchema> => ({
  id: n.id,
  phone: n.phoneE164,
  provider: n.provider,
  daily_limit: n.dailyLimit,
  per_minute_limit: n.perMinuteLimit,
  warmup_start_date: n.warmupStartDate,
  is_active: n.isActive,
  created_at: n.createdAt,
});

/** The limiter's view of a number; days count in the tenant's time zone. */
export function numberConfig(n: NumberRow, timezone: string): NumberConfig {
  return {
    sendingNumberId: n.id,
    timezone,
    dailyLimit: n.dailyLimit,
    perMinuteLimit: n.perMinuteLimit,
    warmupStartDate: n.warmupStartDate,
    isActive: n.isActive,
  };
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A sender number in E.164. Written with `+` it is taken as is once punctuation is removed
 * (senders may be toll-free or landline numbers that contact validation would refuse); otherwise
 * it is read as a national number of the tenant's country.
 */
function senderE164(input: string, country: string): string {
  const compact = input.replace(/[\s().-]/g, '');
  if (compact.startsWith('+')) {
    if (E164.test(compact)) return compact;
  } else {
    const n = normalizePhone(input, country);
    if (n.ok) return n.e164;
  }
  throw new ApiError('VALIDATION', 'The phone number is not valid.', {
    errors: [{ path: 'phone', message: `Expected an E.164 number such as +61412345678, got "${input}"` }],
  });
}

export const sendingNumberRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/sending-numbers',
      tags: ['Sending numbers'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(SendingNumberSchema), 'Sending numbers'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('control'), sendingNumbers, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map(numberJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/sending-numbers',
      tags: ['Sending numbers'],
      request: { body: jsonBody(NumberCreate) },
      responses: {
        201: jsonResponse(SendingNumberSchema, 'Created; its limiter is configured'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('control');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const tenant = await findTenant(db, tenantId);
      const phone = senderE164(body.phone, tenant.country);
      // Unique across tenants: one number sends for one business.
      const taken = await db.query.sendingNumbers.findFirst({ where: eq(sendingNumbers.phoneE164, phone) });
      if (taken) throw new ApiError('CONFLICT', `${phone} is already registered as a sending number.`);
      const id = uuidv7();
      let created: NumberRow | undefined;
      try {
        [created] = await db
          .insert(sendingNumbers)
          .values({
            id,
            tenantId,
            phoneE164: phone,
            provider: body.provider,
            dailyLimit: body.daily_limit,
            perMinuteLimit: body.per_minute_limit,
            warmupStartDate: body.warmup_start_date ?? null,
            isActive: body.is_active,
          })
          .returning();
      } catch (err) {
        if (String(err).includes('UNIQUE')) {
          throw new ApiError('CONFLICT', `${phone} is already registered as a sending number.`);
        }
        throw err;
      }
      await replicateTenant(c.env, tenantId, { numbers: true });
      await audit(c, {
        action: 'sending_number.created',
        resourceType: 'sending_number',
        resourceId: id,
        metadata: { phone, daily_limit: body.daily_limit, per_minute_limit: body.per_minute_limit },
      });
      const row = created as NumberRow;
      await c.env.SENDING_NUMBER.getByName(id).configure(numberConfig(row, tenant.timezone));
      return c.json(numberJson(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/sending-numbers/{id}',
      tags: ['Sending numbers'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(SendingNumberSchema, 'A sending number'), ...errorResponses },
    }),
    async (c) => {
      const n = await findNumber(c.get('control'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(numberJson(n), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/sending-numbers/{id}',
      tags: ['Sending numbers'],
      request: { params: IdParam, body: jsonBody(NumberPatch) },
      responses: {
        200: jsonResponse(SendingNumberSchema, 'Updated; the limiter applies it at once'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('control');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findNumber(db, tenantId, id);
      const tenant = await findTenant(db, tenantId);
      const [after] = await db
        .update(sendingNumbers)
        .set({
          dailyLimit: body.daily_limit,
          perMinuteLimit: body.per_minute_limit,
          warmupStartDate: body.warmup_start_date,
          isActive: body.is_active,
        })
        .where(and(eq(sendingNumbers.id, id), eq(sendingNumbers.tenantId, tenantId)))
        .returning();
      await replicateTenant(c.env, tenantId, { numbers: true });
      await audit(c, {
        action:
          body.is_active === undefined || body.is_active === before.isActive
            ? 'sending_number.updated'
            : body.is_active
              ? 'sending_number.activated'
              : 'sending_number.deactivated',
        resourceType: 'sending_number',
        resourceId: id,
        metadata: { changes: diff(numberJson(before), body) },
      });
      const row = after as NumberRow;
      await c.env.SENDING_NUMBER.getByName(id).configure(numberConfig(row, tenant.timezone));
      return c.json(numberJson(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/sending-numbers/{id}/usage',
      tags: ['Sending numbers'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(UsageSchema, 'Permits granted now and today'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('control');
      const { tenantId } = c.get('principal');
      const n = await findNumber(db, tenantId, c.req.valid('param').id);
      const tenant = await findTenant(db, tenantId);
      const stub = c.env.SENDING_NUMBER.getByName(n.id);
      // D1 is the source of truth for the settings (the tenant's zone may have changed): re-sync.
      await stub.configure(numberConfig(n, tenant.timezone));
      const u = await stub.usage();
      return c.json({ ...u, daily_limit: n.dailyLimit, is_active: n.isActive }, 200);
    },
  );

async function findNumber(db: Db, tenantId: string, id: string) {
  const n = await db.query.sendingNumbers.findFirst({
    where: and(eq(sendingNumbers.id, id), eq(sendingNumbers.tenantId, tenantId)),
  });
  if (!n) throw notFound('Sending number');
  return n;
}

async function findTenant(db: Db, tenantId: string) {
  const t = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  if (!t) throw notFound('Tenant');
  return t;
}
