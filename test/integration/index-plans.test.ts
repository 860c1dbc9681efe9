// Issue 11 (docs/indexes.md): the indexes that no query used were dropped, and two tenant indexes
// became (tenant_id, id). Checked on the real D1 (SQLite) planner: the newest-first lists of the
// audit log and the do-not-contact list walk their index without sorting the tenant's rows, and
// every lookup that used a dropped single-column index still searches an index (never a scan).
import { env } from 'cloudflare:workers';
import { and, desc, eq, lt } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, doNotContact } from '../../workers/db/schema';
import { createTenant } from '../helpers/fixtures';

type Plannable = { toSQL(): { sql: string; params: unknown[] } };

async function planOf(d1: D1Database, q: Plannable | string): Promise<string> {
  const { sql, params } = typeof q === 'string' ? { sql: q, params: [] } : q.toSQL();
  const rows = (
    await d1
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>()
  ).results;
  return rows.map((r) => r.detail).join(' | ');
}

describe('index plans', () => {
  it('performance: the audit log and do-not-contact lists page newest first through (tenant_id, id), no sort', async () => {
    const t = await createTenant();
    const cursor = '01900000-0000-7000-8000-000000000500';
    // The queries of newestFirst (workers/http/pagination.ts), as GET /audit-log and GET /do-not-contact run them.
    const audit = t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), lt(auditLog.id, cursor)))
      .orderBy(desc(auditLog.id))
      .limit(51);
    const dnc = t.db
      .select()
      .from(doNotContact)
      .where(and(eq(doNotContact.tenantId, t.tenantId), lt(doNotContact.id, cursor)))
      .orderBy(desc(doNotContact.id))
      .limit(51);
    const auditPlan = await planOf(t.shard.d1, audit);
    const dncPlan = await planOf(t.shard.d1, dnc);
    expect(auditPlan).toMatch(
      /SEARCH audit_log USING INDEX audit_log_tenant_id_idx \(tenant_id=\? AND id<\?\)/,
    );
    expect(dncPlan).toMatch(
      /SEARCH do_not_contact USING INDEX do_not_contact_tenant_id_idx \(tenant_id=\? AND id<\?\)/,
    );
    expect(`${auditPlan} ${dncPlan}`).not.toMatch(/TEMP B-TREE/);
  });

  it('performance: lookups by tenant that lost their single-column index still search an index', async () => {
    const t = await createTenant();
    const tenant = `'${t.tenantId}'`;
    const shardQueries: [string, string][] = [
      [
        'import_batches',
        `SELECT * FROM import_batches WHERE tenant_id = ${tenant} ORDER BY id DESC LIMIT 51`,
      ],
      ['keywords', `SELECT * FROM keywords WHERE tenant_id = ${tenant} AND keyword = 'JOIN'`],
      ['keywords', `SELECT * FROM keywords WHERE tenant_id = ${tenant} AND is_active = 1`],
      [
        'pending_opt_ins',
        `SELECT * FROM pending_opt_ins WHERE tenant_id = ${tenant} AND inbound_message_sid = 'SM1'`,
      ],
      ['sending_numbers', `SELECT * FROM sending_numbers WHERE tenant_id = ${tenant}`],
      // what a cascade from tenants runs on each child table
      ['audit_log', `SELECT 1 FROM audit_log WHERE tenant_id = ${tenant}`],
      ['pending_opt_ins', `SELECT 1 FROM pending_opt_ins WHERE tenant_id = ${tenant}`],
    ];
    for (const [table, q] of shardQueries) {
      const plan = await planOf(t.shard.d1, q);
      expect(plan, q).toMatch(new RegExp(`SEARCH ${table} USING (COVERING )?INDEX \\w+ \\(tenant_id=\\?`));
    }
    const numbers = await planOf(env.CONTROL_DB, `SELECT * FROM sending_numbers WHERE tenant_id = ${tenant}`);
    expect(numbers).toMatch(
      /SEARCH sending_numbers USING INDEX sending_numbers_tenant_sender_id_unique \(tenant_id=\?\)/,
    );
  });
});
