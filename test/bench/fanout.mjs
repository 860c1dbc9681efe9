// `npm run bench:fanout`: one campaign over BENCH_CONTACTS (1,000,000) contacts of one tenant on one
// shard, fanned out by the real code path (workers/queues/fanout.ts: keyset pages of the audience,
// each page's send jobs and personal short links in one D1 batch of bulk inserts, the next page
// through the fan-out queue) on `wrangler dev` (real local Queues and D1), launched through the API.
// The number has generous limits, so pacing asks for full pages (500) with no delay between them.
// The send queue's producer points at a queue with no consumer: the local broker accepts each
// message and drops it, so only the fan-out runs (bench:send measures the send consumer).
// It prints the total time (launch → fanout_done_at), contacts/s, the time and Worker CPU per page,
// the peak RSS of workerd, of wrangler's node process and of this script, the shard's D1 file
// before and after (bytes per recipient), and D1 round trips and statements per page
// (D1_STATS=1, workers/db/d1-stats.ts). Checks: one job per contact, one link per job, the cursor
// reached the end (fanout_done_at set), no page counted twice.
//
// Env: BENCH_CONTACTS (1000000), BENCH_PORT (8861), BENCH_SIM_PORT (8862),
// BENCH_TIMEOUT_MINUTES (120), BENCH_PERSIST (.wrangler/state-fanout-bench; wiped first),
// BENCH_KEEP (keep the state afterwards; it is several hundred MB at 1M).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node22, ROOT } from '../../workers/cli/node.mjs';

// The contacts are written and the results read with node:sqlite (Node ≥ 22): re-run under it.
if (node22() !== process.execPath) {
  const r = spawnSync(node22(), ['--no-warnings', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const { DatabaseSync } = await import('node:sqlite');

import {
  apiClient,
  checker,
  cpuBetween,
  executeSql,
  freshState,
  frozenBuild,
  groupUsage,
  peakMemory,
  quietAwayFromNow,
  SEED_SHARD,
  SEEDED_TEMPLATE_ID,
  sleep,
  startSystem,
} from './lib.mjs';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const PORT = Number(process.env.BENCH_PORT ?? 8861);
const SIM_PORT = Number(process.env.BENCH_SIM_PORT ?? 8862);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MINUTES ?? 120) * 60_000;
const PERSIST = join(ROOT, process.env.BENCH_PERSIST ?? '.wrangler/state-fanout-bench');
/** No consumer anywhere has this name: the local broker drops what is sent to it. */
const SINK_QUEUE = `sms-send-fanout-bench-sink-${process.pid}`;
const MB = 1024 * 1024;

const seed = freshState(PERSIST);
const T = seed.tenant_id;
// Generous limits and no budget: pacing then asks for full pages at once (workers/domain/pacing.ts).
const replicated = [
  `UPDATE tenants SET daily_budget_cents = NULL, monthly_budget_cents = NULL WHERE id = '${T}';`,
  `UPDATE sending_numbers SET daily_limit = 10000000, per_minute_limit = 1000000 WHERE id = '${seed.sending_number_id}';`,
];
executeSql(PERSIST, 'CONTROL_DB', replicated);
executeSql(PERSIST, SEED_SHARD, replicated);

/** The seeded tenant's shard file: a shard (it has contacts) holding the tenant's copy. */
function shardFile() {
  const dir = join(PERSIST, 'v3/d1/miniflare-D1DatabaseObject');
  const found = readdirSync(dir)
    .filter((f) => f.endsWith('.sqlite'))
    .filter((f) => {
      const db = new DatabaseSync(join(dir, f), { readOnly: true });
      try {
        const hasContacts = db
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'contacts'")
          .get();
        return hasContacts && db.prepare('SELECT 1 FROM tenants WHERE id = ?').get(T);
      } finally {
        db.close();
      }
    });
  if (found.length !== 1) throw new Error(`expected one shard file holding ${T}, found ${found.length}`);
  return join(dir, found[0]);
}
const SHARD_FILE = shardFile();
const fileBytes = () => {
  let n = 0;
  for (const suffix of ['', '-wal']) {
    try {
      n += statSync(SHARD_FILE + suffix).size;
    } catch {}
  }
  return n;
};

// 1M rows through `wrangler d1 execute` would be a 100 MB SQL file; SQLite generates them itself.
let t0 = performance.now();
{
  const db = new DatabaseSync(SHARD_FILE);
  try {
    db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${CONTACTS - 1})
      INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status)
      SELECT printf('01930000-0000-7000-8000-%012d', i), '${T}', printf('+614%08d', 10000000 + i),
             'Person ' || i, 'explicit'
        FROM n;`);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
const audience = (() => {
  const db = new DatabaseSync(SHARD_FILE, { readOnly: true });
  try {
    return Number(db.prepare('SELECT count(*) AS n FROM contacts WHERE tenant_id = ?').get(T).n);
  } finally {
    db.close();
  }
})();
const bytesBefore = fileBytes();
console.log(
  `Seeded ${CONTACTS.toLocaleString('en')} contacts on ${SEED_SHARD} in ${((performance.now() - t0) / 1000).toFixed(1)} s (tenant has ${audience.toLocaleString('en')}); shard file ${(bytesBefore / MB).toFixed(1)} MB`,
);

const build = frozenBuild('bench-fanout');
{
  // The send queue's producer → a queue nobody consumes (only the top-level producer, not the envs').
  const { readFileSync, writeFileSync } = await import('node:fs');
  const toml = join(build, 'wrangler.toml');
  const text = readFileSync(toml, 'utf8');
  const from = 'binding = "SEND_QUEUE"\nqueue = "sms-send"\n';
  if (!text.includes(from)) throw new Error('wrangler.toml has no SEND_QUEUE producer to redirect');
  writeFileSync(toml, text.replace(from, `binding = "SEND_QUEUE"\nqueue = "${SINK_QUEUE}"\n`));
}
const sys = startSystem({
  build,
  persist: PERSIST,
  port: PORT,
  simPort: SIM_PORT,
  vars: { D1_STATS: '1' },
  logFile: process.env.BENCH_DEV_LOG,
});
const api = apiClient(sys.base, seed.api_key);
const { check, failed, fail } = checker();

let peakSelf = 0;
const selfTimer = setInterval(() => {
  peakSelf = Math.max(peakSelf, process.memoryUsage().rss);
}, 500);

try {
  await sys.ready;
  const c = await api('/campaigns', {
    method: 'POST',
    body: JSON.stringify({
      name: 'Fan-out bench',
      template_ids: [SEEDED_TEMPLATE_ID],
      target_url: 'https://demo-coffee.example/offer',
      sending_number_ids: [seed.sending_number_id],
      ...quietAwayFromNow(),
    }),
  });
  await fetch(`${sys.base}/dev/d1-stats`, { method: 'DELETE' });
  const memory = peakMemory([sys.groups.dev], 500);
  const cpuBefore = groupUsage(sys.groups.dev);
  const launchedAt = Date.now();
  t0 = performance.now();
  await api(`/campaigns/${c.id}/launch`, { method: 'POST' });
  const launchMs = performance.now() - t0;
  let lastPrint = 0;
  let counted = 0;
  for (;;) {
    await sleep(2000);
    const got = await api(`/campaigns/${c.id}`);
    counted = got.audience_count ?? 0;
    const s = (performance.now() - t0) / 1000;
    if (performance.now() - lastPrint > 30_000) {
      lastPrint = performance.now();
      console.log(
        `  ${s.toFixed(0)} s: ${counted.toLocaleString('en')} contacts fanned out (${(counted / s).toFixed(0)}/s)`,
      );
    }
    if (counted >= audience) break;
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`not done after ${TIMEOUT_MS / 60_000} min`);
  }
  // The page after the last full one finds nothing and records the end (one more queue hop).
  await sleep(5000);
  const cpu = cpuBetween(cpuBefore, groupUsage(sys.groups.dev));
  const peaks = memory.stop();
  const stats = await (await fetch(`${sys.base}/dev/d1-stats`)).json();
  sys.stop();
  clearInterval(selfTimer);
  await sleep(2000);

  const db = new DatabaseSync(SHARD_FILE, { readOnly: true });
  let r;
  try {
    r = db
      .prepare(
        `SELECT c.fanout_done_at AS done, c.audience_count AS counted,
                (SELECT count(*) FROM send_jobs j WHERE j.campaign_id = c.id) AS jobs,
                (SELECT count(DISTINCT contact_id) FROM send_jobs j WHERE j.campaign_id = c.id) AS contacts,
                (SELECT count(*) FROM short_links l WHERE l.campaign_id = c.id) AS links
           FROM campaigns c WHERE c.id = ?`,
      )
      .get(c.id);
  } finally {
    db.close();
  }
  const bytesAfter = fileBytes();
  const seconds = r.done ? (Date.parse(r.done) - launchedAt) / 1000 : (performance.now() - t0) / 1000;
  const fan = stats['queue:sms-fanout'] ?? { roundTrips: 0, statements: 0, batches: 0, messages: 0 };
  const pages = fan.messages ?? 0;
  const workerdCpu = cpu.workerd ?? 0;
  const per = (x, n) => (n ? x / n : 0).toFixed(2);

  console.log(`\nFan-out of ${audience.toLocaleString('en')} contacts (one tenant, ${SEED_SHARD})`);
  console.log(
    `  total ${seconds.toFixed(1)} s from launch to fanout_done_at = ${(r.jobs / seconds).toFixed(0)} jobs (+ links)/s; launch request ${launchMs.toFixed(0)} ms`,
  );
  console.log(
    `  ${pages} pages (${fan.batches ?? 0} queue batches): ${((seconds * 1000) / Math.max(pages, 1)).toFixed(0)} ms per page wall clock, workerd CPU ${((workerdCpu * 1000) / Math.max(pages, 1)).toFixed(0)} ms per page (${((workerdCpu * 1e6) / Math.max(r.jobs, 1)).toFixed(0)} µs per recipient; CPU alone would allow ${(r.jobs / Math.max(workerdCpu, 0.001)).toFixed(0)}/s)`,
  );
  console.log(
    `  CPU seconds: ${Object.entries(cpu)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(
        ', ',
      )}; the rest of each page's wall time is the queue's batch wait (max_batch_timeout 1 s) and a busy machine`,
  );
  console.log(
    `  peak RSS: workerd ${(peaks.workerd ?? 0).toFixed(0)} MB, wrangler (node) ${(peaks.node ?? 0).toFixed(0)} MB, this script ${(peakSelf / MB).toFixed(0)} MB`,
  );
  console.log(
    `  shard D1 file: ${(bytesBefore / MB).toFixed(1)} MB → ${(bytesAfter / MB).toFixed(1)} MB = ${((bytesAfter - bytesBefore) / Math.max(r.jobs, 1)).toFixed(0)} bytes per recipient (send job + short link, with their indexes)`,
  );
  console.log(
    `  D1 per page: ${per(fan.roundTrips, pages)} round trips, ${per(fan.statements, pages)} statements (per recipient ${per(fan.roundTrips, r.jobs)} / ${(fan.statements / Math.max(r.jobs, 1)).toFixed(4)})`,
  );
  console.log(`  by entry point: ${JSON.stringify(stats)}`);
  check(r.done !== null, `fanout_done_at recorded (${r.done})`);
  check(r.counted === audience, `audience_count ${r.counted} = the tenant's ${audience} contacts`);
  check(
    r.jobs === audience && r.contacts === r.jobs,
    `${r.jobs} send jobs for ${r.contacts} distinct contacts`,
  );
  check(r.links === r.jobs, `${r.links} short links, one per job`);
} catch (err) {
  console.error(err);
  console.error(sys.log().slice(-3000));
  fail();
} finally {
  sys.stop();
  clearInterval(selfTimer);
}
if (!process.env.BENCH_KEEP) rmSync(PERSIST, { recursive: true, force: true });
process.exit(failed() ? 1 : 0);
