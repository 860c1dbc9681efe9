import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { migrationsManifest } from './workers/cli/migrations-manifest.mjs';

export default defineConfig(async () => {
  const controlMigrations = await readD1Migrations('migrations/control');
  const shardMigrations = await readD1Migrations('migrations/shard');
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
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
            // test/helpers/clock-check.ts: workerd's and D1's clocks must agree with Node's.
            TEST_NODE_STARTED_MS: String(Date.now()),
          },
        },
      }),
    ],
    test: {
      include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
      setupFiles: ['./test/helpers/clock-check.ts', './test/helpers/apply-migrations.ts'],
      // A timeout catches a hang, never a slow machine: the suite must pass with every core busy
      // (`npm run test:stress`), where a 60-contact send can take several seconds.
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
