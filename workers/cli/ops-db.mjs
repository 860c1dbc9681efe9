// The operator's way into D1: `wrangler d1 execute --json`, against the local databases (default;
// `--persist-to` picks the state folder `npm start` used) or, with `--remote [--env NAME]`, the
// deployed ones. Statements are plain SQL with literal values (sqlLiteral); one call runs as one
// D1 batch (a transaction).
//   local:  `--file` (a temporary .sql file; no size limit, and the whole file is one batch)
//   remote: `--command` (D1's query API). Not `--file`: remotely that goes through D1's import,
//           which makes the database "unavailable to serve queries" while it runs, and a shard
//           serves other tenants. Each call stays under MAX_COMMAND_BYTES (D1 allows 100 KB per
//           statement, and one argv string is at most 128 KiB on Linux).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonOutput, runWrangler, WranglerError } from './ops-wrangler.mjs';

export const MAX_COMMAND_BYTES = 90_000;

/** A value as an SQL literal. */
export function sqlLiteral(v) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`Not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'object') return sqlLiteral(JSON.stringify(v));
  return `'${String(v).replace(/'/g, "''")}'`;
}

/** `sql` with each `?` replaced by the next value as a literal. */
export function bindSql(sql, values = []) {
  let i = 0;
  const out = sql.replace(/\?/g, () => {
    if (i >= values.length) throw new Error(`Too few values for: ${sql}`);
    return sqlLiteral(values[i++]);
  });
  if (i !== values.length) throw new Error(`Too many values for: ${sql}`);
  return out;
}

export const quoteIdent = (name) => `"${String(name).replace(/"/g, '""')}"`;

export class RemoteUnreachableError extends Error {}

/** Runs statements through `wrangler d1 execute --json` (one call, one batch). */
export function wranglerExecutor(target) {
  return async (binding, list) => {
    const sql = `${list.map((s) => s.trim().replace(/;+$/, '')).join(';\n')};\n`;
    let dir = null;
    try {
      let args;
      if (target.remote) {
        if (Buffer.byteLength(sql) > MAX_COMMAND_BYTES + 10_000) {
          throw new Error(`One D1 call of ${Buffer.byteLength(sql)} bytes is too large for --command.`);
        }
        args = [...target.args(binding), '--command', sql];
      } else {
        dir = mkdtempSync(join(tmpdir(), 'ops-sql-'));
        const file = join(dir, 'statements.sql');
        writeFileSync(file, sql);
        args = [...target.args(binding), '--file', file];
      }
      const { stdout } = await runWrangler(args);
      const parsed = parseJsonOutput(stdout);
      if (!Array.isArray(parsed)) throw new Error(`Unexpected wrangler output: ${stdout.slice(0, 200)}`);
      return parsed;
    } catch (err) {
      if (err instanceof WranglerError && err.unreachable) {
        throw new RemoteUnreachableError(
          `Cannot reach Cloudflare's API for ${binding} (${err.said}). Check the network and \`npx wrangler whoami\`; nothing was written by this call.`,
        );
      }
      throw err;
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Runs statements on the local databases through one in-process Miniflare (wrangler's
 * getPlatformProxy) instead of one `wrangler d1 execute` per call: the same files, far fewer
 * process starts (OPS_LOCAL_DRIVER=proxy; tests, and long local moves).
 */
export function proxyExecutor(env) {
  return async (binding, list) => {
    const db = env[binding];
    if (!db || typeof db.batch !== 'function')
      throw new Error(`No D1 binding ${binding} in the local config.`);
    try {
      return await db.batch(list.map((s) => db.prepare(s)));
    } catch (err) {
      throw new Error(`D1 (${binding}) refused: ${err.cause?.message ?? err.message}`);
    }
  };
}

/** Where the databases are: `{remote, env, persistTo, config}`; `executor` overrides how calls run. */
export class D1Target {
  constructor({ remote = false, env = null, persistTo = null, config = null, executor = null } = {}) {
    this.remote = remote;
    this.env = env;
    this.persistTo = persistTo;
    this.config = config;
    this.calls = 0;
    this.executor = executor ?? wranglerExecutor(this);
  }

  describe() {
    return this.remote ? `remote${this.env ? ` (env ${this.env})` : ''}` : 'local';
  }

  args(binding) {
    return [
      'd1',
      'execute',
      binding,
      this.remote ? '--remote' : '--local',
      ...(this.remote && this.env ? ['--env', this.env] : []),
      ...(!this.remote && this.persistTo ? ['--persist-to', this.persistTo] : []),
      ...(this.config ? ['--config', this.config] : []),
      '--json',
      '--yes',
    ];
  }

  /** Runs the statements in one call (one batch, a transaction) and returns D1's result per statement. */
  async run(binding, statements) {
    const list = statements.filter((s) => s.trim());
    if (list.length === 0) return [];
    this.calls++;
    const results = await this.executor(binding, list);
    for (const r of results) {
      if (r && r.success === false)
        throw new Error(`D1 refused a statement: ${JSON.stringify(r).slice(0, 300)}`);
    }
    return results;
  }

  /** Rows of each statement. */
  async query(binding, statements) {
    return (await this.run(binding, statements)).map((r) => r.results ?? []);
  }

  /** Rows of one statement. */
  async rows(binding, statement) {
    return (await this.query(binding, [statement]))[0] ?? [];
  }

  /**
   * Runs statements in as few calls as the size limit allows, in order. Each call is atomic;
   * the whole is not, so callers write idempotent statements (INSERT OR REPLACE, guarded UPDATEs).
   */
  async exec(binding, statements) {
    let batch = [];
    let bytes = 0;
    for (const s of statements) {
      const size = Buffer.byteLength(s) + 2;
      if (this.remote && batch.length && bytes + size > MAX_COMMAND_BYTES) {
        await this.run(binding, batch);
        batch = [];
        bytes = 0;
      }
      batch.push(s);
      bytes += size;
    }
    if (batch.length) await this.run(binding, batch);
  }

  /** The database's size in bytes as D1 reports it (`size_after`); 0 when it does not (wrangler's local output). */
  async sizeOf(binding) {
    const [res] = await this.run(binding, ['SELECT 1 AS one']);
    const size = res?.meta?.size_after;
    return typeof size === 'number' ? size : 0;
  }
}

/**
 * Multi-row upserts for `rows` (objects with the same keys), each statement under `maxBytes` (D1
 * allows 100 KB). `INSERT … ON CONFLICT (key) DO UPDATE`, never `INSERT OR REPLACE`: REPLACE
 * deletes the old row first, and with foreign keys on that deletes its children (ON DELETE CASCADE)
 * — re-copying a contact would wipe its copied send jobs. With `conflict` empty: plain INSERTs
 * (`verb` may be 'INSERT OR IGNORE').
 */
export function insertStatements(table, rows, { conflict = [], verb = 'INSERT', maxBytes = 80_000 } = {}) {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]);
  const head = `${verb} INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES `;
  const updates = columns.filter((c) => !conflict.includes(c));
  const tail = conflict.length
    ? ` ON CONFLICT (${conflict.map(quoteIdent).join(', ')}) DO ${
        updates.length
          ? `UPDATE SET ${updates.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}`
          : 'NOTHING'
      }`
    : '';
  const out = [];
  let values = [];
  let bytes = head.length + tail.length;
  for (const row of rows) {
    const tuple = `(${columns.map((c) => sqlLiteral(row[c])).join(', ')})`;
    if (head.length + tail.length + tuple.length > maxBytes) {
      throw new Error(`A row of ${table} is larger than one D1 statement allows (${tuple.length} bytes).`);
    }
    if (values.length && bytes + tuple.length + 2 > maxBytes) {
      out.push(head + values.join(', ') + tail);
      values = [];
      bytes = head.length + tail.length;
    }
    values.push(tuple);
    bytes += tuple.length + 2;
  }
  if (values.length) out.push(head + values.join(', ') + tail);
  return out;
}
