import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { shards } from '../../workers/db/shards';

// Setup files run before each test file; applying is idempotent (applied ones are recorded).
// Every database: the control database and each shard (tests run with two shards).
// Each database is its own local D1, so the three are migrated at once.
await Promise.all([
  applyD1Migrations(env.CONTROL_DB, env.TEST_CONTROL_MIGRATIONS),
  ...shards(env).map((shard) => applyD1Migrations(shard.d1, env.TEST_SHARD_MIGRATIONS)),
]);
