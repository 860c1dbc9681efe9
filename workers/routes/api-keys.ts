import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { newApiKey } from '../auth/session';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { apiKeys, ROLES } from '../db/schema';
import { audit } from '../http/audit';
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
import { sha256Hex } from '../lib/crypto';

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('ApiKey');

const ApiKeyCreate = z.object({ name: z.string().trim().min(1).max(80), role: z.enum(ROLES) }).strict();

type Row = typeof apiKeys.$inferSelect;
const keyJson = (k: Row) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  prefix: k.prefix,
  last_used_at: k.lastUsedAt,
  revoked_at: k.revokedAt,
  created_at: k.createdAt,
});

/** Admin-only (mounted behind requireRole('admin')). */
export const apiKeyRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api-keys',
      tags: ['API keys'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(ApiKeySchema), 'Keys (never their secret)'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('control'), apiKeys, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map(keyJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api-keys',
      tags: ['API keys'],
      request: { body: jsonBody(ApiKeyCreate) },
      responses: {
        201: jsonResponse(ApiKeySchema.extend({ key: z.string() }), 'The key, shown this once'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('control');
      const body = c.req.valid('json');
      const key = newApiKey();
      const id = uuidv7();
      const [created] = await db
        .insert(apiKeys)
        .values({
          id,
          tenantId: c.get('principal').tenantId,
          createdBy: c.get('principal').userId,
          name: body.name,
          role: body.role,
          keyHash: await sha256Hex(key),
          prefix: key.slice(0, 10),
        })
        .returning();
      await audit(c, { action: 'api_key.created', resourceType: 'api_key', resourceId: id, metadata: body });
      return c.json({ ...keyJson(created!), key }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api-keys/{id}',
      tags: ['API keys'],
      request: { params: IdParam },
      responses: { 204: { description: 'Revoked' }, ...errorResponses },
    }),
    async (c) => {
      const db = c.get('control');
      const { id } = c.req.valid('param');
      const { tenantId } = c.get('principal');
      const existing = await db.query.apiKeys.findFirst({
        where: and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId)),
      });
      if (!existing) throw notFound('API key');
      await db
        .update(apiKeys)
        .set({ revokedAt: nowIso() })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId)));
      await audit(c, {
        action: 'api_key.revoked',
        resourceType: 'api_key',
        resourceId: id,
        metadata: { name: existing.name },
      });
      return c.body(null, 204);
    },
  );
