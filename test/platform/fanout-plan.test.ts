// Issue 11: the fan-out's page query walks an index in contact id order: no page sorts the
// tenant's contacts in a temporary B-tree, whatever the audience (everyone, an import, a custom
// field, segments). Checked on the real D1 (SQLite) query planner with a few thousand contacts
// and ANALYZE statistics, as a large tenant would have them.
import { describe, expect, it } from 'vitest';
import type { CampaignAudience } from '../../workers/db/audience';
import { audiencePageQuery } from '../../workers/queues/fanout';
import { createTenant } from '../helpers/fixtures';

const SEGMENT = '01900000-0000-7000-8000-00000000a001';
const AUDIENCES: Record<string, CampaignAudience> = {
  everyone: {},
  'an import batch': { import_batch_id: '01900000-0000-7000-8000-00000000b001' },
  'a custom field': { custom_field: { key: 'store', value: 'Bondi' } },
  segments: {
    include_segment_ids: [SEGMENT],
    snapshot: {
      at: '2026-11-25T01:00:00.000Z',
      timezone: 'Australia/Sydney',
      segments: {
        [SEGMENT]: {
          name: 'VIP in NSW who clicked',
          filter: {
            all: [
              { field: 'tags', op: 'has_any', value: ['VIP'] },
              { field: 'timezone', op: 'eq', value: 'Australia/Sydney' },
              { field: 'last_human_click_at', op: 'within_days', value: 30 },
            ],
          },
        },
      },
    },
  },
};

describe('fan-out page query plan', () => {
  it('performance: every audience pages through contacts by index, with no temporary sort', async () => {
    const t = await createTenant();
    const d1 = t.shard.d1;
    // Enough rows (and statistics) that the planner weighs its options as it would in production.
    await d1.exec(
      `INSERT INTO contacts (id, tenant_id, phone_e164, consent_status, custom_fields, created_at, updated_at)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
       SELECT printf('01900000-0000-7000-8000-%012d', i), '${t.tenantId}', printf('+6141%07d', i), 'explicit',
              '{"store":"Bondi"}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM n`.replace(
        /\s+/g,
        ' ',
      ),
    );
    await d1.exec('ANALYZE');
    for (const [name, audience] of Object.entries(AUDIENCES)) {
      for (const cursor of [null, '01900000-0000-7000-8000-000000001500']) {
        const q = audiencePageQuery(t.tenantId, audience, cursor, 500);
        const plan = (
          await d1
            .prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
            .bind(...q.params)
            .all<{ detail: string }>()
        ).results.map((r) => r.detail);
        expect(plan.join(' | '), name).not.toMatch(/TEMP B-TREE/);
        expect(plan.join(' | '), name).toMatch(/SEARCH c USING (COVERING )?INDEX contacts_tenant_id_idx/);
      }
    }
  });
});
