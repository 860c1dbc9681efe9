import { z } from '@hono/zod-openapi';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { allowAttempt } from '../auth/rate-limit';
import {
  createSession,
  endSession,
  principalFromSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
} from '../auth/session';
import { issueSignInLink, MAGIC_TOKEN_TTL_MS } from '../auth/sign-in-link';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { auditLog, magicTokens, users } from '../db/schema';
import { tenantDb } from '../db/shards';
import type { AppEnv } from '../http/context';
import { ApiError, fieldErrors } from '../http/errors';
import { htmlPage } from '../http/html';
import { sha256Hex } from '../lib/crypto';
import { DEFAULT_FROM_NAME, deliverEmail, isDevelopment } from '../providers/email';
import { magicLinkEmail } from '../providers/email-messages';

const PER_EMAIL = { limit: 5, windowSeconds: 15 * 60 };
const PER_IP = { limit: 30, windowSeconds: 15 * 60 };

const MagicLinkBody = z.object({ email: z.email().max(254) });

/**
 * In production the email goes out after the response, so a known address answers as fast as an
 * unknown one (no enumeration by timing). Local runs wait, so the outbox has the link at once.
 */
async function sendAfterResponse(c: Context<AppEnv>, delivery: Promise<unknown>) {
  if (isDevelopment(c.env)) {
    await delivery;
    return;
  }
  try {
    c.executionCtx.waitUntil(delivery);
  } catch {
    await delivery; // no execution context (a direct app.fetch call): send inline
  }
}

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
    const control = c.get('control');
    const ip = c.req.header('cf-connecting-ip') ?? 'local';
    const [ipOk, emailOk] = await Promise.all([
      allowAttempt(control, `login:ip:${ip}`, PER_IP.limit, PER_IP.windowSeconds),
      allowAttempt(
        control,
        `login:email:${await sha256Hex(email)}`,
        PER_EMAIL.limit,
        PER_EMAIL.windowSeconds,
      ),
    ]);
    if (!ipOk || !emailOk) {
      throw new ApiError('RATE_LIMITED', 'Too many sign-in requests. Wait a few minutes and try again.');
    }
    const [user] = await control
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.email, email), eq(users.isActive, true)))
      .limit(1);
    if (user) {
      const { link } = await issueSignInLink(control, c.env, user.id, MAGIC_TOKEN_TTL_MS);
      const message = magicLinkEmail({
        appName: c.env.EMAIL_FROM_NAME?.trim() || DEFAULT_FROM_NAME,
        link,
        validForMs: MAGIC_TOKEN_TTL_MS,
      });
      // Never fails the request: a missing provider or a refused email is logged and counted for
      // /healthz, and the answer stays the same (no enumeration, no hint to an attacker).
      await sendAfterResponse(
        c,
        deliverEmail(c.env, control, { ...message, to: email, kind: 'magic_link', link }),
      );
    }
    // Same answer whether or not the address is known: no account enumeration.
    return c.json({ message: 'If that address has an account, a sign-in link is on its way.' }, 202);
  })
  .get('/verify', async (c) => {
    const token = c.req.query('token') ?? '';
    const control = c.get('control');
    const now = nowIso();
    // Single use: the UPDATE only matches an unused, unexpired token, so two clicks race safely.
    const [used] = token
      ? await control
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
      ? await control
          .select({ id: users.id, tenantId: users.tenantId, lastLoginAt: users.lastLoginAt })
          .from(users)
          .where(and(eq(users.id, used.userId), eq(users.isActive, true)))
      : [];
    if (!user) {
      return c.html(
        htmlPage(
          'Sign-in link not valid',
          'This sign-in link is unknown, has expired or was already used. Sign-in links work once, for 15 minutes; invitations for 7 days.',
          { href: '/login', label: 'Request a new link' },
        ),
        400,
      );
    }
    const session = await createSession(control, user);
    const db = await tenantDb(c.env, user.tenantId);
    await Promise.all([
      control.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id)),
      db.insert(auditLog).values({
        id: uuidv7(),
        tenantId: user.tenantId,
        userId: user.id,
        action: 'auth.login',
        resourceType: 'user',
        resourceId: user.id,
        metadata: { via: 'magic_link', first_sign_in: user.lastLoginAt === null },
      }),
    ]);
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
      const control = c.get('control');
      const principal = await principalFromSession(control, token);
      if (principal?.sessionId) await endSession(control, principal.sessionId);
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
