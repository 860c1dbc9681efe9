import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
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
            SESSION_SECRET: 'test-session-secret',
            LINK_SECRET: 'test-link-secret',
            LINK_SECRET_PREVIOUS: 'test-link-secret-previous',
            TEST_MIGRATIONS: migrations,
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
