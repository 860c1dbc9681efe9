// `npm run setup` against the recording fake wrangler: a first run creates everything, a second
// run changes nothing, an interrupted run is finished by the next, --dry-run calls nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { bucketNames, customDomain, databases, queueNames, vars } from '../../workers/cli/setup-config.mjs';
import { makeProject, setupCli } from './helpers.mjs';

const SETTINGS = [
  '--yes',
  '--skip-build',
  '--public-base-url',
  'https://sms.staging.example.org',
  '--email-provider',
  'cloudflare',
  '--email-from',
  'login@mail.example.org',
];

const CHANGING = (argv) =>
  ['create', 'put', 'apply'].includes(argv[1]) ||
  (argv[0] === 'r2' && argv[2] === 'create') ||
  (argv[0] === 'deploy' && !argv.includes('--dry-run'));

const projects = [];
function project() {
  const p = makeProject();
  projects.push(p);
  return p;
}
after(() => {
  for (const p of projects) p.cleanup();
});

describe('setup: happy', () => {
  test('a first run creates every database, queue and secret, migrates and deploys; a second run changes nothing', async () => {
    const p = project();
    const first = await setupCli(
      [
        '--env',
        'staging',
        '--config',
        p.config,
        ...SETTINGS,
        '--short-link-base-url',
        'https://s.staging.example.org',
      ],
      { env: p.env },
    );
    assert.equal(first.code, 0, first.stderr);

    const main = readFileSync(p.config, 'utf8');
    const links = readFileSync(p.linksConfig, 'utf8');
    const account = p.account();
    // Every database the env binds exists, and both configs carry its real id.
    const dbs = databases(main, 'staging');
    assert.deepEqual(
      dbs.map((d) => d.binding),
      ['CONTROL_DB', 'SHARD_0', 'SHARD_1'],
    );
    for (const d of dbs) {
      const real = account.databases.find((x) => x.name === d.database_name);
      assert.ok(real, `${d.database_name} created`);
      assert.equal(d.database_id, real.uuid);
    }
    for (const d of databases(links, 'staging')) {
      assert.equal(
        d.database_id,
        dbs.find((x) => x.binding === d.binding).database_id,
        `link Worker ${d.binding}`,
      );
    }
    // Every queue wrangler.toml names (producers, consumers, dead letters), with the env's names.
    const queues = queueNames(main, 'staging');
    assert.deepEqual(queues.sort(), [
      'sms-dlq-staging',
      'sms-fanout-staging',
      'sms-flows-staging',
      'sms-import-staging',
      'sms-send-staging',
      'sms-webhooks-staging',
    ]);
    assert.deepEqual(account.queues.map((q) => q.queue_name).sort(), queues.sort());
    // The campaign archive's bucket, named for the environment.
    assert.deepEqual(bucketNames(main, 'staging'), ['sms-campaigns-archive-staging']);
    assert.deepEqual(
      account.buckets.map((b) => b.name),
      ['sms-campaigns-archive-staging'],
    );
    // Generated secrets on the right Workers; the link Worker signs with the same LINK_SECRET.
    const mainSecrets = account.secrets['sms-campaigns-staging'];
    const linkSecrets = account.secrets['sms-campaigns-links-staging'];
    assert.deepEqual(Object.keys(mainSecrets).sort(), [
      'CREDENTIALS_KEY',
      'LINK_SECRET',
      'OPS_TOKEN',
      'WEBHOOK_SIGNING_KEY',
    ]);
    assert.deepEqual(Object.keys(linkSecrets), ['LINK_SECRET']);
    assert.equal(linkSecrets.LINK_SECRET, mainSecrets.LINK_SECRET);
    assert.equal(Buffer.from(mainSecrets.CREDENTIALS_KEY, 'base64').length, 32);
    assert.ok(mainSecrets.OPS_TOKEN.length >= 40);
    // Kept for the operator, readable only by them.
    const saved = readFileSync(join(p.env.SETUP_SECRETS_DIR, 'staging.env'), 'utf8');
    assert.match(saved, new RegExp(`OPS_TOKEN=${mainSecrets.OPS_TOKEN}`));
    // Settings written as vars; migrations applied to every database; both Workers deployed with a tag.
    assert.equal(vars(main, 'staging').PUBLIC_BASE_URL, 'https://sms.staging.example.org');
    assert.equal(vars(main, 'staging').EMAIL_PROVIDER, 'cloudflare');
    assert.equal(vars(links, 'staging').PUBLIC_BASE_URL, 'https://sms.staging.example.org');
    assert.equal(vars(main, 'staging').SHORT_LINK_BASE_URL, 'https://s.staging.example.org');
    // Each Worker on its own custom domain, attached by the deploy.
    assert.equal(customDomain(main, 'staging'), 'sms.staging.example.org');
    assert.equal(customDomain(links, 'staging'), 's.staging.example.org');
    assert.match(main, /^routes = \[\{ pattern = "sms\.staging\.example\.org", custom_domain = true \}\]$/m);
    // The top level (local runs) keeps no routes.
    assert.equal(customDomain(main, 'production'), null);
    for (const name of [
      'sms-campaigns-staging-control',
      'sms-campaigns-staging-shard-0',
      'sms-campaigns-staging-shard-1',
    ]) {
      const tables = p
        .db(name)
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((r) => r.name);
      assert.ok(tables.includes('tenants'), `${name} migrated`);
      assert.equal(tables.includes('contacts'), !name.endsWith('control'));
    }
    assert.equal(account.deployments['sms-campaigns-staging'].length, 1);
    assert.equal(account.deployments['sms-campaigns-links-staging'].length, 1);
    assert.match(account.deployments['sms-campaigns-staging'][0].tag, /^setup-[0-9a-f]{16}$/);
    // Migrations ran before the first deploy.
    const calls = p.calls();
    const lastApply = calls.findLastIndex((c) => c[1] === 'migrations' && c[2] === 'apply');
    const firstDeploy = calls.findIndex((c) => c[0] === 'deploy' && !c.includes('--dry-run'));
    assert.ok(lastApply >= 0 && lastApply < firstDeploy);

    const before = p.calls().length;
    const configBefore = readFileSync(p.config, 'utf8');
    const second = await setupCli(['--env', 'staging', '--config', p.config, '--yes', '--skip-build'], {
      env: p.env,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Nothing to do: "staging" is up to date/);
    const secondCalls = p.calls().slice(before);
    assert.deepEqual(
      secondCalls.filter(CHANGING),
      [],
      'the second run creates, puts, applies and deploys nothing',
    );
    assert.equal(readFileSync(p.config, 'utf8'), configBefore);
  });

  test('--dry-run prints every wrangler command of a first run, one per line, and calls nothing', async () => {
    const p = project();
    const configBefore = readFileSync(p.config, 'utf8');
    const r = await setupCli(['--env', 'production', '--dry-run', '--config', p.config], { env: p.env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    for (const l of lines) assert.match(l, /^wrangler /);
    for (const name of ['sms-campaigns-control', 'sms-campaigns-shard-0', 'sms-campaigns-shard-1']) {
      assert.ok(lines.includes(`wrangler d1 create ${name}`), name);
    }
    for (const q of ['sms-fanout', 'sms-send', 'sms-import', 'sms-flows', 'sms-webhooks', 'sms-dlq'])
      assert.ok(lines.includes(`wrangler queues create ${q}`));
    assert.ok(lines.includes('wrangler r2 bucket create sms-campaigns-archive'));
    for (const b of ['CONTROL_DB', 'SHARD_0', 'SHARD_1']) {
      assert.ok(lines.includes(`wrangler d1 migrations apply ${b} --remote --env production`));
    }
    assert.ok(lines.includes('wrangler secret put LINK_SECRET --env production'));
    assert.ok(
      lines.includes('wrangler secret put LINK_SECRET --config workers/links/wrangler.toml --env production'),
    );
    assert.ok(lines.includes('wrangler secret put OPS_TOKEN --env production'));
    assert.ok(lines.includes('wrangler secret put CREDENTIALS_KEY --env production'));
    assert.ok(lines.some((l) => l.startsWith('wrangler deploy --env production')));
    assert.ok(
      lines.some((l) =>
        l.startsWith('wrangler deploy --config workers/links/wrangler.toml --env production'),
      ),
    );
    // Migrations before deploys in the plan too.
    assert.ok(
      lines.findLastIndex((l) => l.includes('migrations apply')) <
        lines.findIndex((l) => l.startsWith('wrangler deploy')),
    );
    assert.equal(p.calls().length, 0, 'the fake wrangler was never called');
    assert.equal(readFileSync(p.config, 'utf8'), configBefore);
    assert.match(r.stderr, /asks for PUBLIC_BASE_URL, EMAIL_PROVIDER, EMAIL_FROM/);
  });

  test('--shards 3 adds a third shard to both configs and creates it', async () => {
    const p = project();
    const r = await setupCli(['--env', 'staging', '--shards', '3', '--config', p.config, ...SETTINGS], {
      env: p.env,
    });
    assert.equal(r.code, 0, r.stderr);
    const shard2 = databases(readFileSync(p.config, 'utf8'), 'staging').find((d) => d.binding === 'SHARD_2');
    assert.equal(shard2.database_name, 'sms-campaigns-staging-shard-2');
    assert.ok(p.account().databases.some((d) => d.uuid === shard2.database_id));
    const linked = databases(readFileSync(p.linksConfig, 'utf8'), 'staging').find(
      (d) => d.binding === 'SHARD_2',
    );
    assert.equal(linked.database_id, shard2.database_id);
    // The top level (local runs, tests) is left alone.
    assert.equal(databases(readFileSync(p.config, 'utf8'), null).length, 3);
  });
});

describe('setup: faults', () => {
  test('interrupted halfway (a queue create fails): the next run finishes the job, the one after changes nothing', async () => {
    const p = project();
    const failing = { ...p.env, FAKE_WRANGLER_FAIL_ON: 'queues create sms-send-staging' };
    const first = await setupCli(['--env', 'staging', '--config', p.config, ...SETTINGS], { env: failing });
    assert.equal(first.code, 1);
    assert.match(first.stderr, /Run the same command again to finish/);
    assert.equal(p.account().databases.length, 3, 'the databases were created before the failure');
    assert.ok(!p.account().queues.some((q) => q.queue_name === 'sms-send-staging'));

    const second = await setupCli(['--env', 'staging', '--config', p.config, '--yes', '--skip-build'], {
      env: p.env,
    });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(p.account().databases.length, 3, 'no database created twice');
    assert.equal(p.account().queues.length, 6);
    assert.equal(p.account().deployments['sms-campaigns-staging'].length, 1);

    const third = await setupCli(['--env', 'staging', '--config', p.config, '--yes', '--skip-build'], {
      env: p.env,
    });
    assert.match(third.stderr, /Nothing to do/);
  });

  test('interrupted between two Workers’ LINK_SECRET: the next run puts the same value on the link Worker', async () => {
    const p = project();
    const failing = { ...p.env, FAKE_WRANGLER_FAIL_ON: 'secret put LINK_SECRET --config' };
    const first = await setupCli(['--env', 'staging', '--config', p.config, ...SETTINGS], { env: failing });
    assert.equal(first.code, 1);
    assert.ok(p.account().secrets['sms-campaigns-staging'].LINK_SECRET);
    assert.equal(p.account().secrets['sms-campaigns-links-staging']?.LINK_SECRET, undefined);
    const second = await setupCli(['--env', 'staging', '--config', p.config, '--yes', '--skip-build'], {
      env: p.env,
    });
    assert.equal(second.code, 0, second.stderr);
    const s = p.account().secrets;
    assert.equal(s['sms-campaigns-links-staging'].LINK_SECRET, s['sms-campaigns-staging'].LINK_SECRET);
  });

  test('Cloudflare unreachable: a clear error, exit 3, nothing created', async () => {
    const p = project();
    const r = await setupCli(['--env', 'staging', '--config', p.config, ...SETTINGS], {
      env: { ...p.env, FAKE_WRANGLER_OFFLINE: '1' },
    });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /Cloudflare could not be reached/);
    assert.deepEqual(p.calls().filter(CHANGING), []);
  });
});

describe('setup: errors', () => {
  test('missing settings without a terminal: exit 2 naming each, before anything is created', async () => {
    const p = project();
    const r = await setupCli(['--env', 'staging', '--config', p.config, '--yes', '--skip-build'], {
      env: p.env,
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--public-base-url .*--email-provider .*--email-from/);
    assert.deepEqual(p.calls().filter(CHANGING), []);
  });

  test('bad arguments: a clear message and exit 2', async () => {
    const p = project();
    const cases = [
      [[], /--env is required/],
      [['--env', 'Prod!'], /lowercase letters/],
      [['--env', 'staging', '--shards', '0'], /--shards must be/],
      [['--env', 'staging', '--shards', '1'], /would drop some/],
      [['--env', 'staging', '--frobnicate'], /Unknown option --frobnicate/],
      [
        ['--env', 'staging', ...SETTINGS.slice(0, 2), '--public-base-url', 'http://insecure.example.org'],
        /must start with https/,
      ],
      [
        [
          '--env',
          'staging',
          '--yes',
          '--skip-build',
          '--public-base-url',
          'https://a.example.org',
          '--email-provider',
          'postmark',
          '--email-from',
          'a@b.org',
        ],
        /cloudflare or resend/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await setupCli([...args, '--config', p.config], { env: p.env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.deepEqual(p.calls().filter(CHANGING), []);
  });

  test('resend needs its API key (from the environment), and it is put as a secret', async () => {
    const p = project();
    const args = [
      '--env',
      'staging',
      '--config',
      p.config,
      '--yes',
      '--skip-build',
      '--public-base-url',
      'https://a.example.org',
      '--email-provider',
      'resend',
      '--email-from',
      'login@a.example.org',
    ];
    const missing = await setupCli(args, { env: p.env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /RESEND_API_KEY environment variable/);
    const ok = await setupCli(args, { env: { ...p.env, RESEND_API_KEY: 're_test_1234567890' } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(p.account().secrets['sms-campaigns-staging'].RESEND_API_KEY, 're_test_1234567890');
    // The secret is never on the command line.
    assert.ok(!p.calls().some((c) => c.includes('re_test_1234567890')));
  });
});

describe('setup: the environments in wrangler.toml', () => {
  test('staging and production bind everything the top level binds (environments inherit no bindings)', async () => {
    const { bindingNames } = await import('../../workers/cli/setup-config.mjs');
    const text = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');
    const top = bindingNames(text, null).filter((b) => !/^d1_databases\.SHARD_/.test(b));
    for (const env of ['staging', 'production']) {
      const envBindings = bindingNames(text, env);
      for (const b of top) assert.ok(envBindings.includes(b), `[env.${env}] lacks ${b}`);
    }
  });
});

describe('setup: rotating a generated secret', () => {
  test('--rotate LINK_SECRET moves the current value to LINK_SECRET_PREVIOUS and puts a new one, on both Workers', async () => {
    const p = project();
    assert.equal(
      (await setupCli(['--env', 'staging', '--config', p.config, ...SETTINGS], { env: p.env })).code,
      0,
    );
    const old = p.account().secrets['sms-campaigns-staging'].LINK_SECRET;
    // Interrupted after the first put: the next run finishes with the same new value.
    const cut = await setupCli(['--env', 'staging', '--config', p.config, '--rotate', 'LINK_SECRET'], {
      env: { ...p.env, FAKE_WRANGLER_FAIL_ON: 'secret put LINK_SECRET --env' },
    });
    assert.equal(cut.code, 1);
    const r = await setupCli(['--env', 'staging', '--config', p.config, '--rotate', 'LINK_SECRET'], {
      env: p.env,
    });
    assert.equal(r.code, 0, r.stderr);
    const s = p.account().secrets;
    for (const w of ['sms-campaigns-staging', 'sms-campaigns-links-staging']) {
      assert.equal(s[w].LINK_SECRET_PREVIOUS, old, w);
      assert.notEqual(s[w].LINK_SECRET, old, w);
    }
    assert.equal(s['sms-campaigns-staging'].LINK_SECRET, s['sms-campaigns-links-staging'].LINK_SECRET);
    const saved = readFileSync(join(p.env.SETUP_SECRETS_DIR, 'staging.env'), 'utf8');
    assert.match(saved, new RegExp(`^LINK_SECRET=${s['sms-campaigns-staging'].LINK_SECRET}$`, 'm'));
    assert.match(saved, new RegExp(`^LINK_SECRET_PREVIOUS=${old}$`, 'm'));
    assert.doesNotMatch(saved, /LINK_SECRET_NEXT/);
    assert.match(r.stderr, /later: wrangler secret delete LINK_SECRET_PREVIOUS --env staging/);
    const bad = await setupCli(['--env', 'staging', '--config', p.config, '--rotate', 'SESSION_SECRET'], {
      env: p.env,
    });
    assert.equal(bad.code, 2);
  });
});
