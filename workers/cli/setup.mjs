#!/usr/bin/env node
// `npm run setup -- --env NAME [--dry-run] [--shards N]`: provisions a wrangler environment and
// deploys it. Lists what exists first, then creates only what is missing: the control database and
// the shard databases (ids written into wrangler.toml and workers/links/wrangler.toml), the queues
// wrangler.toml names, the secrets it can generate (LINK_SECRET, OPS_TOKEN, CREDENTIALS_KEY, WEBHOOK_SIGNING_KEY; kept
// in .secrets/NAME.env) and the ones it asks for (email, Twilio); applies pending migrations to
// every database (--remote) before deploying the main and the link Worker. Idempotent: every step
// checks first, so a second run changes nothing and says so, and a run that stopped halfway is
// finished by the next. --dry-run prints each wrangler command a first run would run and calls none.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './node.mjs';
import { parseArgs, UsageError } from './ops-args.mjs';
import {
  displayCommand,
  parseJsonOutput,
  parseQueueTable,
  runWrangler,
  WranglerError,
} from './ops-wrangler.mjs';
import {
  addDatabase,
  bucketNames,
  customDomain,
  databases,
  hasEnv,
  PLACEHOLDER_DB_ID,
  queueNames,
  renderEnvSection,
  renderLinksEnvSection,
  setCustomDomain,
  setDatabaseId,
  setVar,
  vars,
  workerName,
} from './setup-config.mjs';
import { buildUi, deployWorker } from './setup-deploy.mjs';
import { gatherInputs, SetupUsageError } from './setup-inputs.mjs';
import { GENERATED, rotate } from './setup-rotate.mjs';
import { readDotEnv, saveSecrets, secretsPath } from './setup-secrets.mjs';

export const USAGE = `Usage: npm run setup -- --env NAME [--dry-run] [--shards N]
  [--public-base-url URL] [--short-link-base-url URL] [--email-provider cloudflare|resend]
  [--email-from ADDRESS] [--twilio-account-sid AC...] [--yes] [--skip-build] [--config PATH] [--links-config PATH]
       npm run setup -- --env NAME --rotate LINK_SECRET|CREDENTIALS_KEY|OPS_TOKEN [--dry-run]

Secrets it cannot generate come from the environment (RESEND_API_KEY, TWILIO_AUTH_TOKEN) or are
asked at the terminal; --yes never asks (missing settings are an error before anything changes).`;

const FLAGS = {
  env: 'string',
  'dry-run': 'boolean',
  shards: 'string',
  config: 'string',
  'links-config': 'string',
  'public-base-url': 'string',
  'short-link-base-url': 'string',
  'email-provider': 'string',
  'email-from': 'string',
  'twilio-account-sid': 'string',
  yes: 'boolean',
  'skip-build': 'boolean',
  rotate: 'string',
  help: 'boolean',
};

class Setup {
  constructor({ env, flags, out, warn }) {
    this.env = env;
    this.flags = flags;
    this.out = out;
    this.warn = warn;
    this.dryRun = Boolean(flags['dry-run']);
    this.mainConfig = resolve(flags.config ?? join(ROOT, 'wrangler.toml'));
    this.project = dirname(this.mainConfig);
    this.linksConfig = resolve(flags['links-config'] ?? join(this.project, 'workers/links/wrangler.toml'));
    this.changes = [];
  }

  /** wrangler args for one of the two Workers in this environment. */
  workerArgs(which) {
    const cfg = which === 'links' ? ['--config', relative(this.project, this.linksConfig)] : [];
    return [...cfg, '--env', this.env];
  }

  async wrangler(args, opts = {}) {
    if (this.dryRun) {
      this.out(displayCommand(args));
      return { stdout: opts.dryOutput ?? '', stderr: '' };
    }
    return runWrangler(args, { cwd: this.project, ...opts });
  }

  change(what) {
    this.changes.push(what);
    this.warn(`  ${this.dryRun ? 'would add' : '+'} ${what}`);
  }

  readConfigs() {
    this.main = readFileSync(this.mainConfig, 'utf8');
    this.links = existsSync(this.linksConfig) ? readFileSync(this.linksConfig, 'utf8') : null;
  }

  writeConfigs(what) {
    if (this.dryRun) {
      this.warn(`(dry run) would write ${what}`);
      return;
    }
    writeFileSync(this.mainConfig, this.main);
    if (this.links !== null) writeFileSync(this.linksConfig, this.links);
  }

  /** The env sections exist, with at least --shards shard databases (never fewer than bound). */
  ensureSections() {
    const want = this.flags.shards !== undefined ? Number(this.flags.shards) : undefined;
    if (want !== undefined && (!Number.isInteger(want) || want < 1 || want > 64)) {
      throw new UsageError('--shards must be a whole number from 1 to 64.');
    }
    const edits = [];
    if (!hasEnv(this.main, this.env)) {
      this.main = `${this.main.replace(/\s*$/, '\n')}\n${renderEnvSection(this.main, this.env, { shards: want ?? 2 })}`;
      edits.push(`[env.${this.env}] in ${relative(ROOT, this.mainConfig)}`);
    }
    const bound = this.shardBindings();
    if (want !== undefined && want < bound.length) {
      throw new UsageError(
        `${this.env} binds ${bound.length} shards; --shards ${want} would drop some. A shard can only go once its tenants have moved (npm run ops -- tenant move); then remove its binding by hand.`,
      );
    }
    const worker = workerName(this.main, this.env);
    for (let i = bound.length; want !== undefined && i < want; i++) {
      this.main = addDatabase(this.main, this.env, {
        binding: `SHARD_${i}`,
        database_name: `${worker}-shard-${i}`,
        database_id: PLACEHOLDER_DB_ID,
        migrations_dir: 'migrations/shard',
      });
      edits.push(`SHARD_${i} in [env.${this.env}]`);
    }
    if (this.links !== null) {
      if (!hasEnv(this.links, this.env)) {
        this.links = `${this.links.replace(/\s*$/, '\n')}\n${renderLinksEnvSection(this.main, this.env)}`;
        edits.push(`[env.${this.env}] in ${relative(ROOT, this.linksConfig)}`);
      }
      const linked = new Set(databases(this.links, this.env).map((d) => d.binding));
      for (const d of databases(this.main, this.env)) {
        if (!/^SHARD_\d+$/.test(d.binding) || linked.has(d.binding)) continue;
        this.links = addDatabase(this.links, this.env, { ...d, migrations_dir: '../../migrations/shard' });
        edits.push(`${d.binding} in the link Worker's [env.${this.env}]`);
      }
    }
    if (edits.length) {
      this.writeConfigs(edits.join(', '));
      for (const e of edits) this.change(`config: ${e}`);
    }
  }

  shardBindings() {
    return databases(this.main, this.env).filter((d) => /^SHARD_\d+$/.test(d.binding));
  }

  // ---- listings (read-only)

  async listDatabases() {
    const { stdout } = await this.wrangler(['d1', 'list', '--json'], { dryOutput: '[]' });
    return this.dryRun ? [] : parseJsonOutput(stdout);
  }

  async listQueues() {
    const names = new Set();
    for (let page = 1; page <= 50; page++) {
      const { stdout } = await this.wrangler([
        'queues',
        'list',
        ...(page > 1 ? ['--page', String(page)] : []),
      ]);
      if (this.dryRun) break;
      const found = parseQueueTable(stdout);
      const fresh = found.filter((n) => !names.has(n));
      for (const n of fresh) names.add(n);
      if (fresh.length === 0) break;
    }
    return names;
  }

  async listBuckets() {
    const { stdout } = await this.wrangler(['r2', 'bucket', 'list']);
    if (this.dryRun) return new Set();
    // `name:  <bucket>` lines (labelled values, possibly coloured).
    const plain = stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    return new Set([...plain.matchAll(/^name:\s+(\S+)\s*$/gm)].map((m) => m[1]));
  }

  async listSecrets(which) {
    try {
      const { stdout } = await this.wrangler(
        ['secret', 'list', '--format', 'json', ...this.workerArgs(which)],
        {
          dryOutput: '[]',
        },
      );
      return new Set(this.dryRun ? [] : parseJsonOutput(stdout).map((s) => s.name));
    } catch (err) {
      // A Worker that was never deployed has no secrets yet.
      if (err instanceof WranglerError && /not found|does not exist|10007/i.test(err.said)) return new Set();
      throw err;
    }
  }

  // ---- steps

  async databases(existing) {
    const byName = new Map(existing.map((d) => [d.name, d.uuid]));
    let created = false;
    for (const d of databases(this.main, this.env)) {
      if (byName.has(d.database_name)) continue;
      const { stdout } = await this.wrangler(['d1', 'create', d.database_name]);
      const id = /database_id\s*[=:]\s*"([0-9a-f-]{36})"/.exec(stdout)?.[1];
      if (id) byName.set(d.database_name, id);
      created = true;
      this.change(`D1 database ${d.database_name}`);
    }
    if (this.dryRun) return;
    if (created && databases(this.main, this.env).some((d) => !byName.has(d.database_name))) {
      for (const d of await this.listDatabases()) byName.set(d.name, d.uuid);
    }
    // The real ids, in both configs (the link Worker binds the same shards).
    const written = [];
    for (const d of databases(this.main, this.env)) {
      const id = byName.get(d.database_name);
      if (!id) throw new Error(`D1 database ${d.database_name} was created but is not listed.`);
      if (d.database_id !== id) {
        this.main = setDatabaseId(this.main, this.env, d.binding, id);
        written.push(d.binding);
      }
      if (this.links !== null && /^SHARD_\d+$/.test(d.binding)) {
        const l = databases(this.links, this.env).find((x) => x.binding === d.binding);
        if (l && l.database_id !== id) {
          this.links = setDatabaseId(this.links, this.env, d.binding, id);
          if (!written.includes(d.binding)) written.push(d.binding);
        }
      }
    }
    if (written.length) {
      this.writeConfigs('database ids');
      this.change(`database ids of ${written.join(', ')} written to the configs`);
    }
  }

  async queues(existing) {
    for (const name of queueNames(this.main, this.env)) {
      if (existing.has(name)) continue;
      await this.wrangler(['queues', 'create', name]);
      this.change(`queue ${name}`);
    }
  }

  async buckets(existing) {
    for (const name of bucketNames(this.main, this.env)) {
      if (existing.has(name)) continue;
      await this.wrangler(['r2', 'bucket', 'create', name]);
      this.change(`R2 bucket ${name}`);
    }
  }

  /** The answers as vars, and each Worker's Custom Domain from its URL (the app's, the short links'). */
  writeVars(values) {
    const keys = Object.keys(values);
    for (const k of keys) this.main = setVar(this.main, this.env, k, values[k]);
    if (this.links !== null && values.PUBLIC_BASE_URL) {
      this.links = setVar(this.links, this.env, 'PUBLIC_BASE_URL', values.PUBLIC_BASE_URL);
    }
    const domains = [];
    const appHost = hostOf(vars(this.main, this.env).PUBLIC_BASE_URL);
    if (appHost && customDomain(this.main, this.env) !== appHost) {
      this.main = setCustomDomain(this.main, this.env, appHost);
      if (!appHost.endsWith('.workers.dev')) domains.push(appHost);
    }
    const linkHost = hostOf(vars(this.main, this.env).SHORT_LINK_BASE_URL);
    if (this.links !== null && linkHost && customDomain(this.links, this.env) !== linkHost) {
      this.links = setCustomDomain(this.links, this.env, linkHost);
      if (!linkHost.endsWith('.workers.dev')) domains.push(linkHost);
    }
    if (keys.length === 0 && domains.length === 0) return;
    this.writeConfigs(`vars ${keys.join(', ')}`);
    if (keys.length) this.change(`vars ${keys.join(', ')} in [env.${this.env}.vars]`);
    if (domains.length)
      this.change(`custom domain${domains.length > 1 ? 's' : ''} ${domains.join(', ')} (attached on deploy)`);
  }

  async putSecret(which, key, value) {
    await this.wrangler(['secret', 'put', key, ...this.workerArgs(which)], { input: value });
    this.change(`secret ${key} on the ${which === 'links' ? 'link' : 'main'} Worker`);
  }

  async generatedSecrets(present) {
    const file = secretsPath(this.env);
    const saved = readDotEnv(file);
    for (const g of GENERATED) {
      const missing = g.workers.filter((w) => !present[w].has(g.key));
      if (missing.length === 0) continue;
      let value = saved[g.key];
      if (!value) {
        if (missing.length < g.workers.length) {
          throw new SetupUsageError(
            `${g.key} is set on one Worker but not the other, and its value is not in ${file}. Put the same value on both by hand (DEPLOY.md, "Rotating secrets"), or rotate it.`,
          );
        }
        value = g.make();
        // Saved before it is put anywhere: a run that stops in between puts the same value next time.
        if (!this.dryRun) saveSecrets(file, { [g.key]: value });
      }
      for (const w of missing) await this.putSecret(w, g.key, value);
    }
  }

  async migrations() {
    for (const d of databases(this.main, this.env)) {
      const args = ['d1', 'migrations', 'apply', d.binding, '--remote', ...this.workerArgs('main')];
      if (this.dryRun) {
        this.out(displayCommand(args));
        continue;
      }
      const { stdout } = await this.wrangler([
        'd1',
        'migrations',
        'list',
        d.binding,
        '--remote',
        ...this.workerArgs('main'),
      ]);
      if (/No migrations to apply/i.test(stdout)) continue;
      await this.wrangler(args);
      this.change(`migrations applied to ${d.binding} (${d.database_name})`);
    }
  }

  async run() {
    this.readConfigs();
    if (this.flags.rotate !== undefined) return rotate(this, this.flags.rotate.trim().toUpperCase());
    this.ensureSections();
    const interactive = !this.dryRun && !this.flags.yes && Boolean(process.stdin.isTTY);
    this.warn(`${this.dryRun ? 'Dry run for' : 'Setting up'} environment "${this.env}" ...`);

    // Read-only first: what exists. Nothing changes before every question is answered.
    const existingDbs = await this.listDatabases();
    const existingQueues = await this.listQueues();
    const existingBuckets = await this.listBuckets();
    const present = { main: await this.listSecrets('main'), links: await this.listSecrets('links') };
    const inputs = await gatherInputs({
      flags: this.flags,
      current: vars(this.main, this.env),
      secretsPresent: present.main,
      interactive,
      dryRun: this.dryRun,
    });
    if (inputs.missing.length) this.warn(`(dry run) a real run asks for ${inputs.missing.join(', ')}`);

    // The answers first: a run that stops later does not ask them again.
    this.writeVars(inputs.vars);
    await this.databases(existingDbs);
    await this.queues(existingQueues);
    await this.buckets(existingBuckets);
    await this.generatedSecrets(present);
    for (const [key, value] of Object.entries(inputs.secrets)) await this.putSecret('main', key, value);
    for (const key of inputs.missing) {
      if (['RESEND_API_KEY', 'TWILIO_AUTH_TOKEN'].includes(key)) await this.putSecret('main', key, '');
    }
    // Migrations before code: the new Worker may need the new columns.
    await this.migrations();
    buildUi(this);
    await deployWorker(this, 'main');
    await deployWorker(this, 'links');

    if (this.dryRun) {
      this.warn('(dry run) nothing was changed; a real run skips whatever already exists.');
    } else if (this.changes.length === 0) {
      this.warn(
        `Nothing to do: "${this.env}" is up to date (databases, queues, buckets, secrets, migrations and both Workers).`,
      );
    } else {
      this.warn(
        `Done: ${this.changes.length} change${this.changes.length === 1 ? '' : 's'} to "${this.env}".`,
      );
      if (this.changes.some((c) => c.startsWith('secret OPS_TOKEN'))) {
        this.warn(
          `OPS_TOKEN (for npm run ops -- --remote --env ${this.env}) is in ${secretsPath(this.env)}.`,
        );
      }
    }
    return 0;
  }
}

function hostOf(url) {
  if (!url || /(^|\.)example\.com/.test(url)) return null;
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** Parses setup's argv; throws UsageError for an unknown option or a missing --env. */
export function checkArgs(argv) {
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (flags.help) return { flags };
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}".`);
  const env = flags.env?.trim();
  if (!env) throw new UsageError('--env is required (staging, production, ...).');
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(env)) {
    throw new UsageError(`--env "${env}" must be lowercase letters, digits and dashes.`);
  }
  return { flags, env };
}

export async function main(argv, io = {}) {
  const out = io.out ?? ((line) => process.stdout.write(`${line}\n`));
  const warn = io.warn ?? ((line) => process.stderr.write(`${line}\n`));
  try {
    const { flags, env } = checkArgs(argv);
    if (flags.help) {
      out(USAGE);
      return 0;
    }
    return await new Setup({ env, flags, out, warn }).run();
  } catch (err) {
    if (err instanceof UsageError || err instanceof SetupUsageError) {
      warn(`error: ${err.message}`);
      return 2;
    }
    if (err instanceof WranglerError) {
      warn(
        `error: ${err.message}${err.unreachable ? '\nCloudflare could not be reached.' : ''}\nRun the same command again to finish: every step checks what exists first.`,
      );
      return err.unreachable ? 3 : 1;
    }
    warn(`error: ${err?.stack ?? err}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
