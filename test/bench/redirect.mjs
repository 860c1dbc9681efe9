// `npm run bench:redirect`: the short-link redirect for a warm link against a bare Worker that
// only answers a fixed 302, both on `wrangler dev` (same runtime, same machine), loaded by the same
// tool with the same settings. Prints both throughputs, p50/p99 latencies and the ratios.
// Goal: redirect throughput >= 80% of the bare Worker's, and p99 <= 2x the bare one.
// It measures the redirect twice: on the main Worker (behind the admin UI's [assets] routing, the
// hop every request of that Worker pays) and on the link-only Worker (workers/links, the production
// path on a short domain); and, for context, the bare Worker behind the same [assets] routing.
//
// Settings (environment): BENCH_DURATION seconds per run (8), BENCH_CONNECTIONS (32),
// BENCH_THREADS (2), BENCH_ROUNDS alternating rounds, median reported (3), BENCH_APP_PORT (8793),
// BENCH_BARE_PORT (8794), BENCH_BARE_ASSETS_PORT (8797), BENCH_LINKS_PORT (8798). Loopback only; every run is time-bounded.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateAll } from '../../workers/cli/databases.mjs';
import { capture, node22, ROOT, start } from '../../workers/cli/node.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const APP_PORT = Number(process.env.BENCH_APP_PORT ?? 8793);
const BARE_PORT = Number(process.env.BENCH_BARE_PORT ?? 8794);
const BARE_ASSETS_PORT = Number(process.env.BENCH_BARE_ASSETS_PORT ?? 8797);
const LINKS_PORT = Number(process.env.BENCH_LINKS_PORT ?? 8798);
const STATE = join(ROOT, '.wrangler/state-redirect-bench');
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p));
// A person on an iPhone: the full human-click path (classification, repeat check, counters).
const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const IDS = {
  contact: '01900000-0000-7000-8000-0000000be001',
  campaign: '01900000-0000-7000-8000-0000000be002',
  link: '01900000-0000-7000-8000-0000000be003',
};
const TARGET = 'https://shop.example.com/offer?ref=sms';
const children = [];

function log(msg) {
  console.log(`[bench:redirect] ${msg}`);
}

function stopAll() {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  }
}
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    stopAll();
    process.exit(130);
  });
}

/** The demo tenant's shard (workers/cli/seed.mjs) and its index, the token's shard hint. */
const SHARD = 'SHARD_0';
const SHARD_HINT = 'A'; // base64url's alphabet at index 0

/** The same algorithm as workers/domain/link-token.ts, in Node: shard hint + 7 nonce chars + 4 tag chars. */
function linkToken(secret, campaignId, contactId) {
  const nonce =
    SHARD_HINT +
    createHash('sha256')
      .update(`${campaignId}:${contactId}:0`)
      .digest()
      .subarray(0, 6)
      .toString('base64url')
      .slice(0, 7);
  const tag = createHmac('sha256', secret)
    .update(`short-link:${nonce}`)
    .digest()
    .subarray(0, 3)
    .toString('base64url');
  return nonce + tag;
}

function d1(args, state = STATE) {
  return capture('wrangler', ['d1', ...args, '--local', '--persist-to', state], {
    env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function prepareDatabase(secret, state) {
  rmSync(state, { recursive: true, force: true });
  log(`fresh local D1 in ${state}; applying migrations and seeding`);
  migrateAll(['--local', '--persist-to', state], { stdio: 'ignore' });
  const seeded = execFileSync(
    node22(),
    [join(ROOT, 'workers/cli/seed.mjs'), '--json', '--persist-to', state],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  const { tenant_id: tenantId } = JSON.parse(seeded.trim().split('\n').pop());
  const token = linkToken(secret, IDS.campaign, IDS.contact);
  const expires = new Date(Date.now() + 60 * 86400_000).toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redirect-'));
  const file = join(dir, 'link.sql');
  writeFileSync(
    file,
    `INSERT INTO contacts (id, tenant_id, phone_e164, consent_status) VALUES ('${IDS.contact}', '${tenantId}', '+61400000999', 'explicit');
INSERT INTO campaigns (id, tenant_id, name, status, target_url, utm_params)
  VALUES ('${IDS.campaign}', '${tenantId}', 'Redirect bench', 'running', '${TARGET}', '{"utm_source":"sms","utm_campaign":"bench"}');
INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, target_url, expires_at)
  VALUES ('${IDS.link}', '${tenantId}', '${IDS.campaign}', '${IDS.contact}', '${token}', '${TARGET}', '${expires}');
`,
  );
  try {
    d1(['execute', SHARD, '--file', file], state);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return token;
}

function startWorker(name, args) {
  const child = start('wrangler', ['dev', '--ip', '127.0.0.1', '--log-level', 'warn', ...args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  let stderr = '';
  child.stderr.on('data', (b) => {
    stderr = (stderr + b).slice(-4000);
  });
  child.on('exit', (code) => {
    if (children.includes(child)) {
      console.error(`${name} exited early (${code}):\n${stderr}`);
      process.exit(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor302(url, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { redirect: 'manual', headers: { 'user-agent': UA } });
      if (res.status === 302) return res;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer 302 within ${timeoutMs / 1000} s`);
}

function toMs(value) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function runWrk(url, seconds) {
  const r = spawnSync(
    WRK,
    [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `User-Agent: ${UA}`, url],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  const out = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors:.*/.exec(out)?.[0] ?? null;
  return { rps, p50, p99, requests, bad, socketErrors };
}

/** Fallback when wrk is not installed: keep-alive HTTP/1.1, fixed concurrency, fixed duration. */
async function runNode(url, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  let bad = 0;
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.get(url, { agent, headers: { 'user-agent': UA } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 302) bad++;
          latencies.push(performance.now() - t0);
          resolve();
        });
      });
      req.on('error', () => {
        bad++;
        resolve();
      });
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return {
    rps: latencies.length / elapsed,
    p50: pct(50),
    p99: pct(99),
    requests: latencies.length,
    bad,
    socketErrors: null,
  };
}

const load = (url, seconds) => (WRK ? runWrk(url, seconds) : runNode(url, seconds));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const fmtMs = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

async function main() {
  const secret = randomBytes(32).toString('hex');
  const token = prepareDatabase(secret, STATE);
  // The link-only Worker gets its own copy (two wrangler dev processes must not share one SQLite file).
  prepareDatabase(secret, `${STATE}-links`);
  const linksUrl = `http://127.0.0.1:${LINKS_PORT}/l/${token}`;
  const appUrl = `http://127.0.0.1:${APP_PORT}/l/${token}`;
  const bareUrl = `http://127.0.0.1:${BARE_PORT}/l/${token}`;
  const bareAssetsUrl = `http://127.0.0.1:${BARE_ASSETS_PORT}/l/${token}`;

  log(`starting the app on :${APP_PORT} and the bare Worker on :${BARE_PORT}`);
  startWorker('app', [
    '--port',
    String(APP_PORT),
    '--inspector-port',
    String(APP_PORT + 1000),
    '--persist-to',
    STATE,
    '--var',
    `LINK_SECRET:${secret}`,
    '--var',
    `PUBLIC_BASE_URL:http://127.0.0.1:${APP_PORT}`,
  ]);
  startWorker('links', [
    '--config',
    join(ROOT, 'workers/links/wrangler.toml'),
    '--port',
    String(LINKS_PORT),
    '--inspector-port',
    String(LINKS_PORT + 1000),
    '--persist-to',
    `${STATE}-links`,
    '--var',
    `LINK_SECRET:${secret}`,
    '--var',
    `PUBLIC_BASE_URL:http://127.0.0.1:${APP_PORT}`,
  ]);
  startWorker('bare', [
    '--config',
    join(ROOT, 'test/bench/bare-worker/wrangler.toml'),
    '--port',
    String(BARE_PORT),
    '--inspector-port',
    String(BARE_PORT + 1000),
    '--persist-to',
    `${STATE}-bare`,
  ]);
  startWorker('bare+assets', [
    '--config',
    join(ROOT, 'test/bench/bare-worker/wrangler.assets.toml'),
    '--port',
    String(BARE_ASSETS_PORT),
    '--inspector-port',
    String(BARE_ASSETS_PORT + 1000),
    '--persist-to',
    `${STATE}-bare-assets`,
  ]);
  const first = await waitFor302(appUrl);
  const location = first.headers.get('location') ?? '';
  if (!location.startsWith(TARGET) || !location.includes('utm_campaign=bench')) {
    throw new Error(`the redirect answered an unexpected location: ${location}`);
  }
  await waitFor302(bareUrl);
  await waitFor302(bareAssetsUrl);
  await waitFor302(linksUrl);
  log(`all answer 302 (redirect → ${location})`);
  log(
    `tool: ${WRK ? `wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s --latency` : `node keep-alive loop, ${CONNECTIONS} connections, ${DURATION}s`}; ${ROUNDS} alternating rounds, warm-up 2 s each`,
  );

  const targets = [
    ['bare', bareUrl],
    ['bare+assets', bareAssetsUrl],
    ['app', appUrl],
    ['links', linksUrl],
  ];
  for (const [, url] of targets) await load(url, 2);
  const results = { bare: [], 'bare+assets': [], app: [], links: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, url] of targets) {
      const r = await load(url, DURATION);
      results[name].push(r);
      log(
        `round ${round} ${name.padEnd(11)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${fmtMs(r.p50)}  p99 ${fmtMs(r.p99)}  (${r.requests} requests${r.bad ? `, ${r.bad} not 302` : ''}${r.socketErrors ? `, ${r.socketErrors}` : ''})`,
      );
    }
  }
  // Let the last clicks' waitUntil writes land before reading the counters.
  await new Promise((r) => setTimeout(r, 2000));
  stopAll();
  await new Promise((r) => setTimeout(r, 1000));

  const summary = Object.fromEntries(
    Object.entries(results).map(([k, rs]) => [
      k,
      {
        rps: median(rs.map((r) => r.rps)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
      },
    ]),
  );
  const ratios = (k) => ({ rps: summary[k].rps / summary.bare.rps, p99: summary[k].p99 / summary.bare.p99 });
  const clicks = (state) =>
    JSON.parse(
      d1(
        [
          'execute',
          SHARD,
          '--json',
          '--command',
          `SELECT click_count, human_click_count, (SELECT coalesce(sum(clicks), 0) FROM click_counts WHERE campaign_id = '${IDS.campaign}') AS per_minute FROM short_links WHERE id = '${IDS.link}'`,
        ],
        state,
      ),
    )[0]?.results?.[0];

  console.log('\nShort-link redirect vs bare 302 Worker (wrangler dev, loopback, medians)');
  console.log('                                          req/s        p50        p99   vs bare');
  for (const [label, k] of [
    ['bare 302 Worker                         ', 'bare'],
    ['bare 302 Worker + assets routing        ', 'bare+assets'],
    ['GET /l/:token, main Worker (with assets)', 'app'],
    ['GET /l/:token, link-only Worker         ', 'links'],
  ]) {
    const s = summary[k];
    const r = ratios(k);
    console.log(
      `${label}  ${s.rps.toFixed(0).padStart(7)}  ${fmtMs(s.p50).padStart(9)}  ${fmtMs(s.p99).padStart(9)}   ${(r.rps * 100).toFixed(1).padStart(5)}% req/s, p99 ${r.p99.toFixed(2)}x`,
    );
  }
  for (const [label, state] of [
    ['main Worker', STATE],
    ['link-only Worker', `${STATE}-links`],
  ]) {
    const counted = clicks(state);
    if (counted) {
      console.log(
        `clicks recorded by the ${label}: click_count ${counted.click_count}, human ${counted.human_click_count} (one client: repeats within 30 s count once), ${counted.per_minute} in the campaign's per-minute click_counts`,
      );
    }
  }
  // Goal: >= 80% of the bare Worker's throughput, p99 <= 2x. Short links in production are served by
  // the link-only Worker on the short domain; the main Worker's /l/ is the fallback without one.
  const verdict = (k) => {
    const r = ratios(k);
    return r.rps >= 0.8 && r.p99 <= 2 ? 'goal met' : 'goal NOT met';
  };
  console.log(`link-only Worker: ${verdict('links')}; main Worker: ${verdict('app')}`);
}

main().catch((err) => {
  console.error(err);
  stopAll();
  process.exit(1);
});
