import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { suppressionRules } from '../db/schema';
import { auditRow, diff } from '../http/audit';
import { notFound } from '../http/errors';
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

const RuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    window_days: z.number().int(),
    is_active: z.boolean(),
    expires_at: z.string().nullable(),
    /** Active and not expired now: the rule currently suppresses contacts. */
    in_effect: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('SuppressionRule');

const RuleCreate = z
  .object({
    name: z.string().trim().min(1).max(120),
    window_days: z.number().int().min(1).max(3650).default(90),
    is_active: z.boolean().default(true),
    // Normalised to UTC so the stored value compares correctly as text with other ISO timestamps.
    expires_at: z.iso
      .datetime({ offset: true })
      .transform((s) => new Date(s).toISOString())
      .nullable()
      .optional(),
  })
  .strict();

const RulePatch = z
  .object({
    name: z.string().trim().min(1).max(120),
    window_days: z.number().int().min(1).max(3650),
    is_active: z.boolean(),
    expires_at: z.iso
      .datetime({ offset: true })
      .transform((s) => new Date(s).toISOString())
      .nullable(),
  })
  .partial()
  .strict();

type RuleRow = typeof suppressionRules.$inferSelect;
const ruleJson = (r: RuleRow, now = new Date()): z.infer<typeof RuleSchema> => ({
  id: r.id,
  name: r.name,
  window_days: r.windowDays,
  is_active: r.isActive,
  expires_at: r.expiresAt,
  in_effect: r.isActive && (r.expiresAt === null || Date.parse(r.expiresAt) > now.getTime()),
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

async function findRule(db: import('../db/client').Db, tenantId: string, id: string) {
  const r = await db.query.suppressionRules.findFirst({
    where: and(eq(suppressionRules.id, id), eq(suppressionRules.tenantId, tenantId)),
  });
  if (!r) throw notFound('Suppression rule');
  return r;
}

export const suppressionRuleRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/suppression-rules',
      tags: ['Suppression rules'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(RuleSchema), 'Rules, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('db'), suppressionRules, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map((r) => ruleJson(r)), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/suppression-rules',
      tags: ['Suppression rules'],
      request: { body: jsonBody(RuleCreate) },
      responses: { 201: jsonResponse(RuleSchema, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const body = c.req.valid('json');
      const id = uuidv7();
      const [[created]] = await db.batch([
        db
          .insert(suppressionRules)
          .values({
            id,
            tenantId: c.get('principal').tenantId,
            name: body.name,
            windowDays: body.window_days,
            isActive: body.is_active,
            expiresAt: body.expires_at ?? null,
          })
          .returning(),
        auditRow(c, {
          action: 'suppression_rule.created',
          resourceType: 'suppression_rule',
          resourceId: id,
          metadata: {
            name: body.name,
            window_days: body.window_days,
            is_active: body.is_active,
            expires_at: body.expires_at ?? null,
          },
        }),
      ]);
      return c.json(ruleJson(created!), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/suppression-rules/{id}',
      tags: ['Suppression rules'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(RuleSchema, 'A rule'), ...errorResponses },
    }),
    async (c) => {
      const r = await findRule(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(ruleJson(r), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/suppression-rules/{id}',
      tags: ['Suppression rules'],
      request: { params: IdParam, body: jsonBody(RulePatch) },
      responses: { 200: jsonResponse(RuleSchema, 'The updated rule'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findRule(db, tenantId, id);
      const [[after]] = await db.batch([
        db
          .update(suppressionRules)
          .set({
            name: body.name,
            windowDays: body.window_days,
            isActive: body.is_active,
            expiresAt: body.expires_at,
            updatedAt: nowIso(),
          })
          .where(and(eq(suppressionRules.id, id), eq(suppressionRules.tenantId, tenantId)))
          .returning(),
        auditRow(c, {
          action: 'suppression_rule.updated',
          resourceType: 'suppression_rule',
          resourceId: id,
          metadata: { changes: diff(ruleJson(before), body) },
        }),
      ]);
      return c.json(ruleJson(after!), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/suppression-rules/{id}',
      tags: ['Suppression rules'],
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findRule(db, tenantId, id);
      await db.batch([
        db
          .delete(suppressionRules)
          .where(and(eq(suppressionRules.id, id), eq(suppressionRules.tenantId, tenantId))),
        auditRow(c, {
          action: 'suppression_rule.deleted',
          resourceType: 'suppression_rule',
          resourceId: id,
          metadata: { name: before.name, window_days: before.windowDays },
        }),
      ]);
      return c.body(null, 204);
    },
  );
