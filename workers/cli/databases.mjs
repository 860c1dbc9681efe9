// The D1 databases wrangler.toml binds: the control database and the shards. Local scripts
// (npm start, seed, browser tests, benchmarks) migrate each of them; `wrangler d1 migrations
// apply` takes one database at a time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run } from './node.mjs';

/**
 * `[[d1_databases]]` blocks of a wrangler.toml (top level, or one `[env.NAME]` when `env` is given):
 * [{binding, database_name, database_id, migrations_dir}].
 */
export function d1Databases(configPath = join(ROOT, 'wrangler.toml'), env = null) {
  const text = readFileSync(configPath, 'utf8');
  const header = env ? `[[env.${env}.d1_databases]]` : '[[d1_databases]]';
  const out = [];
  const blocks = text.split(/^(?=\[)/m);
  for (const block of blocks) {
    if (!block.startsWith(header)) continue;
    const field = (k) => new RegExp(`^${k}\\s*=\\s*"([^"]*)"`, 'm').exec(block)?.[1] ?? null;
    out.push({
      binding: field('binding'),
      database_name: field('database_name'),
      database_id: field('database_id'),
      migrations_dir: field('migrations_dir'),
    });
  }
  return out;
}

export const CONTROL_BINDING = 'CONTROL_DB';
export const isShard = (binding) => /^SHARD_\d+$/.test(binding);

/** Applies the migrations of every bound database (local by default). */
export function migrateAll(extraArgs = ['--local'], opts = {}) {
  for (const db of d1Databases()) {
    run('wrangler', ['d1', 'migrations', 'apply', db.binding, ...extraArgs], {
      ...opts,
      env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false', ...(opts.env ?? {}) },
    });
  }
}
