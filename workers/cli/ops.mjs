#!/usr/bin/env node
// `npm run ops -- <command>`: the operator's tool. Talks to the local D1 databases (`npm start`'s,
// or --persist-to DIR) by default, or with `--remote --env NAME` to a deployment's, through
// wrangler; results are one JSON line on stdout, progress and warnings on stderr.
// Exit codes: 0 done, 1 failed, 2 bad arguments (nothing written), 3 unreachable (nothing written),
// 4 tenant created but its invitation not sent.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { node22, ROOT } from './node.mjs';
import { parseArgs, UsageError } from './ops-args.mjs';
import { D1Target, proxyExecutor, RemoteUnreachableError } from './ops-db.mjs';
import { tenantPause } from './ops-killswitch.mjs';
import { SimulatedCrash, tenantMove } from './ops-move.mjs';
import { pricesSet } from './ops-prices.mjs';
import { OpsError, tenantCreate, tenantInvite, tenantList, tenantSync } from './ops-tenants.mjs';
import { WorkerUnreachableError, workerClient } from './ops-worker.mjs';
import { WranglerError } from './ops-wrangler.mjs';
import { databases, hasEnv, vars } from './setup-config.mjs';

export const USAGE = `Usage: npm run ops -- <command> [options] [--remote --env NAME | --persist-to DIR] [--config PATH]

  tenant create --name NAME --country CC --timezone Area/City --admin-email EMAIL [--shard SHARD_n] [--no-invite]
  tenant list [--json]
  tenant invite ID [--email EMAIL]
  tenant pause ID [--reason TEXT]
  tenant resume ID
  tenant sync ID
  tenant move ID --to SHARD_n [--wait-seconds N] [--page-size N] [--abort]
  prices set --country CC --per-part-cents N --from ISO [--until ISO] [--provider twilio]

Local (default): the databases of \`npm start\` (.wrangler/state, or --persist-to DIR); the app's
operator endpoints when it runs. --remote --env NAME: the deployment's databases (wrangler must be
logged in) and its Worker at PUBLIC_BASE_URL, with OPS_TOKEN from the environment or .secrets/NAME.env.`;

const GLOBAL = {
  remote: 'boolean',
  env: 'string',
  'persist-to': 'string',
  config: 'string',
  help: 'boolean',
};

/** Each command: its own options (besides the global ones) and its handler. */
const COMMANDS = {
  'tenant create': {
    flags: {
      name: 'string',
      country: 'string',
      timezone: 'string',
      'admin-email': 'string',
      shard: 'string',
      'no-invite': 'boolean',
    },
    positionals: 0,
    run: tenantCreate,
  },
  'tenant list': { flags: { json: 'boolean' }, positionals: 0, run: tenantList },
  'tenant invite': { flags: { email: 'string' }, positionals: 1, run: tenantInvite },
  'tenant pause': {
    flags: { reason: 'string' },
    positionals: 1,
    run: (ctx, f, p) => tenantPause(ctx, f, p, true),
  },
  'tenant resume': { flags: {}, positionals: 1, run: (ctx, f, p) => tenantPause(ctx, f, p, false) },
  'tenant sync': { flags: {}, positionals: 1, run: tenantSync },
  'tenant move': {
    flags: { to: 'string', 'wait-seconds': 'string', 'page-size': 'string', abort: 'boolean' },
    positionals: 1,
    run: tenantMove,
  },
  'prices set': {
    flags: {
      country: 'string',
      'per-part-cents': 'string',
      from: 'string',
      until: 'string',
      provider: 'string',
    },
    positionals: 0,
    run: pricesSet,
  },
};

/** The command an argv names and its parsed options; throws UsageError for anything wrong. */
export function checkArgs(argv) {
  const words = [];
  for (const a of argv) {
    if (a.startsWith('--') || words.length === 2) break;
    words.push(a);
  }
  const name = words.join(' ');
  const command = COMMANDS[name];
  if (!command) {
    throw new UsageError(
      `Unknown command "${name || argv[0]}". Commands: ${Object.keys(COMMANDS).join(', ')}.`,
    );
  }
  const { flags, positionals } = parseArgs(argv.slice(words.length), { ...GLOBAL, ...command.flags });
  if (positionals.length > command.positionals) {
    throw new UsageError(`Unexpected argument "${positionals[command.positionals]}".`);
  }
  if (command.positionals > 0 && positionals.length === 0) {
    throw new UsageError(`${name} needs the tenant id: npm run ops -- ${name} ID.`);
  }
  return { command, flags, positionals };
}

export async function main(argv, io = {}) {
  const out = io.out ?? ((line) => process.stdout.write(`${line}\n`));
  const warn = io.warn ?? ((line) => process.stderr.write(`${line}\n`));
  if (argv.includes('--help') || argv.length === 0) {
    out(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    const { command, flags, positionals } = checkArgs(argv);
    const ctx = await context(flags, out, warn, io);
    try {
      return await command.run(ctx, flags, positionals);
    } finally {
      await ctx.dispose();
    }
  } catch (err) {
    return report(err, warn);
  }
}

/** The local databases through one in-process Miniflare (OPS_LOCAL_DRIVER=proxy; needs Node 22). */
async function platformProxy(config, persistTo) {
  const { getPlatformProxy } = await import('wrangler');
  return getPlatformProxy({
    configPath: config,
    persist: { path: join(persistTo ?? join(dirname(config), '.wrangler/state'), 'v3') },
    remoteBindings: false,
  });
}

async function context(flags, out, warn, io) {
  const remote = Boolean(flags.remote);
  if (flags.env && !remote) throw new UsageError('--env names a deployed environment: add --remote.');
  if (remote && !flags.env) throw new UsageError('--remote needs --env NAME (staging, production, ...).');
  if (remote && flags['persist-to'])
    throw new UsageError('--persist-to is for local databases, not --remote.');
  const config = resolve(flags.config ?? join(ROOT, 'wrangler.toml'));
  if (!existsSync(config)) throw new UsageError(`No wrangler config at ${config}.`);
  const text = readFileSync(config, 'utf8');
  const env = remote ? flags.env : null;
  if (env && !hasEnv(text, env)) {
    throw new UsageError(`${config} has no [env.${env}]: run npm run setup -- --env ${env} first.`);
  }
  const shards = databases(text, env)
    .map((d) => d.binding)
    .filter((b) => /^SHARD_\d+$/.test(b));
  if (shards.length === 0) throw new UsageError(`${config} binds no shard databases (SHARD_0, ...).`);
  const envVars = vars(text, env);
  const persistTo = flags['persist-to'] ? resolve(flags['persist-to']) : null;
  let proxy = null;
  let target = io.target ?? null;
  if (!target && !remote && process.env.OPS_LOCAL_DRIVER === 'proxy') {
    proxy = await platformProxy(config, persistTo);
    target = new D1Target({ executor: proxyExecutor(proxy.env) });
  }
  target ??= new D1Target({ remote, env, persistTo, config: flags.config ? config : null });
  const suffix = [
    remote ? ` --remote --env ${env}` : '',
    flags['persist-to'] ? ` --persist-to ${flags['persist-to']}` : '',
    flags.config ? ` --config ${flags.config}` : '',
  ].join('');
  return {
    target,
    shards,
    vars: envVars,
    worker: io.worker ?? workerClient({ remote, env, vars: envVars }),
    out,
    warn,
    now: io.now ?? (() => new Date()),
    sleep: io.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    crashAfter: io.crashAfter ?? null,
    dispose: async () => {
      await proxy?.dispose();
    },
    flagsSuffix: suffix,
    localBaseUrl: `http://127.0.0.1:${process.env.PORT ?? 8787}`,
  };
}

function report(err, warn) {
  if (err instanceof SimulatedCrash) {
    warn(`(test) ${err.message}`);
    return 137;
  }
  if (err instanceof UsageError) {
    warn(`error: ${err.message}\n(npm run ops -- --help for usage)`);
    return 2;
  }
  if (err instanceof RemoteUnreachableError || err instanceof WorkerUnreachableError) {
    warn(`error: ${err.message}`);
    return 3;
  }
  if (err instanceof OpsError) {
    warn(`error: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof WranglerError) {
    warn(`error: ${err.message}`);
    return 1;
  }
  warn(`error: ${err?.stack ?? err}`);
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  // The in-process driver loads wrangler's API, which needs the Node that wrangler needs.
  if (process.env.OPS_LOCAL_DRIVER === 'proxy' && node22() !== process.execPath) {
    process.exitCode = spawnSync(node22(), [process.argv[1], ...argv], { stdio: 'inherit' }).status ?? 1;
  } else {
    process.exitCode = await main(argv);
  }
}
