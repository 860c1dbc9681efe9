import { z } from '@hono/zod-openapi';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { allowAttempt } from '../auth/rate-limit';
import {
  createSession,
  endSession,
  principalFromSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
} from '../auth/session';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { auditLog, magicTokens, users } from '../db/schema';
import { tenantDb } from '../db/shards';
import type { AppEnv } from '../http/context';
import { ApiError, fieldErrors } from '../http/errors';
import { htmlPage } from '../http/html';
import { randomToken, sha256Hex } from '../lib/crypto';
import { emailSenderFor, isDevelopment } from '../providers/email';

export const MAGIC_TOKEN_TTL_MS = 15 * 60 * 1000;
const PER_EMAIL = { limit: 5, windowSeconds: 15 * 60 };
const PER_IP = { limit: 30, windowSeconds: 15 * 60 };

const MagicLinkBody = z.object({ email: z.email().max(254) });

export const authRoutes = new Hono<AppEnv>()
  .post('/magic-link', async (c) => {
    const raw = await c.req.json().catch(() => {
      throw new ApiError('BAD_REQUEST', 'The body must be JSON: {"email": "..."}.');
    });
    const parsed = MagicLinkBody.safeParse(raw);
    if (!parsed.success) {
      throw new ApiError('VALIDATION', 'Enter a valid email address.', {
        errors: fieldErrors(parsed.error.issues),
      });
    }
    const email = parsed.data.email.trim().toLowerCase();
    const db = c.get('control');
    const ip = c.req.header('cf-connecting-ip') ?? 'local';
    const [ipOk, emailOk] = await Promise.all([
      allowAttempt(db, `login:ip:${ip}`, PER_IP.limit, PER_IP.windowSeconds),
      allowAttempt(db, `login:email:${await sha256Hex(email)}`, PER_EMAIL.limit, PER_EMAIL.windowSeconds),
    ]);
    if (!ipOk || !emailOk) {
      throw new ApiError('RATE_LIMITED', 'Too many sign-in requests. Wait a few minutes and try again.');
    }
    const [user] = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.email, email), eq(users.isActive, true)))
      .limit(1);
    if (user) {
      const token = randomToken(32);
      await db.insert(magicTokens).values({
        id: uuidv7(),
        userId: user.id,
        token: await sha256Hex(token),
        expiresAt: new Date(Date.now() + MAGIC_TOKEN_TTL_MS).toISOString(),
      });
      const link = `${c.env.PUBLIC_BASE_URL}/auth/verify?token=${token}`;
      await emailSenderFor(c.env, db).send({
        to: email,
        subject: 'Your sign-in link',
        text: `Sign in to SMS Campaigns: ${link}\n\nThe link works once, for 15 minutes. If you did not ask for it, ignore this email.`,
        link,
      });
    }
    // Same answer whether or not the address is known: no account enumeration.
    return c.json({ message: 'If that address has an account, a sign-in link is on its way.' }, 202);
  })
  .get('/verify', async (c) => {
    const token = c.req.query('token') ?? '';
    const db = c.get('control');
    const now = nowIso();
    // Single use: the UPDATE only matches an unused, unexpired token, so two clicks race safely.
    const [used] = token
      ? await db
          .update(magicTokens)
          .set({ usedAt: now })
          .where(
            and(
              eq(magicTokens.token, await sha256Hex(token)),
              isNull(magicTokens.usedAt),
              gt(magicTokens.expiresAt, now),
            ),
          )
          .returning({ userId: magicTokens.userId })
      : [];
    const [user] = used
      ? await db
          .select({ id: users.id, tenantId: users.tenantId })
          .from(users)
          .where(and(eq(users.id, used.userId), eq(users.isActive, true)))
      : [];
    if (!user) {
      return c.html(
        htmlPage(
          'Sign-in link not valid',
          'This sign-in link is unknown, has expired or was already used. Links work once, for 15 minutes.',
          { href: '/login', label: 'Request a new link' },
        ),
        400,
      );
    }
    const session = await createSession(db, user);
    await db.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id));
    const shard = await tenantDb(c.env, user.tenantId);
    await shard.insert(auditLog).values({
      id: uuidv7(),
      tenantId: user.tenantId,
      userId: user.id,
      action: 'auth.login',
      resourceType: 'user',
      resourceId: user.id,
      metadata: { via: 'magic_link' },
    });
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      secure: !isDevelopment(c.env),
      sameSite: 'Lax',
      path: '/',
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    return c.redirect('/', 302);
  })
  .post('/logout', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      const db = c.get('control');
      const principal = await principalFromSession(db, token);
      if (principal?.sessionId) await endSession(db, principal.sessionId);
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
