// `npm run bench:segments`: a fresh `wrangler dev` with 100,000 contacts (tags, zones, custom
// fields, click history, some on do-not-contact), then times POST /api/v1/segments/preview for a
// 3-condition segment ("VIP, in Sydney, clicked within 30 days") and a harder one, each the median
// of several runs after a warm-up; then bulk-tags the whole segment and streams the 100k-row
// contacts export, with the peak RSS of wrangler + workerd. Checks every count against the
// numbers the generator implies.
//
// Env: BENCH_PORT (8794), BENCH_CONTACTS (100000), BENCH_RUNS (7),
//      BENCH_PERSIST (.wrangler/state-segments-bench; wiped first), BENCH_KEEP (keep it).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { migrateAll } from '../../workers/cli/databases.mjs';
import { hasWebBuild, node22, ROOT, run, tool, WEB_BUILD_ARGS } from '../../workers/cli/node.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 8794);
const N = Number(process.env.BENCH_CONTACTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PERSIST = join(ROOT, process.env.BENCH_PERSIST ?? '.wrangler/state-segments-bench');
const BASE = `http://127.0.0.1:${PORT}`;
const persistArgs = ['--persist-to', PERSIST];
const quiet = { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' };
const TENANT = '01900000-0000-7000-8000-000000000001'; // the seed's demo tenant
const DAY = 86_400_000;
const now = Date.now();
const iso = (ms) => new Date(ms).toISOString();

// ---- the data, generated inside SQLite (one statement per table, no 100k-line file) ----------
// Contact i: tag VIP when i % 10 = 0, NSW when i % 3 = 0, newsletter when i % 7 = 0; zone by i % 4:
// Sydney, Melbourne, Brisbane, none (lives by the tenant's zone, Sydney); a human click 5 days ago
// when i % 3 = 0, 60 days ago when i % 3 = 1, never otherwise; unknown consent when i % 70 = 0;
// on do-not-contact when i % 100 = 60. The expected answers are counted the same way here.
function expected() {
  let match = 0;
  let dnc = 0;
  let noConsent = 0;
  for (let i = 0; i < N; i++) {
    const zone = i % 4;
    const sydney = zone === 0 || zone === 3;
    if (i % 10 === 0 && sydney && i % 3 === 0) {
      match++;
      if (i % 100 === 60) dnc++;
      else if (i % 70 === 0) noConsent++;
    }
  }
  return { match, dnc, noConsent };
}

const sql = `
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${N - 1})
INSERT INTO contacts (id, tenant_id, phone_e164, first_name, timezone, custom_fields, consent_status,
                      last_human_click_at, created_at, updated_at)
SELECT printf('01910000-0000-7000-8000-%012d', i), '${TENANT}', printf('+614%08d', 10000000 + i), 'Person ' || i,
       CASE i % 4 WHEN 0 THEN 'Australia/Sydney' WHEN 1 THEN 'Australia/Melbourne' WHEN 2 THEN 'Australia/Brisbane' END,
       json_object('store', 'Store ' || (i % 40), 'spend', CAST(i % 500 AS TEXT)),
       CASE WHEN i % 70 = 0 THEN 'unknown' ELSE 'explicit' END,
       CASE i % 3 WHEN 0 THEN '${iso(now - 5 * DAY)}' WHEN 1 THEN '${iso(now - 60 * DAY)}' END,
       '${iso(now - 400 * DAY)}', '${iso(now - 400 * DAY)}'
  FROM n;
INSERT INTO contact_tags (tenant_id, contact_id, tag)
SELECT tenant_id, id, 'VIP' FROM contacts WHERE tenant_id = '${TENANT}' AND CAST(substr(id, 25) AS INTEGER) % 10 = 0;
INSERT INTO contact_tags (tenant_id, contact_id, tag)
SELECT tenant_id, id, 'NSW' FROM contacts WHERE tenant_id = '${TENANT}' AND CAST(substr(id, 25) AS INTEGER) % 3 = 0;
INSERT INTO contact_tags (tenant_id, contact_id, tag)
SELECT tenant_id, id, 'newsletter' FROM contacts WHERE tenant_id = '${TENANT}' AND CAST(substr(id, 25) AS INTEGER) % 7 = 0;
INSERT INTO do_not_contact (id, tenant_id, phone_e164, reason)
SELECT printf('01920000-0000-7000-8000-%012d', CAST(substr(id, 25) AS INTEGER)), tenant_id, phone_e164, 'STOP'
  FROM contacts WHERE tenant_id = '${TENANT}' AND CAST(substr(id, 25) AS INTEGER) % 100 = 60;
`;

// wrangler dev serves the admin UI's build as static assets and refuses to start without it.
if (!hasWebBuild()) {
  console.log('Building the admin UI (web/dist) first');
  run('vite', WEB_BUILD_ARGS, { stdio: 'ignore' });
}
console.log(`Fresh local D1 in ${PERSIST}`);
rmSync(PERSIST, { recursive: true, force: true });
migrateAll(['--local', ...persistArgs], { stdio: 'ignore', env: quiet });
const seed = JSON.parse(
  execFileSync(node22(), [join(ROOT, 'workers/cli/seed.mjs'), '--json', ...persistArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    env: quiet,
  })
    .trim()
    .split('\n')
    .at(-1),
);
const dir = mkdtempSync(join(tmpdir(), 'segments-bench-'));
writeFileSync(join(dir, 'data.sql'), sql);
let t0 = performance.now();
// The demo tenant lives on the first shard (workers/cli/seed.mjs).
run('wrangler', ['d1', 'execute', 'SHARD_0', '--local', '--file', join(dir, 'data.sql'), ...persistArgs], {
  stdio: 'ignore',
  env: quiet,
});
rmSync(dir, { recursive: true, force: true });
console.log(
  `Inserted ${N.toLocaleString('en')} contacts with tags in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// ---- wrangler dev ------------------------------------------------------------------------------
const [node, wranglerEntry] = tool('wrangler');
const dev = spawn(
  node,
  [
    wranglerEntry,
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(PORT),
    ...persistArgs,
    '--var',
    `PUBLIC_BASE_URL:${BASE}`,
  ],
  {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  },
);
let devLog = '';
const keepLog = (d) => {
  devLog = (devLog + d).slice(-20_000);
};
dev.stdout.on('data', keepLog);
dev.stderr.on('data', keepLog);
const stopDev = () => {
  try {
    process.kill(-dev.pid, 'SIGTERM');
  } catch {}
};
process.on('exit', stopDev);
process.on('SIGINT', () => process.exit(130));

let peakTree = 0;
function sampleMemory() {
  let tree = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== dev.pid) continue;
      tree += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {}
  }
  peakTree = Math.max(peakTree, tree);
  return tree;
}

async function waitForServer() {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${BASE}/api/v1/openapi.json`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not answer on ${BASE}:\n${devLog}`);
}

const api = (path, init = {}) =>
  fetch(`${BASE}/api/v1${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${seed.api_key}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall-clock of POST /segments/preview (client side: request to parsed answer). */
async function timePreview(label, filter) {
  const times = [];
  let body;
  for (let r = 0; r < RUNS + 1; r++) {
    const started = performance.now();
    const res = await api('/segments/preview', { method: 'POST', body: JSON.stringify({ filter }) });
    body = await res.json();
    if (res.status !== 200) throw new Error(`preview answered ${res.status}: ${JSON.stringify(body)}`);
    if (r > 0) times.push(performance.now() - started); // the first run warms the isolate up
  }
  console.log(
    `\n${label}\n  count ${body.count}, eligible ${body.eligible}, skipped ${JSON.stringify(body.skipped)}\n` +
      `  median ${median(times).toFixed(0)} ms over ${RUNS} runs (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
  );
  return { body, ms: median(times) };
}

let failed = false;
try {
  await waitForServer();
  const exp = expected();
  const three = {
    all: [
      { field: 'tags', op: 'has_any', value: ['VIP'] },
      { field: 'timezone', op: 'eq', value: 'Australia/Sydney' },
      { field: 'last_human_click_at', op: 'within_days', value: 30 },
    ],
  };
  const a = await timePreview('3 conditions: VIP ∧ in Sydney ∧ human click within 30 days', three);
  if (
    a.body.count !== exp.match ||
    a.body.skipped.do_not_contact !== exp.dnc ||
    a.body.skipped.no_consent !== exp.noConsent
  ) {
    console.log(`  expected count ${exp.match}, do_not_contact ${exp.dnc}, no_consent ${exp.noConsent}`);
    failed = true;
  }
  const harder = {
    any: [
      {
        all: [
          { field: 'tags', op: 'has_all', value: ['NSW', 'newsletter'] },
          { field: 'custom.spend', op: 'gt', value: 250 },
        ],
      },
      {
        all: [
          { field: 'tags', op: 'has_none', value: ['VIP'] },
          { field: 'last_human_click_at', op: 'not_within_days', value: 30 },
          { field: 'custom.store', op: 'contains', value: 'store 1' },
        ],
      },
    ],
  };
  await timePreview(
    '5 conditions in two nested groups (has_all, has_none, numeric and text custom fields)',
    harder,
  );

  // Save it, tag everyone in it (one INSERT … SELECT), and stream the whole tenant as CSV.
  const seg = await (
    await api('/segments', {
      method: 'POST',
      body: JSON.stringify({ name: 'Engaged Sydney VIPs', filter: three }),
    })
  ).json();
  t0 = performance.now();
  const tagged = await (
    await api('/contacts/tags', {
      method: 'POST',
      body: JSON.stringify({ segment_id: seg.id, add: ['winter-2026'] }),
    })
  ).json();
  console.log(
    `\nBulk tag of the segment: ${JSON.stringify(tagged)} in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  if (tagged.added !== exp.match) failed = true;
  const all = await (
    await api('/segments', {
      method: 'POST',
      body: JSON.stringify({ name: 'Everyone', filter: { all: [] } }),
    })
  ).json();
  t0 = performance.now();
  const everyone = await (
    await api('/contacts/tags', {
      method: 'POST',
      body: JSON.stringify({ segment_id: all.id, add: ['all-2026'] }),
    })
  ).json();
  console.log(
    `Bulk tag of everyone: ${JSON.stringify(everyone)} in ${(performance.now() - t0).toFixed(0)} ms (one INSERT … SELECT)`,
  );
  if (everyone.added !== N) failed = true;

  sampleMemory();
  const idle = peakTree;
  const sampler = setInterval(sampleMemory, 100);
  t0 = performance.now();
  const res = await fetch(`${BASE}/api/v1/contacts.csv`, {
    headers: { authorization: `Bearer ${seed.api_key}` },
  });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  clearInterval(sampler);
  sampleMemory();
  console.log(
    `\nGET /contacts.csv: ${(lines - 1).toLocaleString('en')} rows, ${(bytes / 1048576).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(2)} s; ` +
      `peak RSS wrangler+workerd ${(peakTree / 1024).toFixed(0)} MB (idle ${(idle / 1024).toFixed(0)} MB)`,
  );
  if (lines - 1 !== N) failed = true;
  console.log(
    `\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.versions.node}`,
  );
  console.log(
    `RESULT segments preview (3 conditions, ${N.toLocaleString('en')} contacts): ${a.ms.toFixed(0)} ms median`,
  );
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  stopDev();
  await new Promise((r) => setTimeout(r, 1000));
}
if (existsSync(PERSIST) && !process.env.BENCH_KEEP) rmSync(PERSIST, { recursive: true, force: true });
console.log(failed ? '\nbench:segments FAILED' : '\nbench:segments passed');
process.exit(failed ? 1 : 0);
