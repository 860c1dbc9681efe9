// Rows a browser spec writes straight into wrangler dev's local D1 (a finished campaign, dead
// letters...), as the platform itself would have stored them. The data is split: control tables
// (tenants directory, users, sending numbers, dead letters, costs...) live in CONTROL_DB, a tenant's
// own tables on its shard; the seeded demo tenant lives on SHARD_0 (workers/cli/seed.mjs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROL_BINDING } from '../../workers/cli/databases.mjs';
import { capture } from '../../workers/cli/node.mjs';

/** The demo tenant's shard. */
export const DEMO_SHARD = 'SHARD_0';
export const CONTROL = CONTROL_BINDING;

/** A SQL string literal (NULL for null). */
export const q = (v) => (v === null || v === undefined ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);

/** Runs `sql` on one local database (a binding name: SHARD_0 by default, or CONTROL). */
export function seedSql(persistDir, sql, database = DEMO_SHARD) {
  const dir = mkdtempSync(join(tmpdir(), 'browser-seed-'));
  const file = join(dir, 'seed.sql');
  writeFileSync(file, sql);
  try {
    capture('wrangler', ['d1', 'execute', database, '--local', '--persist-to', persistDir, '--file', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' },
      timeout: 60_000,
    });
  } catch (err) {
    throw new Error(`seeding ${database} failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
