// `npm test`: every test. Vitest suites run inside workerd (unit + integration); the operator
// scripts' tests (ops, setup, DEPLOY.md) run in Node against a fake wrangler and local D1; the
// browser suites drive real Chromium against `wrangler dev`; the last step runs the real `npm start`
// and ends it every way it can end (test/start-stop.mjs). Vitest then the CLI tests run beside the
// browser specs then the start-stop check (two lanes). `--only vitest|cli|browser|start` runs one
// part, its output streamed. Chromium is looked for (and on Debian/Ubuntu installed) before anything runs, so a machine
// that cannot run the browser tests says so at once, not after the vitest suites.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium, ensureWebBuild, node22, ROOT } from '../workers/cli/node.mjs';

const onlyIdx = process.argv.indexOf('--only');
const only = onlyIdx >= 0 ? process.argv[onlyIdx + 1] : undefined;
const wants = (part) => !only || only === part;
const node = node22();
let failed = false;

if (wants('browser')) {
  try {
    // Passed on, so the browser runner does not look again.
    process.env.CHROMIUM_PATH = ensureChromium();
  } catch (err) {
    console.error(`\n${err.message}`);
    process.exit(1);
  }
}

const CLI_ARGS = [
  '--test',
  '--test-reporter=dot',
  // The files are independent (own temporary folders and databases): two at once on 2 cores.
  '--test-concurrency=2',
  '--disable-warning=ExperimentalWarning',
  'test/cli/*.test.mjs',
];
const VITEST_ARGS = [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run'];

/**
 * CPU seconds used so far by this process's finished children and their descendants (Linux: cutime
 * and cstime of /proc/self/stat, in clock ticks of 1/100 s); null elsewhere. Says whether a step is
 * bound by the machine's two cores or by waiting.
 */
function childrenCpu() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return null;
  }
}

/**
 * Runs one part. Alone, its output streams as it comes (with the CPU it used); beside another part,
 * it is kept and printed whole when the part ends, so the log reads one part at a time.
 */
async function step(name, args) {
  const started = Date.now();
  const cpuBefore = alone ? childrenCpu() : null;
  console.log(`\n▶ ${name}${alone ? '' : ' (started; its output follows when it ends)'}`);
  const child = spawn(node, args, {
    cwd: ROOT,
    stdio: alone ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const kept = [];
  running.set(name, { child, kept });
  child.stdout?.on('data', (c) => kept.push(c));
  child.stderr?.on('data', (c) => kept.push(c));
  const status = await new Promise((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
  running.delete(name);
  if (!alone) process.stdout.write(`\n▶ ${name}\n${Buffer.concat(kept).toString()}`);
  const cpuAfter = alone ? childrenCpu() : null;
  const cpu = cpuBefore === null || cpuAfter === null ? '' : `, ${(cpuAfter - cpuBefore).toFixed(0)} CPU s`;
  console.log(
    `◀ ${name}: ${status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s${cpu}`,
  );
  if (status !== 0) failed = true;
}

// Two lanes at once: the Vitest and CLI suites keep about 1.5 of the 2 cores busy, the browser specs
// and the start-stop check mostly wait (UI polls, servers starting), so side by side they finish
// sooner than one after the other. Each lane's parts run in order.
const LANES = [
  [
    ['vitest', 'vitest (workerd)', VITEST_ARGS],
    ['cli', 'cli (node:test)', CLI_ARGS],
  ],
  [
    ['browser', 'browser (Chromium)', [join(ROOT, 'test/browser/run.mjs')]],
    ['start', 'npm start: stops cleanly', [join(ROOT, 'test/start-stop.mjs')]],
  ],
]
  .map((lane) => lane.filter(([part]) => wants(part)))
  .filter((lane) => lane.length > 0);
const alone = LANES.length === 1;

// Stopped (Ctrl-C, a CI timeout's SIGTERM): show what the parts running beside each other printed so
// far, now, and let them stop (a terminal's Ctrl-C reaches them itself; SIGTERM is passed on). The
// run then ends as failed once they have.
const running = new Map();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const [name, { child, kept }] of running) {
      const held = Buffer.concat(kept.splice(0)).toString();
      if (held) process.stdout.write(`\n▶ ${name} (${sig}: its output so far)\n${held}`);
      if (sig === 'SIGTERM') child.kill('SIGTERM');
    }
    failed = true;
  });
}

// Beside Vitest (which serves web/dist as the Worker's assets), the browser runner must not rebuild
// the UI: build it once first.
if (!alone && wants('browser')) {
  ensureWebBuild((what) => console.log(`\n▶ ${what} (once, for the parts that use it)`));
  process.env.SKIP_WEB_BUILD = '1';
}

const t0 = Date.now();
const cpu0 = childrenCpu();
await Promise.all(
  LANES.map(async (lane) => {
    for (const [, name, args] of lane) await step(name, args);
  }),
);
const cpu1 = childrenCpu();
const total = cpu0 === null || cpu1 === null ? '' : `, ${(cpu1 - cpu0).toFixed(0)} CPU s`;
console.log(`\n${failed ? 'FAILED' : 'All passed'} in ${((Date.now() - t0) / 1000).toFixed(1)} s${total}`);
process.exit(failed ? 1 : 0);
