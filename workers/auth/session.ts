import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { apiKeys, sessions, tenants, users } from '../db/schema';
import { rememberShard } from '../db/shards';
import type { Principal } from '../http/context';
import { randomToken, sha256Hex } from '../lib/crypto';

export const SESSION_COOKIE = 'sid';
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const API_KEY_PREFIX = 'smk_';

export async function createSession(db: Db, user: { id: string; tenantId: string }) {
  const token = randomToken(32);
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.insert(sessions).values({
    id: uuidv7(),
    userId: user.id,
    tenantId: user.tenantId,
    tokenHash: await sha256Hex(token),
    expiresAt: expiresAt.toISOString(),
  });
  return { token, expiresAt };
}

/**
 * The principal behind a session token, or null when unknown, expired or its user deactivated.
 * The same round trip learns the tenant's shard (remembered for the request's data queries).
 */
export async function principalFromSession(db: Db, token: string): Promise<Principal | null> {
  const [row] = await db
    .select({
      sessionId: sessions.id,
      userId: users.id,
      tenantId: users.tenantId,
      role: users.role,
      shard: tenants.shard,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(
      and(
        eq(sessions.tokenHash, await sha256Hex(token)),
        gt(sessions.expiresAt, new Date().toISOString()),
        eq(users.isActive, true),
      ),
    )
    .limit(1);
  if (!row) return null;
  rememberShard(row.tenantId, row.shard);
  return {
    tenantId: row.tenantId,
    role: row.role,
    userId: row.userId,
    apiKeyId: null,
    via: 'session',
    sessionId: row.sessionId,
  };
}

export async function endSession(db: Db, sessionId: string) {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

export function newApiKey(): string {
  return `${API_KEY_PREFIX}${randomToken(32)}`;
}

export async function principalFromApiKey(db: Db, key: string): Promise<Principal | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const [row] = await db
    .select({ id: apiKeys.id, tenantId: apiKeys.tenantId, role: apiKeys.role, shard: tenants.shard })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.keyHash, await sha256Hex(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  rememberShard(row.tenantId, row.shard);
  return {
    tenantId: row.tenantId,
    role: row.role,
    userId: null,
    apiKeyId: row.id,
    via: 'api_key',
    sessionId: null,
  };
}
