// `npm run bench:send`: the send engine end to end on `wrangler dev` (real local Queues, Durable
// Objects and D1 — the control database and the shards) against the Twilio simulator
// (workers/cli/twilio-simulator.mjs, which also posts the `sent` and `delivered` callbacks).
//  (a) throughput: BENCH_CONTACTS contacts on the demo tenant's shard, one number with generous
//      limits, launched through the API, timed until the campaign is completed; messages per second
//      end to end, and exactly one SMS per contact at the simulator. It also prints what the run
//      cost per message (D1 round trips and statements, Durable Object calls, queue batches and
//      their sizes: D1_STATS=1, workers/db/d1-stats.ts) and when the simulator saw the first and
//      the last message, so the figure can be told apart into fan-out, sending and completion.
//  (b) limiter accuracy: 3 numbers × 30/min, 360 contacts (4 minutes of allowed rate): per number,
//      no calendar minute (by the simulator's receive time) over the limit, and utilisation of the
//      allowed rate ≥ 95%.
//
// Env: BENCH_PORT (8795), BENCH_SIM_PORT (8796), BENCH_CONTACTS (10000), BENCH_LIMIT_NUMBERS (3),
// BENCH_PER_MINUTE (30), BENCH_LIMIT_MINUTES (4; 0 skips part b), BENCH_STATS (1; 0 runs without the
// counting wrapper), BENCH_TIMEOUT_SECONDS (900; part a stops there and reports the part sent),
// BENCH_PROFILE (1: a CPU profile of the Worker through its inspector on
// BENCH_INSPECTOR_PORT, default BENCH_PORT + 1000; Node 22), BENCH_PERSIST (.wrangler/state-send-bench; wiped first), BENCH_DEV_LOG (a file
// for wrangler dev's output).
import { join } from 'node:path';
import { ROOT } from '../../workers/cli/node.mjs';
import {
  apiClient,
  checker,
  contactInserts,
  cpuBetween,
  cpuProfile,
  executeSql,
  freshState,
  frozenBuild,
  groupUsage,
  printProfile,
  quietAwayFromNow,
  SEED_SHARD,
  SEEDED_TEMPLATE_ID,
  sleep,
  startSystem,
} from './lib.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 8795);
const SIM_PORT = Number(process.env.BENCH_SIM_PORT ?? 8796);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 10_000);
const LIMIT_NUMBERS = Number(process.env.BENCH_LIMIT_NUMBERS ?? 3);
const PER_MINUTE = Number(process.env.BENCH_PER_MINUTE ?? 30);
const LIMIT_MINUTES = Number(process.env.BENCH_LIMIT_MINUTES ?? 4);
const LIMIT_CONTACTS = LIMIT_NUMBERS * PER_MINUTE * LIMIT_MINUTES;
const STATS = process.env.BENCH_STATS !== '0';
const PROFILE = process.env.BENCH_PROFILE === '1';
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? PORT + 1000);
const PERSIST = join(ROOT, process.env.BENCH_PERSIST ?? '.wrangler/state-send-bench');
const TIMEOUT_SECONDS = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 900);

// ---- fresh local databases: seeded tenant, numbers, contacts -----------------------------------
const seed = freshState(PERSIST);
const T = seed.tenant_id;
const limitedNumbers = Array.from({ length: LIMIT_NUMBERS }, (_, i) => ({
  id: `01900000-0000-7000-8000-0000000001${String(i).padStart(2, '0')}`,
  phone: `+6148000010${i}`,
}));
// tenants and sending_numbers live in the control database, with a copy on the tenant's shard
// (workers/db/replicate.ts): both get the same statements.
const replicated = [
  // Generous: no budgets, the seeded number may send as fast as the engine goes.
  `UPDATE tenants SET daily_budget_cents = NULL, monthly_budget_cents = NULL, timezone = 'Australia/Sydney' WHERE id = '${T}';`,
  `UPDATE sending_numbers SET daily_limit = 1000000, per_minute_limit = 1000000 WHERE id = '${seed.sending_number_id}';`,
  ...limitedNumbers.map(
    (n) =>
      `INSERT INTO sending_numbers (id, tenant_id, kind, phone_e164, provider, daily_limit, per_minute_limit) VALUES ('${n.id}', '${T}', 'phone', '${n.phone}', 'twilio', 100000, ${PER_MINUTE});`,
  ),
];
executeSql(PERSIST, 'CONTROL_DB', replicated);
executeSql(PERSIST, SEED_SHARD, [
  ...replicated,
  ...contactInserts(T, { group: 1, count: CONTACTS, phoneOffset: 10_000_000, customFields: '{"bench":"a"}' }),
  ...(LIMIT_MINUTES > 0
    ? contactInserts(T, {
        group: 2,
        count: LIMIT_CONTACTS,
        phoneOffset: 20_000_000,
        customFields: '{"bench":"b"}',
      })
    : []),
]);
console.log(
  `Seeded ${CONTACTS} + ${LIMIT_MINUTES > 0 ? LIMIT_CONTACTS : 0} contacts on ${SEED_SHARD} and ${LIMIT_NUMBERS} numbers at ${PER_MINUTE}/min`,
);

const build = frozenBuild('bench-send');
const sys = startSystem({
  build,
  persist: PERSIST,
  port: PORT,
  simPort: SIM_PORT,
  vars: STATS ? { D1_STATS: '1' } : {},
  logFile: process.env.BENCH_DEV_LOG,
  inspectorPort: INSPECTOR_PORT,
});
const api = apiClient(sys.base, seed.api_key);
const { check, failed, fail } = checker();

let timedOut = false;

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
  if (STATS) await fetch(`${sys.base}/dev/d1-stats`, { method: 'DELETE' });
  const profiler = PROFILE ? await cpuProfile(INSPECTOR_PORT, build) : null;
  const cpuBefore = { dev: groupUsage(sys.groups.dev), sim: groupUsage(sys.groups.sim) };
  const started = performance.now();
  const launchedAt = Date.now();
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
    if (elapsed > timeoutSeconds) {
      // Still report what the sends so far cost: that is what says what bounds the rate.
      console.log(
        `  ${name} did not complete within ${timeoutSeconds} s: figures below are for the part sent`,
      );
      timedOut = true;
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = {
    ...cpuBetween(cpuBefore.dev, groupUsage(sys.groups.dev)),
    simulator: Object.values(cpuBetween(cpuBefore.sim, groupUsage(sys.groups.sim))).reduce(
      (a, b) => a + b,
      0,
    ),
  };
  const counted = STATS ? await (await fetch(`${sys.base}/dev/d1-stats`)).json() : null;
  if (profiler) printProfile(await profiler.stop(), name);
  return { id: c.id, seconds, launchedAt, stats, counted, cpu };
}

async function simMessages() {
  return (await (await fetch(`${sys.sim}/_sim/messages`)).json()).messages;
}

/**
 * What one campaign cost per message sent: CPU time of each process (workerd runs the Worker, its
 * Durable Objects, local D1 and Queues on one thread, so 1,000 / its ms per message bounds the
 * local rate whatever the wall clock says on a busy machine) and what the counting wrapper saw.
 */
function printCosts({ counted, cpu, seconds }, messages) {
  const per = (x) => (x / messages).toFixed(2);
  console.log(
    `  CPU per message: ${Object.entries(cpu)
      .map(
        ([name, s]) =>
          `${name === 'node' ? 'wrangler (node)' : name} ${((s * 1000) / messages).toFixed(2)} ms`,
      )
      .join(
        ', ',
      )}; workerd busy ${(((cpu.workerd ?? 0) / seconds) * 100).toFixed(0)}% of one core over ${seconds.toFixed(0)} s`,
  );
  if (cpu.workerd)
    console.log(
      `  → workerd alone caps this machine at about ${(messages / cpu.workerd).toFixed(0)} messages/s (one core each)`,
    );
  if (!counted) return;
  const sum = (pick) =>
    Object.entries(counted).reduce(
      (acc, [label, c]) =>
        pick(label)
          ? {
              rt: acc.rt + (c.roundTrips ?? 0),
              st: acc.st + (c.statements ?? 0),
              batches: acc.batches + (c.batches ?? 0),
              messages: acc.messages + (c.messages ?? 0),
              rw: acc.rw + (c.rowsWritten ?? 0),
            }
          : acc,
      { rt: 0, st: 0, batches: 0, messages: 0, rw: 0 },
    );
  const fanout = sum((l) => l === 'queue:sms-fanout');
  const send = sum((l) => l === 'queue:sms-send');
  const hooks = sum((l) => l === 'webhooks/twilio');
  const cron = sum((l) => l === 'cron');
  console.log(`  per message sent (${messages}):`);
  console.log(
    `    D1 send path: fan-out ${per(fanout.rt)} round trips / ${per(fanout.st)} statements / ${per(fanout.rw)} rows written, send consumer ${per(send.rt)} / ${per(send.st)} / ${per(send.rw)}`,
  );
  console.log(
    `    D1 status callbacks: ${per(hooks.rt)} round trips / ${per(hooks.st)} statements / ${per(hooks.rw)} rows written; cron ${cron.rt} round trips in all`,
  );
  const dos = Object.entries(counted).filter(([label]) => label.startsWith('do:'));
  if (dos.length)
    console.log(
      `    Durable Object calls: ${dos.map(([label, c]) => `${label.slice(3)} ${per(c.roundTrips)}`).join(', ')}`,
    );
  for (const [label, q] of [
    ['sms-fanout', fanout],
    ['sms-send', send],
  ]) {
    if (q.batches)
      console.log(
        `    queue ${label}: ${q.batches} batches, ${(q.messages / q.batches).toFixed(1)} messages per batch on average`,
      );
  }
}

try {
  await sys.ready;

  console.log(`\n(a) throughput: ${CONTACTS} contacts, one number with generous limits`);
  await fetch(`${sys.sim}/_sim/messages`, { method: 'DELETE' });
  const a = await runCampaign('Bench throughput', 'a', [seed.sending_number_id], CONTACTS, TIMEOUT_SECONDS);
  const aMsgs = await simMessages();
  const aTo = new Set(aMsgs.map((m) => m.to));
  const sentCount = a.stats.sent + a.stats.delivered;
  console.log(
    `  ${sentCount} sent in ${a.seconds.toFixed(1)} s = ${(sentCount / a.seconds).toFixed(1)} messages/s end to end (launch → completed)`,
  );
  if (aMsgs.length > 0) {
    const times = aMsgs.map((m) => Date.parse(m.received_at)).sort((x, y) => x - y);
    const first = (times[0] - a.launchedAt) / 1000;
    const span = (times.at(-1) - times[0]) / 1000;
    console.log(
      `  simulator: first message ${first.toFixed(1)} s after launch, last ${(first + span).toFixed(1)} s; ${(aMsgs.length / Math.max(span, 0.001)).toFixed(1)} messages/s between them`,
    );
  }
  printCosts(a, sentCount);
  check(aMsgs.length === CONTACTS, `simulator received ${aMsgs.length} messages (expected ${CONTACTS})`);
  check(aTo.size === aMsgs.length, `one SMS per contact (${aTo.size} distinct recipients)`);
  check(a.stats.failed === 0, `no failed jobs (${a.stats.failed})`);
  check(!timedOut, `completed within ${TIMEOUT_SECONDS} s`);

  if (LIMIT_MINUTES > 0) {
    console.log(
      `\n(b) limiter accuracy: ${LIMIT_NUMBERS} numbers × ${PER_MINUTE}/min, ${LIMIT_CONTACTS} contacts (${LIMIT_MINUTES} min of allowed rate)`,
    );
    await fetch(`${sys.sim}/_sim/messages`, { method: 'DELETE' });
    const b = await runCampaign(
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
    check(new Set(bMsgs.map((m) => m.to)).size === bMsgs.length, 'one SMS per contact');
    let worstMinute = 0;
    for (const n of limitedNumbers) {
      const perMinute = new Map();
      for (const m of bMsgs.filter((x) => x.from === n.phone)) {
        const minute = m.received_at.slice(0, 16);
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
      }
      worstMinute = Math.max(worstMinute, ...perMinute.values());
      console.log(
        `  ${n.phone}: per calendar minute ${[...perMinute.entries()].map(([k, v]) => `${k.slice(11)}=${v}`).join(' ')}`,
      );
    }
    check(
      worstMinute <= PER_MINUTE,
      `no number over ${PER_MINUTE} in any calendar minute (worst ${worstMinute})`,
    );
    // Utilisation in the steady state: the messages after the first minute (a window that may
    // start with a burst of a full minute's allowance, or, paced by the fan-out, with none) over
    // the time from there to the last message, against the allowed rate.
    const times = bMsgs.map((m) => Date.parse(m.received_at)).sort((x, y) => x - y);
    const spanSeconds = (times.at(-1) - times[0]) / 1000;
    const steadyFrom = times[0] + 60_000;
    const steady = times.filter((t) => t > steadyFrom).length;
    const steadySeconds = (times.at(-1) - steadyFrom) / 1000;
    const allowedPerSecond = (LIMIT_NUMBERS * PER_MINUTE) / 60;
    const utilisation = steady / (allowedPerSecond * steadySeconds);
    console.log(
      `  ${bMsgs.length} messages from first to last in ${spanSeconds.toFixed(1)} s (${(bMsgs.length / spanSeconds).toFixed(2)}/s); after the first minute ${steady} in ${steadySeconds.toFixed(1)} s; allowed ${allowedPerSecond.toFixed(2)}/s → utilisation ${(utilisation * 100).toFixed(1)}%`,
    );
    printCosts(b, b.stats.sent + b.stats.delivered);
    check(utilisation >= 0.95, 'utilisation of the allowed rate ≥ 95%');
  }
} catch (err) {
  console.error(err);
  console.error(sys.log().slice(-3000));
  fail();
} finally {
  sys.stop();
}
process.exit(failed() ? 1 : 0);
