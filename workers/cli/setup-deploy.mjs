// Deploying the two Workers from `npm run setup`: only when what would be deployed differs from what
// runs (a content hash, recorded as the version's tag), after the admin UI is built.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, WEB_BUILD_ARGS } from './node.mjs';
import { displayCommand, parseJsonOutput, WranglerError } from './ops-wrangler.mjs';
import { splitBlocks } from './setup-config.mjs';

/** A hash of what would be deployed: the bundle, the UI's assets, the environment's config. */
export async function contentTag(setup, which) {
  const out = mkdtempSync(join(tmpdir(), 'setup-bundle-'));
  try {
    await setup.wrangler(['deploy', '--dry-run', '--outdir', out, ...setup.workerArgs(which)]);
    const h = createHash('sha256');
    hashTree(h, out);
    if (which === 'main') {
      const assets = join(setup.project, 'web/dist');
      if (existsSync(assets)) hashTree(h, assets);
    }
    const text = which === 'main' ? setup.main : setup.links;
    for (const b of splitBlocks(text)) {
      if (b.name === `env.${setup.env}` || b.name?.startsWith(`env.${setup.env}.`)) h.update(b.text);
    }
    return `setup-${h.digest('hex').slice(0, 16)}`;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function deployedTag(setup, which) {
  try {
    const { stdout } = await setup.wrangler(['deployments', 'status', '--json', ...setup.workerArgs(which)]);
    const status = parseJsonOutput(stdout);
    const version = status.versions?.[0]?.version_id;
    if (!version || status.versions.length !== 1) return null;
    const view = await setup.wrangler(['versions', 'view', version, '--json', ...setup.workerArgs(which)]);
    return parseJsonOutput(view.stdout).annotations?.['workers/tag'] ?? null;
  } catch (err) {
    if (err instanceof WranglerError) return null;
    throw err;
  }
}

export async function deployWorker(setup, which) {
  if (which === 'links' && setup.links === null) return;
  if (setup.dryRun) {
    setup.out(displayCommand(['deploy', ...setup.workerArgs(which), '--tag', '<content hash>']));
    return;
  }
  const tag = await contentTag(setup, which);
  if ((await deployedTag(setup, which)) === tag) return;
  await setup.wrangler(['deploy', ...setup.workerArgs(which), '--tag', tag, '--message', 'npm run setup']);
  setup.change(`deployed the ${which === 'links' ? 'link' : 'main'} Worker (${tag})`);
}

export function buildUi(setup) {
  if (setup.flags['skip-build']) return;
  if (setup.dryRun) {
    setup.warn('(dry run) would build the admin UI: npm run build:web');
    return;
  }
  setup.warn('Building the admin UI (web/dist) ...');
  run('vite', WEB_BUILD_ARGS, { cwd: setup.project });
}

function hashTree(h, dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(h, p);
    else {
      h.update(name);
      h.update(readFileSync(p));
    }
  }
}
