// `npm run bench:storage`: what one delivered SMS costs D1, measured end to end on `wrangler dev`.
// 10,000 contacts get a campaign with a personal link through the real queues, Durable Objects and
// the Twilio simulator (which posts the `sent` and `delivered` callbacks), then every link is
// clicked once by a phone browser. It prints
//  - bytes of D1 storage per message (tables and indexes, all databases), from the SQLite page
//    counts before and after, with the share of each table and index (SQLite's dbstat);
//  - D1 round trips and statements per message on the send path (launch, fan-out, send
//    consumer), per status callback and per click, from a counting wrapper around the D1
//    bindings (D1_STATS=1, workers/db/d1-stats.ts).
//
// Env: BENCH_PORT (8805), BENCH_SIM_PORT (8806), BENCH_CONTACTS (10000), BENCH_TIMEOUT_MINUTES (60),
// BENCH_PERSIST (.wrangler/state-storage-bench; wiped first).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node22, ROOT } from '../../workers/cli/node.mjs';

// SQLite's page counts are read with node:sqlite (Node ≥ 22): re-run under Node 22 when needed.
if (node22() !== process.execPath) {
  const r = spawnSync(node22(), ['--no-warnings', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const { DatabaseSync } = await import('node:sqlite');

import {
  apiClient,
  checker,
  contactInserts,
  executeSql,
  freshState,
  frozenBuild,
  quietAwayFromNow,
  SEED_SHARD,
  SEEDED_TEMPLATE_ID,
  sleep,
  startSystem,
} from './lib.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 8805);
const SIM_PORT = Number(process.env.BENCH_SIM_PORT ?? 8806);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 10_000);
const TIMEOUT_MINUTES = Number(process.env.BENCH_TIMEOUT_MINUTES ?? 60);
const PERSIST = join(ROOT, process.env.BENCH_PERSIST ?? '.wrangler/state-storage-bench');
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/** Every local D1 file: bytes per table and index (dbstat), summed over all databases. */
function storage() {
  const dir = join(PERSIST, 'v3/d1/miniflare-D1DatabaseObject');
  const byObject = new Map();
  let total = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.sqlite'))) {
    const db = new DatabaseSync(join(dir, f), { readOnly: true });
    try {
      for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all()) {
        byObject.set(r.name, (byObject.get(r.name) ?? 0) + Number(r.bytes));
      }
      const { page_count: pages } = db.prepare('PRAGMA page_count').get();
      const { page_size: size } = db.prepare('PRAGMA page_size').get();
      total += pages * size;
    } finally {
      db.close();
    }
  }
  return { total, byObject };
}

const seed = freshState(PERSIST);
const T = seed.tenant_id;
// Generous limits and no budget, so the engine, not a limit, decides the pace.
const replicated = [
  `UPDATE tenants SET daily_budget_cents = NULL, monthly_budget_cents = NULL WHERE id = '${T}';`,
  `UPDATE sending_numbers SET daily_limit = 1000000, per_minute_limit = 1000000 WHERE id = '${seed.sending_number_id}';`,
];
executeSql(PERSIST, 'CONTROL_DB', replicated);
executeSql(PERSIST, SEED_SHARD, [
  ...replicated,
  ...contactInserts(T, { group: 1, count: CONTACTS, phoneOffset: 10_000_000 }),
]);
console.log(`Seeded ${CONTACTS} contacts`);
const before = storage();

const build = frozenBuild('bench-storage');
const sys = startSystem({ build, persist: PERSIST, port: PORT, simPort: SIM_PORT, vars: { D1_STATS: '1' } });
const api = apiClient(sys.base, seed.api_key);
const { check, failed, fail } = checker();
const perMessage = (x) => (x / CONTACTS).toFixed(2);

try {
  await sys.ready;
  await fetch(`${sys.base}/dev/d1-stats`, { method: 'DELETE' });
  const c = await api('/campaigns', {
    method: 'POST',
    body: JSON.stringify({
      name: 'Storage bench',
      template_ids: [SEEDED_TEMPLATE_ID],
      target_url: 'https://demo-coffee.example/offer',
      sending_number_ids: [seed.sending_number_id],
      ...quietAwayFromNow(),
    }),
  });
  await api(`/campaigns/${c.id}/launch`, { method: 'POST' });
  const started = performance.now();
  let stats;
  for (;;) {
    await sleep(1000);
    stats = await api(`/campaigns/${c.id}/stats`);
    if (stats.status === 'completed' && stats.delivered + stats.failed >= CONTACTS) break;
    if (performance.now() - started > TIMEOUT_MINUTES * 60_000)
      throw new Error(`not done after ${TIMEOUT_MINUTES} min: ${JSON.stringify(stats)}`);
  }
  console.log(
    `\nSent ${stats.sent + stats.delivered}, delivered ${stats.delivered} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const afterSend = await (await fetch(`${sys.base}/dev/d1-stats`)).json();

  // One human click per message, from the link in the message the simulator received.
  const messages = (await (await fetch(`${sys.sim}/_sim/messages`)).json()).messages;
  const links = messages.map((m) => /https?:\/\/\S+\/l\/[A-Za-z0-9_-]{12}/.exec(m.body)?.[0]).filter(Boolean);
  check(links.length === CONTACTS, `${links.length} personal links in ${messages.length} messages`);
  let next = 0;
  let redirected = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < links.length) {
        const url = links[next++];
        const res = await fetch(url, {
          redirect: 'manual',
          headers: { 'user-agent': IPHONE, 'cf-connecting-ip': `10.0.${next % 250}.${next % 200}` },
        });
        if (res.status === 302) redirected++;
      }
    }),
  );
  check(redirected === CONTACTS, `${redirected} clicks redirected`);
  await sleep(3000);
  const afterClicks = await (await fetch(`${sys.base}/dev/d1-stats`)).json();
  const final = await api(`/campaigns/${c.id}/stats`);
  check(final.human_clicks === CONTACTS, `${final.human_clicks} human clicks counted`);
  sys.stop();
  await sleep(2000);

  const after = storage();
  const bytes = after.total - before.total;
  console.log(
    `\nD1 storage: ${bytes} bytes for ${CONTACTS} messages = ${perMessage(bytes)} bytes per message (all databases, tables and indexes)`,
  );
  const rows = [...after.byObject]
    .map(([name, b]) => [name, b - (before.byObject.get(name) ?? 0)])
    .filter(([, d]) => d > 0)
    .sort((a, b) => b[1] - a[1]);
  for (const [name, d] of rows) console.log(`  ${name.padEnd(48)} ${perMessage(d).padStart(9)} B/message`);

  const sum = (s, labels) =>
    labels.reduce(
      (acc, l) => ({
        rt: acc.rt + (s[l]?.roundTrips ?? 0),
        st: acc.st + (s[l]?.statements ?? 0),
        rw: acc.rw + (s[l]?.rowsWritten ?? 0),
      }),
      { rt: 0, st: 0, rw: 0 },
    );
  const sendLabels = Object.keys(afterSend).filter(
    (l) => l.startsWith('queue:sms-fanout') || l.startsWith('queue:sms-send'),
  );
  const send = sum(afterSend, sendLabels);
  const launch = sum(afterSend, ['api/v1']);
  const hooks = sum(afterSend, ['webhooks/twilio']);
  const clickDelta = {
    rt: (afterClicks.click?.roundTrips ?? 0) - (afterSend.click?.roundTrips ?? 0),
    st: (afterClicks.click?.statements ?? 0) - (afterSend.click?.statements ?? 0),
    rw: (afterClicks.click?.rowsWritten ?? 0) - (afterSend.click?.rowsWritten ?? 0),
  };
  console.log('\nD1 per message:');
  const line = (label, x) =>
    console.log(
      `  ${label.padEnd(37)} ${perMessage(x.rt)} round trips, ${perMessage(x.st)} statements, ${perMessage(x.rw)} rows written`,
    );
  line('send path (fan-out + send consumer):', send);
  line('launch and stats polling (API):', launch);
  line('status callbacks (2 per message):', hooks);
  line('one click:', clickDelta);
  line('send + callbacks + click:', {
    rt: send.rt + hooks.rt + clickDelta.rt,
    st: send.st + hooks.st + clickDelta.st,
    rw: send.rw + hooks.rw + clickDelta.rw,
  });
  // Durable Object requests (RPC calls) and queue messages delivered to consumers, per message.
  const dos = Object.entries(afterClicks).filter(([l]) => l.startsWith('do:'));
  console.log(
    `  Durable Object requests: ${dos.map(([l, c]) => `${l.slice(3)} ${perMessage(c.roundTrips)}`).join(', ')}`,
  );
  const queues = Object.entries(afterClicks).filter(([l]) => l.startsWith('queue:'));
  console.log(
    `  queue messages consumed: ${queues.map(([l, c]) => `${l.slice(6)} ${perMessage(c.messages ?? 0)} (${c.batches ?? 0} batches)`).join(', ')}`,
  );
  console.log(`  by entry point: ${JSON.stringify(afterClicks)}`);
  check(send.rt / CONTACTS <= 2, 'send path ≤ 2 round trips per message');
  check(send.st / CONTACTS <= 4, 'send path ≤ 4 statements per message');
  check(bytes / CONTACTS <= 1536, 'storage ≤ 1.5 KB per message');
} catch (err) {
  console.error(err);
  console.error(sys.log().slice(-3000));
  fail();
} finally {
  sys.stop();
}
process.exit(failed() ? 1 : 0);
