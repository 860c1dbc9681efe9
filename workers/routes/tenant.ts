import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { nowIso } from '../db/client';
import { replicateTenant } from '../db/replicate';
import { budgets, sendingNumbers, tenants } from '../db/schema';
import { audit, diff } from '../http/audit';
import { requireRole } from '../http/auth-middleware';
import { notFound } from '../http/errors';
import { createRouter, errorResponses, jsonBody, jsonResponse, TimeZone } from '../http/router';
import { numberConfig } from './sending-numbers';

export const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    country: z.string(),
    is_paused: z.boolean(),
    paused_reason: z.string().nullable(),
    daily_budget_cents: z.number().int().nullable(),
    monthly_budget_cents: z.number().int().nullable(),
    allow_unknown_consent: z.boolean(),
    append_opt_out_footer: z.boolean(),
    sender_name: z.string().nullable(),
    help_reply: z.string().nullable(),
    opt_out_reply: z.string().nullable(),
    opt_in_reply: z.string().nullable(),
    /** Revenue attribution: a conversion counts for the last human click within this many days. */
    attribution_window_days: z.number().int(),
    /** The currency revenue figures are reported in (ISO 4217). */
    currency: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Tenant');

const TenantPatch = z
  .object({
    name: z.string().trim().min(1).max(120),
    timezone: TimeZone,
    country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code, e.g. AU'),
    is_paused: z.boolean(),
    paused_reason: z.string().max(500).nullable(),
    daily_budget_cents: z.number().int().min(0).nullable(),
    monthly_budget_cents: z.number().int().min(0).nullable(),
    allow_unknown_consent: z.boolean(),
    append_opt_out_footer: z.boolean(),
    sender_name: z.string().trim().max(60).nullable(),
    help_reply: z.string().max(480).nullable(),
    opt_out_reply: z.string().max(480).nullable(),
    opt_in_reply: z.string().max(480).nullable(),
    attribution_window_days: z.number().int().min(1).max(90),
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. AUD'),
  })
  .partial()
  .strict();

type TenantRow = typeof tenants.$inferSelect;

export function tenantJson(t: TenantRow): z.infer<typeof TenantSchema> {
  return {
    id: t.id,
    name: t.name,
    timezone: t.timezone,
    country: t.country,
    is_paused: t.isPaused,
    paused_reason: t.pausedReason,
    daily_budget_cents: t.dailyBudgetCents,
    monthly_budget_cents: t.monthlyBudgetCents,
    allow_unknown_consent: t.allowUnknownConsent,
    append_opt_out_footer: t.appendOptOutFooter,
    sender_name: t.senderName,
    help_reply: t.helpReply,
    opt_out_reply: t.optOutReply,
    opt_in_reply: t.optInReply,
    attribution_window_days: t.attributionWindowDays,
    currency: t.currency,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

const BudgetSchema = z
  .object({
    daily_spent_cents: z.number().int(),
    monthly_spent_cents: z.number().int(),
    daily_budget_cents: z.number().int().nullable(),
    monthly_budget_cents: z.number().int().nullable(),
    daily_reset_at: z.string().nullable(),
    monthly_reset_at: z.string().nullable(),
  })
  .openapi('Budget');

export const tenantRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenant',
      tags: ['Tenant'],
      responses: { 200: jsonResponse(TenantSchema, 'The caller’s tenant'), ...errorResponses },
    }),
    async (c) => {
      const t = await c
        .get('control')
        .query.tenants.findFirst({ where: eq(tenants.id, c.get('principal').tenantId) });
      if (!t) throw notFound('Tenant');
      return c.json(tenantJson(t), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/tenant',
      tags: ['Tenant'],
      middleware: [requireRole('admin')] as const,
      request: { body: jsonBody(TenantPatch) },
      responses: { 200: jsonResponse(TenantSchema, 'The updated tenant'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('control');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const before = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
      if (!before) throw notFound('Tenant');
      const patch = {
        name: body.name,
        timezone: body.timezone,
        country: body.country,
        isPaused: body.is_paused,
        pausedReason: body.is_paused === false ? null : body.paused_reason,
        dailyBudgetCents: body.daily_budget_cents,
        monthlyBudgetCents: body.monthly_budget_cents,
        allowUnknownConsent: body.allow_unknown_consent,
        appendOptOutFooter: body.append_opt_out_footer,
        senderName: body.sender_name,
        helpReply: body.help_reply,
        optOutReply: body.opt_out_reply,
        optInReply: body.opt_in_reply,
        attributionWindowDays: body.attribution_window_days,
        currency: body.currency,
      };
      const [after] = await db
        .update(tenants)
        .set({ ...patch, updatedAt: nowIso() })
        .where(eq(tenants.id, tenantId))
        .returning();
      if (!after) throw notFound('Tenant');
      // The shard's copy backs the send path's in-transaction kill-switch check and its reports.
      await replicateTenant(c.env, tenantId, { tenant: true });
      // The governor holds the live kill switch and budgets; tell it before answering.
      await c.env.TENANT_GOVERNOR.getByName(tenantId).configure({
        tenantId,
        timezone: after.timezone,
        isPaused: after.isPaused,
        dailyBudgetCents: after.dailyBudgetCents,
        monthlyBudgetCents: after.monthlyBudgetCents,
      });
      // Sending numbers count their days in the tenant's timezone: move them with it.
      if (after.timezone !== before.timezone) {
        const numbers = await db.select().from(sendingNumbers).where(eq(sendingNumbers.tenantId, tenantId));
        await Promise.all(
          numbers.map((n) => c.env.SENDING_NUMBER.getByName(n.id).configure(numberConfig(n, after.timezone))),
        );
      }
      const changes = diff(tenantJson(before), body);
      const action =
        body.is_paused !== undefined && body.is_paused !== before.isPaused
          ? body.is_paused
            ? 'tenant.paused'
            : 'tenant.resumed'
          : 'tenant.updated';
      await audit(c, { action, resourceType: 'tenant', resourceId: tenantId, metadata: { changes } });
      return c.json(tenantJson(after), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/budget',
      tags: ['Tenant'],
      responses: { 200: jsonResponse(BudgetSchema, 'Spend against the budgets'), ...errorResponses },
    }),
    async (c) => {
      const { tenantId } = c.get('principal');
      const [t, b] = await Promise.all([
        c.get('control').query.tenants.findFirst({ where: eq(tenants.id, tenantId) }),
        c.get('db').query.budgets.findFirst({ where: eq(budgets.tenantId, tenantId) }),
      ]);
      if (!t) throw notFound('Tenant');
      return c.json(
        {
          daily_spent_cents: b?.dailySpentCents ?? 0,
          monthly_spent_cents: b?.monthlySpentCents ?? 0,
          daily_budget_cents: t.dailyBudgetCents,
          monthly_budget_cents: t.monthlyBudgetCents,
          daily_reset_at: b?.dailyResetAt ?? null,
          monthly_reset_at: b?.monthlyResetAt ?? null,
        },
        200,
      );
    },
  );
