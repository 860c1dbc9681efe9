// `npm run ops` against local D1 (the files `npm start` uses, in a temporary --persist-to folder):
// the default path through `wrangler d1 execute --local`, and the tenant move, crashed after each
// of its steps and run again, through the in-process driver (the same local databases, without a
// wrangler process per query, so every crash point fits in the test run).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../workers/cli/ops.mjs';
import { bindSql, D1Target, proxyExecutor } from '../../workers/cli/ops-db.mjs';
import { buildPlan, introspect, shardSchemaTables } from '../../workers/cli/ops-move-plan.mjs';
import { opsCli, ROOT } from './helpers.mjs';

const persist = mkdtempSync(join(tmpdir(), 'ops-local-'));
const local = ['--persist-to', persist];
let proxy;
let target;
let plans;

/** No app runs in these tests: the operator endpoints are unreachable. */
const noWorker = {
  problem: async () => 'the app is not running (test)',
  post: async () => {
    throw new Error('no Worker in this test');
  },
  outboxLink: async () => null,
};

/** Runs the CLI in this process against the shared local databases. */
async function ops(args, extra = {}) {
  const out = [];
  const err = [];
  const code = await main([...args, ...local], {
    out: (l) => out.push(l),
    warn: (l) => err.push(l),
    target,
    worker: noWorker,
    sleep: async () => {},
    ...extra,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const q = async (binding, sql) => (await target.query(binding, [sql]))[0];

/** The migration files of a folder, in order, as statements (what `d1 migrations apply` runs). */
function migrationStatements(dir) {
  return readdirSync(join(ROOT, 'migrations', dir))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((f) => readFileSync(join(ROOT, 'migrations', dir, f), 'utf8').split('--> statement-breakpoint'))
    .filter((sql) => sql.trim());
}

before(async () => {
  const { getPlatformProxy } = await import('wrangler');
  proxy = await getPlatformProxy({
    configPath: join(ROOT, 'wrangler.toml'),
    persist: { path: join(persist, 'v3') },
    remoteBindings: false,
  });
  target = new D1Target({ executor: proxyExecutor(proxy.env) });
  // The real migrations, into the same local files `wrangler d1 execute --local --persist-to` reads.
  await target.run('CONTROL_DB', migrationStatements('control'));
  for (const shard of ['SHARD_0', 'SHARD_1']) await target.run(shard, migrationStatements('shard'));
  const tables = shardSchemaTables();
  plans = buildPlan(tables, await introspect(target, 'SHARD_0', tables));
});
after(async () => {
  await proxy?.dispose();
  rmSync(persist, { recursive: true, force: true });
});

describe('ops local: through wrangler d1 execute --local (the default)', () => {
  test('prices set and tenant list run through wrangler against the local files', async () => {
    const env = { ...process.env, OPS_URL: 'http://127.0.0.1:9', NODE_NO_WARNINGS: '1' };
    const set = await opsCli(
      ['prices', 'set', '--country', 'NZ', '--per-part-cents', '7', '--from', '2026-01-01', ...local],
      { env },
    );
    assert.equal(set.code, 0, set.stderr);
    const [row] = await q('CONTROL_DB', "SELECT per_part_cents, tenant_id FROM costs WHERE country = 'NZ'");
    assert.deepEqual(row, { per_part_cents: 7, tenant_id: null });
    const created = await ops([
      'tenant',
      'create',
      '--name',
      'Local Bakery',
      '--country',
      'AU',
      '--timezone',
      'Australia/Melbourne',
      '--admin-email',
      'baker@local.example',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const list = await opsCli(['tenant', 'list', '--json', ...local], { env });
    assert.equal(list.code, 0, list.stderr);
    const listed = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(listed.some((t) => t.name === 'Local Bakery' && t.users === 1));
  });

  test('without a running app, tenant create writes the invitation into the local outbox and prints its link', async () => {
    const r = await ops([
      'tenant',
      'create',
      '--name',
      'Outbox Cafe',
      '--country',
      'AU',
      '--timezone',
      'Australia/Sydney',
      '--admin-email',
      'owner@outbox.example',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.invitation.delivery, 'outbox');
    assert.match(r.stderr, /invitation link .*\n\s+http:\/\/127\.0\.0\.1:8787\/auth\/verify\?token=/);
    const [outbox] = await q(
      'CONTROL_DB',
      bindSql('SELECT * FROM dev_outbox WHERE "to" = ?', ['owner@outbox.example']),
    );
    assert.equal(outbox.link, out.invitation.link);
    const [token] = await q(
      'CONTROL_DB',
      "SELECT t.expires_at FROM magic_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'owner@outbox.example'",
    );
    assert.ok(token.expires_at > new Date().toISOString());
    assert.equal(
      (await q(out.shard, bindSql('SELECT id FROM tenants WHERE id = ?', [out.tenant_id]))).length,
      1,
    );
  });
});

// ---- a tenant with a row in every table, for the moves

let seq = 0;
const pad = (n, w) => String(n).padStart(w, '0');

async function seededTenant(name) {
  const base = ++seq;
  const id = (n) => `01900000-0000-7000-8000-${pad(base, 6)}${pad(n, 6)}`;
  const r = await ops([
    'tenant',
    'create',
    '--name',
    name,
    '--country',
    'AU',
    '--timezone',
    'Australia/Sydney',
    '--admin-email',
    `${name.toLowerCase().replace(/\W/g, '')}@move.example`,
    '--shard',
    'SHARD_0',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { tenant_id: t } = JSON.parse(r.stdout);
  const [user] = await q('CONTROL_DB', bindSql('SELECT id FROM users WHERE tenant_id = ?', [t]));
  const num = id(1);
  await target.run('CONTROL_DB', [
    bindSql(
      'INSERT INTO sending_numbers (id, tenant_id, phone_e164, daily_limit, per_minute_limit) VALUES (?, ?, ?, 100, 10)',
      [num, t, `+6148${String(seq).padStart(7, '0')}`],
    ),
  ]);
  const sync = await ops(['tenant', 'sync', t]);
  assert.equal(sync.code, 0, sync.stderr);
  const c = [id(2), id(3), id(4)];
  const [camp, tpl, batch, l1, l2] = [id(5), id(6), id(7), id(8), id(9)];
  const stmts = [
    bindSql(
      'INSERT INTO import_batches (id, tenant_id, file_name, file_hash, created_by) VALUES (?, ?, ?, ?, ?)',
      [batch, t, 'a.csv', 'h', user.id],
    ),
    bindSql(
      'INSERT INTO import_chunks (id, batch_id, seq, first_row, rows) VALUES (?, ?, 0, 1, ?), (?, ?, 1, 3, ?)',
      [id(10), batch, '[["a"]]', id(11), batch, '[["b"]]'],
    ),
    ...c.map((cid, i) =>
      bindSql(
        'INSERT INTO contacts (id, tenant_id, phone_e164, first_name, import_batch_id, custom_fields) VALUES (?, ?, ?, ?, ?, ?)',
        [cid, t, `+6141${String(seq).padStart(5, '0')}${i}0`, `N'${i}`, batch, '{"tier":"gold"}'],
      ),
    ),
    bindSql('INSERT INTO message_templates (id, tenant_id, name, body) VALUES (?, ?, ?, ?)', [
      tpl,
      t,
      'T',
      'Hi {{first_name}} {{link}}',
    ]),
    bindSql(
      "INSERT INTO campaigns (id, tenant_id, name, status, template_ids) VALUES (?, ?, ?, 'completed', ?)",
      [camp, t, 'Spring', `["${tpl}"]`],
    ),
    ...c.map((cid, i) =>
      bindSql(
        "INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, sending_number_id, status, body, parts, cost_cents) VALUES (?, ?, ?, ?, ?, ?, 'delivered', 'Hi', 1, 5)",
        [id(20 + i), t, camp, cid, tpl, num],
      ),
    ),
    // Clicks as the redirect counts them (workers/redirect/clicks.ts): on the link and its campaign's minute.
    bindSql(
      "INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, target_url, expires_at, click_count, human_click_count, clicked_at, recent_clicks) VALUES (?, ?, ?, ?, ?, 'https://x.example', '2030-01-01T00:00:00.000Z', 2, 1, '2026-03-01T00:00:00.000Z', '[\"2026-03-01T00:00:00.000Z\"]'), (?, ?, ?, ?, ?, 'https://x.example', '2030-01-01T00:00:00.000Z', 0, 0, NULL, NULL)",
      [
        l1,
        t,
        camp,
        c[0],
        `A${String(seq).padStart(11, '0')}`,
        l2,
        t,
        camp,
        c[1],
        `B${String(seq).padStart(11, '0')}`,
      ],
    ),
    bindSql(
      "INSERT INTO click_counts (tenant_id, campaign_id, slot, clicks, human_clicks) VALUES (?, ?, '2026-03-01T00:00', 1, 1), (?, ?, '2026-03-01T00:01', 1, 0)",
      [t, camp, t, camp],
    ),
    bindSql(
      "INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at) VALUES (?, ?, ?, ?, ?, 'FAILED', '{\"error_code\":\"30003\"}', '2026-03-01T00:00:00.000Z'), (?, ?, ?, ?, NULL, 'REPLIED', '{\"body\":\"thanks\"}', '2026-03-01T00:02:00.000Z')",
      [id(30), t, c[1], camp, id(21), id(31), t, c[0], camp],
    ),
    bindSql(
      "INSERT INTO webhook_events (id, tenant_id, provider_event_id, event_type, payload, processed_at) VALUES (?, ?, ?, 'status:delivered', '{}', '2026-03-01T00:00:00.000Z')",
      [id(40), t, `SM${seq}:delivered`],
    ),
    bindSql(
      "INSERT INTO do_not_contact (id, tenant_id, phone_e164, reason) VALUES (?, ?, '+61499999999', 'STOP')",
      [id(41), t],
    ),
    bindSql("INSERT INTO suppression_rules (id, tenant_id, name, window_days) VALUES (?, ?, 'Recent', 30)", [
      id(42),
      t,
    ]),
    bindSql(
      "INSERT INTO audit_log (id, tenant_id, user_id, action, resource_type, metadata) VALUES (?, ?, ?, 'campaign.created', 'campaign', '{}')",
      [id(43), t, user.id],
    ),
  ];
  await target.run('SHARD_0', stmts);
  return { tenantId: t, links: [l1, l2], campaign: camp, contact: c[0] };
}

/** Every moved row of the tenant on a shard, table by table, in a stable order. */
async function snapshot(shard, tenantId) {
  const out = {};
  for (const plan of plans) {
    const rows = await q(
      shard,
      `SELECT * FROM "${plan.table}" WHERE ${plan.filter(tenantId)} ORDER BY ${plan.pk.map((c) => `"${c}"`).join(', ')}`,
    );
    out[plan.table] = rows;
  }
  for (const [table, col] of [
    ['users', 'tenant_id'],
    ['sending_numbers', 'tenant_id'],
  ]) {
    out[table] = await q(shard, bindSql(`SELECT * FROM ${table} WHERE ${col} = ? ORDER BY id`, [tenantId]));
  }
  return out;
}

const tenantShard = async (t) =>
  (await q('CONTROL_DB', bindSql('SELECT shard FROM tenants WHERE id = ?', [t])))[0].shard;

const STEPS = [
  'marked',
  'copy-page',
  'copied',
  'verified',
  'switched',
  'catch-up-page',
  'caught_up',
  'delete-batch',
  'done',
];

/** The move's bookkeeping rows left on a shard. */
const baselinesOn = async (shard, tenantId) =>
  (
    await q(shard, bindSql('SELECT count(*) AS n FROM move_click_baselines WHERE tenant_id = ?', [tenantId]))
  )[0].n;

describe('ops local: tenant move', () => {
  test('refused while the tenant is not paused, or to where it already is', async () => {
    const { tenantId } = await seededTenant('Unpaused Co');
    const r = await ops(['tenant', 'move', tenantId, '--to', 'SHARD_1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not paused/);
    await ops(['tenant', 'pause', tenantId]);
    const same = await ops(['tenant', 'move', tenantId, '--to', 'SHARD_0']);
    assert.equal(same.code, 2);
    assert.match(same.stderr, /already lives on SHARD_0/);
    assert.equal(await tenantShard(tenantId), 'SHARD_0');
  });

  for (const step of STEPS) {
    test(`a crash after "${step}" loses nothing: running the move again finishes it`, async () => {
      const { tenantId } = await seededTenant(`Crash ${step}`);
      const bystander = await seededTenant(`Bystander ${step}`);
      const paused = await ops(['tenant', 'pause', tenantId, '--reason', 'moving']);
      assert.equal(paused.code, 0, paused.stderr);
      const before = await snapshot('SHARD_0', tenantId);
      const bystanderBefore = await snapshot('SHARD_0', bystander.tenantId);

      const crashed = await ops(
        ['tenant', 'move', tenantId, '--to', 'SHARD_1', '--wait-seconds', '0', '--page-size', '2'],
        { crashAfter: step },
      );
      assert.equal(crashed.code, 137, crashed.stderr);
      if (STEPS.indexOf(step) < STEPS.indexOf('switched')) {
        assert.equal(await tenantShard(tenantId), 'SHARD_0>SHARD_1', 'fenced until the switch');
        // The kill switch cannot be lifted mid-move.
        const resume = await ops(['tenant', 'resume', tenantId]);
        assert.equal(resume.code, 1);
        assert.match(resume.stderr, /being moved from SHARD_0 to SHARD_1/);
      }

      const again = await ops([
        'tenant',
        'move',
        tenantId,
        '--to',
        'SHARD_1',
        '--wait-seconds',
        '0',
        '--page-size',
        '2',
      ]);
      assert.equal(again.code, 0, again.stderr);
      const summary = JSON.parse(again.stdout);
      assert.equal(summary.state, 'done');
      for (const [table, c] of Object.entries(summary.tables))
        assert.equal(c.target, c.source, `${table} counts`);

      assert.equal(await tenantShard(tenantId), 'SHARD_1');
      const moved = await snapshot('SHARD_1', tenantId);
      assert.deepEqual(moved, before, 'every row arrived unchanged');
      const left = await snapshot('SHARD_0', tenantId);
      for (const [table, rows] of Object.entries(left))
        assert.equal(rows.length, 0, `${table} left on SHARD_0`);
      assert.equal(
        (await q('SHARD_0', bindSql('SELECT id FROM tenants WHERE id = ?', [tenantId]))).length,
        0,
      );
      const [copy] = await q(
        'SHARD_1',
        bindSql('SELECT shard, is_paused FROM tenants WHERE id = ?', [tenantId]),
      );
      assert.deepEqual(copy, { shard: 'SHARD_1', is_paused: 1 });
      assert.equal(await baselinesOn('SHARD_1', tenantId), 0, 'the move cleans up after itself');
      assert.deepEqual(
        await snapshot('SHARD_0', bystander.tenantId),
        bystanderBefore,
        'the other tenant is untouched',
      );
      const [m] = await q(
        'CONTROL_DB',
        bindSql('SELECT state, finished_at FROM tenant_moves WHERE tenant_id = ?', [tenantId]),
      );
      assert.equal(m.state, 'done');
      assert.ok(m.finished_at);

      // Still paused after the move; resuming works again.
      const resume = await ops(['tenant', 'resume', tenantId]);
      assert.equal(resume.code, 0, resume.stderr);
    });
  }

  test('clicks taken during the move are all counted once: on the old shard after the copy and until the caches let go, on the new one after the switch, through a crash in the catch-up', async () => {
    const { tenantId, links, campaign } = await seededTenant('Clicky');
    const [l1, l2] = links;
    await ops(['tenant', 'pause', tenantId]);
    // The move's clock, pinned; the clicks happen in the minutes after it started.
    const T0 = Date.parse('2026-11-20T09:00:00.000Z');
    const at = (seconds) => new Date(T0 + seconds * 1000).toISOString();
    const clock = { now: () => new Date(T0) };
    const move = ['tenant', 'move', tenantId, '--to', 'SHARD_1', '--wait-seconds', '0', '--page-size', '1'];
    // What the redirect writes for one click (workers/redirect/clicks.ts LINK_COUNTS and SLOT_COUNTS).
    const click = (shard, link, human, when) =>
      target.run(shard, [
        bindSql(
          `UPDATE short_links SET click_count = click_count + 1, human_click_count = human_click_count + ?,
             clicked_at = CASE WHEN ? THEN coalesce(clicked_at, ?) ELSE clicked_at END,
             recent_clicks = CASE WHEN ? THEN (SELECT json_group_array(value) FROM (SELECT value FROM (
               SELECT value FROM json_each(coalesce(short_links.recent_clicks, '[]')) UNION ALL SELECT ?)
               ORDER BY value DESC LIMIT 10)) ELSE recent_clicks END
           WHERE id = ?`,
          [human ? 1 : 0, human, when, human, when, link],
        ),
        bindSql(
          `INSERT INTO click_counts (tenant_id, campaign_id, slot, clicks, human_clicks) VALUES (?, ?, ?, 1, ?)
           ON CONFLICT (campaign_id, slot) DO UPDATE SET clicks = clicks + 1, human_clicks = human_clicks + excluded.human_clicks`,
          [tenantId, campaign, when.slice(0, 16), human ? 1 : 0],
        ),
      ]);
    const totals = async (shard) =>
      (
        await q(
          shard,
          bindSql(
            'SELECT (SELECT sum(click_count) FROM short_links WHERE tenant_id = ?) AS links, (SELECT sum(human_click_count) FROM short_links WHERE tenant_id = ?) AS human, (SELECT sum(clicks) FROM click_counts WHERE tenant_id = ?) AS slots, (SELECT sum(human_clicks) FROM click_counts WHERE tenant_id = ?) AS human_slots',
            [tenantId, tenantId, tenantId, tenantId],
          ),
        )
      )[0];
    const before = await totals('SHARD_0');
    assert.deepEqual(before, { links: 2, human: 1, slots: 2, human_slots: 1 });

    assert.equal((await ops(move, { ...clock, crashAfter: 'copied' })).code, 137);
    // After their rows were copied, before the switch: the redirect counts on the old shard.
    await click('SHARD_0', l1, true, at(60));
    await click('SHARD_0', l1, false, at(61)); // a link preview
    await click('SHARD_0', l2, true, at(120)); // l2's first human click
    const switched = await ops(move, { ...clock, crashAfter: 'switched' });
    assert.equal(switched.code, 137, switched.stderr);
    assert.doesNotMatch(switched.stderr, /differs/, 'the clicks are not a difference in the copy');
    // A redirect with the old shard still cached, and fresh ones on the new shard, in the same minute.
    await click('SHARD_0', l1, true, at(180));
    await click('SHARD_1', l1, true, at(190));
    await click('SHARD_1', l2, true, at(240));
    await click('SHARD_1', l2, false, at(241));
    // A crash after the first page of the catch-up was written, before its cursor was saved.
    const crashed = await ops(move, { ...clock, crashAfter: 'catch-up-page' });
    assert.equal(crashed.code, 137, crashed.stderr);
    const [half] = await q('SHARD_1', bindSql('SELECT click_count FROM short_links WHERE id = ?', [l1]));
    assert.equal(half.click_count, 2 + 3 + 1, 'the first link is caught up before the crash');
    const done = await ops(move, clock);
    assert.equal(done.code, 0, done.stderr);

    // Old before (2/1) + the old shard during the move (4/3) + the new shard after the switch (3/2).
    assert.deepEqual(await totals('SHARD_1'), { links: 9, human: 6, slots: 9, human_slots: 6 });
    const [a, b] = await q(
      'SHARD_1',
      bindSql(
        'SELECT click_count, human_click_count, clicked_at, recent_clicks FROM short_links WHERE id IN (?, ?) ORDER BY id',
        [l1, l2],
      ),
    );
    assert.deepEqual(
      { ...a, recent_clicks: JSON.parse(a.recent_clicks) },
      {
        click_count: 6,
        human_click_count: 4,
        clicked_at: '2026-03-01T00:00:00.000Z',
        recent_clicks: [at(190), at(180), at(60), '2026-03-01T00:00:00.000Z'],
      },
    );
    // The earliest first human click wins (the old shard's, not the new shard's later one).
    assert.deepEqual(
      { ...b, recent_clicks: JSON.parse(b.recent_clicks) },
      { click_count: 3, human_click_count: 2, clicked_at: at(120), recent_clicks: [at(240), at(120)] },
    );
    const slots = await q(
      'SHARD_1',
      bindSql('SELECT slot, clicks, human_clicks FROM click_counts WHERE tenant_id = ? ORDER BY slot', [
        tenantId,
      ]),
    );
    assert.deepEqual(
      slots.map((r) => [r.slot, r.clicks, r.human_clicks]),
      [
        ['2026-03-01T00:00', 1, 1],
        ['2026-03-01T00:01', 1, 0],
        [at(60).slice(0, 16), 2, 1],
        [at(120).slice(0, 16), 1, 1],
        [at(180).slice(0, 16), 2, 2],
        [at(240).slice(0, 16), 2, 1],
      ],
    );
    assert.equal((await snapshot('SHARD_0', tenantId)).short_links.length, 0);
    assert.equal(await baselinesOn('SHARD_1', tenantId), 0);
    // Running it again changes nothing.
    assert.equal((await ops(move, clock)).code, 0);
    assert.deepEqual(await totals('SHARD_1'), { links: 9, human: 6, slots: 9, human_slots: 6 });
  });

  test('a click the old shard takes after the catch-up (a cache outliving the wait) stops the move before anything is deleted; run again, it is counted', async () => {
    const { tenantId, links, campaign } = await seededTenant('Late Click');
    await ops(['tenant', 'pause', tenantId]);
    const move = ['tenant', 'move', tenantId, '--to', 'SHARD_1', '--wait-seconds', '0'];
    const clock = { now: () => new Date('2026-11-20T09:00:00.000Z') };
    assert.equal((await ops(move, { ...clock, crashAfter: 'switched' })).code, 137);
    // The old shard takes a click between the catch-up and its check (the check's first read).
    let late = false;
    const sneaky = Object.create(target);
    sneaky.run = async (binding, statements) => {
      if (!late && binding === 'SHARD_0' && statements.some((x) => /"click_count"/.test(x))) {
        late = true;
        await target.run('SHARD_0', [
          bindSql('UPDATE short_links SET click_count = click_count + 1 WHERE id = ?', [links[0]]),
          bindSql(
            "INSERT INTO click_counts (tenant_id, campaign_id, slot, clicks, human_clicks) VALUES (?, ?, '2026-11-20T09:01', 1, 0)",
            [tenantId, campaign],
          ),
        ]);
      }
      return target.run(binding, statements);
    };
    const stopped = await ops(move, { ...clock, target: sneaky });
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.match(stopped.stderr, /short_links:clicks: 2 rows, 3 clicks .* on SHARD_0, 2 rows, 2 clicks/);
    assert.equal((await snapshot('SHARD_0', tenantId)).short_links.length, 2, 'nothing deleted');
    const again = await ops(move, clock);
    assert.equal(again.code, 0, again.stderr);
    const [link] = await q(
      'SHARD_1',
      bindSql('SELECT click_count FROM short_links WHERE id = ?', [links[0]]),
    );
    assert.equal(link.click_count, 3);
  });

  test('--abort before the switch puts the tenant back where it was and removes the partial copy', async () => {
    const { tenantId } = await seededTenant('Aborted');
    await ops(['tenant', 'pause', tenantId]);
    const before = await snapshot('SHARD_0', tenantId);
    assert.equal(
      (
        await ops(['tenant', 'move', tenantId, '--to', 'SHARD_1', '--wait-seconds', '0'], {
          crashAfter: 'copied',
        })
      ).code,
      137,
    );
    const abort = await ops(['tenant', 'move', tenantId, '--abort']);
    assert.equal(abort.code, 0, abort.stderr);
    assert.equal(JSON.parse(abort.stdout).state, 'cancelled');
    assert.equal(await tenantShard(tenantId), 'SHARD_0');
    assert.deepEqual(await snapshot('SHARD_0', tenantId), before);
    for (const [table, rows] of Object.entries(await snapshot('SHARD_1', tenantId)))
      assert.equal(rows.length, 0, table);
    assert.equal(await baselinesOn('SHARD_1', tenantId), 0);
    const [copy] = await q('SHARD_0', bindSql('SELECT shard FROM tenants WHERE id = ?', [tenantId]));
    assert.equal(copy.shard, 'SHARD_0');
    // A move can start again afterwards; past the switch there is no abort.
    assert.equal(
      (
        await ops(['tenant', 'move', tenantId, '--to', 'SHARD_1', '--wait-seconds', '0'], {
          crashAfter: 'switched',
        })
      ).code,
      137,
    );
    const late = await ops(['tenant', 'move', tenantId, '--abort']);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /past its switch/);
    assert.equal((await ops(['tenant', 'move', tenantId, '--wait-seconds', '0'])).code, 0);
  });

  test('without --wait-seconds the move waits out the shard cache and then the redirect caches', async () => {
    const { tenantId } = await seededTenant('Patient');
    await ops(['tenant', 'pause', tenantId]);
    const waits = [];
    const r = await ops(['tenant', 'move', tenantId, '--to', 'SHARD_1'], {
      sleep: async (ms) => waits.push(ms),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(waits.length, 2);
    assert.ok(waits[0] > 30_000 && waits[0] <= 35_000, `after marking: ${waits[0]}`);
    assert.ok(waits[1] > 600_000 && waits[1] <= 630_000, `after the switch: ${waits[1]}`);
  });
});
