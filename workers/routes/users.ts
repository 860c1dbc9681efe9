import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { replicateTenant } from '../db/replicate';
import { ROLES, sessions, users } from '../db/schema';
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

const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    is_active: z.boolean(),
    last_login_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('User');

const UserCreate = z.object({ email: z.email().max(254), role: z.enum(ROLES) }).strict();
const UserPatch = z
  .object({ role: z.enum(ROLES), is_active: z.boolean() })
  .partial()
  .strict();

type UserRow = typeof users.$inferSelect;
const userJson = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  role: u.role,
  is_active: u.isActive,
  last_login_at: u.lastLoginAt,
  created_at: u.createdAt,
  updated_at: u.updatedAt,
});

/** Admin-only (mounted behind requireRole('admin')). */
export const userRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/users',
      tags: ['Users'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(UserSchema), 'Users of the tenant'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('control'), users, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map(userJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users',
      tags: ['Users'],
      request: { body: jsonBody(UserCreate) },
      responses: {
        201: jsonResponse(UserSchema, 'Invited; they sign in with a magic link'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('control');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const email = body.email.trim().toLowerCase();
      const existing = await db.query.users.findFirst({ where: eq(users.email, email) });
      if (existing) throw new ApiError('CONFLICT', 'A user with this email already exists.');
      const id = uuidv7();
      const [created] = await db.insert(users).values({ id, tenantId, email, role: body.role }).returning();
      await replicateTenant(c.env, tenantId, { users: true });
      await audit(c, {
        action: 'user.invited',
        resourceType: 'user',
        resourceId: id,
        metadata: { email, role: body.role },
      });
      return c.json(userJson(created!), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/users/{id}',
      tags: ['Users'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(UserSchema, 'A user'), ...errorResponses },
    }),
    async (c) => {
      const u = await findUser(c.get('control'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(userJson(u), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}',
      tags: ['Users'],
      request: { params: IdParam, body: jsonBody(UserPatch) },
      responses: { 200: jsonResponse(UserSchema, 'The updated user'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('control');
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findUser(db, principal.tenantId, id);
      if (
        id === principal.userId &&
        ((body.role !== undefined && body.role !== 'admin') || body.is_active === false)
      ) {
        throw new ApiError('CONFLICT', 'You cannot demote or deactivate yourself; ask another admin.');
      }
      const update = db
        .update(users)
        .set({ role: body.role, isActive: body.is_active, updatedAt: nowIso() })
        .where(and(eq(users.id, id), eq(users.tenantId, principal.tenantId)))
        .returning();
      // A deactivated user's sessions end at once.
      const [[after]] =
        body.is_active === false
          ? await db.batch([update, db.delete(sessions).where(eq(sessions.userId, id))])
          : await db.batch([update]);
      await replicateTenant(c.env, principal.tenantId, { users: true });
      await audit(c, {
        action: body.is_active === false ? 'user.deactivated' : 'user.updated',
        resourceType: 'user',
        resourceId: id,
        metadata: { changes: diff(userJson(before), body) },
      });
      return c.json(userJson(after!), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/users/{id}',
      tags: ['Users'],
      request: { params: IdParam },
      responses: { 204: { description: 'Removed' }, ...errorResponses },
    }),
    async (c) => {
      const db = c.get('control');
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findUser(db, principal.tenantId, id);
      if (id === principal.userId)
        throw new ApiError('CONFLICT', 'You cannot remove yourself; ask another admin.');
      await db.delete(users).where(and(eq(users.id, id), eq(users.tenantId, principal.tenantId)));
      await replicateTenant(c.env, principal.tenantId, { users: true });
      await audit(c, {
        action: 'user.deleted',
        resourceType: 'user',
        resourceId: id,
        metadata: { email: before.email },
      });
      return c.body(null, 204);
    },
  );

async function findUser(db: import('../db/client').Db, tenantId: string, id: string) {
  const u = await db.query.users.findFirst({ where: and(eq(users.id, id), eq(users.tenantId, tenantId)) });
  if (!u) throw notFound('User');
  return u;
}
