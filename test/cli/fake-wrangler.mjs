#!/usr/bin/env node
// A stand-in for `wrangler` in the CLI tests: it records every invocation (calls.jsonl) and keeps
// an account's state in a folder (FAKE_WRANGLER_STATE): D1 databases (real SQLite files, so
// migrations and `d1 execute` behave), queues, Worker secrets and deployments. It answers the
// commands setup.mjs and ops.mjs use the way wrangler 4 does (same output shapes, same failures).
// Faults: FAKE_WRANGLER_OFFLINE=1 makes every call fail like a lost network; FAKE_WRANGLER_FAIL_ON
// ("d1 create sms-campaigns-staging-shard-1") fails the first call containing it, once.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { databases, workerName } from '../../workers/cli/setup-config.mjs';

const STATE_DIR = process.env.FAKE_WRANGLER_STATE;
if (!STATE_DIR) {
  console.error('FAKE_WRANGLER_STATE is not set');
  process.exit(2);
}
mkdirSync(join(STATE_DIR, 'd1'), { recursive: true });
const statePath = join(STATE_DIR, 'state.json');
const argv = process.argv.slice(2);
appendFileSync(join(STATE_DIR, 'calls.jsonl'), `${JSON.stringify(argv)}\n`);

function load() {
  return existsSync(statePath)
    ? JSON.parse(readFileSync(statePath, 'utf8'))
    : { databases: [], queues: [], buckets: [], secrets: {}, deployments: {}, counter: 0 };
}
const state = load();
const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
const nextId = (kind) => {
  state.counter += 1;
  const n = String(state.counter).padStart(12, '0');
  return kind === 'uuid' ? `fa4e0000-0000-4000-8000-${n}` : `fa4e${n}`;
};

function fail(message, { json = false } = {}) {
  if (json) process.stdout.write(`${JSON.stringify({ error: { text: message } }, null, 2)}\n`);
  else process.stderr.write(`\n✘ [ERROR] ${message}\n\n`);
  process.exit(1);
}

if (process.env.FAKE_WRANGLER_OFFLINE === '1') {
  fail('A request to the Cloudflare API (/accounts/fake/d1/database) failed.\n  fetch failed');
}
const failOn = process.env.FAKE_WRANGLER_FAIL_ON;
if (failOn && argv.join(' ').includes(failOn)) {
  const marker = join(STATE_DIR, `failed-${Buffer.from(failOn).toString('hex').slice(0, 40)}`);
  if (!existsSync(marker)) {
    writeFileSync(marker, '');
    fail(`A request to the Cloudflare API failed (simulated interruption on "${failOn}").`);
  }
}

// Flags and positionals.
const flags = {};
const pos = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a.startsWith('--')) {
    const [k, v] = a.slice(2).split('=');
    if (v !== undefined) flags[k] = v;
    else if (['json', 'remote', 'local', 'yes', 'dry-run', 'preview'].includes(k)) flags[k] = true;
    else flags[k] = argv[++i];
  } else if (a === '-y') flags.yes = true;
  else pos.push(a);
}
const configPath = resolve(flags.config ?? 'wrangler.toml');
const configText = () => readFileSync(configPath, 'utf8');
const env = flags.env ?? null;

function dbFromConfig(nameOrBinding, json = false) {
  const d = databases(configText(), env).find(
    (x) => x.binding === nameOrBinding || x.database_name === nameOrBinding,
  );
  if (!d)
    fail(`Couldn't find a D1 DB with the name or binding '${nameOrBinding}' in your wrangler.toml file.`, {
      json,
    });
  const db = state.databases.find((x) => x.uuid === d.database_id);
  if (!db)
    fail(
      `A request to the Cloudflare API failed. The database ${d.database_id} could not be found [code: 7404]`,
      { json },
    );
  return { ...d, uuid: db.uuid };
}

function openDb(uuid) {
  const db = new DatabaseSync(join(STATE_DIR, 'd1', `${uuid}.sqlite`));
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}

/** Splits SQL into statements at semicolons outside quotes and comments. */
function splitSql(sql) {
  const out = [];
  let cur = '';
  let q = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (q) {
      cur += ch;
      if (ch === q) {
        if (sql[i + 1] === q) cur += sql[++i];
        else q = null;
      }
      continue;
    }
    if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') q = ch;
    if (ch === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function sizeOf(uuid) {
  const p = join(STATE_DIR, 'd1', `${uuid}.sqlite`);
  return existsSync(p) ? readFileSync(p).length : 0;
}

function execute(uuid, sql) {
  const db = openDb(uuid);
  const statements = splitSql(sql);
  const results = [];
  db.exec('BEGIN');
  try {
    for (const s of statements) {
      const stmt = db.prepare(s);
      const started = Date.now();
      let rows = [];
      let changes = 0;
      if (/^\s*(SELECT|PRAGMA|WITH)\b/i.test(s) || /\bRETURNING\b/i.test(s)) rows = stmt.all();
      else changes = Number(stmt.run().changes);
      results.push({
        results: rows.map((r) => ({ ...r })),
        success: true,
        meta: { duration: Date.now() - started, changes: changes || rows.length, rows_read: rows.length },
      });
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    db.close();
    fail(`${err.message}: SQLITE_ERROR`, { json: Boolean(flags.json) });
  }
  db.close();
  const size = sizeOf(uuid);
  for (const r of results) r.meta.size_after = size;
  return results;
}

function migrationFiles(d) {
  const dir = resolve(dirname(configPath), d.migrations_dir ?? 'migrations');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

function applied(uuid) {
  const db = openDb(uuid);
  db.exec(
    'CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TEXT)',
  );
  const names = db
    .prepare('SELECT name FROM d1_migrations')
    .all()
    .map((r) => r.name);
  db.close();
  return names;
}

function queueTable(rows) {
  const head = ['id', 'name', 'created_on', 'modified_on', 'producers', 'consumers'];
  const line = (cells) => `│ ${cells.join(' │ ')} │`;
  const out = ['┌─────┐', line(head), '├─────┤'];
  for (const r of rows) out.push(line([r.queue_id, r.queue_name, r.created_on, r.created_on, '0', '0']));
  out.push('└─────┘');
  return out.join('\n');
}

const cmd = pos.slice(0, 2).join(' ');
const worker = () => workerName(configText(), env);

switch (true) {
  case cmd === 'd1 list': {
    const rows = state.databases.map((d) => ({
      uuid: d.uuid,
      name: d.name,
      created_at: d.created_at,
      version: 'production',
      num_tables: 0,
      file_size: sizeOf(d.uuid),
    }));
    console.log(flags.json ? JSON.stringify(rows, null, 2) : rows.map((r) => r.name).join('\n'));
    break;
  }
  case cmd === 'd1 create': {
    const name = pos[2];
    if (state.databases.some((d) => d.name === name)) {
      fail(
        `A request to the Cloudflare API (/accounts/fake/d1/database) failed.\n  A database with that name already exists. [code: 7502]`,
      );
    }
    const uuid = nextId('uuid');
    state.databases.push({ uuid, name, created_at: '2026-12-01T00:00:00.000Z' });
    save();
    console.log(`✅ Successfully created DB '${name}' in region OC
Created your new D1 database.

To access your new D1 Database in your Worker, add the following snippet to your configuration file:
[[d1_databases]]
binding = "DB"
database_name = "${name}"
database_id = "${uuid}"`);
    break;
  }
  case cmd === 'd1 execute': {
    if (!flags.remote) fail('The fake wrangler only answers --remote d1 execute.');
    const d = dbFromConfig(pos[2], Boolean(flags.json));
    const sql = flags.file ? readFileSync(flags.file, 'utf8') : flags.command;
    const results = execute(d.uuid, sql);
    console.log(JSON.stringify(results, null, 2));
    break;
  }
  case cmd === 'd1 migrations': {
    const sub = pos[2];
    const d = dbFromConfig(pos[3]);
    const done = new Set(applied(d.uuid));
    const pending = migrationFiles(d).filter((f) => !done.has(f));
    if (sub === 'list') {
      if (pending.length === 0) console.log('✅ No migrations to apply!');
      else console.log(`Migrations to be applied:\n${pending.map((p) => `│ ${p} │`).join('\n')}`);
      break;
    }
    if (sub === 'apply') {
      if (pending.length === 0) {
        console.log('✅ No migrations to apply!');
        break;
      }
      const db = openDb(d.uuid);
      for (const f of pending) {
        const sql = readFileSync(resolve(dirname(configPath), d.migrations_dir, f), 'utf8').replace(
          /--> statement-breakpoint/g,
          '',
        );
        db.exec(sql);
        db.prepare("INSERT INTO d1_migrations (name, applied_at) VALUES (?, '2026-12-01')").run(f);
        console.log(`│ ${f} │ ✅ │`);
      }
      db.close();
      break;
    }
    fail(`fake wrangler: d1 migrations ${sub} is not supported`);
    break;
  }
  case cmd === 'queues list': {
    // Three per page, so callers must follow --page.
    const page = Number(flags.page ?? 1);
    console.log(queueTable(state.queues.slice((page - 1) * 3, page * 3)));
    break;
  }
  case cmd === 'queues create': {
    const name = pos[2];
    if (state.queues.some((q) => q.queue_name === name)) {
      fail(
        `A request to the Cloudflare API (/accounts/fake/queues) failed.\n  Queue name already taken [code: 11009]`,
      );
    }
    state.queues.push({ queue_id: nextId('hex'), queue_name: name, created_on: '2026-12-01T00:00:00Z' });
    save();
    console.log(`🌀 Creating queue '${name}'\n✅ Created queue '${name}'`);
    break;
  }
  case cmd === 'r2 bucket': {
    // `wrangler r2 bucket list|create NAME` (list prints labelled values, one block per bucket).
    state.buckets ??= [];
    const [sub, name] = [pos[2], pos[3]];
    if (sub === 'list') {
      console.log('Listing buckets...');
      for (const b of state.buckets)
        console.log(`name:           ${b.name}\ncreation_date:  ${b.creation_date}\n`);
      break;
    }
    if (sub === 'create') {
      if (state.buckets.some((b) => b.name === name)) {
        fail(
          'A request to the Cloudflare API (/accounts/fake/r2/buckets) failed.\n  The bucket you tried to create already exists, and you own it. [code: 10004]',
        );
      }
      state.buckets.push({ name, creation_date: '2026-12-01T00:00:00.000Z' });
      save();
      console.log(
        `Creating bucket '${name}'...\n✅ Created bucket '${name}' with default storage class of Standard.`,
      );
      break;
    }
    fail(`fake wrangler: r2 bucket ${sub} is not supported`);
    break;
  }
  case cmd === 'secret list': {
    const w = worker();
    if (!state.secrets[w] && !state.deployments[w]) {
      fail(
        `Worker "${w}"${env ? ` (env: ${env})` : ''} not found.\n\nIf this is a new Worker, run \`wrangler deploy\` first to create it.`,
      );
    }
    console.log(
      JSON.stringify(
        Object.keys(state.secrets[w] ?? {}).map((name) => ({ name, type: 'secret_text' })),
        null,
        '  ',
      ),
    );
    break;
  }
  case cmd === 'secret put': {
    const w = worker();
    const value = readFileSync(0, 'utf8').replace(/\n$/, '');
    if (!value) fail('Secret value must not be empty.');
    state.secrets[w] ??= {};
    if (!state.deployments[w]) state.deployments[w] = [];
    state.secrets[w][pos[2]] = value;
    save();
    console.log(`🌀 Creating the secret for the Worker "${w}"\n✨ Success! Uploaded secret ${pos[2]}`);
    break;
  }
  case pos[0] === 'deploy': {
    const w = worker();
    if (flags['dry-run']) {
      const out = resolve(flags.outdir ?? join(STATE_DIR, 'dry'));
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'index.js'), `// bundle of ${w}\n${configText()}`);
      console.log(`--dry-run: exiting now.`);
      break;
    }
    const version = nextId('uuid');
    state.deployments[w] = [...(state.deployments[w] ?? []), { version_id: version, tag: flags.tag ?? null }];
    save();
    console.log(`Uploaded ${w}\nDeployed ${w} triggers\nCurrent Version ID: ${version}`);
    break;
  }
  case cmd === 'deployments status': {
    const w = worker();
    const latest = state.deployments[w]?.at(-1);
    if (!latest) fail(`The Worker ${w} has no deployments.`);
    console.log(
      JSON.stringify({
        id: `dep-${latest.version_id}`,
        versions: [{ version_id: latest.version_id, percentage: 100 }],
      }),
    );
    break;
  }
  case cmd === 'versions view': {
    const all = Object.values(state.deployments).flat();
    const v = all.find((x) => x.version_id === pos[2]);
    if (!v) fail(`Version ${pos[2]} not found.`);
    console.log(JSON.stringify({ id: v.version_id, annotations: v.tag ? { 'workers/tag': v.tag } : {} }));
    break;
  }
  case cmd === 'whoami':
    console.log('You are logged in with an API Token (fake).');
    break;
  default:
    fail(`fake wrangler: "${argv.join(' ')}" is not supported`);
}
