// `npm start`: the whole system on this machine. Applies migrations to local D1, seeds the demo
// tenant, builds the admin UI, starts the Twilio simulator and `wrangler dev`, prints the admin's
// login link, and ticks the cron trigger every minute (wrangler dev never fires crons itself).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { migrateAll } from './databases.mjs';
import { ensureDevVars } from './dev-vars.mjs';
import { node22, ROOT, run, start } from './node.mjs';

const PORT = Number(process.env.PORT ?? 8787);
const SIM_PORT = Number(process.env.TWILIO_SIM_PORT ?? PORT + 1);
const BASE = `http://127.0.0.1:${PORT}`;
const persistTo = process.env.PERSIST_TO;
const persistArgs = persistTo ? ['--persist-to', persistTo] : [];
const children = [];

// Each child runs in its own process group (detached), so a stop reaches wrangler's own children
// (workerd) too, whether it comes from Ctrl-C or from a supervisor's SIGTERM to this process.
function shutdown(code = 0) {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {}
  }
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

ensureDevVars();
console.log('Applying D1 migrations (local: the control database and every shard) ...');
migrateAll(['--local', ...persistArgs]);
const seed = spawn(node22(), [join(ROOT, 'workers/cli/seed.mjs'), ...persistArgs], {
  cwd: ROOT,
  stdio: 'inherit',
});
await new Promise((r, j) => seed.on('exit', (code) => (code === 0 ? r() : j(new Error('seed failed')))));

if (!process.env.SKIP_WEB_BUILD) {
  console.log('Building the admin UI ...');
  run('vite', ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
}

const simulator = join(ROOT, 'workers/cli/twilio-simulator.mjs');
if (existsSync(simulator)) {
  const sim = spawn(node22(), [simulator], {
    cwd: ROOT,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, PORT: String(SIM_PORT), WEBHOOK_BASE: BASE },
  });
  children.push(sim);
}

const wrangler = start(
  'wrangler',
  [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(PORT),
    '--var',
    `PUBLIC_BASE_URL:${BASE}`,
    '--var',
    `TWILIO_API_BASE:http://127.0.0.1:${SIM_PORT}`,
    // The simulator serves Messaging Services (messaging.twilio.com in production) on the same port.
    '--var',
    `TWILIO_MESSAGING_API_BASE:http://127.0.0.1:${SIM_PORT}`,
    ...persistArgs,
  ],
  { stdio: 'inherit', detached: true, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
);
children.push(wrangler);
wrangler.on('exit', (code) => shutdown(code ?? 1));

async function waitForServer() {
  for (let i = 0; i < 240; i++) {
    try {
      const res = await fetch(`${BASE}/api/v1/openapi.json`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not answer on ${BASE} within 2 minutes`);
}

await waitForServer();
await fetch(`${BASE}/auth/magic-link`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'admin@example.com' }),
});
const outbox = await (await fetch(`${BASE}/dev/outbox`)).json();
const link = outbox.find((m) => m.to === 'admin@example.com')?.link;
console.log(`
  ┌──────────────────────────────────────────────────────────────────────────
  │ SMS Campaigns is running at ${BASE}
  │ Admin login link (admin@example.com, valid 15 minutes, single use):
  │   ${link}
  │ New links: sign in at ${BASE}/login, then open ${BASE}/dev/outbox
  └──────────────────────────────────────────────────────────────────────────
`);

// Cron: wrangler dev exposes the scheduled handler but never fires it on its own.
const tick = () => fetch(`${BASE}/cdn-cgi/local/scheduled`).catch(() => {});
tick();
setInterval(tick, 60_000);
