// Where data lives. The control database holds what every request needs before it knows a tenant
// (tenants directory, users, sessions, API keys, the sender directory, prices); each tenant's own
// tables live on one shard database. Code asks here for "the database of this tenant"; routes
// never pick a binding themselves.
import { type Db, getDb } from './client';

export type Shard = { name: string; d1: D1Database; db: Db };

/** The control database (auth, tenants directory, sender directory, platform prices). */
export function controlDb(env: Pick<Env, 'DB'>): Db {
  return getDb(env.DB);
}

/** Every shard database. (Single-database layout until the split lands: the control DB is shard 0.) */
export function shards(env: Pick<Env, 'DB'>): Shard[] {
  return [{ name: 'DB', d1: env.DB, db: getDb(env.DB) }];
}

/** The shard holding this tenant's data. */
export async function shardOf(env: Pick<Env, 'DB'>, tenantId: string): Promise<Shard> {
  void tenantId;
  return shards(env)[0] as Shard;
}

/** The database of this tenant's own tables (contacts, campaigns, send jobs, ...). */
export async function tenantDb(env: Pick<Env, 'DB'>, tenantId: string): Promise<Db> {
  return (await shardOf(env, tenantId)).db;
}
