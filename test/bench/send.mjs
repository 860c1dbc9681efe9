// `npm run bench:send`: the send engine end to end on `wrangler dev` (real local Queues, Durable
// Objects and D1) against the Twilio simulator (workers/cli/twilio-simulator.mjs).
//  (a) throughput: 10,000 contacts, generous limits, launched through the API, timed until the
//      campaign is completed; messages per second end to end, and exactly one SMS per contact.
//  (b) limiter accuracy: 3 numbers × 30/min, 360 contacts (4 minutes of allowed rate): per number,
//      no calendar minute (by the simulator's receive time) over the limit, and utilisation of the
//      allowed rate ≥ 95%.
//
// Env: BENCH_PORT (8795), BENCH_SIM_PORT (8796), BENCH_CONTACTS (10000), BENCH_LIMIT_NUMBERS (3),
// BENCH_PER_MINUTE (30), BENCH_LIMIT_MINUTES (4), BENCH_PERSIST (.wrangler/state-send-bench; wiped first).
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateAll } from '../../workers/cli/databases.mjs';
import { ensureDevVars } from '../../workers/cli/dev-vars.mjs';
import { node22, ROOT, run, tool } from '../../workers/cli/node.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 8795);
const SIM_PORT = Number(process.env.BENCH_SIM_PORT ?? 8796);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 10_000);
const LIMIT_NUMBERS = Number(process.env.BENCH_LIMIT_NUMBERS ?? 3);
const PER_MINUTE = Number(process.env.BENCH_PER_MINUTE ?? 30);
const LIMIT_MINUTES = Number(process.env.BENCH_LIMIT_MINUTES ?? 4);
const LIMIT_CONTACTS = LIMIT_NUMBERS * PER_MINUTE * LIMIT_MINUTES;
const PERSIST = join(ROOT, process.env.BENCH_PERSIST ?? '.wrangler/state-send-bench');
const BASE = `http://127.0.0.1:${PORT}`;
const SIM = `http://127.0.0.1:${SIM_PORT}`;
const persistArgs = ['--persist-to', PERSIST];
const quiet = { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function devVar(name) {
  for (const line of readFileSync(join(ROOT, '.dev.vars'), 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && m[1] === name) return m[2];
  }
  return undefined;
}

// ---- fresh local database: seeded tenant, numbers, contacts ------------------------------------
ensureDevVars();
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
const T = seed.tenant_id;
/** The seeded "Welcome offer" template (workers/cli/seed.mjs): first name, personal link, STOP footer. */
const SEEDED_TEMPLATE_ID = '01900000-0000-7000-8000-000000000005';
const limitedNumbers = Array.from({ length: LIMIT_NUMBERS }, (_, i) => ({
  id: `01900000-0000-7000-8000-0000000001${String(i).padStart(2, '0')}`,
  phone: `+6148000010${i}`,
}));
const id = (group, i) => `01900000-0000-7${group}00-8000-${String(i).padStart(12, '0')}`;
const sqlLines = [
  // Generous: no budgets, the seeded number may send as fast as the engine goes.
  `UPDATE tenants SET daily_budget_cents = NULL, monthly_budget_cents = NULL, timezone = 'Australia/Sydney' WHERE id = '${T}';`,
  `UPDATE sending_numbers SET daily_limit = 1000000, per_minute_limit = 1000000 WHERE id = '${seed.sending_number_id}';`,
  ...limitedNumbers.map(
    (n) =>
      `INSERT INTO sending_numbers (id, tenant_id, phone_e164, daily_limit, per_minute_limit) VALUES ('${n.id}', '${T}', '${n.phone}', 100000, ${PER_MINUTE});`,
  ),
];
const contactValues = (group, count, offset) =>
  Array.from(
    { length: count },
    (_, i) =>
      `('${id(group, i)}', '${T}', '+614${String(offset + i).padStart(8, '0')}', 'Person${i}', 'explicit', '{"bench":"${group === 1 ? 'a' : 'b'}"}')`,
  );
for (const [group, count, offset] of [
  [1, CONTACTS, 10_000_000],
  [2, LIMIT_CONTACTS, 20_000_000],
]) {
  const values = contactValues(group, count, offset);
  for (let i = 0; i < values.length; i += 500) {
    sqlLines.push(
      `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status, custom_fields) VALUES ${values.slice(i, i + 500).join(',')};`,
    );
  }
}
const dir = mkdtempSync(join(tmpdir(), 'bench-send-'));
writeFileSync(join(dir, 'setup.sql'), sqlLines.join('\n'));
run('wrangler', ['d1', 'execute', 'DB', '--local', '--file', join(dir, 'setup.sql'), ...persistArgs], {
  stdio: 'ignore',
  env: quiet,
});
rmSync(dir, { recursive: true, force: true });
console.log(
  `Seeded ${CONTACTS} + ${LIMIT_CONTACTS} contacts and ${LIMIT_NUMBERS} numbers at ${PER_MINUTE}/min`,
);

// ---- a frozen build: wrangler dev reloads (and drops its in-memory queues) whenever a source file
// changes, and this checkout is shared, so the bench runs a bundled copy that nobody edits --------
const BUILD = join(ROOT, '.wrangler/bench-send-build');
rmSync(BUILD, { recursive: true, force: true });
run('wrangler', ['deploy', '--dry-run', '--outdir', BUILD], { stdio: 'ignore', env: quiet });
const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
  .replace(/^main\s*=.*$/m, 'main = "index.js"')
  .replace(/^migrations_dir\s*=.*$/m, `migrations_dir = "${join(ROOT, 'migrations')}"`)
  .replace(/\[assets\][\s\S]*?(?=\n\[|$)/, '');
writeFileSync(join(BUILD, 'wrangler.toml'), toml);
copyFileSync(join(ROOT, '.dev.vars'), join(BUILD, '.dev.vars'));

// ---- simulator + wrangler dev -------------------------------------------------------------------
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

const sim = spawn(node22(), [join(ROOT, 'workers/cli/twilio-simulator.mjs')], {
  cwd: ROOT,
  detached: true,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    PORT: String(SIM_PORT),
    WEBHOOK_BASE: BASE,
    TWILIO_AUTH_TOKEN: devVar('TWILIO_AUTH_TOKEN'),
    SIM_CALLBACK_DELAY_MS: '1000',
  },
});
children.push(sim);

const [node, wranglerEntry] = tool('wrangler');
const dev = spawn(
  node,
  [
    wranglerEntry,
    'dev',
    '--config',
    join(BUILD, 'wrangler.toml'),
    '--no-bundle',
    '--ip',
    '127.0.0.1',
    '--port',
    String(PORT),
    ...persistArgs,
    '--var',
    `TWILIO_API_BASE:${SIM}`,
    '--var',
    `PUBLIC_BASE_URL:${BASE}`,
  ],
  { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: quiet },
);
children.push(dev);
let devLog = '';
const keepLog = (d) => {
  devLog = (devLog + d).slice(-20_000);
  if (process.env.BENCH_DEV_LOG) appendFileSync(process.env.BENCH_DEV_LOG, d);
};
dev.stdout.on('data', keepLog);
dev.stderr.on('data', keepLog);

async function waitFor(url) {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(500);
  }
  throw new Error(`${url} did not answer:\n${devLog}`);
}

const api = async (path, init = {}) => {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${seed.api_key}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status} ${JSON.stringify(body)}`);
  return body;
};

/** A quiet window that is certainly not now (nor in the next hour) in Sydney. */
function quietAwayFromNow() {
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

async function runCampaign(name, group, numberIds, expected, timeoutSeconds) {
  const c = await api('/campaigns', {
    method: 'POST',
    body: JSON.stringify({
      name,
      template_ids: [SEEDED_TEMPLATE_ID],
      target_url: 'https://demo-coffee.example/offer',
      audience: { custom_field: { key: 'bench', value: group } },
      sending_number_ids: numberIds,
      ...quietAwayFromNow(),
    }),
  });
  const preview = await api(`/campaigns/${c.id}/launch-preview`);
  if (preview.eligible !== expected)
    throw new Error(`preview says ${preview.eligible} eligible, expected ${expected}`);
  const started = performance.now();
  await api(`/campaigns/${c.id}/launch`, { method: 'POST' });
  let stats;
  let lastPrint = 0;
  for (;;) {
    await sleep(500);
    stats = await api(`/campaigns/${c.id}/stats`);
    const elapsed = (performance.now() - started) / 1000;
    if (performance.now() - lastPrint > 5000) {
      lastPrint = performance.now();
      console.log(
        `  ${elapsed.toFixed(0)} s: ${stats.status}${stats.status_reason ? ` (${stats.status_reason})` : ''}, queued ${stats.queued}, sent ${stats.sent}, delivered ${stats.delivered}, failed ${stats.failed}`,
      );
    }
    if (stats.status === 'completed') break;
    if (elapsed > timeoutSeconds) throw new Error(`${name} did not complete within ${timeoutSeconds} s`);
  }
  return { id: c.id, seconds: (performance.now() - started) / 1000, stats };
}

async function simMessages() {
  return (await (await fetch(`${SIM}/_sim/messages`)).json()).messages;
}

let failed = false;
const check = (ok, what) => {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed = true;
};

try {
  await waitFor(`${SIM}/_sim/config`);
  await waitFor(`${BASE}/api/v1/openapi.json`);

  console.log(`\n(a) throughput: ${CONTACTS} contacts, one number with generous limits`);
  await fetch(`${SIM}/_sim/messages`, { method: 'DELETE' });
  const a = await runCampaign('Bench throughput', 'a', [seed.sending_number_id], CONTACTS, 480);
  const aMsgs = await simMessages();
  const aTo = new Set(aMsgs.map((m) => m.to));
  console.log(
    `  ${a.stats.sent + a.stats.delivered} sent in ${a.seconds.toFixed(1)} s = ${((a.stats.sent + a.stats.delivered) / a.seconds).toFixed(1)} messages/s end to end (launch → completed)`,
  );
  check(aMsgs.length === CONTACTS, `simulator received ${aMsgs.length} messages (expected ${CONTACTS})`);
  check(aTo.size === aMsgs.length, `one SMS per contact (${aTo.size} distinct recipients)`);
  check(a.stats.failed === 0, `no failed jobs (${a.stats.failed})`);

  console.log(
    `\n(b) limiter accuracy: ${LIMIT_NUMBERS} numbers × ${PER_MINUTE}/min, ${LIMIT_CONTACTS} contacts (${LIMIT_MINUTES} min of allowed rate)`,
  );
  await fetch(`${SIM}/_sim/messages`, { method: 'DELETE' });
  await runCampaign(
    'Bench limiter',
    'b',
    limitedNumbers.map((n) => n.id),
    LIMIT_CONTACTS,
    LIMIT_MINUTES * 60 + 180,
  );
  const bMsgs = await simMessages();
  check(
    bMsgs.length === LIMIT_CONTACTS,
    `simulator received ${bMsgs.length} messages (expected ${LIMIT_CONTACTS})`,
  );
  let worstMinute = 0;
  for (const n of limitedNumbers) {
    const perMinute = new Map();
    for (const m of bMsgs.filter((x) => x.from === n.phone)) {
      const minute = m.received_at.slice(0, 16);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    const counts = [...perMinute.values()];
    worstMinute = Math.max(worstMinute, ...counts);
    console.log(
      `  ${n.phone}: per calendar minute ${[...perMinute.entries()].map(([k, v]) => `${k.slice(11)}=${v}`).join(' ')}`,
    );
  }
  check(
    worstMinute <= PER_MINUTE,
    `no number over ${PER_MINUTE} in any calendar minute (worst ${worstMinute})`,
  );
  // Utilisation: messages after the first full window, over the time they took, against the allowed rate.
  const times = bMsgs.map((m) => Date.parse(m.received_at)).sort((x, y) => x - y);
  const spanSeconds = (times.at(-1) - times[0]) / 1000;
  const allowedPerSecond = (LIMIT_NUMBERS * PER_MINUTE) / 60;
  const utilisation = (bMsgs.length - LIMIT_NUMBERS * PER_MINUTE) / (allowedPerSecond * spanSeconds);
  console.log(
    `  ${bMsgs.length} messages from first to last in ${spanSeconds.toFixed(1)} s; allowed ${allowedPerSecond.toFixed(2)}/s → utilisation ${(utilisation * 100).toFixed(1)}%`,
  );
  check(utilisation >= 0.95, 'utilisation of the allowed rate ≥ 95%');
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  stopAll();
}
process.exit(failed ? 1 : 0);
