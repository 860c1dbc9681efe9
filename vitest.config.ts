import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { migrationsManifest } from './workers/cli/migrations-manifest.mjs';

/** Fails the run when a key `npm start` may write to .dev.vars is not pinned for the tests. */
function assertPinsDevVars<T extends Record<string, unknown>>(bindings: T): T {
  const keys = readFileSync('.dev.vars.example', 'utf8').match(/^[A-Z][A-Z0-9_]*(?==)/gm) ?? [];
  const loose = keys.filter((k) => !(k in bindings));
  if (loose.length > 0)
    throw new Error(`vitest.config.ts: pin ${loose.join(', ')} (a .dev.vars would leak in)`);
  return bindings;
}

export default defineConfig(async () => {
  const controlMigrations = await readD1Migrations('migrations/control');
  const shardMigrations = await readD1Migrations('migrations/shard');
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: assertPinsDevVars({
            ENVIRONMENT: 'test',
            PUBLIC_BASE_URL: 'https://sms.example.test',
            TWILIO_API_BASE: 'https://twilio.mock',
            TWILIO_MESSAGING_API_BASE: 'https://messaging.twilio.mock',
            // Two fixed platform keys (32 bytes each, base64) for the sealed Twilio credentials.
            CREDENTIALS_KEY: 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=',
            CREDENTIALS_KEY_PREVIOUS: 'ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=',
            // The platform account (real-format sid: tenants may not register it as their own).
            TWILIO_ACCOUNT_SID: 'ACf0000000000000000000000000000001',
            TWILIO_AUTH_TOKEN: 'test-auth-token',
            LINK_SECRET: 'test-link-secret',
            LINK_SECRET_PREVIOUS: 'test-link-secret-previous',
            TEST_CONTROL_MIGRATIONS: controlMigrations,
            TEST_SHARD_MIGRATIONS: shardMigrations,
            // What migrations/ holds now, for the test that keeps workers/db/migrations-manifest.ts current.
            TEST_MIGRATION_FILES: migrationsManifest(),
            WEBHOOK_SIGNING_KEY: 'test-webhook-signing-key',
            // Every other key `npm start` writes to .dev.vars, pinned to what a clean clone has, so a
            // developer's .dev.vars (which the plugin also reads) changes nothing in the tests.
            EMAIL_PROVIDER: '',
            EMAIL_FROM: '',
            EMAIL_FROM_NAME: 'SMS Campaigns',
            RESEND_API_KEY: '',
            OPS_TOKEN: '',
            // test/helpers/clock-check.ts: workerd's and D1's clocks must agree with Node's.
            TEST_NODE_STARTED_MS: String(Date.now()),
          }),
        },
      }),
    ],
    test: {
      setupFiles: [
        './test/helpers/clock-check.ts',
        './test/helpers/apply-migrations.ts',
        './test/helpers/file-reset.ts',
      ],
      // A timeout catches a hang, never a slow machine: the suite must pass with every core busy
      // (`npm run test:stress`), where a 60-contact send can take several seconds.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      // At least two workers, even on 2 cores: tests spend much of their time waiting on workerd
      // (queues, Durable Objects, D1), so two at once take half the time (Vitest's default is one).
      maxWorkers: Math.max(2, availableParallelism() - 1),
      projects: [
        {
          // Most files share one workerd (and its databases) per Vitest worker: starting workerd,
          // importing the Worker and migrating three databases cost ~5 s a file, four times the
          // tests. Each test makes its own tenant and scopes cron jobs to it, so rows other files
          // left behind change nothing; file-reset.ts puts clocks and mocks back after each file.
          extends: true,
          test: {
            name: 'shared',
            include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
            isolate: false,
          },
        },
        {
          // Platform-wide jobs over every tenant (the whole cron, retention, the lifecycle, the
          // webhook sweeper, a tenant move) and ANALYZE (its statistics change every table's query
          // plans): each file gets its own empty databases.
          extends: true,
          test: { name: 'platform', include: ['test/platform/**/*.test.ts'], isolate: true },
        },
      ],
    },
  };
});
