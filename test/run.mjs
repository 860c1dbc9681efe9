// `npm test`: every test. Vitest suites run inside workerd (unit + integration); the operator
// scripts' tests (ops, setup, DEPLOY.md) run in Node against a fake wrangler and local D1; the
// browser suites drive real Chromium against `wrangler dev`; the last step runs the real `npm start`
// and ends it every way it can end (test/start-stop.mjs). `--only vitest|cli|browser|start` runs one
// part. Chromium is looked for (and on Debian/Ubuntu installed) before anything runs, so a machine
// that cannot run the browser tests says so at once, not after the vitest suites.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium, node22, ROOT } from '../workers/cli/node.mjs';

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

/** Runs one part with its output shown. */
async function step(name, args) {
  const started = Date.now();
  const cpuBefore = childrenCpu();
  console.log(`\n▶ ${name}`);
  const child = spawn(node, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  const status = await new Promise((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
  const cpuAfter = childrenCpu();
  const cpu = cpuBefore === null || cpuAfter === null ? '' : `, ${(cpuAfter - cpuBefore).toFixed(0)} CPU s`;
  console.log(
    `◀ ${name}: ${status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s${cpu}`,
  );
  if (status !== 0) failed = true;
}

if (wants('vitest')) await step('vitest (workerd)', VITEST_ARGS);
if (wants('cli')) await step('cli (node:test)', CLI_ARGS);
if (wants('browser')) await step('browser (Chromium)', [join(ROOT, 'test/browser/run.mjs')]);
if (wants('start')) await step('npm start: stops cleanly', [join(ROOT, 'test/start-stop.mjs')]);
process.exit(failed ? 1 : 0);
