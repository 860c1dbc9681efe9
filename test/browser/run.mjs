// Browser tests in real Chromium against `wrangler dev` with a fresh local database.
// Builds the UI, migrates and seeds a temp D1, starts the Twilio simulator on BROWSER_PORT + 1 and
// wrangler dev on BROWSER_PORT (8790), then runs every
// test/browser/*.spec.mjs in order. A failing spec leaves test/browser/screenshots/<spec>.png.
// Usage: node test/browser/run.mjs [name-filter]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { migrateAll } from '../../workers/cli/databases.mjs';
import { ensureDevVars } from '../../workers/cli/dev-vars.mjs';
import { ensureChromium, ensureWebBuild, node22, portFree, ROOT, start } from '../../workers/cli/node.mjs';

const PORT = Number(process.env.BROWSER_PORT ?? 8790);
const BASE = `http://127.0.0.1:${PORT}`;
const SIM_PORT = PORT + 1;
const SIM_BASE = `http://127.0.0.1:${SIM_PORT}`;
const SPEC_TIMEOUT_MS = 120_000;
const HERE = join(ROOT, 'test/browser');
const SHOTS = join(HERE, 'screenshots');
const filter = process.argv[2];

const persistDir = mkdtempSync(join(tmpdir(), 'browser-d1-'));
let wrangler;
let simulator;
let browser;
let wranglerLog = '';

function log(msg) {
  console.log(`[browser] ${msg}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function cleanup() {
  if (browser) await withTimeout(browser.close(), 10_000, 'closing Chromium').catch(() => {});
  if (simulator?.pid && simulator.exitCode === null) {
    try {
      process.kill(-simulator.pid, 'SIGTERM');
    } catch {}
  }
  if (wrangler?.pid && wrangler.exitCode === null) {
    // wrangler dev spawns workerd: end the whole process group, not just the node parent.
    try {
      process.kill(-wrangler.pid, 'SIGTERM');
    } catch {}
    await withTimeout(new Promise((r) => wrangler.once('exit', r)), 10_000, 'stopping wrangler').catch(() => {
      try {
        process.kill(-wrangler.pid, 'SIGKILL');
      } catch {}
    });
  }
  rmSync(persistDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await cleanup();
    process.exit(130);
  });
}

/** A server left on our ports (an earlier run killed mid-way) would be tested instead of ours. */
async function assertPortsFree() {
  for (const port of [PORT, SIM_PORT]) {
    if (!(await portFree(port)))
      throw new Error(
        `port ${port} is in use (a wrangler dev or simulator left by an earlier run?): stop it, or set BROWSER_PORT`,
      );
  }
}

async function waitForServer() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null)
      throw new Error(`wrangler dev exited early:\n${wranglerLog.slice(-4000)}`);
    if (/Build failed/.test(wranglerLog))
      throw new Error(`the Worker does not build:\n${wranglerLog.slice(-4000)}`);
    try {
      const res = await fetch(`${BASE}/api/v1/openapi.json`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not answer on ${BASE} within 2 minutes:\n${wranglerLog.slice(-4000)}`);
}

function makeContext(seed, specName) {
  const contexts = [];
  const pages = [];
  let ownAdmin = null;
  const ctx = {
    browser,
    baseUrl: BASE,
    seed,
    pages,
    /** The local D1 directory wrangler dev runs on, for specs that seed rows with `wrangler d1 execute`. */
    persistDir,
    /** The local Twilio simulator (workers/cli/twilio-simulator.mjs), for its /_sim/* controls. */
    simBase: SIM_BASE,
    /** A page in a fresh browser context (own cookies), with bounded timeouts. */
    async newPage({ width = 1280, height = 900 } = {}) {
      const context = await browser.newContext({
        viewport: { width, height },
        baseURL: BASE,
        acceptDownloads: true,
      });
      context.setDefaultTimeout(15_000);
      context.setDefaultNavigationTimeout(20_000);
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
      pages.push(page);
      return page;
    },
    /** Calls the API with the seed admin's key; resolves with {status, body, headers}. */
    async api(path, init = {}) {
      const headers = { authorization: `Bearer ${seed.api_key}`, ...(init.headers ?? {}) };
      let body = init.body;
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      }
      const res = await fetch(`${BASE}${path}`, {
        method: init.method ?? (body ? 'POST' : 'GET'),
        headers,
        body,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      let parsed = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, body: parsed, headers: res.headers };
    },
    /**
     * The spec's own admin of the demo tenant, created through the API on first use. Sign-in links
     * are limited to 5 per email (and 30 per address) in 15 minutes, and the suite signs in more
     * often than that: each spec signs in as its own admin, so no spec spends another's budget.
     */
    async ownAdmin() {
      if (!ownAdmin) {
        const email = `${specName}-admin@example.com`;
        const res = await ctx.api('/api/v1/users', { json: { email, role: 'admin' } });
        if (res.status !== 201)
          throw new Error(`creating ${email}: ${res.status} ${JSON.stringify(res.body)}`);
        ownAdmin = email;
      }
      return ownAdmin;
    },
    /**
     * Signs in through the UI: email → "check your inbox" → link from /dev/outbox. Without an
     * email, as the spec's own admin (see ownAdmin).
     */
    async login(page, email) {
      email ??= await ctx.ownAdmin();
      await page.goto('/login');
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      // A refusal (e.g. too many sign-in requests) shows as an alert: fail with its words at once.
      const sent = page.getByText('Check your inbox');
      const refused = page.getByRole('alert');
      await sent.or(refused).first().waitFor();
      if (!(await sent.isVisible())) {
        throw new Error(`sign-in refused for ${email}: ${(await refused.first().textContent())?.trim()}`);
      }
      const outbox = await (await fetch(`${BASE}/dev/outbox`)).json();
      const link = outbox.find((m) => m.to === email)?.link;
      if (!link) throw new Error(`no sign-in email for ${email} in /dev/outbox`);
      await page.goto(link);
      await page.waitForURL(`${BASE}/`);
      // The navigation is a collapsed menu at phone width; the Log out button shows at every width.
      await page.getByRole('button', { name: 'Log out' }).waitFor();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
    },
  };
  return ctx;
}

let passed = 0;
let failed = 0;
try {
  const chromiumPath = ensureChromium();
  log(`Chromium: ${chromiumPath}`);
  await assertPortsFree();
  ensureWebBuild(log);

  ensureDevVars();
  log(`migrating a fresh local D1 in ${persistDir}`);
  migrateAll(['--local', '--persist-to', persistDir], { stdio: 'ignore', timeout: 120_000 });
  const seedJson = execFileSync(
    node22(),
    [join(ROOT, 'workers/cli/seed.mjs'), '--json', '--persist-to', persistDir],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const seed = JSON.parse(seedJson.trim().split('\n').at(-1));

  log(`starting the Twilio simulator on ${SIM_BASE}`);
  simulator = spawn(node22(), [join(ROOT, 'workers/cli/twilio-simulator.mjs')], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, PORT: String(SIM_PORT), WEBHOOK_BASE: BASE, SIM_CALLBACK_DELAY_MS: '200' },
  });

  log(`starting wrangler dev on ${BASE}`);
  wrangler = start(
    'wrangler',
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(PORT),
      '--persist-to',
      persistDir,
      '--var',
      `PUBLIC_BASE_URL:${BASE}`,
      '--var',
      'ENVIRONMENT:development',
      // Nothing may leave the machine: Twilio is the local simulator (its seeded accounts and numbers).
      '--var',
      `TWILIO_API_BASE:${SIM_BASE}`,
      '--var',
      `TWILIO_MESSAGING_API_BASE:${SIM_BASE}`,
      '--show-interactive-dev-session=false',
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const keep = (chunk) => {
    wranglerLog = (wranglerLog + chunk.toString()).slice(-20_000);
  };
  wrangler.stdout.on('data', keep);
  wrangler.stderr.on('data', keep);
  await waitForServer();

  browser = await withTimeout(
    chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    }),
    30_000,
    'launching Chromium',
  );

  const specs = readdirSync(HERE)
    .filter((f) => f.endsWith('.spec.mjs') && (!filter || f.includes(filter)))
    .sort();
  for (const file of specs) {
    const name = basename(file, '.spec.mjs');
    const ctx = makeContext(seed, name);
    const started = Date.now();
    try {
      const mod = await import(pathToFileURL(join(HERE, file)).href);
      await withTimeout(mod.default(ctx), SPEC_TIMEOUT_MS, name);
      passed++;
      log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed++;
      console.error(`[browser] ✗ ${name}: ${err?.stack ?? err}`);
      const page = ctx.pages.at(-1);
      if (page && !page.isClosed()) {
        mkdirSync(SHOTS, { recursive: true });
        const shot = join(SHOTS, `${name}.png`);
        await withTimeout(page.screenshot({ path: shot, fullPage: true }), 10_000, 'screenshot').catch(
          () => {},
        );
        console.error(`[browser]   screenshot: ${shot}`);
      }
    } finally {
      await ctx.close();
    }
  }
} catch (err) {
  failed++;
  console.error(`[browser] setup failed: ${err?.stack ?? err}`);
} finally {
  await cleanup();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
