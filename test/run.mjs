// `npm test`: every test. Vitest suites run inside workerd (unit + integration); the operator
// scripts' tests (ops, setup, DEPLOY.md) run in Node against a fake wrangler and local D1; the
// browser suites drive real Chromium against `wrangler dev`. `--only vitest|cli|browser` runs one part.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { node22, ROOT } from '../workers/cli/node.mjs';

const onlyIdx = process.argv.indexOf('--only');
const only = onlyIdx >= 0 ? process.argv[onlyIdx + 1] : undefined;
const node = node22();
let failed = false;

function step(name, args) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(node, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  console.log(
    `◀ ${name}: ${r.status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (r.status !== 0) failed = true;
}

if (!only || only === 'vitest')
  step('vitest (workerd)', [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run']);
if (!only || only === 'cli') {
  step('cli (node:test)', [
    '--test',
    '--test-reporter=dot',
    '--disable-warning=ExperimentalWarning',
    'test/cli/*.test.mjs',
  ]);
}
if ((!only || only === 'browser') && existsSync(join(ROOT, 'test/browser/run.mjs'))) {
  step('browser (Chromium)', [join(ROOT, 'test/browser/run.mjs')]);
}
process.exit(failed ? 1 : 0);
