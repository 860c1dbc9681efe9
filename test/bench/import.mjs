// `npm run bench:import`: imports a realistic 100,000-row CSV through the real API on a fresh
// `wrangler dev` and prints rows per second, the total time and the peak memory (RSS) of the
// wrangler/workerd process tree. A second file with the same people (one column changed) then
// measures the update path. Checks that the counts add up and that re-uploading a file is refused.
//
// Env: BENCH_PORT (8791), BENCH_ROWS (100000), BENCH_PERSIST (.wrangler/state-import-bench; wiped first).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrateAll } from '../../workers/cli/databases.mjs';
import { node22, ROOT, tool } from '../../workers/cli/node.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 8791);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const PERSIST = join(ROOT, process.env.BENCH_PERSIST ?? '.wrangler/state-import-bench');
const BASE = `http://127.0.0.1:${PORT}`;
const persistArgs = ['--persist-to', PERSIST];
const quiet = { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' };

// ---- a realistic export: mixed phone formats, 2% bad rows, some duplicates, custom fields ----
const FIRST = ['Olivia', 'Noah', 'Charlotte', 'Oliver', 'Amelia', 'Jack', 'Isla', 'William', 'Mia', 'Léo'];
const LAST = [
  'Smith',
  'Jones',
  'Williams',
  'Brown',
  'Wilson',
  'Taylor',
  "O'Brien",
  'Nguyen',
  'Martin',
  'Lee',
];
const STORES = ['Fitzroy', 'Surry Hills', 'Fortitude Valley', 'Northbridge, WA', 'Glenelg'];
const BAD = ['not a number', '02 9374 4000', '1300 123 456', '', '4.12346E+08', '1800 654 321', '0412'];

function formatPhone(national, style) {
  const d = national.slice(1); // 4xxxxxxxx
  switch (style) {
    case 0:
      return `${national.slice(0, 4)} ${national.slice(4, 7)} ${national.slice(7)}`;
    case 1:
      return `+61 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;
    case 2:
      return `61${d}`;
    case 3:
      return `(${national.slice(0, 2)}) ${national.slice(2, 6)}-${national.slice(6)}`;
    default:
      return `+61${d}`;
  }
}
const csvField = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The file; `tiers` shifts the Tier column so a second upload updates every contact. */
function generate(tiers = ['gold', 'silver', 'bronze']) {
  let expectedBad = 0;
  let expectedDuplicates = 0;
  const lines = ['Mobile,First Name,Last Name,Email,Consent,Consent Source,Consent Date,Store,Tier,Notes'];
  for (let i = 0; i < ROWS; i++) {
    const national = `04${String(12_000_000 + i)}`;
    let phone = formatPhone(national, i % 5);
    if (i % 50 === 7) {
      phone = BAD[Math.floor(i / 50) % BAD.length];
      expectedBad++;
    } else if (i % 200 === 13) {
      phone = formatPhone(`04${String(12_000_000 + i - 1)}`, (i + 2) % 5);
      expectedDuplicates++;
    }
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7) % LAST.length];
    const consent = ['explicit', 'implied', 'unknown'][i % 3];
    lines.push(
      [
        phone,
        first,
        last,
        `${first.toLowerCase()}.${i}@example.com`,
        consent,
        consent === 'unknown' ? '' : 'in-store signup',
        consent === 'unknown' ? '' : `2025-0${1 + (i % 9)}-1${i % 10}T09:30:00+10:00`,
        STORES[i % STORES.length],
        tiers[i % 3],
        i % 97 === 0 ? 'Prefers SMS, not calls\nVIP' : '',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return { csv: `${lines.join('\r\n')}\r\n`, expectedBad, expectedDuplicates };
}
const { csv, expectedBad, expectedDuplicates } = generate();

console.log(
  `Generated ${ROWS} rows (${(csv.length / 1048576).toFixed(1)} MB): ${expectedBad} bad phones, ${expectedDuplicates} in-file duplicates`,
);

// ---- fresh local database, seeded tenant and API key ----------------------------------------
console.log(`Fresh local D1 in ${PERSIST}`);
rmSync(PERSIST, { recursive: true, force: true });
migrateAll(['--local', ...persistArgs], { stdio: 'ignore', env: quiet });
const seedOut = execFileSync(node22(), [join(ROOT, 'workers/cli/seed.mjs'), '--json', ...persistArgs], {
  cwd: ROOT,
  encoding: 'utf8',
  env: quiet,
});
const seed = JSON.parse(seedOut.trim().split('\n').at(-1));

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

// ---- memory: RSS of every process in wrangler's process group (wrangler + workerd) -------------
let peakTree = 0;
let peakWorkerd = 0;
function sampleMemory() {
  let tree = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== dev.pid) continue; // process group id
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      tree += kb;
      if (/^Name:\s+workerd/m.test(status)) peakWorkerd = Math.max(peakWorkerd, kb);
    } catch {}
  }
  peakTree = Math.max(peakTree, tree);
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
    headers: { authorization: `Bearer ${seed.api_key}`, ...(init.headers ?? {}) },
  });

/** Uploads a file and polls until the import settles; prints and returns its figures. */
async function importFile(label, body) {
  const started = performance.now();
  const res = await api(`/imports?file_name=${label}.csv&default_consent_status=unknown`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body,
  });
  const uploaded = await res.json();
  const uploadSeconds = (performance.now() - started) / 1000;
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(uploaded)}`);
  console.log(
    `\n${label}: uploaded in ${uploadSeconds.toFixed(2)} s → 202, import ${uploaded.id}, ${uploaded.chunks_total} chunks`,
  );
  let state = uploaded;
  let lastPrint = 0;
  while (state.status === 'pending' || state.status === 'processing') {
    await new Promise((r) => setTimeout(r, 200));
    state = await (await api(`/imports/${uploaded.id}`)).json();
    if (performance.now() - lastPrint > 2000) {
      lastPrint = performance.now();
      console.log(`  ${state.status}: ${state.rows_processed} / ${state.total_rows} rows`);
    }
    if ((performance.now() - started) / 1000 > 600)
      throw new Error('import did not finish within 10 minutes');
  }
  const seconds = (performance.now() - started) / 1000;
  const sum = state.created_count + state.updated_count + state.skipped_count + state.rejected_count;
  console.log(`  status ${state.status}${state.failure_reason ? ` (${state.failure_reason})` : ''}`);
  console.log(
    `  ${state.total_rows} rows in ${seconds.toFixed(2)} s = ${Math.round(state.total_rows / seconds)} rows/s (upload ${uploadSeconds.toFixed(2)} s, processing ${(seconds - uploadSeconds).toFixed(2)} s)`,
  );
  console.log(
    `  created ${state.created_count}, updated ${state.updated_count}, skipped ${state.skipped_count}, rejected ${state.rejected_count} (sum ${sum})`,
  );
  return { state, sum };
}

let failed = false;
try {
  await waitForServer();
  sampleMemory();
  const idleTree = peakTree;
  const sampler = setInterval(sampleMemory, 100);
  const first = await importFile('bench-100k', csv);
  const second = await importFile('bench-100k-updated', generate(['silver', 'bronze', 'gold']).csv);
  clearInterval(sampler);
  sampleMemory();
  console.log(
    `\n  peak RSS: wrangler+workerd tree ${(peakTree / 1024).toFixed(0)} MB (idle ${(idleTree / 1024).toFixed(0)} MB), workerd alone ${(peakWorkerd / 1024).toFixed(0)} MB`,
  );
  const { state, sum } = first;
  const again = await api('/imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
  const againBody = await again.json();
  console.log(`  same file again → ${again.status} (existing_import_id ${againBody.existing_import_id})`);

  if (state.status !== 'completed') failed = true;
  if (sum !== state.total_rows || state.total_rows !== ROWS) failed = true;
  if (state.rejected_count !== expectedBad || state.skipped_count !== expectedDuplicates) {
    console.log(`  expected ${expectedBad} rejected and ${expectedDuplicates} skipped`);
    failed = true;
  }
  if (again.status !== 409) failed = true;
  const s2 = second.state;
  if (
    s2.status !== 'completed' ||
    second.sum !== ROWS ||
    s2.updated_count !== ROWS - expectedBad - expectedDuplicates
  ) {
    console.log('  the second (updating) import did not update every valid row');
    failed = true;
  }
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  stopDev();
  await new Promise((r) => setTimeout(r, 1000));
}
if (existsSync(PERSIST) && !process.env.BENCH_KEEP) rmSync(PERSIST, { recursive: true, force: true });
console.log(failed ? '\nbench:import FAILED' : '\nbench:import passed');
process.exit(failed ? 1 : 0);
