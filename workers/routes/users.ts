import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { allowAttempt } from '../auth/rate-limit';
import { INVITATION_TTL_MS, issueSignInLink, retireOtherSignInLinks } from '../auth/sign-in-link';
import { type Db, nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { replicateTenant } from '../db/replicate';
import { ROLES, sessions, tenants, users } from '../db/schema';
import { audit, diff } from '../http/audit';
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
import { DEFAULT_FROM_NAME, type DeliveryOutcome, deliverEmail } from '../providers/email';
import { invitationEmail } from '../providers/email-messages';

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

const InvitationSchema = z
  .object({
    delivery: z
      .enum(['sent', 'failed', 'not_configured'])
      .openapi({ description: 'Whether the email provider accepted the invitation email' }),
    expires_at: z.string().openapi({ description: 'The invitation link works once, until then' }),
    detail: z.string().nullable().openapi({ description: 'Why it was not sent (no address, no link)' }),
  })
  .openapi('Invitation');
const UserCreated = UserSchema.extend({ invitation: InvitationSchema }).openapi('UserCreated');

/** Invitation emails per tenant per hour (create and resend): an admin cannot turn us into a spam cannon. */
const INVITES_PER_TENANT = { limit: 50, windowSeconds: 60 * 60 };
/** Resends per user per hour: enough for "it went to spam", not for flooding one inbox. */
const RESENDS_PER_USER = { limit: 5, windowSeconds: 60 * 60 };

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
      description:
        'Adds a user and emails them an invitation: a sign-in link that works once, within 7 days. ' +
        '`invitation.delivery` says whether the email provider accepted it; the user exists either way.',
      request: { body: jsonBody(UserCreate) },
      responses: {
        201: jsonResponse(UserCreated, 'Invited; they sign in with the link in the invitation email'),
        409: errorResponses[422],
        429: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const control = c.get('control');
      const tenantId = c.get('principal').tenantId;
      const body = c.req.valid('json');
      const email = body.email.trim().toLowerCase();
      const existing = await control.query.users.findFirst({ where: eq(users.email, email) });
      if (existing) throw new ApiError('CONFLICT', 'A user with this email already exists.');
      await limitInvitations(control, tenantId);
      const [created] = await control
        .insert(users)
        .values({ id: uuidv7(), tenantId, email, role: body.role })
        .returning();
      // The shard's copy backs the audit trail's foreign key.
      await replicateTenant(c.env, tenantId, { users: true });
      const invitation = await sendInvitation(c, created!);
      await audit(c, {
        action: 'user.invited',
        resourceType: 'user',
        resourceId: created!.id,
        metadata: { email, role: body.role, invitation: invitation.delivery },
      });
      return c.json({ ...userJson(created!), invitation }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users/{id}/invitation',
      tags: ['Users'],
      description:
        'Emails the user a new invitation (a sign-in link valid once, within 7 days); links sent before stop working. ' +
        'At most 5 per user and 50 per tenant an hour.',
      request: { params: IdParam },
      responses: {
        202: jsonResponse(InvitationSchema, 'The email provider accepted the invitation'),
        409: errorResponses[422],
        429: errorResponses[422],
        502: errorResponses[422],
        503: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const control = c.get('control');
      const tenantId = c.get('principal').tenantId;
      const user = await findUser(control, tenantId, c.req.valid('param').id);
      if (!user.isActive) {
        throw new ApiError(
          'CONFLICT',
          `${user.email} is deactivated: reactivate them before sending an invitation.`,
        );
      }
      const perUser = await allowAttempt(
        control,
        `invite:user:${user.id}`,
        RESENDS_PER_USER.limit,
        RESENDS_PER_USER.windowSeconds,
      );
      if (!perUser) {
        throw new ApiError(
          'RATE_LIMITED',
          `${user.email} was sent ${RESENDS_PER_USER.limit} invitations in the last hour. Ask them to check their spam folder, then try again later.`,
        );
      }
      await limitInvitations(control, tenantId);
      const invitation = await sendInvitation(c, user);
      await audit(c, {
        action: 'user.invitation_resent',
        resourceType: 'user',
        resourceId: user.id,
        metadata: { email: user.email, invitation: invitation.delivery },
      });
      if (invitation.delivery === 'not_configured') {
        throw new ApiError(
          'UNAVAILABLE',
          `Email is not set up on this deployment, so the invitation was not sent. Ask the operator to fix it: ${invitation.detail}.`,
        );
      }
      if (invitation.delivery === 'failed') {
        throw new ApiError(
          'BAD_GATEWAY',
          `The email provider did not accept the invitation (${invitation.detail}). Try again in a few minutes.`,
        );
      }
      return c.json(invitation, 202);
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
      const control = c.get('control');
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findUser(control, principal.tenantId, id);
      if (
        id === principal.userId &&
        ((body.role !== undefined && body.role !== 'admin') || body.is_active === false)
      ) {
        throw new ApiError('CONFLICT', 'You cannot demote or deactivate yourself; ask another admin.');
      }
      const update = control
        .update(users)
        .set({ role: body.role, isActive: body.is_active, updatedAt: nowIso() })
        .where(and(eq(users.id, id), eq(users.tenantId, principal.tenantId)))
        .returning();
      // A deactivated user's sessions end at once (users and sessions share the control database).
      const [after] =
        body.is_active === false
          ? (await control.batch([update, control.delete(sessions).where(eq(sessions.userId, id))]))[0]
          : await update;
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
      const control = c.get('control');
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findUser(control, principal.tenantId, id);
      if (id === principal.userId)
        throw new ApiError('CONFLICT', 'You cannot remove yourself; ask another admin.');
      await control.delete(users).where(and(eq(users.id, id), eq(users.tenantId, principal.tenantId)));
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

async function findUser(control: Db, tenantId: string, id: string) {
  const u = await control.query.users.findFirst({
    where: and(eq(users.id, id), eq(users.tenantId, tenantId)),
  });
  if (!u) throw notFound('User');
  return u;
}

async function limitInvitations(control: Db, tenantId: string) {
  const ok = await allowAttempt(
    control,
    `invite:tenant:${tenantId}`,
    INVITES_PER_TENANT.limit,
    INVITES_PER_TENANT.windowSeconds,
  );
  if (!ok) {
    throw new ApiError(
      'RATE_LIMITED',
      `This team sent ${INVITES_PER_TENANT.limit} invitations in the last hour. Try again later.`,
    );
  }
}

type Invitation = { delivery: DeliveryOutcome['status']; expires_at: string; detail: string | null };

/**
 * Emails the user a fresh invitation link and, once the provider took it, retires the links sent
 * before (so a failed resend never leaves the user with no working link). Never throws on a
 * provider failure: the outcome says what happened.
 */
export async function sendInvitation(c: Context<AppEnv>, user: UserRow): Promise<Invitation> {
  const control = c.get('control');
  const [tenant] = await control
    .select({ name: tenants.name })
    .from(tenants)
    .where(eq(tenants.id, user.tenantId));
  const { id, link, expiresAt } = await issueSignInLink(control, c.env, user.id, INVITATION_TTL_MS);
  const message = invitationEmail({
    appName: c.env.EMAIL_FROM_NAME?.trim() || DEFAULT_FROM_NAME,
    tenantName: tenant?.name ?? 'your team',
    role: user.role,
    link,
    validForMs: INVITATION_TTL_MS,
  });
  const outcome = await deliverEmail(c.env, control, {
    ...message,
    to: user.email,
    kind: 'invitation',
    link,
  });
  if (outcome.status === 'sent') await retireOtherSignInLinks(control, user.id, id);
  return {
    delivery: outcome.status,
    expires_at: expiresAt,
    detail: outcome.status === 'sent' ? null : outcome.detail,
  };
}
