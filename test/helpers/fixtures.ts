import { env, exports } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { createSession, newApiKey } from '../../workers/auth/session';
import type { Db } from '../../workers/db/client';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import { apiKeys, type Role, tenants, users } from '../../workers/db/schema';
import { controlDb, type Shard, shards } from '../../workers/db/shards';
import { sha256Hex } from '../../workers/lib/crypto';
import { nextSeq } from './seq';

export const BASE = 'https://sms.example.test';
/** The control database (tenants directory, users, API keys, sender directory, prices). */
export const control = () => controlDb(env);

export type TestTenant = {
  tenantId: string;
  /** The shard holding this tenant's data; tenants alternate between the shards. */
  shard: Shard;
  /** The tenant's own database (its shard). */
  db: Db;
  adminId: string;
  adminEmail: string;
  keys: Record<Role, string>;
  /** Calls the Worker as this tenant with an API key of the given role (admin by default). */
  api: (path: string, init?: RequestInit & { json?: unknown; role?: Role }) => Promise<Response>;
  sessionCookie: () => Promise<string>;
};

/** Changes a tenant's settings where they live (the control database) and copies them to its shard. */
export async function updateTenant(tenantId: string, patch: Partial<typeof tenants.$inferInsert>) {
  await control().update(tenants).set(patch).where(eq(tenants.id, tenantId));
  await replicateTenant(env, tenantId, { tenant: true });
}

/** Test-only lookups by a globally unique id: ask every shard and merge (one holds the rows). */
export async function acrossShards<T>(query: (db: Db) => Promise<T[]>): Promise<T[]> {
  return (await Promise.all(shards(env).map((s) => query(s.db)))).flat();
}

/** The shard database of a tenant created by createTenant (by id). */
export function shardDb(tenantId: string): Db {
  const shard = homes.get(tenantId);
  if (!shard) throw new Error(`tenant ${tenantId} was not created by createTenant`);
  return shard.db;
}
const homes = new Map<string, Shard>();

/**
 * A fresh tenant with an admin user and one API key per role. Tests never share tenants.
 * Consecutive tenants land on different shards (`opts.shard` pins one), so every test that makes
 * two tenants runs across shards.
 */
export async function createTenant(
  name = 'Test Co',
  opts: { timezone?: string; shard?: number } = {},
): Promise<TestTenant> {
  const d = control();
  const all = shards(env);
  // Alternate: consecutive tenants land on different shards.
  const n = nextSeq('tenant');
  const shard = all[opts.shard ?? (n - 1) % all.length] as Shard;
  const tenantId = uuidv7();
  const adminId = uuidv7();
  const adminEmail = `admin-${n}-${tenantId.slice(-6)}@example.com`;
  await d
    .insert(tenants)
    .values({ id: tenantId, name, timezone: opts.timezone ?? 'Australia/Sydney', shard: shard.name });
  await d.insert(users).values({ id: adminId, tenantId, email: adminEmail, role: 'admin' });
  await replicateTenant(env, tenantId);
  homes.set(tenantId, shard);
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'staff', 'viewer'] as const) {
    const key = newApiKey();
    keys[role] = key;
    await d.insert(apiKeys).values({
      id: uuidv7(),
      tenantId,
      name: `${role} key`,
      role,
      keyHash: await sha256Hex(key),
      prefix: key.slice(0, 10),
    });
  }
  const api: TestTenant['api'] = (path, init = {}) => {
    const { json, role = 'admin', headers, ...rest } = init;
    const h = new Headers(headers);
    if (!h.has('authorization')) h.set('authorization', `Bearer ${keys[role]}`);
    if (json !== undefined) h.set('content-type', 'application/json');
    return call(path, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body });
  };
  const sessionCookie = async () => {
    const s = await createSession(d, { id: adminId, tenantId });
    return `sid=${s.token}`;
  };
  return { tenantId, shard, db: shard.db, adminId, adminEmail, keys, api, sessionCookie };
}

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
