// Seeds a demo tenant into the local D1 database (idempotent for the tenant, number, cost and
// template; every run issues a fresh admin API key, since keys are only stored hashed).
// Usage: node workers/cli/seed.mjs [--json] [--persist-to DIR]
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROL_BINDING } from './databases.mjs';
import { capture } from './node.mjs';
import { DEFAULT_ACCOUNT_SID, SEED_NUMBER, SEED_NUMBER_SID } from './twilio-sim-accounts.mjs';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const persistIdx = args.indexOf('--persist-to');
const persistTo = persistIdx >= 0 ? args[persistIdx + 1] : process.env.PERSIST_TO;

export const DEMO = {
  tenantId: '01900000-0000-7000-8000-000000000001',
  adminId: '01900000-0000-7000-8000-000000000002',
  adminEmail: 'admin@example.com',
  sendingNumberId: '01900000-0000-7000-8000-000000000003',
  // Owned by the Twilio simulator's default account and wired to our inbound webhook there.
  sendingNumber: SEED_NUMBER,
  costId: '01900000-0000-7000-8000-000000000004',
  templateId: '01900000-0000-7000-8000-000000000005',
  shard: 'SHARD_0',
};

const q = (v) => (v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);
const apiKey = `smk_${randomBytes(32).toString('base64url')}`;
const keyHash = createHash('sha256').update(apiKey).digest('hex');
const keyId = `01900000-0000-7000-8000-${randomBytes(6).toString('hex')}`;
const today = new Date().toISOString().slice(0, 10);

// The demo tenant lives on the first shard; its tenant, user and number rows are written to the
// control database (the source of truth) and copied onto the shard, as replicateTenant() does.
const replicated = `
INSERT OR IGNORE INTO tenants (id, name, timezone, country, daily_budget_cents, monthly_budget_cents, sender_name, shard)
  VALUES (${q(DEMO.tenantId)}, 'Demo Coffee Co', 'Australia/Sydney', 'AU', 50000, 500000, 'Demo Coffee', ${q(DEMO.shard)});
INSERT OR IGNORE INTO users (id, tenant_id, email, role) VALUES (${q(DEMO.adminId)}, ${q(DEMO.tenantId)}, ${q(DEMO.adminEmail)}, 'admin');
INSERT OR IGNORE INTO sending_numbers (id, tenant_id, kind, phone_e164, provider, daily_limit, per_minute_limit, warmup_start_date, twilio_account_sid, twilio_sid)
  VALUES (${q(DEMO.sendingNumberId)}, ${q(DEMO.tenantId)}, 'phone', ${q(DEMO.sendingNumber)}, 'twilio', 10000, 60, NULL, ${q(process.env.TWILIO_ACCOUNT_SID ?? DEFAULT_ACCOUNT_SID)}, ${q(SEED_NUMBER_SID)});
`;
const controlSql = `${replicated}
INSERT INTO api_keys (id, tenant_id, created_by, name, role, key_hash, prefix)
  VALUES (${q(keyId)}, ${q(DEMO.tenantId)}, ${q(DEMO.adminId)}, 'Seed admin key', 'admin', ${q(keyHash)}, ${q(apiKey.slice(0, 10))});
INSERT OR IGNORE INTO costs (id, provider, country, per_part_cents, effective_from)
  VALUES (${q(DEMO.costId)}, 'twilio', 'AU', 5, '2020-01-01T00:00:00.000Z');
`;
const shardSql = `${replicated}
INSERT OR IGNORE INTO message_templates (id, tenant_id, name, body, variables)
  VALUES (${q(DEMO.templateId)}, ${q(DEMO.tenantId)}, 'Welcome offer',
  'Hi {{first_name|there}}, your first coffee at Demo Coffee is on us this week: {{link}} Reply STOP to opt out',
  '["first_name","link"]');
INSERT OR IGNORE INTO budgets (id, tenant_id) VALUES ('01900000-0000-7000-8000-000000000006', ${q(DEMO.tenantId)});
`;

const dir = mkdtempSync(join(tmpdir(), 'seed-'));
try {
  for (const [binding, sql] of [
    [CONTROL_BINDING, controlSql],
    [DEMO.shard, shardSql],
  ]) {
    const file = join(dir, `${binding}.sql`);
    writeFileSync(file, sql);
    capture(
      'wrangler',
      [
        'd1',
        'execute',
        binding,
        '--local',
        '--file',
        file,
        ...(persistTo ? ['--persist-to', persistTo] : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }
} catch (err) {
  console.error(`Seeding failed (did the migrations run?)\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const out = {
  tenant_id: DEMO.tenantId,
  admin_email: DEMO.adminEmail,
  api_key: apiKey,
  sending_number_id: DEMO.sendingNumberId,
};
if (asJson) {
  console.log(JSON.stringify(out));
} else {
  console.log(`
Seeded demo tenant "Demo Coffee Co" (${today})
  tenant id          ${out.tenant_id}
  admin email        ${out.admin_email}
  admin API key      ${out.api_key}
  sending number     ${DEMO.sendingNumber} (${out.sending_number_id})
  AU cost            5c per SMS part (Twilio)
  template           "Welcome offer"`);
}
