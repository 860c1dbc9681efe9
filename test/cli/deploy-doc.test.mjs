// DEPLOY.md only gives commands the project has: every `npm run …` names a package.json script
// (and, for ops and setup, a command and options they accept), every `npx wrangler …` a wrangler
// subcommand and options of the installed wrangler. Its dry-run and local commands run as written.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkArgs as checkOps } from '../../workers/cli/ops.mjs';
import { checkArgs as checkSetup } from '../../workers/cli/setup.mjs';
import { makeProject, ROOT, setupCli } from './helpers.mjs';

const doc = readFileSync(join(ROOT, 'DEPLOY.md'), 'utf8');
const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;

/** Shell-ish words of a command line (quotes kept together, quotes removed). */
function words(line) {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Each command in the document: code-block lines and inline code spans, split at `&&`, `|`, `;`. */
function commands(pattern) {
  const found = [];
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n'));
  const inline = [...doc.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  for (const line of [...blocks, ...inline]) {
    const code = line.replace(/\s+#.*$/, '').trim();
    for (const part of code.split(/\s*(?:&&|\||;)\s*/)) {
      const i = part.search(pattern);
      if (i >= 0) found.push(part.slice(i).trim());
    }
  }
  return [...new Set(found)];
}

describe('DEPLOY.md', () => {
  test('every `npm run` names a script; ops and setup accept the command and its options', () => {
    const npm = commands(/npm run \S+/);
    assert.ok(npm.length >= 15, `found only ${npm.length} npm commands`);
    let ops = 0;
    let setup = 0;
    for (const c of npm) {
      const [, , script, sep, ...args] = words(c);
      assert.ok(scripts[script], `DEPLOY.md runs "npm run ${script}", which package.json does not define`);
      if (args.length === 0) continue;
      assert.equal(sep, '--', `${c}: arguments go after --`);
      if (script === 'ops' && !args.includes('--help')) {
        assert.doesNotThrow(() => checkOps(args), `${c}`);
        ops++;
      }
      if (script === 'setup') {
        assert.doesNotThrow(() => checkSetup(args), `${c}`);
        setup++;
      }
    }
    assert.ok(ops >= 8 && setup >= 4, `ops ${ops}, setup ${setup}`);
  });

  test('every `npx wrangler` is a subcommand of the installed wrangler, with options it defines', () => {
    const cli = readFileSync(join(ROOT, 'node_modules/wrangler/wrangler-dist/cli.js'), 'utf8');
    const registered = new Set([...cli.matchAll(/command: "wrangler ([a-z0-9 -]+)"/g)].map((m) => m[1]));
    registered.add('login');
    const options = new Set([...cli.matchAll(/^\s*"?([a-z][a-z0-9-]*)"?: \{$/gm)].map((m) => m[1]));
    const wr = commands(/npx wrangler \S+/);
    assert.ok(wr.length >= 12, `found only ${wr.length} wrangler commands`);
    for (const c of wr) {
      const w = words(c).slice(2);
      const path = [];
      for (const x of w) {
        if (x.startsWith('-')) break;
        path.push(x);
      }
      // The longest registered prefix: the rest are positionals (a database, a secret name).
      let sub = null;
      for (let n = path.length; n > 0 && !sub; n--)
        if (registered.has(path.slice(0, n).join(' '))) sub = path.slice(0, n).join(' ');
      assert.ok(sub, `DEPLOY.md runs "${c}": wrangler has no such command`);
      for (const flag of w.filter((x) => x.startsWith('--')).map((x) => x.slice(2).split('=')[0])) {
        assert.ok(options.has(flag), `"${c}": wrangler defines no --${flag}`);
      }
    }
  });

  const projects = [];
  after(() => {
    for (const p of projects) p.cleanup();
  });

  test('its dry run runs as written, calls nothing and changes no file', async () => {
    const line = commands(/npm run setup -- .*--dry-run/)[0];
    assert.ok(line, 'DEPLOY.md shows a setup dry run');
    const p = makeProject();
    projects.push(p);
    const before = readFileSync(p.config, 'utf8');
    const r = await setupCli([...words(line).slice(4), '--config', p.config], { env: p.env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stdout
        .trim()
        .split('\n')
        .every((l) => l.startsWith('wrangler ')),
    );
    assert.equal(p.calls().length, 0);
    assert.equal(readFileSync(p.config, 'utf8'), before);
  });
});
