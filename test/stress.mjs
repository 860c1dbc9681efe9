// `npm run test:stress`: proves the vitest suite depends neither on today's date nor on the
// machine's speed. Two parts (both by default):
//   clock  the whole suite with the machine clock moved CLOCK_SHIFT_DAYS (default 365) days ahead,
//          for every process of the run: Node, workerd's JavaScript clock and D1's SQLite clock
//          (test/stress/shift-clock.c, preloaded; test/helpers/clock-check.ts verifies the clocks agree).
//   load   the whole suite RUNS (default 3) times in a row while one busy loop per core runs.
// Usage: node test/stress.mjs [clock] [load] [--days N] [--runs N]
// Prints tests, failures and duration per run, and exits non-zero if any run failed.
// Needs a C compiler for the clock part (Debian: apt-get install -y gcc). Takes several minutes:
// run it on an otherwise idle machine.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { node22, ROOT } from '../workers/cli/node.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const parts = args.filter((a) => a === 'clock' || a === 'load');
const wants = (part) => parts.length === 0 || parts.includes(part);
const days = option('--days', Number(process.env.CLOCK_SHIFT_DAYS ?? 365));
const runs = option('--runs', 3);
const node = node22();
const work = mkdtempSync(join(tmpdir(), 'sms-stress-'));
const burners = [];
const results = [];

function stopBurners() {
  for (const b of burners.splice(0)) {
    try {
      b.kill('SIGKILL');
    } catch {}
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopBurners();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
}

/** One whole vitest run; resolves with its counts from vitest's JSON report. */
function vitest(label, env = {}) {
  const report = join(work, `${results.length}.json`);
  const started = Date.now();
  console.log(`\n▶ ${label}`);
  return new Promise((resolve) => {
    const child = spawn(
      node,
      [
        join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--reporter=dot',
        '--reporter=json',
        `--outputFile.json=${report}`,
      ],
      { cwd: ROOT, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', ...env } },
    );
    child.on('exit', (code) => {
      const seconds = (Date.now() - started) / 1000;
      let r = { total: 0, passed: 0, failed: 0, files: 0, success: false, failedNames: [] };
      try {
        const j = JSON.parse(readFileSync(report, 'utf8'));
        const failedNames = j.testResults.flatMap((f) => {
          const tests = f.assertionResults.filter((a) => a.status === 'failed').map((a) => a.fullName);
          // A file that failed without a failing test did not load or run (its message says why).
          return tests.length || f.status !== 'failed' ? tests : [`${f.name}: ${f.message}`];
        });
        r = {
          total: j.numTotalTests,
          passed: j.numPassedTests,
          failed: failedNames.length,
          files: j.testResults.length,
          success: j.success,
          failedNames,
        };
      } catch {
        r.failed = 1;
        r.failedNames = ['(no report: vitest did not finish)'];
      }
      const ok = code === 0 && r.success && r.failed === 0;
      results.push({ label, ok, seconds, ...r });
      console.log(
        `◀ ${label}: ${ok ? 'passed' : 'FAILED'} (${r.passed}/${r.total} tests, ${seconds.toFixed(1)} s)`,
      );
      resolve();
    });
  });
}

/** Compiles the clock shim; returns the environment that moves the clock `days` days. */
function shiftedClockEnv() {
  const lib = join(work, 'shift-clock.so');
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', lib, join(ROOT, 'test/stress/shift-clock.c')], {
      stdio: 'inherit',
    });
  } catch {
    console.error(
      'The clock part needs a C compiler: apt-get install -y gcc (or run `node test/stress.mjs load`).',
    );
    process.exit(1);
  }
  const env = { LD_PRELOAD: lib, CLOCK_SHIFT_DAYS: String(days) };
  const shifted = execFileSync(node, ['-e', 'process.stdout.write(new Date().toISOString())'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  console.log(
    `Clock moved ${days} days: the run sees ${shifted} (the machine: ${new Date().toISOString()}).`,
  );
  return env;
}

try {
  if (wants('clock')) await vitest(`vitest, clock ${days} days ahead`, shiftedClockEnv());
  if (wants('load')) {
    const cores = availableParallelism();
    for (let i = 0; i < cores; i++) burners.push(spawn(node, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    console.log(`\n${cores} CPU burners running (one busy loop per core).`);
    for (let i = 1; i <= runs; i++) await vitest(`vitest under load, run ${i} of ${runs}`);
  }
} finally {
  stopBurners();
  rmSync(work, { recursive: true, force: true });
}

console.log('\nrun                                  files  tests  failed  seconds');
for (const r of results) {
  console.log(
    `${r.label.padEnd(36)} ${String(r.files).padStart(5)} ${String(r.total).padStart(6)} ${String(r.failed).padStart(7)} ${r.seconds.toFixed(1).padStart(8)}`,
  );
  for (const name of r.failedNames) console.log(`    ✗ ${name}`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
