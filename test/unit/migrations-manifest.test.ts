import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../workers/db/migrations-manifest';

describe('migrations manifest', () => {
  it('lists exactly the migration files of every migrations folder (run `npm run db:manifest` when this fails)', () => {
    expect(MIGRATIONS).toEqual(env.TEST_MIGRATION_FILES);
  });

  it('names migrations the way d1_migrations records them (the file name)', () => {
    const names = env.TEST_MIGRATIONS.map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);
    expect(Object.values(MIGRATIONS).flat()).toEqual(expect.arrayContaining(names));
  });
});
