import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { ROLES, tenants, users } from '../db/schema';
import { notFound } from '../http/errors';
import { createRouter, errorResponses, jsonResponse } from '../http/router';

const MeSchema = z
  .object({
    user: z.object({ id: z.string().nullable(), email: z.string().nullable(), role: z.enum(ROLES) }),
    tenant: z.object({ id: z.string(), name: z.string(), timezone: z.string() }),
    via: z.enum(['session', 'api_key']),
  })
  .openapi('Me');

export const meRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/me',
    tags: ['Tenant'],
    responses: { 200: jsonResponse(MeSchema, 'Who is calling'), ...errorResponses },
  }),
  async (c) => {
    const db = c.get('control');
    const p = c.get('principal');
    const [tenant, user] = await Promise.all([
      db.query.tenants.findFirst({ where: eq(tenants.id, p.tenantId) }),
      p.userId ? db.query.users.findFirst({ where: eq(users.id, p.userId) }) : undefined,
    ]);
    if (!tenant) throw notFound('Tenant');
    return c.json(
      {
        user: { id: p.userId, email: user?.email ?? null, role: p.role },
        tenant: { id: tenant.id, name: tenant.name, timezone: tenant.timezone },
        via: p.via,
      },
      200,
    );
  },
);
