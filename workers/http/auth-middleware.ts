import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { principalFromApiKey, principalFromSession, SESSION_COOKIE } from '../auth/session';
import type { Role } from '../db/schema';
import { shardOf } from '../db/shards';
import type { AppEnv, Principal } from './context';
import { ApiError } from './errors';

const RANK: Record<Role, number> = { viewer: 0, staff: 1, admin: 2 };

/** Resolves the caller from `Authorization: Bearer` or the session cookie; the tenant comes only from here. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const control = c.get('control');
  const authz = c.req.header('authorization');
  let principal: Principal | null;
  if (authz) {
    const match = /^Bearer\s+(\S+)$/i.exec(authz);
    principal = match?.[1] ? await principalFromApiKey(control, match[1]) : null;
    if (!principal) throw new ApiError('UNAUTHENTICATED', 'The API key is missing, malformed or revoked.');
  } else {
    const token = getCookie(c, SESSION_COOKIE);
    if (!token) throw new ApiError('UNAUTHENTICATED', 'Sign in, or send an API key as a Bearer token.');
    principal = await principalFromSession(control, token);
    if (!principal)
      throw new ApiError('UNAUTHENTICATED', 'The session is invalid or has expired. Sign in again.');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD')
      assertSameOrigin(c.req.header('origin'), c.req.url);
  }
  c.set('principal', principal);
  // The caller's tenant decides the database of every tenant-owned query from here on.
  c.set('db', (await shardOf(c.env, principal.tenantId)).db);
  return next();
});

/** Cookie-authenticated writes must come from our own pages (SameSite=Lax plus an Origin check). */
function assertSameOrigin(origin: string | undefined, url: string) {
  if (origin && origin !== new URL(url).origin) {
    throw new ApiError('FORBIDDEN', 'Cross-site request refused.');
  }
}

export function hasRole(actual: Role, needed: Role) {
  return RANK[actual] >= RANK[needed];
}

/** viewer reads; staff also writes contacts, templates, campaigns; admin everything else. */
export function requireRole(needed: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { role } = c.get('principal');
    if (!hasRole(role, needed)) {
      throw new ApiError('FORBIDDEN', `This needs the ${needed} role; you have ${role}.`);
    }
    return next();
  });
}

/** POSTs that compute an answer and change nothing, so every role may call them. */
const READ_ONLY_POSTS = new Set(['/api/v1/templates/preview', '/api/v1/segments/preview']);

/** GET/HEAD (and read-only POSTs) for every role, writes for `writer` and above. */
export function writesNeed(writer: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const m = c.req.method;
    if (m === 'GET' || m === 'HEAD' || (m === 'POST' && READ_ONLY_POSTS.has(c.req.path))) return next();
    const { role } = c.get('principal');
    if (!hasRole(role, writer)) {
      throw new ApiError('FORBIDDEN', `Changing this needs the ${writer} role; you have ${role}.`);
    }
    return next();
  });
}
