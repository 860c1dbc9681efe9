// Revenue attribution (issue 14): an integrator reports orders; each is attributed to the
// contact's last human click within the tenant's window (domain/attribution.ts). Idempotent on
// order_id: the same order again answers 200 with the first answer; the same order_id with other
// values is a conflict (409), never a silent overwrite.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import type { Context } from 'hono';
import { type AttributedClick, lastHumanClick, periodRevenue } from '../db/conversions';
import { uuidv7 } from '../db/ids';
import { CONVERSION_STATUSES, contacts, conversions, tenants } from '../db/schema';
import { canonicalConversion, localMonthRange } from '../domain/attribution';
import { localMonth } from '../domain/local-time';
import { normalizePhone } from '../domain/phone';
import { auditRow } from '../http/audit';
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
import { emitEvent } from '../integrations/events';
import { sha256Hex } from '../lib/crypto';

/** How far in the future an order's time may be (clock skew between systems). */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

const Attributed = z
  .object({
    campaign_id: z.string().nullable(),
    flow_id: z.string().nullable(),
    short_link_id: z.string(),
    clicked_at: z.string(),
  })
  .openapi('Attribution');

const ConversionSchema = z
  .object({
    id: z.string(),
    order_id: z.string(),
    contact_id: z.string().nullable(),
    phone_e164: z.string().nullable(),
    value_cents: z.number().int(),
    currency: z.string(),
    occurred_at: z.string(),
    status: z.enum(CONVERSION_STATUSES),
    attributed: Attributed.nullable(),
    created_at: z.string(),
  })
  .openapi('Conversion');

const ConversionCreate = z
  .object({
    contact_id: z.uuid().optional(),
    phone: z.string().trim().min(1).max(40).optional(),
    value_cents: z.number().int().min(0).max(100_000_000_000),
    currency: z
      .string()
      .trim()
      .transform((s) => s.toUpperCase())
      .pipe(z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. AUD')),
    order_id: z.string().trim().min(1).max(200),
    occurred_at: z.iso
      .datetime({ offset: true })
      .transform((s) => new Date(s).toISOString())
      .optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.contact_id === undefined) === (b.phone === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['contact_id'],
        message: 'Give exactly one of contact_id or phone',
      });
    }
  });

const ConversionQuery = PageQuery.extend({
  campaign_id: z.uuid().optional(),
  contact_id: z.uuid().optional(),
  status: z.enum(CONVERSION_STATUSES).optional(),
});

/** The revenue fields campaign stats gain (issue 14). */
export const RevenueShape = {
  /** Conversions attributed to the campaign's links, in any currency. */
  conversions: z.number().int(),
  /** Their value in the tenant's currency (`revenue_currency`); other currencies are listed apart. */
  revenue_cents: z.number().int(),
  revenue_currency: z.string(),
  other_currencies: z.array(
    z.object({ currency: z.string(), conversions: z.number().int(), revenue_cents: z.number().int() }),
  ),
};

const Totals = z.object(RevenueShape);

const SummarySchema = z
  .object({
    month: z.string(),
    timezone: z.string(),
    from: z.string(),
    to: z.string(),
    /** Orders attributed to a click on one of our messages. */
    attributed: Totals,
    /** Every order reported in the month. */
    all: Totals,
  })
  .openapi('ConversionSummary');

type ConversionRow = typeof conversions.$inferSelect;
function conversionJson(r: ConversionRow): z.infer<typeof ConversionSchema> {
  return {
    id: r.id,
    order_id: r.orderId,
    contact_id: r.contactId,
    phone_e164: r.phoneE164,
    value_cents: r.valueCents,
    currency: r.currency,
    occurred_at: r.occurredAt,
    status: r.status,
    attributed:
      r.status === 'attributed' && r.shortLinkId && r.clickedAt
        ? {
            campaign_id: r.campaignId,
            flow_id: r.flowId,
            short_link_id: r.shortLinkId,
            clicked_at: r.clickedAt,
          }
        : null,
    created_at: r.createdAt,
  };
}

/** The order already recorded under this order_id: a replay (200) or a conflict (409). */
function replayOrConflict(c: Context<AppEnv>, existing: ConversionRow, requestHash: string) {
  if (existing.requestHash !== requestHash) {
    throw new ApiError(
      'CONFLICT',
      `Order ${existing.orderId} was already recorded with other values; an order_id is recorded once.`,
      { extra: { existing_conversion_id: existing.id } },
    );
  }
  return c.json(conversionJson(existing), 200);
}

async function findByOrder(db: import('../db/client').Db, tenantId: string, orderId: string) {
  return db.query.conversions.findFirst({
    where: and(eq(conversions.tenantId, tenantId), eq(conversions.orderId, orderId)),
  });
}

export const conversionRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/conversions',
      tags: ['Conversions'],
      request: { body: jsonBody(ConversionCreate) },
      responses: {
        200: jsonResponse(ConversionSchema, 'This order was recorded before: the same answer'),
        201: jsonResponse(
          ConversionSchema,
          'Recorded; `attributed` names the click it is credited to, or null',
        ),
        202: jsonResponse(ConversionSchema, 'Recorded unattributed: no contact has this phone'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const tenant = await c.get('control').query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
      if (!tenant) throw notFound('Tenant');
      if (body.occurred_at && Date.parse(body.occurred_at) > Date.now() + FUTURE_SKEW_MS) {
        throw new ApiError('VALIDATION', 'The order cannot have happened in the future.', {
          errors: [{ path: 'occurred_at', message: 'In the future' }],
        });
      }

      let contactId: string | null = null;
      let phoneE164: string | null = null;
      if (body.contact_id) {
        const contact = await db.query.contacts.findFirst({
          columns: { id: true },
          where: and(
            eq(contacts.id, body.contact_id),
            eq(contacts.tenantId, tenantId),
            isNull(contacts.erasedAt),
          ),
        });
        if (!contact) {
          throw new ApiError('VALIDATION', 'No contact has this id.', {
            errors: [{ path: 'contact_id', message: 'Unknown contact' }],
          });
        }
        contactId = contact.id;
      } else {
        const phone = normalizePhone(body.phone ?? '', tenant.country);
        if (!phone.ok) {
          throw new ApiError('VALIDATION', `The phone number is not usable: ${phone.reason}.`, {
            errors: [{ path: 'phone', message: phone.reason }],
          });
        }
        phoneE164 = phone.e164;
        const contact = await db.query.contacts.findFirst({
          columns: { id: true },
          where: and(
            eq(contacts.tenantId, tenantId),
            eq(contacts.phoneE164, phone.e164),
            isNull(contacts.erasedAt),
          ),
        });
        contactId = contact?.id ?? null;
      }

      const requestHash = await sha256Hex(
        canonicalConversion({
          contactId: body.contact_id ?? null,
          phoneE164,
          valueCents: body.value_cents,
          currency: body.currency,
          occurredAt: body.occurred_at ?? null,
        }),
      );
      const existing = await findByOrder(db, tenantId, body.order_id);
      if (existing) return replayOrConflict(c, existing, requestHash);

      const occurredAt = body.occurred_at ?? new Date().toISOString();
      let click: AttributedClick | null = null;
      if (contactId) {
        click = await lastHumanClick(db, {
          tenantId,
          contactId,
          occurredAt: new Date(occurredAt),
          windowDays: tenant.attributionWindowDays,
        });
      }
      const status = click ? 'attributed' : contactId ? 'unattributed' : 'unknown_contact';
      const id = uuidv7();
      const [inserted] = await db
        .insert(conversions)
        .values({
          id,
          tenantId,
          orderId: body.order_id,
          contactId,
          phoneE164,
          valueCents: body.value_cents,
          currency: body.currency,
          occurredAt,
          status,
          campaignId: click?.campaignId ?? null,
          flowId: click?.flowId ?? null,
          shortLinkId: click?.shortLinkId ?? null,
          clickedAt: click?.clickedAt ?? null,
          requestHash,
        })
        .onConflictDoNothing({ target: [conversions.tenantId, conversions.orderId] })
        .returning();
      if (!inserted) {
        // The same order arrived twice at once; the first one recorded it.
        const winner = await findByOrder(db, tenantId, body.order_id);
        if (!winner) throw new ApiError('INTERNAL', 'The order could not be recorded.');
        return replayOrConflict(c, winner, requestHash);
      }
      await auditRow(c, {
        action: 'conversion.recorded',
        resourceType: 'conversion',
        resourceId: id,
        metadata: {
          order_id: body.order_id,
          value_cents: body.value_cents,
          currency: body.currency,
          status,
          campaign_id: click?.campaignId ?? null,
        },
      });
      const json = conversionJson(inserted);
      if (click) {
        try {
          await emitEvent(c.env, tenantId, 'conversion.attributed', { conversion: json });
        } catch (err) {
          console.error('conversion.attributed not emitted', id, err);
        }
      }
      return c.json(json, contactId ? 201 : 202);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/conversions',
      tags: ['Conversions'],
      request: { query: ConversionQuery },
      responses: {
        200: jsonResponse(page(ConversionSchema), 'Conversions, newest first'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const p = await newestFirst(
        c.get('db'),
        conversions,
        { tenantId: c.get('principal').tenantId, cursor: q.cursor, limit: q.limit },
        q.campaign_id ? eq(conversions.campaignId, q.campaign_id) : undefined,
        q.contact_id ? eq(conversions.contactId, q.contact_id) : undefined,
        q.status ? eq(conversions.status, q.status) : undefined,
      );
      return c.json({ data: p.data.map(conversionJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/conversions/summary',
      tags: ['Conversions'],
      request: {
        query: z.object({
          month: z
            .string()
            .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM')
            .optional()
            .openapi({ description: 'A calendar month in the tenant’s timezone; default this month' }),
        }),
      },
      responses: {
        200: jsonResponse(SummarySchema, 'Revenue of a month (tenant timezone)'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { tenantId } = c.get('principal');
      const tenant = await c.get('control').query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
      if (!tenant) throw notFound('Tenant');
      const month = c.req.valid('query').month ?? localMonth(new Date(), tenant.timezone);
      // The middle of the month is inside it in every timezone.
      const range = localMonthRange(new Date(`${month}-15T12:00:00Z`), tenant.timezone);
      const totals = await periodRevenue(c.get('db'), {
        tenantId,
        from: range.start,
        to: range.end,
        currency: tenant.currency,
      });
      return c.json(
        {
          month,
          timezone: tenant.timezone,
          from: range.start.toISOString(),
          to: range.end.toISOString(),
          ...totals,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/conversions/{id}',
      tags: ['Conversions'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(ConversionSchema, 'A conversion'), ...errorResponses },
    }),
    async (c) => {
      const r = await c.get('db').query.conversions.findFirst({
        where: and(
          eq(conversions.id, c.req.valid('param').id),
          eq(conversions.tenantId, c.get('principal').tenantId),
        ),
      });
      if (!r) throw notFound('Conversion');
      return c.json(conversionJson(r), 200);
    },
  );
