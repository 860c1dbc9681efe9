// Shared by the CLI tests (node:test, run by `npm test`): a throwaway project folder whose
// `wrangler` is the recording fake (fake-wrangler.mjs) on PATH, and a fake of the Worker's
// operator endpoints.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { node22, ROOT } from '../../workers/cli/node.mjs';

export { ROOT };

const NODE = node22();

/** A project folder (configs copied, migrations linked) and a fake Cloudflare account. */
export function makeProject() {
  const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
  const project = join(dir, 'project');
  mkdirSync(join(project, 'workers/links'), { recursive: true });
  copyFileSync(join(ROOT, 'wrangler.toml'), join(project, 'wrangler.toml'));
  copyFileSync(join(ROOT, 'workers/links/wrangler.toml'), join(project, 'workers/links/wrangler.toml'));
  symlinkSync(join(ROOT, 'migrations'), join(project, 'migrations'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'wrangler'),
    `#!/bin/sh\nexec "${NODE}" --no-warnings "${join(ROOT, 'test/cli/fake-wrangler.mjs')}" "$@"\n`,
    { mode: 0o755 },
  );
  const state = join(dir, 'state');
  mkdirSync(state);
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    WRANGLER: 'wrangler',
    FAKE_WRANGLER_STATE: state,
    SETUP_SECRETS_DIR: join(dir, 'secrets'),
    // Never a real host: operator endpoints are a local fake or nothing at all.
    OPS_URL: 'http://127.0.0.1:9',
    NODE_NO_WARNINGS: '1',
  };
  for (const k of [
    'RESEND_API_KEY',
    'TWILIO_AUTH_TOKEN',
    'TWILIO_ACCOUNT_SID',
    'PUBLIC_BASE_URL',
    'EMAIL_PROVIDER',
    'EMAIL_FROM',
    'OPS_TOKEN',
  ]) {
    delete env[k];
  }
  return {
    dir,
    project,
    config: join(project, 'wrangler.toml'),
    linksConfig: join(project, 'workers/links/wrangler.toml'),
    state,
    env,
    /** Every wrangler invocation so far, as argv arrays. */
    calls() {
      const file = join(state, 'calls.jsonl');
      return existsSync(file)
        ? readFileSync(file, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [];
    },
    account() {
      const file = join(state, 'state.json');
      return existsSync(file)
        ? JSON.parse(readFileSync(file, 'utf8'))
        : { databases: [], queues: [], secrets: {} };
    },
    /** The fake account's database of that name, opened directly. */
    db(name) {
      const d = this.account().databases.find((x) => x.name === name);
      if (!d) throw new Error(`no database ${name}`);
      return new DatabaseSync(join(state, 'd1', `${d.uuid}.sqlite`));
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a CLI script with Node 22: {code, stdout, stderr}. */
export function runScript(script, args, { env, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(NODE, [join(ROOT, script), ...args], { env, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export const setupCli = (args, opts) => runScript('workers/cli/setup.mjs', args, opts);
export const opsCli = (args, opts) => runScript('workers/cli/ops.mjs', args, opts);

/** The Worker's /ops/v1 endpoints, faked: records requests, answers from `handlers`. */
export async function fakeOpsWorker(token, handlers = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const entry = {
        method: req.method,
        path: req.url,
        auth: req.headers.authorization,
        body: body ? JSON.parse(body) : null,
      };
      requests.push(entry);
      const send = (status, json) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { detail: 'bad token' });
      if (req.url === '/ops/v1/ping') return send(200, { ok: true });
      for (const [pattern, handler] of Object.entries(handlers)) {
        const m = new RegExp(`^/ops/v1${pattern}$`).exec(req.url);
        if (m) {
          const [status, json] = handler(entry, m);
          return send(status, json);
        }
      }
      send(404, { detail: `no fake for ${req.url}` });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Provisions a project's fake account for `env` (first setup run) and returns its OPS_TOKEN. */
export async function provision(p, env = 'staging') {
  const r = await setupCli(
    [
      '--env',
      env,
      '--config',
      p.config,
      '--yes',
      '--skip-build',
      '--public-base-url',
      `https://sms.${env}.example.org`,
      '--email-provider',
      'cloudflare',
      '--email-from',
      'login@mail.example.org',
    ],
    { env: p.env },
  );
  if (r.code !== 0) throw new Error(`setup failed: ${r.stderr}`);
  const secrets = readFileSync(join(p.env.SETUP_SECRETS_DIR, `${env}.env`), 'utf8');
  return /^OPS_TOKEN=(.*)$/m.exec(secrets)[1];
}

export function sqlRows(db, sql, ...params) {
  return db
    .prepare(sql)
    .all(...params)
    .map((r) => ({ ...r }));
}

export { dirname };
