// `npm start`: the whole system on this machine. Applies migrations to local D1, seeds the demo
// tenant, builds the admin UI, starts the Twilio simulator and `wrangler dev`, prints the admin's
// login link, and ticks the cron trigger every minute (wrangler dev never fires crons itself).
//
// Every child runs in its own process group, and every way this ends goes through stop(): Ctrl-C,
// SIGTERM or SIGHUP, a child that exits, a step that fails, any error or rejected promise. stop()
// ends each group (so wrangler's workerd too), waits until no process of it is left, and exits.
//
// Env: PORT (8787; the simulator takes PORT + 1, or TWILIO_SIM_PORT), PERSIST_TO (local state folder),
// SKIP_WEB_BUILD=1 (use the existing web/dist), DEV_VARS_FILE (another vars file than .dev.vars),
// INSPECTOR_PORT (wrangler's debugger port; by default 9229 or the next free one).

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { d1Databases } from './databases.mjs';
import { DEV_VARS, ensureDevVars, localVarFlags } from './dev-vars.mjs';
import { hasWebBuild, node22, ROOT, tool, WEB_BUILD_ARGS } from './node.mjs';

const PORT = Number(process.env.PORT ?? 8787);
const SIM_PORT = Number(process.env.TWILIO_SIM_PORT ?? PORT + 1);
const BASE = `http://127.0.0.1:${PORT}`;
const persistArgs = process.env.PERSIST_TO ? ['--persist-to', process.env.PERSIST_TO] : [];
const varsFile = process.env.DEV_VARS_FILE || DEV_VARS;
const varsName = relative(ROOT, varsFile).startsWith('..') ? varsFile : relative(ROOT, varsFile);
const GRACE_MS = 10_000;

/** Every child started, with a name for messages (also by pid: its process group id). */
const children = new Map();
const names = new Map();
let stopping = null;
let cronTimer;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Live (not zombie) processes of a process group; null where /proc is not available. */
function groupMembers(pgid) {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return Number(pgrp) === pgid && state !== 'Z';
        } catch {
          return false;
        }
      });
  } catch {
    return null;
  }
}

function groupAlive(pgid) {
  const members = groupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {}
}

async function groupsGone(pgids, ms) {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) {
    if (!pgids.some(groupAlive)) return true;
  }
  return !pgids.some(groupAlive);
}

/** Ends every child's process group and exits. The one way out; calling it again changes nothing. */
function stop(code, problem) {
  if (stopping) return stopping;
  clearInterval(cronTimer);
  if (problem) console.error(`\nnpm start failed: ${problem}\nStopping everything it started ...`);
  else console.log('\nStopping ...');
  stopping = (async () => {
    const pgids = [...children.keys()].map((c) => c.pid).filter(Boolean);
    for (const pgid of pgids) signalGroup(pgid, 'SIGTERM');
    if (!(await groupsGone(pgids, GRACE_MS))) {
      const slow = pgids.filter(groupAlive);
      console.error(
        `Still running after ${GRACE_MS / 1000} s: ${slow.map((p) => names.get(p)).join(', ')}; killing.`,
      );
      for (const pgid of slow) signalGroup(pgid, 'SIGKILL');
      await groupsGone(slow, 5_000);
    }
    const left = pgids.filter(groupAlive);
    if (left.length > 0) {
      console.error(`Could not stop ${left.map((p) => `${names.get(p)} (process group ${p})`).join(', ')}.`);
      process.exit(1);
    }
    console.log(problem ? 'Stopped.' : 'Stopped: nothing left running.');
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));
// Under `npm start` this runs below npm and sh: a SIGTERM to npm ends them both but never reaches
// this process (sh does not pass it on), so losing the parent is a stop request too.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) stop(0);
}, 500).unref();
process.on('unhandledRejection', (err) => stop(1, describe(err)));
process.on('uncaughtException', (err) => stop(1, describe(err)));

function describe(err) {
  return err instanceof Error ? err.message : String(err);
}

/** Starts a child in its own process group; `long` children failing at any time stop everything. */
function launch(name, command, args, { long = false, ...opts } = {}) {
  // No stdin: in their own groups they are in the terminal's background, where reading it would
  // stop them; Ctrl-C reaches this process, and stop() passes it on.
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
    ...opts,
  });
  children.set(child, name);
  if (child.pid) names.set(child.pid, name);
  child.exited = new Promise((resolve) => {
    child.once('error', (err) => resolve({ error: err }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  if (long) {
    child.exited.then((r) => {
      if (!stopping)
        stop(1, `${name} ${r.error ? `could not start (${r.error.message})` : `exited (${how(r)})`}`);
    });
  }
  return child;
}

function how({ code, signal }) {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** Runs one setup step to its end; throws when it fails. */
async function step(name, command, args, opts) {
  const child = launch(name, command, args, opts);
  const r = await child.exited;
  if (stopping) await stopping;
  // Done and nothing of it left: forget it, so stop() never signals a reused process group id.
  if (!child.pid || !groupAlive(child.pid)) children.delete(child);
  if (r.error) throw new Error(`${name} could not start: ${r.error.message}`);
  if (r.code !== 0) throw new Error(`${name} failed (${how(r)}); its output is above`);
}

async function waitForServer() {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(500)) {
    if (stopping) await stopping;
    try {
      const res = await fetch(`${BASE}/api/v1/openapi.json`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {}
  }
  throw new Error(`wrangler dev did not answer on ${BASE} within 2 minutes`);
}

async function loginLink(vars) {
  const ask = await fetch(`${BASE}/auth/magic-link`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com' }),
  });
  if (ask.status !== 202) throw new Error(`POST /auth/magic-link answered ${ask.status}, not 202`);
  const res = await fetch(`${BASE}/dev/outbox`);
  if (!res.ok) {
    const env = vars.get('ENVIRONMENT') || '(not set)';
    throw new Error(
      `GET /dev/outbox answered ${res.status}: the local outbox needs ENVIRONMENT=development, and ` +
        `${varsName} sets ENVIRONMENT=${env}`,
    );
  }
  const outbox = await res.json();
  return outbox.find((m) => m.to === 'admin@example.com')?.link;
}

async function main() {
  const vars = ensureDevVars(varsFile);
  const flags = localVarFlags(vars, { baseUrl: BASE, simulatorUrl: `http://127.0.0.1:${SIM_PORT}` });
  for (const [key, value] of flags.honoured) {
    console.log(`${key}=${value} (from ${varsName})`);
  }
  const [node, wranglerJs] = tool('wrangler');
  const quiet = { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' };

  console.log('Applying D1 migrations (local: the control database and every shard) ...');
  for (const db of d1Databases()) {
    await step(
      `the D1 migrations of ${db.binding}`,
      node,
      [wranglerJs, 'd1', 'migrations', 'apply', db.binding, '--local', ...persistArgs],
      { env: quiet },
    );
  }
  await step('the seed', node22(), [join(ROOT, 'workers/cli/seed.mjs'), ...persistArgs], { env: quiet });

  if (!process.env.SKIP_WEB_BUILD) {
    console.log('Building the admin UI ...');
    const [n, viteJs] = tool('vite');
    await step('the admin UI build', n, [viteJs, ...WEB_BUILD_ARGS]);
  } else if (!hasWebBuild()) {
    throw new Error('SKIP_WEB_BUILD is set but web/dist has no build: run `npm run build:web` once');
  }

  const simulator = join(ROOT, 'workers/cli/twilio-simulator.mjs');
  if (existsSync(simulator)) {
    launch('the Twilio simulator', node22(), [simulator], {
      long: true,
      env: {
        ...process.env,
        PORT: String(SIM_PORT),
        WEBHOOK_BASE: BASE,
        TWILIO_AUTH_TOKEN: vars.get('TWILIO_AUTH_TOKEN') ?? '',
      },
    });
  }
  launch(
    'wrangler dev',
    node,
    [
      wranglerJs,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(PORT),
      ...flags.args,
      ...(varsFile === DEV_VARS ? [] : ['--env-file', varsFile]),
      '--show-interactive-dev-session=false',
      ...(process.env.INSPECTOR_PORT ? ['--inspector-port', process.env.INSPECTOR_PORT] : []),
      ...persistArgs,
    ],
    { long: true, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );

  await waitForServer();
  const link = await loginLink(vars);
  console.log(`
  ┌──────────────────────────────────────────────────────────────────────────
  │ SMS Campaigns is running at ${BASE}
  │ Admin login link (admin@example.com, valid 15 minutes, single use):
  │   ${link ?? '(none in /dev/outbox: is the seed admin there?)'}
  │ New links: sign in at ${BASE}/login, then open ${BASE}/dev/outbox
  │ Stop with Ctrl-C: it stops wrangler, workerd and the simulator too.
  └──────────────────────────────────────────────────────────────────────────
`);

  // Cron: wrangler dev exposes the scheduled handler but never fires it on its own.
  const tick = () => fetch(`${BASE}/cdn-cgi/local/scheduled`).catch(() => {});
  tick();
  cronTimer = setInterval(tick, 60_000);
}

main().catch((err) => stop(1, describe(err)));
