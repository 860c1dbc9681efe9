// Operator endpoints, mounted at /ops/v1, for `npm run ops` (workers/cli/ops.mjs). They do what
// only the Worker can: send the first admin's invitation (the email binding or Resend), and tell
// the TenantGovernor Durable Object about the kill switch. Authenticated with the OPS_TOKEN
// secret as a Bearer token; without that secret (or with one too short to be a real secret) the
// routes do not exist (404), so a deployment never exposes them by accident.
import { and, asc, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { replicateTenant } from '../db/replicate';
import { auditLog, tenants, users } from '../db/schema';
import { MOVING_SHARD, shardOf } from '../db/shards';
import type { AppEnv } from '../http/context';
import { ApiError, fieldErrors, problem, problemResponse } from '../http/errors';
import { sha256Hex, timingSafeEqual } from '../lib/crypto';
import { isDevelopment } from '../providers/email';
import { replayParkedWebhooks } from '../webhooks/parked';
import { tenantJson } from './tenant';
import { sendInvitation } from './users';

/** `setup` generates 32 random bytes (43 characters); anything much shorter is not a secret. */
export const MIN_OPS_TOKEN_LENGTH = 32;
let warnedWeakToken = false;

type TenantRow = typeof tenants.$inferSelect;

const TenantParam = z.object({ id: z.uuid() });
const PauseBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
const InvitationBody = z.object({ email: z.email().max(254).optional() }).strict();

function notFound(c: Context<AppEnv>) {
  return problemResponse(problem('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`));
}

async function readJson<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim()) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError('BAD_REQUEST', 'The body is not JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ApiError('VALIDATION', 'The request has invalid fields.', {
      errors: fieldErrors(parsed.error.issues),
    });
  }
  return parsed.data;
}

function tenantId(c: Context<AppEnv>): string {
  const parsed = TenantParam.safeParse({ id: c.req.param('id') });
  if (!parsed.success) throw new ApiError('NOT_FOUND', 'No such tenant.');
  return parsed.data.id;
}

async function findTenant(c: Context<AppEnv>, id: string): Promise<TenantRow> {
  const t = await c.get('control').query.tenants.findFirst({ where: eq(tenants.id, id) });
  if (!t) throw new ApiError('NOT_FOUND', `No tenant ${id}.`);
  return t;
}

function refuseWhileMoving(t: TenantRow, what: string) {
  const m = MOVING_SHARD.exec(t.shard);
  if (m) {
    throw new ApiError(
      'CONFLICT',
      `Tenant ${t.id} is being moved from ${m[1]} to ${m[2]}: finish the move (npm run ops -- tenant move ${t.id} --to ${m[2]}) before you ${what}.`,
    );
  }
}

/** The governor holds the live kill switch and budgets; it learns the control row's values. */
async function tellGovernor(env: Env, t: TenantRow) {
  await env.TENANT_GOVERNOR.getByName(t.id).configure({
    tenantId: t.id,
    timezone: t.timezone,
    isPaused: t.isPaused,
    dailyBudgetCents: t.dailyBudgetCents,
    monthlyBudgetCents: t.monthlyBudgetCents,
  });
}

/** An audit row on the tenant's shard for something the operator did (no user, no API key). */
async function auditOperator(
  env: Env,
  id: string,
  entry: { action: string; resourceType: string; resourceId: string; metadata: Record<string, unknown> },
) {
  const { db } = await shardOf(env, id);
  await db.insert(auditLog).values({
    id: uuidv7(),
    tenantId: id,
    userId: null,
    apiKeyId: null,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    metadata: { ...entry.metadata, via: 'operator' },
  });
}

/** Applies every parked webhook of the tenant (a page at a time). */
async function replayAll(c: Context<AppEnv>, id: string) {
  let replayed = 0;
  for (;;) {
    const r = await replayParkedWebhooks(c.env, c.get('control'), id);
    replayed += r.replayed;
    if (!r.more) return replayed;
  }
}

async function setPaused(c: Context<AppEnv>, paused: boolean, reason: string | undefined) {
  const id = tenantId(c);
  const before = await findTenant(c, id);
  refuseWhileMoving(before, paused ? 'pause it' : 'resume it');
  // Webhooks parked during a move are applied before sending can start again (a STOP among them).
  const replayed = paused ? 0 : await replayAll(c, id);
  const pausedReason = paused ? (reason ?? before.pausedReason ?? 'Paused by the operator') : null;
  const changed = before.isPaused !== paused || before.pausedReason !== pausedReason;
  const [after] = await c
    .get('control')
    .update(tenants)
    .set({ isPaused: paused, pausedReason, updatedAt: changed ? nowIso() : before.updatedAt })
    .where(eq(tenants.id, id))
    .returning();
  if (!after) throw new ApiError('NOT_FOUND', `No tenant ${id}.`);
  // Always copied and told, even when nothing changed: running the command again repairs a copy
  // or a governor that missed an earlier change.
  await replicateTenant(c.env, id, { tenant: true });
  await tellGovernor(c.env, after);
  if (changed) {
    await auditOperator(c.env, id, {
      action: paused ? 'tenant.paused' : 'tenant.resumed',
      resourceType: 'tenant',
      resourceId: id,
      metadata: {
        changes: {
          is_paused: { from: before.isPaused, to: paused },
          paused_reason: { from: before.pausedReason, to: pausedReason },
        },
      },
    });
  }
  return c.json({ tenant: tenantJson(after), changed, governor: 'told', parked_webhooks_replayed: replayed });
}

export const opsRoutes = new Hono<AppEnv>()
  .use('*', async (c, next) => {
    const configured = (c.env.OPS_TOKEN ?? '').trim();
    if (configured.length < MIN_OPS_TOKEN_LENGTH) {
      if (configured && !warnedWeakToken) {
        warnedWeakToken = true;
        console.error(
          `OPS_TOKEN is shorter than ${MIN_OPS_TOKEN_LENGTH} characters, so the operator endpoints stay off: put a random one (npm run setup generates it).`,
        );
      }
      return notFound(c);
    }
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    // Both sides hashed first: equal lengths, so the comparison time says nothing about the token.
    const ok =
      match?.[1] !== undefined && timingSafeEqual(await sha256Hex(match[1]), await sha256Hex(configured));
    if (!ok) {
      console.warn(JSON.stringify({ counter: 'ops_token_rejected', path: c.req.path }));
      throw new ApiError('UNAUTHENTICATED', 'Send the OPS_TOKEN secret as a Bearer token.');
    }
    return next();
  })
  .get('/ping', (c) => c.json({ ok: true, environment: c.env.ENVIRONMENT }))
  .post('/tenants/:id/invitation', async (c) => {
    const id = tenantId(c);
    const body = await readJson(c, InvitationBody);
    await findTenant(c, id);
    const control = c.get('control');
    const user = body.email
      ? await control.query.users.findFirst({
          where: and(eq(users.tenantId, id), eq(users.email, body.email.trim().toLowerCase())),
        })
      : await control.query.users.findFirst({
          where: and(eq(users.tenantId, id), eq(users.role, 'admin'), eq(users.isActive, true)),
          orderBy: [asc(users.createdAt), asc(users.id)],
        });
    if (!user) {
      throw new ApiError(
        'NOT_FOUND',
        body.email ? `${body.email} is not a user of tenant ${id}.` : `Tenant ${id} has no active admin.`,
      );
    }
    if (!user.isActive) throw new ApiError('CONFLICT', `${user.email} is deactivated.`);
    const invitation = await sendInvitation(c, user);
    await auditOperator(c.env, id, {
      action: 'user.invited',
      resourceType: 'user',
      resourceId: user.id,
      metadata: { email: user.email, role: user.role, invitation: invitation.delivery },
    });
    const result = {
      user_id: user.id,
      email: user.email,
      ...invitation,
      // Local runs keep every email in the outbox (GET /dev/outbox), where the CLI finds the link.
      outbox: isDevelopment(c.env),
    };
    if (invitation.delivery === 'sent') return c.json(result, 202);
    throw new ApiError(
      invitation.delivery === 'not_configured' ? 'UNAVAILABLE' : 'BAD_GATEWAY',
      `The invitation email was not sent: ${invitation.detail}.`,
      { extra: result },
    );
  })
  .post('/tenants/:id/pause', async (c) => {
    const body = await readJson(c, PauseBody);
    return setPaused(c, true, body.reason);
  })
  .post('/tenants/:id/resume', async (c) => {
    await readJson(c, z.object({}).strict());
    return setPaused(c, false, undefined);
  })
  .post('/tenants/:id/sync', async (c) => {
    const id = tenantId(c);
    const t = await findTenant(c, id);
    refuseWhileMoving(t, 'sync it');
    await replicateTenant(c.env, id);
    await tellGovernor(c.env, t);
    return c.json({ tenant_id: id, shard: t.shard, copied: true, governor: 'told' });
  })
  .post('/tenants/:id/parked-webhooks/replay', async (c) => {
    const id = tenantId(c);
    const t = await findTenant(c, id);
    refuseWhileMoving(t, 'replay its parked webhooks');
    return c.json({ tenant_id: id, replayed: await replayAll(c, id) });
  });
