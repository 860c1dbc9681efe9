// `npm run bench:webhooks`: fires signed Twilio status callbacks at a fresh `wrangler dev` and
// checks the end state. Duplicates and out-of-order pairs are mixed in on purpose: every job
// must still end in its right final state and no FAILED event may be logged twice. Each callback
// URL carries `?t=<tenant>&j=<job>` as the send path writes it (signed with the URL); every tenth
// job is still `queued` without a MessageSid when its callbacks arrive (the callback that beats
// the send path's own write), and must end recorded all the same. The job row is the record: a
// delivery writes no event row, and a callback that names its job is not stored.
//
// Env: BENCH_PORT (8792), BENCH_JOBS (2000), BENCH_CALLBACKS (5000), BENCH_CONCURRENCY (32),
//      BENCH_PERSIST (.wrangler/state-webhooks-bench; wiped first).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { migrateAll } from '../../workers/cli/databases.mjs';
import { capture, node22, ROOT, tool } from '../../workers/cli/node.mjs';

const require = createRequire(import.meta.url);
// The official helper library signs, as Twilio would: an independent check of our verifier.
const { getExpectedTwilioSignature } = require('twilio/lib/webhooks/webhooks');

const PORT = Number(process.env.BENCH_PORT ?? 8792);
const JOBS = Number(process.env.BENCH_JOBS ?? 2000);
const CALLBACKS = Number(process.env.BENCH_CALLBACKS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PERSIST = join(ROOT, process.env.BENCH_PERSIST ?? '.wrangler/state-webhooks-bench');
const BASE = `http://127.0.0.1:${PORT}`;
const STATUS_URL = `${BASE}/webhooks/twilio/status`;
/** The demo tenant's shard (workers/cli/seed.mjs): its jobs live there. */
const SHARD = 'SHARD_0';
const ACCOUNT_SID = 'AC00000000000000000000000000000000';
const SENDING_NUMBER = '+61480000001'; // the seed's demo number
const persistArgs = ['--persist-to', PERSIST];

function devVar(name) {
  const path = join(ROOT, '.dev.vars');
  if (!existsSync(path)) return null;
  const line = readFileSync(path, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  return line ? line.slice(name.length + 1).trim() || null : null;
}
// Passed with --var as well, so the Worker and this script agree whatever .dev.vars holds.
const AUTH_TOKEN = devVar('TWILIO_AUTH_TOKEN') ?? 'bench-auth-token';

const q = (v) => (v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);
const uuid = () => {
  const b = randomBytes(16);
  b.writeUIntBE(Date.now(), 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

function d1(sqlText, binding = SHARD) {
  const dir = join(PERSIST, '..', `bench-sql-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'q.sql');
  writeFileSync(file, sqlText);
  try {
    const out = capture(
      'wrangler',
      ['d1', 'execute', binding, '--local', ...persistArgs, '--json', '--file', file],
      {
        env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return JSON.parse(out.slice(out.indexOf('[')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const rows = (sqlText) => d1(sqlText).at(-1)?.results ?? [];

// ---- plan: what each job should end as, and the callbacks that say so --------------------
const FINALS = [
  ['delivered', 0.7],
  ['undelivered', 0.2],
  ['failed', 0.1],
];
function pickFinal(i) {
  const x = (i % 100) / 100;
  let acc = 0;
  for (const [status, share] of FINALS) {
    acc += share;
    if (x < acc) return status;
  }
  return 'delivered';
}
const jobs = Array.from({ length: JOBS }, (_, i) => ({
  id: uuid(),
  contactId: uuid(),
  phone: `+6141${String(i).padStart(7, '0')}`,
  sid: `SM${randomBytes(16).toString('hex')}`,
  final: pickFinal(i),
  // Every tenth job: the callbacks arrive before the send path recorded the sid.
  early: i % 10 === 3,
}));
const expectedStatus = (final) => (final === 'delivered' ? 'delivered' : 'failed');

// Each job gets `sent` and its final status; the rest of the budget is duplicates. The whole list
// is shuffled, so about half the pairs arrive final-first.
let callbacks = jobs.flatMap((j) => [
  { job: j, status: 'sent' },
  {
    job: j,
    status: j.final,
    errorCode: j.final === 'delivered' ? null : j.final === 'failed' ? '30001' : '30003',
  },
]);
const unique = callbacks.length;
while (callbacks.length < CALLBACKS) callbacks.push(callbacks[Math.floor(Math.random() * unique)]);
callbacks = callbacks.slice(0, Math.max(CALLBACKS, 1));
for (let i = callbacks.length - 1; i > 0; i--) {
  const k = Math.floor(Math.random() * (i + 1));
  [callbacks[i], callbacks[k]] = [callbacks[k], callbacks[i]];
}

// ---- fresh local database -----------------------------------------------------------------
console.log(`Fresh local D1 in ${PERSIST}`);
rmSync(PERSIST, { recursive: true, force: true });
migrateAll(['--local', ...persistArgs], { stdio: 'ignore' });
const seedOut = execFileSync(node22(), [join(ROOT, 'workers/cli/seed.mjs'), '--json', ...persistArgs], {
  cwd: ROOT,
  encoding: 'utf8',
  env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' },
});
const seed = JSON.parse(seedOut.trim().split('\n').at(-1));
const tenantId = seed.tenant_id;
const campaignId = uuid();
const sentAt = new Date(Date.now() - 60_000).toISOString();
let seedSql = `INSERT INTO campaigns (id, tenant_id, name, status, started_at) VALUES (${q(campaignId)}, ${q(tenantId)}, 'Webhook bench', 'running', ${q(sentAt)});\n`;
for (let i = 0; i < jobs.length; i += 100) {
  const chunk = jobs.slice(i, i + 100);
  seedSql += `INSERT INTO contacts (id, tenant_id, phone_e164, consent_status) VALUES ${chunk
    .map((j) => `(${q(j.contactId)}, ${q(tenantId)}, ${q(j.phone)}, 'explicit')`)
    .join(',')};\n`;
  seedSql += `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, sending_number_id, status, body, parts, cost_cents, provider_message_id, queued_at, sent_at) VALUES ${chunk
    .map((j) =>
      j.early
        ? `(${q(j.id)}, ${q(tenantId)}, ${q(campaignId)}, ${q(j.contactId)}, ${q(seed.sending_number_id)}, 'queued', 'bench', 1, 5, NULL, ${q(sentAt)}, NULL)`
        : `(${q(j.id)}, ${q(tenantId)}, ${q(campaignId)}, ${q(j.contactId)}, ${q(seed.sending_number_id)}, 'sent', 'bench', 1, 5, ${q(j.sid)}, ${q(sentAt)}, ${q(sentAt)})`,
    )
    .join(',')};\n`;
}
d1(seedSql);
console.log(`Seeded ${jobs.length} sent jobs for tenant ${tenantId}`);

// ---- wrangler dev -------------------------------------------------------------------------
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
    '--var',
    `TWILIO_AUTH_TOKEN:${AUTH_TOKEN}`,
    '--var',
    'TWILIO_API_BASE:http://127.0.0.1:9',
  ],
  {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  },
);
let devLog = '';
dev.stdout.on('data', (d) => {
  devLog = (devLog + d).slice(-20_000);
});
dev.stderr.on('data', (d) => {
  devLog = (devLog + d).slice(-20_000);
});
const stopDev = () => {
  try {
    process.kill(-dev.pid, 'SIGTERM');
  } catch {}
};
process.on('exit', stopDev);
process.on('SIGINT', () => process.exit(130));

async function waitForServer() {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${BASE}/api/v1/openapi.json`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not answer on ${BASE}:\n${devLog}`);
}

function post(cb) {
  // As the send path writes it (workers/webhooks/routing.ts statusCallbackQuery).
  const url = `${STATUS_URL}?t=${tenantId}&j=${cb.job.id}`;
  const params = {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    From: SENDING_NUMBER,
    To: cb.job.phone,
    MessageSid: cb.job.sid,
    SmsSid: cb.job.sid,
    MessageStatus: cb.status,
    SmsStatus: cb.status,
    ...(cb.errorCode ? { ErrorCode: cb.errorCode } : {}),
  };
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(AUTH_TOKEN, url, params),
    },
    body: new URLSearchParams(params),
  });
}

let failed = false;
let lost = 0;
try {
  await waitForServer();
  // One forged callback first: it must be refused and change nothing.
  const forged = await fetch(STATUS_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged=' },
    body: new URLSearchParams({ MessageSid: jobs[0].sid, MessageStatus: 'failed' }),
  });
  await forged.arrayBuffer();
  console.log(
    `Firing ${callbacks.length} signed callbacks (${unique} distinct, ${callbacks.length - unique} duplicates) for ${jobs.length} jobs, concurrency ${CONCURRENCY}`,
  );

  const latencies = [];
  const statuses = new Map();
  const errorSamples = [];
  let retries = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < callbacks.length) {
        const cb = callbacks[next++];
        const t0 = performance.now();
        // Like Twilio with callback retries on: a 5xx or a dropped connection is sent again.
        for (let attempt = 0; ; attempt++) {
          let code = 0;
          try {
            const res = await post(cb);
            const text = await res.text();
            code = res.status;
            if (code !== 200 && errorSamples.length < 3) errorSamples.push(`${code} ${text.slice(0, 300)}`);
          } catch (err) {
            code = -1;
            if (errorSamples.length < 3) errorSamples.push(String(err));
          }
          statuses.set(code, (statuses.get(code) ?? 0) + 1);
          if (code === 200 || (code > 0 && code < 500) || attempt >= 4) {
            if (code !== 200) lost++;
            break;
          }
          retries++;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  console.log(
    `\n  ${callbacks.length} callbacks in ${seconds.toFixed(2)} s = ${(callbacks.length / seconds).toFixed(0)} callbacks/s`,
  );
  console.log(
    `  latency ms: p50 ${pct(50)}  p95 ${pct(95)}  p99 ${pct(99)}  max ${latencies.at(-1).toFixed(1)}`,
  );
  console.log(
    `  HTTP answers (every attempt): ${JSON.stringify(Object.fromEntries(statuses))}; retries ${retries}; given up ${lost}`,
  );
  for (const e of errorSamples) console.log(`  sample non-200: ${e}`);
  console.log(`  forged callback answered ${forged.status}`);
  if (lost > 0) failed = true;
  if (forged.status !== 403) failed = true;
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  stopDev();
  await new Promise((r) => setTimeout(r, 1500));
}

// ---- final state check (after wrangler dev has stopped, straight from the local D1) -------
const want = new Map(jobs.map((j) => [j.sid, expectedStatus(j.final)]));
const got = rows(
  `SELECT provider_message_id AS sid, status, error_code, delivered_at FROM send_jobs WHERE campaign_id = ${q(campaignId)}`,
);
const wrong = got.filter(
  (r) => want.get(r.sid) !== r.status || (r.status === 'delivered') !== (r.delivered_at !== null),
);
const dupEvents = rows(
  `SELECT send_job_id, event_type, count(*) AS n FROM events WHERE campaign_id = ${q(campaignId)} GROUP BY 1, 2 HAVING n > 1`,
);
const eventCounts = Object.fromEntries(
  rows(`SELECT event_type, count(*) AS n FROM events WHERE campaign_id = ${q(campaignId)} GROUP BY 1`).map(
    (r) => [r.event_type, r.n],
  ),
);
const webhookRows = rows(`SELECT count(*) AS n FROM webhook_events WHERE tenant_id = ${q(tenantId)}`)[0]?.n;
const early = jobs.filter((j) => j.early).length;
const expectDelivered = jobs.filter((j) => j.final === 'delivered').length;
const expectFailed = jobs.length - expectDelivered;

console.log('\nFinal state check');
console.log(
  `  jobs in the right final state: ${got.length - wrong.length}/${jobs.length}${wrong.length ? `  WRONG e.g. ${JSON.stringify(wrong.slice(0, 3))}` : ''}`,
);
console.log(
  `  events: ${JSON.stringify(eventCounts)} (expected FAILED ${expectFailed} and nothing else; ${expectDelivered} deliveries are the jobs' delivered_at)`,
);
console.log(
  `  jobs whose callbacks came before their send was recorded: ${early} (found by the job id in the URL)`,
);
console.log(`  events logged twice for one job: ${dupEvents.length}`);
console.log(`  webhook_events rows: ${webhookRows} (expected 0: a callback naming its job is not stored)`);
const ok =
  !failed &&
  got.length === jobs.length &&
  wrong.length === 0 &&
  dupEvents.length === 0 &&
  eventCounts.FAILED === expectFailed &&
  Object.keys(eventCounts).length === 1 &&
  webhookRows === 0;
console.log(ok ? '\nPASS' : '\nFAIL');
rmSync(PERSIST, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
