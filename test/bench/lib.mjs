// Shared plumbing for the benchmarks that run the whole system on `wrangler dev` (real local
// Queues, Durable Objects and D1 — the control database and the shards) against the Twilio
// simulator: a fresh seeded state, a frozen build, the two processes, and small helpers.
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateAll } from '../../workers/cli/databases.mjs';
import { ensureDevVars } from '../../workers/cli/dev-vars.mjs';
import { node22, ROOT, run, tool } from '../../workers/cli/node.mjs';

export const quiet = { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' };
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The seeded demo tenant's shard (workers/cli/seed.mjs). */
export const SEED_SHARD = 'SHARD_0';
/** The seeded "Welcome offer" template: first name, personal link, STOP footer. */
export const SEEDED_TEMPLATE_ID = '01900000-0000-7000-8000-000000000005';

export function devVar(name) {
  for (const line of readFileSync(join(ROOT, '.dev.vars'), 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && m[1] === name) return m[2];
  }
  return undefined;
}

/** A fresh local state (every database migrated) with the demo tenant seeded; answers the seed JSON. */
export function freshState(persist) {
  ensureDevVars();
  console.log(`Fresh local D1 in ${persist}`);
  rmSync(persist, { recursive: true, force: true });
  migrateAll(['--local', '--persist-to', persist], { stdio: 'ignore', env: quiet });
  const out = execFileSync(
    node22(),
    [join(ROOT, 'workers/cli/seed.mjs'), '--json', '--persist-to', persist],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: quiet,
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** Runs SQL statements against one local database (binding name) from a temp file. */
export function executeSql(persist, binding, lines) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sql-'));
  try {
    writeFileSync(join(dir, 'run.sql'), lines.join('\n'));
    run(
      'wrangler',
      ['d1', 'execute', binding, '--local', '--file', join(dir, 'run.sql'), '--persist-to', persist],
      {
        stdio: 'ignore',
        env: quiet,
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A frozen build: wrangler dev reloads (and drops its in-memory queues) whenever a source file
 * changes, and this checkout may be edited meanwhile, so benchmarks run a bundled copy.
 */
export function frozenBuild(name) {
  const build = join(ROOT, `.wrangler/${name}-build`);
  rmSync(build, { recursive: true, force: true });
  // The dry run checks that the UI's assets folder exists; the benchmarks serve no UI.
  mkdirSync(join(ROOT, 'web/dist'), { recursive: true });
  run('wrangler', ['deploy', '--dry-run', '--outdir', build], { stdio: 'ignore', env: quiet });
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
    .replace(/^main\s*=.*$/m, 'main = "index.js"')
    .replace(/^migrations_dir\s*=\s*"([^"]*)"/gm, (_m, dir) => `migrations_dir = "${join(ROOT, dir)}"`)
    .replace(/\[assets\][\s\S]*?(?=\n\[|$)/, '');
  writeFileSync(join(build, 'wrangler.toml'), toml);
  copyFileSync(join(ROOT, '.dev.vars'), join(build, '.dev.vars'));
  return build;
}

/** Starts the Twilio simulator and wrangler dev on the frozen build; stops both on exit. */
export function startSystem({
  build,
  persist,
  port,
  simPort,
  vars = {},
  simEnv = {},
  logFile,
  inspectorPort,
}) {
  const base = `http://127.0.0.1:${port}`;
  const sim = `http://127.0.0.1:${simPort}`;
  const children = [];
  const stopAll = () => {
    for (const c of children) {
      try {
        process.kill(-c.pid, 'SIGTERM');
      } catch {}
    }
  };
  process.on('exit', stopAll);
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  children.push(
    spawn(node22(), [join(ROOT, 'workers/cli/twilio-simulator.mjs')], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        PORT: String(simPort),
        WEBHOOK_BASE: base,
        TWILIO_AUTH_TOKEN: devVar('TWILIO_AUTH_TOKEN'),
        SIM_CALLBACK_DELAY_MS: '1000',
        ...simEnv,
      },
    }),
  );
  const [node, wranglerEntry] = tool('wrangler');
  const varArgs = Object.entries({ TWILIO_API_BASE: sim, PUBLIC_BASE_URL: base, ...vars }).flatMap(
    ([k, v]) => ['--var', `${k}:${v}`],
  );
  const dev = spawn(
    node,
    [
      wranglerEntry,
      'dev',
      '--config',
      join(build, 'wrangler.toml'),
      '--no-bundle',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      persist,
      // The Worker's DevTools inspector (cpuProfile below); off otherwise, so no fixed port is taken.
      ...(inspectorPort ? ['--inspector-port', String(inspectorPort)] : []),
      ...varArgs,
    ],
    { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: quiet },
  );
  children.push(dev);
  let devLog = '';
  const keep = (d) => {
    devLog = (devLog + d).slice(-20_000);
    if (logFile) appendFileSync(logFile, d);
  };
  dev.stdout.on('data', keep);
  dev.stderr.on('data', keep);
  const waitFor = async (url) => {
    for (let i = 0; i < 240; i++) {
      try {
        if ((await fetch(url)).ok) return;
      } catch {}
      await sleep(500);
    }
    throw new Error(`${url} did not answer:\n${devLog}`);
  };
  const ready = (async () => {
    await waitFor(`${sim}/_sim/config`);
    await waitFor(`${base}/api/v1/openapi.json`);
  })();
  return {
    base,
    sim,
    ready,
    stop: stopAll,
    log: () => devLog,
    /** Process groups: wrangler dev (wrangler's node + workerd) and the simulator. */
    groups: { dev: dev.pid, sim: children[0].pid },
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ: /proc reports CPU time in these on Linux

/**
 * The processes of one process group (a detached child and what it spawned), by command name:
 * CPU seconds used so far (user + system) and resident memory now (MB).
 */
export function groupUsage(pgid) {
  const out = {};
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) !== pgid) continue;
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      const u = out[name] ?? { cpuSeconds: 0, rssMb: 0 };
      u.cpuSeconds += (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
      u.rssMb += rssKb / 1024;
      out[name] = u;
    } catch {}
  }
  return out;
}

/** Samples groupUsage every `ms` and keeps each process name's peak RSS; `stop()` answers the peaks. */
export function peakMemory(pgids, ms = 200) {
  const peak = {};
  const sample = () => {
    for (const g of pgids)
      for (const [name, u] of Object.entries(groupUsage(g))) peak[name] = Math.max(peak[name] ?? 0, u.rssMb);
  };
  sample();
  const timer = setInterval(sample, ms);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** CPU seconds each process (by name) used between two groupUsage() snapshots. */
export function cpuBetween(before, after) {
  return Object.fromEntries(
    Object.entries(after).map(([name, u]) => [name, u.cpuSeconds - (before[name]?.cpuSeconds ?? 0)]),
  );
}

/** The JSON API as the seeded admin. */
export function apiClient(base, apiKey) {
  return async (path, init = {}) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
    const body = res.status === 204 ? null : await res.json();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
}

/** A quiet window that is certainly not now (nor in the next hour) in Sydney. */
export function quietAwayFromNow() {
  const hour = Number(
    new Intl.DateTimeFormat('en-AU', {
      timeZone: 'Australia/Sydney',
      hour: '2-digit',
      hourCycle: 'h23',
    }).format(new Date()),
  );
  const hh = (h) => `${String(h % 24).padStart(2, '0')}:00`;
  return { quiet_hours_start: hh(hour + 3), quiet_hours_end: hh(hour + 4) };
}

/** `count` contact rows for the seeded tenant as multi-row INSERTs (id group keeps ids unique). */
export function contactInserts(tenantId, { group, count, phoneOffset, customFields = '{}' }) {
  const id = (i) => `01900000-0000-7${group}00-8000-${String(i).padStart(12, '0')}`;
  const values = Array.from(
    { length: count },
    (_, i) =>
      `('${id(i)}', '${tenantId}', '+614${String(phoneOffset + i).padStart(8, '0')}', 'Person${i}', 'explicit', '${customFields}')`,
  );
  const lines = [];
  for (let i = 0; i < values.length; i += 500) {
    lines.push(
      `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status, custom_fields) VALUES ${values.slice(i, i + 500).join(',')};`,
    );
  }
  return lines;
}

export function checker() {
  let failed = false;
  const check = (ok, what) => {
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failed = true;
  };
  return { check, failed: () => failed, fail: () => (failed = true) };
}

/**
 * A CPU profile of the Worker (its isolate runs the fetch, queue and cron handlers and the
 * Durable Objects) through wrangler dev's DevTools inspector, between start() and stop(); the
 * answer groups self time by original source file (via the build's source map) and by function.
 * Needs Node ≥ 22 (global WebSocket).
 */
export async function cpuProfile(inspectorPort, build) {
  if (typeof WebSocket === 'undefined') throw new Error('profiling needs Node 22 (global WebSocket)');
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  // The inspector proxy only lets local DevTools in: an Origin on the loopback (undici's option).
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: 'http://127.0.0.1' } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map();
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 1000 });
  await call('Profiler.start');
  return {
    stop: async () => {
      const { result } = await call('Profiler.stop');
      ws.close();
      return summariseProfile(result.profile, build);
    },
  };
}

async function summariseProfile(profile, build) {
  const { SourceMap } = await import('node:module');
  let map = null;
  try {
    map = new SourceMap(JSON.parse(readFileSync(join(build, 'index.js.map'), 'utf8')));
  } catch {}
  const dt = new Map();
  const times = profile.timeDeltas ?? [];
  profile.samples.forEach((nodeId, i) => {
    dt.set(nodeId, (dt.get(nodeId) ?? 0) + (times[i] ?? 0));
  });
  const total = [...dt.values()].reduce((a, b) => a + b, 0) || 1;
  const byFile = new Map();
  const byFunction = new Map();
  const nameOf = new Map();
  const parentOf = new Map();
  for (const node of profile.nodes) for (const c of node.children ?? []) parentOf.set(c, node.id);
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    if (!us) continue;
    const cf = node.callFrame;
    let file = cf.url ? cf.url.replace(/^.*\//, '') : `(${cf.functionName || 'native'})`;
    let fn = cf.functionName || '(anonymous)';
    if (map && cf.url.endsWith('index.js') && cf.lineNumber >= 0) {
      const e = map.findEntry(cf.lineNumber, cf.columnNumber);
      if (e?.originalSource) {
        file = e.originalSource.replace(/^(\.\.\/)+/, '').replace(/^main\//, '');
        const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
        if (pkg) file = `npm:${pkg[1]}`;
        fn = `${e.name ?? fn} (${file.replace(/^.*\//, '')}:${(e.originalLine ?? 0) + 1})`;
      }
    }
    nameOf.set(node.id, fn);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  // Who the hottest functions' time is spent for: the chain of callers (4 frames up) by self time.
  const frameName = (id) => {
    if (nameOf.has(id)) return nameOf.get(id);
    const node = profile.nodes.find((n) => n.id === id);
    const cf = node?.callFrame;
    let fn = cf?.functionName || '(anonymous)';
    if (map && cf?.url.endsWith('index.js') && cf.lineNumber >= 0) {
      const e = map.findEntry(cf.lineNumber, cf.columnNumber);
      if (e?.originalSource)
        fn = `${e.name ?? fn} (${e.originalSource.replace(/^.*\//, '')}:${(e.originalLine ?? 0) + 1})`;
    }
    nameOf.set(id, fn);
    return fn;
  };
  const hottest = new Set(
    [...byFunction]
      .filter(([k]) => !k.startsWith('('))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([k]) => k),
  );
  const callers = new Map();
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    const fn = nameOf.get(node.id);
    if (!us || !hottest.has(fn)) continue;
    const chain = [];
    for (let p = parentOf.get(node.id); p !== undefined && chain.length < 4; p = parentOf.get(p)) {
      chain.push(frameName(p));
    }
    const key = `${fn} ← ${chain.join(' ← ')}`;
    callers.set(key, (callers.get(key) ?? 0) + us);
  }
  const top = (m, n) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => ({ name: k, ms: Math.round(us / 1000), share: us / total }));
  return {
    totalMs: Math.round(total / 1000),
    byFile: top(byFile, 20),
    byFunction: top(byFunction, 20),
    callers: top(callers, 12),
  };
}

export function printProfile(p, label) {
  console.log(`  CPU profile of the Worker isolate (${label}): ${p.totalMs} ms sampled`);
  console.log('    by source (self time, incl. idle):');
  for (const r of p.byFile) console.log(`      ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name}`);
  console.log('    by function:');
  for (const r of p.byFunction.slice(0, 12))
    console.log(`      ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name}`);
  console.log('    the hottest functions by caller chain:');
  for (const r of p.callers ?? []) console.log(`      ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name}`);
}
