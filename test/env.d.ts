declare namespace Cloudflare {
  interface Env {
    TEST_CONTROL_MIGRATIONS: import('cloudflare:test').D1Migration[];
    TEST_SHARD_MIGRATIONS: import('cloudflare:test').D1Migration[];
    TEST_MIGRATION_FILES: Record<string, string[]>;
    TEST_NODE_STARTED_MS: string;
  }
}
