// `npm run ops -- ... --remote --env staging` against the fake wrangler (a provisioned fake account)
// and a fake of the Worker's operator endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fakeOpsWorker, makeProject, opsCli, provision, sqlRows } from './helpers.mjs';

let p;
let token;
let worker;
let remote;
const paused = new Set();

before(async () => {
  p = makeProject();
  token = await provision(p, 'staging');
  worker = await fakeOpsWorker(token, {
    '/tenants/([^/]+)/invitation': (req, m) => [
      202,
      {
        user_id: 'u',
        email: req.body.email,
        delivery: 'sent',
        expires_at: '2027-01-08T00:00:00.000Z',
        tenant: m[1],
      },
    ],
    '/tenants/([^/]+)/pause': (_req, m) => {
      paused.add(m[1]);
      return [200, { tenant: { id: m[1], is_paused: true, paused_reason: 'x' }, changed: true }];
    },
    '/tenants/([^/]+)/resume': (_req, m) => {
      paused.delete(m[1]);
      return [
        200,
        {
          tenant: { id: m[1], is_paused: false, paused_reason: null },
          changed: true,
          parked_webhooks_replayed: 0,
        },
      ];
    },
  });
  remote = ['--remote', '--env', 'staging', '--config', p.config];
});
after(async () => {
  await worker?.close();
  p?.cleanup();
});

const withWorker = () => ({ env: { ...p.env, OPS_URL: worker.url } });
const control = () => p.db('sms-campaigns-staging-control');
const shard = (i) => p.db(`sms-campaigns-staging-shard-${i}`);
const count = (db, table) => sqlRows(db, `SELECT count(*) AS n FROM ${table}`)[0].n;

describe('ops --remote: happy', () => {
  test('tenant create writes the tenant and admin to control and its copy to the emptiest shard, and sends the invitation through the Worker', async () => {
    const r = await opsCli(
      [
        'tenant',
        'create',
        '--name',
        'Harbour Cafe',
        '--country',
        'AU',
        '--timezone',
        'Australia/Sydney',
        '--admin-email',
        'Owner@Harbour.example',
        ...remote,
      ],
      withWorker(),
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim());
    assert.equal(out.admin_email, 'owner@harbour.example');
    assert.match(out.shard, /^SHARD_[01]$/);
    assert.equal(out.invitation.delivery, 'sent');
    const [t] = sqlRows(control(), 'SELECT * FROM tenants WHERE id = ?', out.tenant_id);
    assert.equal(t.name, 'Harbour Cafe');
    assert.equal(t.shard, out.shard);
    const [u] = sqlRows(control(), 'SELECT * FROM users WHERE tenant_id = ?', out.tenant_id);
    assert.equal(u.role, 'admin');
    const home = shard(Number(out.shard.slice(-1)));
    assert.equal(sqlRows(home, 'SELECT id FROM tenants WHERE id = ?', out.tenant_id).length, 1);
    assert.equal(sqlRows(home, 'SELECT id FROM users WHERE id = ?', u.id).length, 1);
    assert.equal(sqlRows(home, 'SELECT id FROM budgets WHERE tenant_id = ?', out.tenant_id).length, 1);
    const invite = worker.requests.find((x) => x.path === `/ops/v1/tenants/${out.tenant_id}/invitation`);
    assert.equal(invite.auth, `Bearer ${token}`);
    assert.deepEqual(invite.body, { email: 'owner@harbour.example' });

    // The next tenant goes to the other shard (fewer tenants there; sizes decide first).
    const r2 = await opsCli(
      [
        'tenant',
        'create',
        '--name',
        'Second',
        '--country',
        'NZ',
        '--timezone',
        'Pacific/Auckland',
        '--admin-email',
        'b@second.example',
        ...remote,
      ],
      withWorker(),
    );
    assert.equal(r2.code, 0, r2.stderr);
    const out2 = JSON.parse(r2.stdout);
    assert.ok(/^SHARD_[01]$/.test(out2.shard));

    const list = await opsCli(['tenant', 'list', '--json', ...remote], { env: p.env });
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const mine = rows.find((x) => x.id === out.tenant_id);
    assert.deepEqual(
      { name: mine.name, shard: mine.shard, paused: mine.paused, users: mine.users },
      { name: 'Harbour Cafe', shard: out.shard, paused: false, users: 1 },
    );
    const table = await opsCli(['tenant', 'list', ...remote], { env: p.env });
    assert.match(table.stdout, /^id\s+name\s+shard\s+paused\s+users\s+created/m);
    assert.match(table.stdout, /Harbour Cafe/);
  });

  test('prices set writes a platform price and closes the open-ended one before it; the same again changes nothing', async () => {
    const a = await opsCli(
      ['prices', 'set', '--country', 'AU', '--per-part-cents', '5', '--from', '2026-01-01', ...remote],
      { env: p.env },
    );
    assert.equal(a.code, 0, a.stderr);
    const b = await opsCli(
      [
        'prices',
        'set',
        '--country',
        'AU',
        '--per-part-cents',
        '6',
        '--from',
        '2027-01-01T00:00:00Z',
        ...remote,
      ],
      { env: p.env },
    );
    assert.equal(b.code, 0, b.stderr);
    const again = await opsCli(
      ['prices', 'set', '--country', 'AU', '--per-part-cents', '6', '--from', '2027-01-01', ...remote],
      { env: p.env },
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).updated, true);
    const rows = sqlRows(
      control(),
      "SELECT tenant_id, per_part_cents, effective_from, effective_until FROM costs WHERE country = 'AU' ORDER BY effective_from",
    );
    assert.deepEqual(rows, [
      {
        tenant_id: null,
        per_part_cents: 5,
        effective_from: '2026-01-01T00:00:00.000Z',
        effective_until: '2027-01-01T00:00:00.000Z',
      },
      {
        tenant_id: null,
        per_part_cents: 6,
        effective_from: '2027-01-01T00:00:00.000Z',
        effective_until: null,
      },
    ]);
    // An earlier start with no end would overlap the later price.
    const overlap = await opsCli(
      ['prices', 'set', '--country', 'AU', '--per-part-cents', '4', '--from', '2026-06-01', ...remote],
      { env: p.env },
    );
    assert.equal(overlap.code, 2);
    assert.match(overlap.stderr, /already starts at 2027-01-01.*--until/);
  });

  test('pause and resume go through the Worker (control row, shard copy, governor, audit live there)', async () => {
    const [t] = sqlRows(control(), 'SELECT id FROM tenants LIMIT 1');
    const r = await opsCli(['tenant', 'pause', t.id, '--reason', 'Unpaid invoice', ...remote], withWorker());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(worker.requests.at(-1).body, { reason: 'Unpaid invoice' });
    assert.equal(worker.requests.at(-1).path, `/ops/v1/tenants/${t.id}/pause`);
    assert.equal(JSON.parse(r.stdout).governor, 'told');
    const back = await opsCli(['tenant', 'resume', t.id, ...remote], withWorker());
    assert.equal(back.code, 0, back.stderr);
    assert.equal(worker.requests.at(-1).path, `/ops/v1/tenants/${t.id}/resume`);
  });
});

describe('ops --remote: errors', () => {
  test('bad arguments: a clear message, exit 2, nothing written', async () => {
    const tenantsBefore = count(control(), 'tenants');
    const costsBefore = count(control(), 'costs');
    const base = [
      'tenant',
      'create',
      '--name',
      'X',
      '--country',
      'AU',
      '--timezone',
      'Australia/Sydney',
      '--admin-email',
      'x@x.example',
    ];
    const cases = [
      [
        [
          'tenant',
          'create',
          '--country',
          'AU',
          '--timezone',
          'Australia/Sydney',
          '--admin-email',
          'a@b.example',
        ],
        /--name is required/,
      ],
      [base.map((a) => (a === 'AU' ? 'XX' : a)), /not an ISO 3166-1 alpha-2/],
      [base.map((a) => (a === 'Australia/Sydney' ? 'Mars/Olympus' : a)), /not an IANA time zone/],
      [base.map((a) => (a === 'Australia/Sydney' ? 'AEST' : a)), /IANA time zone|abbreviation/],
      [base.map((a) => (a === 'x@x.example' ? 'not-an-email' : a)), /not an email address/],
      [[...base, '--shard', 'SHARD_9'], /not a shard of this configuration/],
      [['tenant', 'create', '--name'], /--name needs a value/],
      [['tenant', 'pause'], /needs the tenant id/],
      [['tenant', 'pause', 'not-a-uuid'], /not a tenant id/],
      [['tenant', 'explode'], /Unknown command "tenant explode"/],
      [['tenant', 'list', '--colour'], /Unknown option --colour/],
      [
        ['prices', 'set', '--country', 'AU', '--per-part-cents', '-1', '--from', '2027-01-01'],
        /whole number of cents/,
      ],
      [
        ['prices', 'set', '--country', 'AU', '--per-part-cents', '5', '--from', '2027-02-30'],
        /not a real date/,
      ],
      [
        ['prices', 'set', '--country', 'AU', '--per-part-cents', '5', '--from', 'tomorrow'],
        /not an ISO date/,
      ],
      [
        [
          'prices',
          'set',
          '--country',
          'AU',
          '--per-part-cents',
          '5',
          '--from',
          '2027-01-01',
          '--until',
          '2026-01-01',
        ],
        /must be after --from/,
      ],
      [
        ['tenant', 'move', '01900000-0000-7000-8000-000000000001', '--to', 'SHARD_X'],
        /not a shard binding name/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await opsCli([...args, ...remote], withWorker());
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
    // Global flags have their own rules.
    const noEnv = await opsCli(['tenant', 'list', '--remote'], { env: p.env });
    assert.equal(noEnv.code, 2);
    assert.match(noEnv.stderr, /--remote needs --env/);
    const unknownEnv = await opsCli(['tenant', 'list', '--remote', '--env', 'qa', '--config', p.config], {
      env: p.env,
    });
    assert.equal(unknownEnv.code, 2);
    assert.match(unknownEnv.stderr, /no \[env.qa\]/);
    assert.equal(count(control(), 'tenants'), tenantsBefore);
    assert.equal(count(control(), 'costs'), costsBefore);
  });

  test('an address that is already a user: exit 2, nothing written', async () => {
    const [u] = sqlRows(control(), 'SELECT email FROM users LIMIT 1');
    const before = count(control(), 'tenants');
    const r = await opsCli(
      [
        'tenant',
        'create',
        '--name',
        'Dup',
        '--country',
        'AU',
        '--timezone',
        'Australia/Sydney',
        '--admin-email',
        u.email.toUpperCase(),
        ...remote,
      ],
      withWorker(),
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /already a user/);
    assert.equal(count(control(), 'tenants'), before);
  });

  test('unreachable remote: a clear error, exit 3, nothing written', async () => {
    const before = count(control(), 'tenants');
    const offline = { env: { ...p.env, OPS_URL: worker.url, FAKE_WRANGLER_OFFLINE: '1' } };
    const create = await opsCli(
      [
        'tenant',
        'create',
        '--name',
        'Offline',
        '--country',
        'AU',
        '--timezone',
        'Australia/Sydney',
        '--admin-email',
        'off@line.example',
        ...remote,
      ],
      offline,
    );
    assert.equal(create.code, 3, create.stderr);
    assert.match(create.stderr, /Cannot reach Cloudflare's API .*nothing was written/);
    const prices = await opsCli(
      ['prices', 'set', '--country', 'NZ', '--per-part-cents', '7', '--from', '2027-01-01', ...remote],
      offline,
    );
    assert.equal(prices.code, 3);
    assert.equal(count(control(), 'tenants'), before);
    assert.equal(sqlRows(control(), "SELECT * FROM costs WHERE country = 'NZ'").length, 0);
  });

  test('the Worker unreachable: create refuses before writing (the invitation could not be sent); pause refuses', async () => {
    const before = count(control(), 'tenants');
    const r = await opsCli(
      [
        'tenant',
        'create',
        '--name',
        'NoWorker',
        '--country',
        'AU',
        '--timezone',
        'Australia/Sydney',
        '--admin-email',
        'no@worker.example',
        ...remote,
      ],
      { env: p.env },
    );
    assert.equal(r.code, 3);
    assert.match(r.stderr, /Nothing was written.*--no-invite/s);
    assert.equal(count(control(), 'tenants'), before);
    const [t] = sqlRows(control(), 'SELECT id, is_paused FROM tenants LIMIT 1');
    const pause = await opsCli(['tenant', 'pause', t.id, ...remote], { env: p.env });
    assert.equal(pause.code, 3);
    assert.match(pause.stderr, /must reach the Worker's TenantGovernor.*Nothing was written/);
    assert.equal(
      sqlRows(control(), 'SELECT is_paused FROM tenants WHERE id = ?', t.id)[0].is_paused,
      t.is_paused,
    );
    // A wrong token is "unreachable" too, and says why.
    const wrong = await opsCli(['tenant', 'pause', t.id, ...remote], {
      env: { ...p.env, OPS_URL: worker.url, OPS_TOKEN: 'x'.repeat(43) },
    });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /refused the OPS_TOKEN/);
  });
});
