// Where data lives. The control database (binding CONTROL_DB) holds what every request needs
// before it knows a tenant's data: the tenants directory, users, sessions, API keys, the sender
// directory, prices. Each tenant's own tables live on exactly one shard database (bindings
// SHARD_0 … SHARD_n), recorded in `tenants.shard`. Code asks here for "the database of this
// tenant"; routes never pick a binding themselves.
import { eq, sql } from 'drizzle-orm';
import { type Db, getDb } from './client';
import { tenants } from './schema';

export type Shard = { name: string; index: number; d1: D1Database; db: Db };

/** Binding names of shard databases: SHARD_0, SHARD_1, … (the index is the token's shard hint). */
export const SHARD_BINDING = /^SHARD_(\d{1,2})$/;

const dbCache = new WeakMap<D1Database, Db>();

/**
 * The control database (auth, tenants directory, sender directory, platform prices). Cached per
 * binding like the shards': building a drizzle client walks the whole schema (bench:send found it
 * at 6% of the Worker's CPU per message when rebuilt on every call).
 */
export function controlDb(env: Pick<Env, 'CONTROL_DB'>): Db {
  return dbOf(env.CONTROL_DB);
}

function dbOf(d1: D1Database): Db {
  let db = dbCache.get(d1);
  if (!db) {
    db = getDb(d1);
    dbCache.set(d1, db);
  }
  return db;
}

/** Every shard database bound to this Worker, in index order. */
export function shards(env: object): Shard[] {
  const out: Shard[] = [];
  for (const [name, value] of Object.entries(env)) {
    const m = SHARD_BINDING.exec(name);
    if (!m || !value || typeof (value as D1Database).prepare !== 'function') continue;
    const d1 = value as D1Database;
    out.push({ name, index: Number(m[1]), d1, db: dbOf(d1) });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The shard with this binding name or index hint, or null when this Worker has no such binding. */
export function shardNamed(env: object, nameOrIndex: string | number): Shard | null {
  const name = typeof nameOrIndex === 'number' ? `SHARD_${nameOrIndex}` : nameOrIndex;
  const d1 = (env as Record<string, unknown>)[name] as D1Database | undefined;
  const m = SHARD_BINDING.exec(name);
  if (!m || !d1 || typeof d1.prepare !== 'function') return null;
  return { name, index: Number(m[1]), d1, db: dbOf(d1) };
}

export class UnknownTenantError extends Error {
  constructor(readonly tenantId: string) {
    super(`No tenant ${tenantId} in the control database.`);
  }
}

export class MissingShardError extends Error {
  constructor(readonly shard: string) {
    super(`Shard ${shard} is recorded in the control database but not bound to this Worker.`);
  }
}

/**
 * A tenant being moved (`npm run ops -- tenant move`, only while it is paused) has
 * `tenants.shard` = "SHARD_a>SHARD_b" in the control database and in both shards' copies, from the
 * moment the move is marked until its data is copied, verified and switched to SHARD_b. No binding
 * has that name, so every path that routes by it leaves the tenant alone: shardOf() throws
 * TenantMovingError (the API answers 503, queue consumers retry later, Twilio webhooks are parked
 * in the control database), and the crons, which keep to tenants homed on their shard, skip it.
 */
export const MOVING_SHARD = /^(SHARD_\d{1,2})>(SHARD_\d{1,2})$/;

export class TenantMovingError extends Error {
  /** How long a caller should wait before trying again (a move's fence lasts minutes). */
  readonly retryAfterSeconds = 60;
  constructor(
    readonly tenantId: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`Tenant ${tenantId} is being moved from ${from} to ${to}; try again in a few minutes.`);
  }
}

/** A queue message of a tenant being moved waits this long (growing with its attempts, at most an hour). */
export function movingRetryDelaySeconds(attempts: number): number {
  return Math.min(3600, 60 * 2 ** Math.max(0, Math.min(attempts - 1, 6)));
}

// tenant id → shard name. A tenant only moves while it is paused, through `npm run ops -- tenant
// move`, which waits longer than this TTL between steps, so a stale entry never outlives a move.
export const SHARD_CACHE_TTL_MS = 30_000;
const shardCache = new Map<string, { shard: string; until: number }>();

/** Remembers a tenant's shard learnt elsewhere (e.g. joined into the session lookup). */
export function rememberShard(tenantId: string, shard: string, nowMs = Date.now()): void {
  if (shardCache.size > 10_000) shardCache.clear();
  shardCache.set(tenantId, { shard, until: nowMs + SHARD_CACHE_TTL_MS });
}

/** Forgets cached shard lookups (tests; after a tenant move in this isolate). */
export function forgetShards(): void {
  shardCache.clear();
}

/**
 * The shard holding this tenant's data. Throws UnknownTenantError for a tenant that does not exist
 * and TenantMovingError while it is being moved to another shard.
 */
export async function shardOf(env: Pick<Env, 'CONTROL_DB'>, tenantId: string): Promise<Shard> {
  const nowMs = Date.now();
  const hit = shardCache.get(tenantId);
  let name = hit && hit.until > nowMs ? hit.shard : null;
  if (!name) {
    const [row] = await controlDb(env)
      .select({ shard: tenants.shard })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .limit(1);
    if (!row) throw new UnknownTenantError(tenantId);
    name = row.shard;
    rememberShard(tenantId, name, nowMs);
  }
  const moving = MOVING_SHARD.exec(name);
  if (moving) throw new TenantMovingError(tenantId, moving[1] as string, moving[2] as string);
  const shard = shardNamed(env, name);
  if (!shard) throw new MissingShardError(name);
  return shard;
}

/** The tenant's shard, or null for a tenant that no longer exists (queue messages, webhooks); TenantMovingError passes through. */
export async function shardOrNull(env: Pick<Env, 'CONTROL_DB'>, tenantId: string): Promise<Shard | null> {
  try {
    return await shardOf(env, tenantId);
  } catch (err) {
    if (err instanceof UnknownTenantError) return null;
    throw err;
  }
}

/** The database of this tenant's own tables (contacts, campaigns, send jobs, ...). */
export async function tenantDb(env: Pick<Env, 'CONTROL_DB'>, tenantId: string): Promise<Db> {
  return (await shardOf(env, tenantId)).db;
}

/**
 * Where a new tenant goes: the emptiest shard by bytes (D1 reports a database's size after each
 * query), then by number of tenants. Used by tenant creation (ops CLI mirrors it, tests use it).
 */
export async function emptiestShard(env: Pick<Env, 'CONTROL_DB'>): Promise<Shard> {
  const all = shards(env);
  if (all.length === 0) throw new Error('No shard database is bound (SHARD_0, SHARD_1, ...).');
  const counts = await controlDb(env).all<{ shard: string; n: number }>(
    sql`SELECT shard, count(*) AS n FROM tenants GROUP BY shard`,
  );
  const tenantsOn = new Map<string, number>();
  for (const r of counts) {
    // A tenant being moved counts where it is going.
    const home = MOVING_SHARD.exec(r.shard)?.[2] ?? r.shard;
    tenantsOn.set(home, (tenantsOn.get(home) ?? 0) + r.n);
  }
  const sized = await Promise.all(
    all.map(async (s) => {
      const res = await s.d1.prepare('SELECT 1').run();
      const bytes = typeof res.meta?.size_after === 'number' ? res.meta.size_after : 0;
      return { s, bytes, n: tenantsOn.get(s.name) ?? 0 };
    }),
  );
  sized.sort((a, b) => a.bytes - b.bytes || a.n - b.n || a.s.index - b.s.index);
  return (sized[0] as (typeof sized)[number]).s;
}
