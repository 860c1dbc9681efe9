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
            TWILIO_ACCOUNT_SID: 'ACtest00000000000000000000000000',
            TWILIO_AUTH_TOKEN: 'test-auth-token',
            LINK_SECRET: 'test-link-secret',
            LINK_SECRET_PREVIOUS: 'test-link-secret-previous',
            TEST_CONTROL_MIGRATIONS: controlMigrations,
            TEST_SHARD_MIGRATIONS: shardMigrations,
            // What migrations/ holds now, for the test that keeps workers/db/migrations-manifest.ts current.
            TEST_MIGRATION_FILES: migrationsManifest(),
          },
        },
      }),
    ],
    test: {
      include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
      setupFiles: ['./test/helpers/apply-migrations.ts'],
    },
  };
});
