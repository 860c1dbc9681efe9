import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../workers/db/migrations-manifest';

describe('migrations manifest', () => {
  it('lists exactly the migration files of every migrations folder (run `npm run db:manifest` when this fails)', () => {
    expect(MIGRATIONS).toEqual(env.TEST_MIGRATION_FILES);
  });

  it('names migrations the way d1_migrations records them (the file name)', () => {
    for (const [dir, applied] of [
      ['migrations/control', env.TEST_CONTROL_MIGRATIONS],
      ['migrations/shard', env.TEST_SHARD_MIGRATIONS],
    ] as const) {
      const names = applied.map((m) => m.name);
      expect(names.length).toBeGreaterThan(0);
      expect(MIGRATIONS[dir]).toEqual(names);
    }
  });
});
