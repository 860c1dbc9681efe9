// `npm start` leaves nothing behind, however it ends. Runs the real `npm start` (real wrangler dev,
// workerd and the Twilio simulator; SKIP_WEB_BUILD, and a fresh state folder, ports and vars file of
// its own each) four times at once, and ends each a different way:
//   sigterm  SIGTERM to npm, as a supervisor sends it (npm's sh does not pass it on);
//   ctrl-c   SIGINT to npm's whole process group, as a terminal's Ctrl-C does;
//   fails    the vars file says ENVIRONMENT=production, so /dev/outbox answers 404 after start;
//   crash    wrangler's node process is killed (SIGKILL), leaving its workerd for npm start to end.
// Every descendant process is recorded while it runs; at the end none may be alive and the ports
// must be free. The vars files also check that a file lacking keys is completed from
// .dev.vars.example and that PUBLIC_BASE_URL set there beats npm start's local default.
// Usage: node test/start-stop.mjs (part of `npm test`).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVars } from '../workers/cli/dev-vars.mjs';
import { hasWebBuild, portFree, ROOT, run, WEB_BUILD_ARGS } from '../workers/cli/node.mjs';

const READY = /SMS Campaigns is running at/;
const work = mkdtempSync(join(tmpdir(), 'start-stop-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), start: f[19] };
  } catch {
    return null;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 1000);
  } catch {
    return '?';
  }
}

/** Adds every descendant of `root` (by parent pid) to `seen`: pid → {start time, command}. */
function collect(root, seen) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(d);
    if (!s) continue;
    if (!kids.has(s.ppid)) kids.set(s.ppid, []);
    kids.get(s.ppid).push(Number(d));
  }
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift();
    for (const kid of kids.get(pid) ?? []) {
      const s = stat(kid);
      // Read again while it lives: right after fork a child still shows its parent's command.
      if (s && seen.get(kid)?.start !== s.start) seen.set(kid, { start: s.start, cmd: cmdline(kid) });
      else if (s && s.state !== 'Z') {
        // An exiting process reads as an empty command line: keep the last real one.
        const cmd = cmdline(kid);
        if (cmd && cmd !== '?') seen.get(kid).cmd = cmd;
      }
      queue.push(kid);
    }
  }
}

/** Recorded processes still running: same pid and start time, not a zombie. */
function survivors(seen) {
  return [...seen].filter(([pid, { start }]) => {
    const s = stat(pid);
    return s && s.start === start && s.state !== 'Z';
  });
}

/** PORT, the simulator's PORT + 1 and wrangler's inspector on PORT + 2 (its default, 9229, is raced for). */
async function freePorts() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await portFree(port)) && (await portFree(port + 1)) && (await portFree(port + 2))) return port;
  }
}

async function scenario(name, { vars, end, ready = true, exit, output: wanted, check, wrangler }) {
  const dir = join(work, name);
  const varsFile = `${dir}.vars`;
  writeFileSync(varsFile, vars);
  const port = await freePorts();
  const started = Date.now();
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true, // its own process group, like a job in a terminal
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      INSPECTOR_PORT: String(port + 2),
      PERSIST_TO: dir,
      DEV_VARS_FILE: varsFile,
      SKIP_WEB_BUILD: '1',
      WRANGLER_SEND_METRICS: 'false',
    },
  });
  let output = '';
  const keep = (c) => {
    output += c;
  };
  npm.stdout.on('data', keep);
  npm.stderr.on('data', keep);
  // Closed once every process holding the pipe (all of npm start's descendants) has exited.
  const closed = Promise.all([npm.stdout, npm.stderr].map((s) => new Promise((r) => s.once('close', r))));
  let exited = null;
  npm.once('exit', (code, signal) => {
    exited = { code, signal };
  });

  const seen = new Map();
  const problems = [];
  let ended = false;
  // Generous limits that only catch hangs: four npm starts at once on a busy 2-core machine can
  // take minutes to be ready; once told to stop, npm start has a minute to be gone.
  const STOP_SECONDS = 60;
  let deadline = Date.now() + 300_000;
  for (; !exited && Date.now() < deadline; await sleep(200)) {
    collect(npm.pid, seen);
    if (!ended && READY.test(output)) {
      ended = true;
      await end(npm, seen);
      deadline = Date.now() + STOP_SECONDS * 1000;
    }
  }
  if (!exited)
    problems.push(ended ? `npm did not exit within ${STOP_SECONDS} s of being stopped` : 'npm did not exit');
  if (ready && !ended) problems.push('npm start never printed that it was running');
  // npm may exit before npm start finished stopping: give the stop path its grace period.
  // Whatever they start meanwhile counts too (npm may be gone, so follow the survivors' trees).
  let left = survivors(seen);
  for (const until = Date.now() + 20_000; left.length && Date.now() < until; left = survivors(seen)) {
    for (const [pid] of left) collect(pid, seen);
    await sleep(200);
  }
  for (const [pid, { cmd }] of left) {
    problems.push(`left running: ${pid} ${cmd}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await Promise.race([closed, sleep(5_000)]);
  for (const [what, p] of [
    ['', port],
    [' (simulator)', port + 1],
  ]) {
    if (!(await portFree(p))) problems.push(`port ${p}${what} still in use`);
  }
  if (exited && exit && !exit(exited)) problems.push(`unexpected exit of npm: ${JSON.stringify(exited)}`);
  for (const [what, re] of wanted) if (!re.test(output)) problems.push(`output lacks ${what}`);
  problems.push(...(check?.(parseVars(readFileSync(varsFile, 'utf8'))) ?? []));
  const dev = [...seen.values()].find((p) => /wrangler\.js dev/.test(p.cmd))?.cmd ?? '';
  for (const [what, re, present] of wrangler?.(port) ?? []) {
    if (re.test(dev) !== present) problems.push(`wrangler dev ${present ? 'lacks' : 'has'} ${what}: ${dev}`);
  }
  const workerd = [...seen.values()].filter((p) => /workerd/.test(p.cmd)).length;
  return { name, problems, output, seconds: (Date.now() - started) / 1000, processes: seen.size, workerd };
}

// Every key of .dev.vars.example but ENVIRONMENT and LINK_SECRET (so new example keys never make the
// "complete" file incomplete), plus a key npm start no longer uses, which must be left alone.
const example = parseVars(readFileSync(join(ROOT, '.dev.vars.example'), 'utf8'));
const VARS = `${[...example]
  .filter(([key]) => key !== 'ENVIRONMENT' && key !== 'LINK_SECRET')
  .map(
    ([key, value]) => `${key}=${value.startsWith('change-me') ? randomBytes(32).toString('base64') : value}`,
  )
  .join('\n')}\nSESSION_SECRET=abc\n`;
const COMPLETE_VARS = `ENVIRONMENT=development\nLINK_SECRET=${randomBytes(32).toString('hex')}\n${VARS}`;
const STOPPED = ['the end of the stop path', /Stopped: nothing left running/];
const wranglerNode = (seen) =>
  [...seen].find(([, p]) => /wrangler\.js dev/.test(p.cmd) && !/--no-warnings/.test(p.cmd))?.[0];

if (!hasWebBuild()) {
  console.log('[start-stop] building the admin UI once (npm start runs with SKIP_WEB_BUILD here)');
  run('vite', WEB_BUILD_ARGS);
}
const t0 = Date.now();
const results = await Promise.all([
  scenario('sigterm', {
    // Lacks ENVIRONMENT and LINK_SECRET; sets PUBLIC_BASE_URL, which must win over npm start's.
    vars: `${VARS}PUBLIC_BASE_URL=https://tunnel.example.test\nTWILIO_API_BASE=http://127.0.0.1:9\n`,
    end: (npm) => process.kill(npm.pid, 'SIGTERM'),
    output: [
      ['the notice naming the added keys', /lacked ENVIRONMENT, LINK_SECRET \(fresh random value\): added/],
      ['the login link on PUBLIC_BASE_URL', /https:\/\/tunnel\.example\.test\/auth\/verify\?token=/],
      STOPPED,
    ],
    check: (v) => [
      ...(v.get('ENVIRONMENT') === 'development' ? [] : ['ENVIRONMENT=development was not added']),
      ...(/^[0-9a-f]{64}$/.test(v.get('LINK_SECRET') ?? '') ? [] : ['LINK_SECRET got no random value']),
      ...(v.get('PUBLIC_BASE_URL') === 'https://tunnel.example.test' ? [] : ['PUBLIC_BASE_URL was changed']),
    ],
    // Set in the vars file: no --var flag may override them.
    wrangler: () => [
      ['a PUBLIC_BASE_URL flag', /--var PUBLIC_BASE_URL/, false],
      ['a TWILIO_API_BASE flag', /--var TWILIO_API_BASE/, false],
    ],
  }),
  scenario('ctrl-c', {
    vars: COMPLETE_VARS,
    // Not set in the vars file: npm start points the Worker at itself and at its simulator.
    wrangler: (port) => [
      ['its own base URL', new RegExp(`--var PUBLIC_BASE_URL:http://127\\.0\\.0\\.1:${port}\\b`), true],
      ['the simulator', new RegExp(`--var TWILIO_API_BASE:http://127\\.0\\.0\\.1:${port + 1}\\b`), true],
    ],
    end: (npm) => process.kill(-npm.pid, 'SIGINT'),
    output: [['no notice for a complete vars file', /^(?![\s\S]*lacked)/], STOPPED],
  }),
  scenario('fails', {
    vars: COMPLETE_VARS.replace('ENVIRONMENT=development', 'ENVIRONMENT=production'),
    end: () => {},
    ready: false,
    exit: (e) => e.code !== 0,
    output: [
      ['the reason', /npm start failed: GET \/dev\/outbox answered 404: .*ENVIRONMENT=production/],
      ['the end of the stop path', /Stopped\./],
    ],
  }),
  scenario('crash', {
    vars: COMPLETE_VARS,
    end: (_npm, seen) => process.kill(wranglerNode(seen), 'SIGKILL'),
    exit: (e) => e.code !== 0,
    output: [['the reason', /npm start failed: wrangler dev exited \(signal SIGKILL\)/]],
  }),
]);
rmSync(work, { recursive: true, force: true });

for (const r of results) {
  const verdict = r.problems.length ? '✗' : '✓';
  const seen = `${r.processes} processes (${r.workerd} workerd) seen`;
  console.log(
    `[start-stop] ${verdict} ${r.name}: ${seen}, ${r.problems.length ? 'problems:' : 'none left'} (${r.seconds.toFixed(1)} s)`,
  );
  for (const p of r.problems) console.log(`    ${p}`);
  if (r.problems.length) console.log(r.output.slice(-3000).replace(/^/gm, '    | '));
}
const failed = results.some((r) => r.problems.length);
console.log(`[start-stop] ${failed ? 'FAILED' : 'passed'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
