declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    TEST_MIGRATION_FILES: Record<string, string[]>;
  }
}
