import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { shards } from '../../workers/db/shards';

// Setup files run before each test file; applying is idempotent (applied ones are recorded).
// Every database: the control database and each shard (tests run with two shards).
await applyD1Migrations(env.CONTROL_DB, env.TEST_CONTROL_MIGRATIONS);
for (const shard of shards(env)) await applyD1Migrations(shard.d1, env.TEST_SHARD_MIGRATIONS);
