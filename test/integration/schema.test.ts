import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { shards } from '../../workers/db/shards';

type Row = Record<string, unknown>;

// Which database holds which ERD table. tenants, users and sending_numbers are in both: the
// control database owns them, each shard keeps a copy for its foreign keys.
const CONTROL_TABLES = ['tenants', 'users', 'magic_tokens', 'sending_numbers', 'costs'];
const SHARD_TABLES = [
  'tenants',
  'users',
  'sending_numbers',
  'contacts',
  'do_not_contact',
  'campaigns',
  'message_templates',
  'send_jobs',
  'short_links',
  'events',
  'webhook_events',
  'budgets',
  'import_batches',
  'suppression_rules',
  'audit_log',
];
const DATABASES: [string, D1Database, string[]][] = [
  ['control', env.CONTROL_DB, CONTROL_TABLES],
  ...shards(env).map((s): [string, D1Database, string[]] => [s.name, s.d1, SHARD_TABLES]),
];

// Tables and columns of ../shared/ERD.md: the migration must create every one of them.
const ERD: Record<string, string[]> = {
  tenants: [
    'id',
    'name',
    'timezone',
    'is_paused',
    'daily_budget_cents',
    'monthly_budget_cents',
    'created_at',
    'updated_at',
  ],
  contacts: [
    'id',
    'tenant_id',
    'phone_e164',
    'email',
    'first_name',
    'last_name',
    'timezone',
    'custom_fields',
    'consent_status',
    'consent_source',
    'consent_timestamp',
    'last_sent_at',
    'import_batch_id',
    'created_at',
    'updated_at',
  ],
  do_not_contact: ['id', 'tenant_id', 'phone_e164', 'reason', 'created_at'],
  campaigns: [
    'id',
    'tenant_id',
    'name',
    'status',
    'template_ids',
    'quiet_hours_start',
    'quiet_hours_end',
    'target_url',
    'created_at',
    'updated_at',
    'queued_at',
    'completed_at',
  ],
  message_templates: [
    'id',
    'tenant_id',
    'name',
    'body',
    'variables',
    'is_active',
    'created_at',
    'updated_at',
  ],
  send_jobs: [
    'id',
    'tenant_id',
    'campaign_id',
    'contact_id',
    'template_id',
    'sending_number_id',
    'status',
    'body',
    'parts',
    'cost_cents',
    'provider_message_id',
    'failure_reason',
    'queued_at',
    'sent_at',
    'delivered_at',
    'failed_at',
  ],
  short_links: [
    'id',
    'tenant_id',
    'campaign_id',
    'contact_id',
    'token',
    'target_url',
    'clicked_at',
    'click_count',
    'human_click_count',
    'created_at',
    'expires_at',
  ],
  events: [
    'id',
    'tenant_id',
    'contact_id',
    'campaign_id',
    'send_job_id',
    'short_link_id',
    'event_type',
    'metadata',
    'created_at',
  ],
  sending_numbers: [
    'id',
    'tenant_id',
    'phone_e164',
    'provider',
    'daily_limit',
    'per_minute_limit',
    'warmup_start_date',
    'is_active',
    'created_at',
  ],
  webhook_events: ['id', 'tenant_id', 'provider_event_id', 'event_type', 'payload', 'processed_at'],
  budgets: [
    'id',
    'tenant_id',
    'daily_spent_cents',
    'monthly_spent_cents',
    'daily_reset_at',
    'monthly_reset_at',
    'updated_at',
  ],
  costs: ['id', 'provider', 'country', 'per_part_cents', 'effective_from', 'effective_until', 'created_at'],
  import_batches: [
    'id',
    'tenant_id',
    'file_name',
    'file_hash',
    'total_rows',
    'created_count',
    'updated_count',
    'skipped_count',
    'rejected_count',
    'status',
    'rejected_rows',
    'created_at',
    'completed_at',
  ],
  suppression_rules: [
    'id',
    'tenant_id',
    'name',
    'window_days',
    'is_active',
    'expires_at',
    'created_at',
    'updated_at',
  ],
  users: ['id', 'tenant_id', 'email', 'role', 'is_active', 'last_login_at', 'created_at', 'updated_at'],
  magic_tokens: ['id', 'user_id', 'token', 'expires_at', 'used_at', 'created_at'],
  audit_log: [
    'id',
    'tenant_id',
    'user_id',
    'action',
    'resource_type',
    'resource_id',
    'metadata',
    'created_at',
  ],
};

function inspect(d1: D1Database) {
  const all = async (sql: string) => (await d1.prepare(sql).all<Row>()).results;
  return { all, indexes: (table: string) => indexes(all, table), userTables: () => userTables(all) };
}

type All = (sql: string) => Promise<Row[]>;

async function indexes(all: All, table: string) {
  const list = await all(`PRAGMA index_list('${table}')`);
  return Promise.all(
    list.map(async (ix) => ({
      name: String(ix.name),
      unique: ix.unique === 1,
      partial: ix.partial === 1,
      columns: (await all(`PRAGMA index_info('${String(ix.name)}')`)).map((c) => String(c.name)),
    })),
  );
}

async function userTables(all: All) {
  return (
    await all(
      "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
    )
  ).map((r) => String(r.name));
}

it('splits the ERD between the control database and the shards; every test runs with two shards', () => {
  expect(shards(env).map((s) => s.name)).toEqual(['SHARD_0', 'SHARD_1']);
  const covered = new Set([...CONTROL_TABLES, ...SHARD_TABLES]);
  expect(Object.keys(ERD).filter((t) => !covered.has(t))).toEqual([]);
});

describe.each(DATABASES)('data model: %s database', (_name, d1, tables) => {
  const { all, indexes, userTables } = inspect(d1);
  const here = (t: string) => tables.includes(t);

  it('has no table that belongs to the other kind of database', async () => {
    const present = await userTables();
    const elsewhere = (tables === CONTROL_TABLES ? SHARD_TABLES : CONTROL_TABLES).filter((t) => !here(t));
    expect(present.filter((t) => elsewhere.includes(t))).toEqual([]);
  });

  it('has every ERD table and column', async () => {
    for (const [table, columns] of Object.entries(ERD).filter(([t]) => here(t))) {
      const actual = (await all(`PRAGMA table_info('${table}')`)).map((c) => String(c.name));
      expect(actual, table).toEqual(expect.arrayContaining(columns));
    }
  });

  it('indexes every foreign key (as the leading column of some index)', async () => {
    for (const table of await userTables()) {
      const fks = await all(`PRAGMA foreign_key_list('${table}')`);
      const leading = new Set((await indexes(table)).map((ix) => ix.columns[0]));
      for (const fk of fks) expect(leading.has(String(fk.from)), `${table}.${String(fk.from)}`).toBe(true);
    }
  });

  it('has the ERD unique constraints', async () => {
    const uniques: [string, string[]][] = [
      ['contacts', ['tenant_id', 'phone_e164']],
      ['send_jobs', ['tenant_id', 'campaign_id', 'contact_id']],
      ['short_links', ['token']],
      ['webhook_events', ['provider_event_id']],
      ['do_not_contact', ['tenant_id', 'phone_e164']],
      ['users', ['email']],
      ['magic_tokens', ['token']],
      ['budgets', ['tenant_id']],
      ['sending_numbers', ['phone_e164']],
    ];
    for (const [table, cols] of uniques.filter(([t]) => here(t))) {
      const ix = await indexes(table);
      expect(
        ix.some((i) => i.unique && i.columns.join() === cols.join()),
        `${table}(${cols})`,
      ).toBe(true);
    }
  });

  it('has the ERD lookup indexes', async () => {
    const wanted: [string, string][] = [
      ['contacts', 'email'],
      ['contacts', 'tenant_id'],
      ['events', 'contact_id'],
      ['events', 'campaign_id'],
      ['events', 'event_type'],
      ['events', 'created_at'],
      ['send_jobs', 'tenant_id'],
      ['send_jobs', 'campaign_id'],
      ['send_jobs', 'status'],
      ['short_links', 'token'],
      ['short_links', 'campaign_id'],
    ];
    for (const [table, col] of wanted.filter(([t]) => here(t))) {
      const ix = await indexes(table);
      expect(
        ix.some((i) => i.columns[0] === col),
        `${table}.${col}`,
      ).toBe(true);
    }
  });

  it('enforces enums, booleans and references in the database itself', async () => {
    const tenant = '01900000-0000-7000-8000-00000000aaaa';
    await d1
      .prepare("INSERT INTO tenants (id, name, shard) VALUES (?, 'Enum Co', 'SHARD_0')")
      .bind(tenant)
      .run();
    const statements = [
      `INSERT INTO users (id, tenant_id, email, role) VALUES ('u1', '${tenant}', 'x@example.com', 'owner')`,
      `INSERT INTO contacts (id, tenant_id, phone_e164, consent_status) VALUES ('c1', '${tenant}', '+61412345678', 'maybe')`,
      `INSERT INTO do_not_contact (id, tenant_id, phone_e164, reason) VALUES ('d1', '${tenant}', '+61412345678', 'ANGRY')`,
      `INSERT INTO campaigns (id, tenant_id, name, status) VALUES ('k1', '${tenant}', 'c', 'sending')`,
      `INSERT INTO campaigns (id, tenant_id, name, quiet_hours_start) VALUES ('k2', '${tenant}', 'c', '8pm')`,
      `INSERT INTO events (id, tenant_id, event_type) VALUES ('e1', '${tenant}', 'OPENED')`,
      `INSERT INTO import_batches (id, tenant_id, file_name, file_hash, status) VALUES ('i1', '${tenant}', 'f', 'h', 'done')`,
      `UPDATE tenants SET is_paused = 2 WHERE id = '${tenant}'`,
      `INSERT INTO contacts (id, tenant_id, phone_e164) VALUES ('c2', 'no-such-tenant', '+61412345678')`,
      `INSERT INTO users (id, tenant_id, email, role) VALUES ('u2', 'no-such-tenant', 'y@example.com', 'staff')`,
    ];
    // Each statement against the tables this database holds.
    const rejects = statements.filter((q) => here(/(?:INTO|UPDATE) (\w+)/.exec(q)?.[1] ?? ''));
    expect(rejects.length).toBeGreaterThan(2);
    for (const sql of rejects) await expect(d1.prepare(sql).run(), sql).rejects.toThrow();
  });
});

describe.each(shards(env).map((s): [string, D1Database] => [s.name, s.d1]))(
  'data model: %s (shard only)',
  (_name, d1) => {
    it('indexes active suppression rules with a real partial (WHERE) index', async () => {
      const { results: list } = await d1
        .prepare("PRAGMA index_list('suppression_rules')")
        .all<{ name: string; partial: number }>();
      const ix = list.find((i) => i.partial === 1);
      expect(ix).toBeDefined();
      const row = await d1
        .prepare('SELECT sql FROM sqlite_master WHERE name = ?')
        .bind(ix!.name)
        .first<{ sql: string }>();
      expect(String(row?.sql)).toMatch(/WHERE .*is_active.* = 1/);
    });
  },
);
