// The storage lifecycle's reach: only due campaigns of tenants homed on the shard are archived;
// an export running while its campaign is archived is whole; links that may still be clicked hold
// the archiving back; the archive never outlives an erasure; its reads walk indexes.
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { shards } from '../../workers/db/shards';
import { archiveCampaigns } from '../../workers/lifecycle/archiver';
import { TABLES } from '../../workers/lifecycle/tables';
import { recipientsStream } from '../../workers/routes/campaigns/exports';
import { archiveUntilDone, fast, objectsOf, reports, seedCampaign, stateOf } from '../helpers/archive';
import { createTenant, updateTenant } from '../helpers/fixtures';

const SENT_FROM = '2026-10-03T11:00:00.000Z';
const ARCHIVE_AT = new Date('2027-03-01T00:00:00.000Z');

const rowsOf = async (db: import('../../workers/db/client').Db, campaignId: string) => {
  const [row] = await db.all<{ n: number }>(sql`
    SELECT (SELECT count(*) FROM send_jobs WHERE campaign_id = ${campaignId})
         + (SELECT count(*) FROM short_links WHERE campaign_id = ${campaignId})
         + (SELECT count(*) FROM events WHERE campaign_id = ${campaignId})
         + (SELECT count(*) FROM click_counts WHERE campaign_id = ${campaignId}) AS n`);
  return row?.n ?? 0;
};

describe('which campaigns are archived', () => {
  it('security: other tenants, other shards, paused tenants, recent and unfinished campaigns are untouched', async () => {
    const due = await createTenant('Due Co', { shard: 0 });
    const dueCampaign = await seedCampaign(due, { n: 6, firstSentAt: SENT_FROM, everyMinutes: 90 });
    // Same shard: a campaign completed only 30 days before the tick, and one still running.
    const recent = await seedCampaign(due, {
      n: 4,
      firstSentAt: '2027-01-20T00:00:00.000Z',
      everyMinutes: 90,
      linkTtlDays: 1,
    });
    const running = await seedCampaign(due, { n: 4, firstSentAt: SENT_FROM, everyMinutes: 90 });
    await due.db.run(
      sql`UPDATE campaigns SET status = 'running', completed_at = NULL WHERE id = ${running.campaignId}`,
    );
    // The other shard: a paused tenant's due campaign, and a tenant's copy left behind by a move
    // (homed on shard 0 now, its old rows still on shard 1).
    const paused = await createTenant('Paused Co', { shard: 1 });
    const pausedCampaign = await seedCampaign(paused, { n: 5, firstSentAt: SENT_FROM, everyMinutes: 90 });
    await updateTenant(paused.tenantId, { isPaused: true });
    const other = shards(env)[1]!;
    const movedId = uuidv7();
    await other.db.run(sql`INSERT INTO tenants (id, name, shard) VALUES (${movedId}, 'Moved Co', 'SHARD_0')`);
    const moved = await seedCampaign(
      { tenantId: movedId, db: other.db, shard: other },
      { n: 5, firstSentAt: SENT_FROM, everyMinutes: 90 },
    );
    const untouched = [
      { db: due.db, tenantId: due.tenantId, c: recent, rows: await rowsOf(due.db, recent.campaignId) },
      { db: due.db, tenantId: due.tenantId, c: running, rows: await rowsOf(due.db, running.campaignId) },
      {
        db: paused.db,
        tenantId: paused.tenantId,
        c: pausedCampaign,
        rows: await rowsOf(paused.db, pausedCampaign.campaignId),
      },
      { db: other.db, tenantId: movedId, c: moved, rows: await rowsOf(other.db, moved.campaignId) },
    ];

    await archiveUntilDone(due, dueCampaign.campaignId, ARCHIVE_AT);
    for (const u of untouched) {
      expect(await rowsOf(u.db, u.c.campaignId)).toBe(u.rows);
      const [row] = await u.db.all<{ archive_state: string | null; archived_at: string | null }>(
        sql`SELECT archive_state, archived_at FROM campaigns WHERE id = ${u.c.campaignId}`,
      );
      expect(row).toEqual({ archive_state: null, archived_at: null });
      expect(await objectsOf(u.tenantId, u.c.campaignId)).toEqual([]);
      const [rolled] = await u.db.all<{ n: number }>(
        sql`SELECT count(*) AS n FROM campaign_daily_stats WHERE campaign_id = ${u.c.campaignId}`,
      );
      expect(rolled?.n).toBe(0);
    }
    // Unpaused, the tenant's campaign goes too.
    await updateTenant(paused.tenantId, { isPaused: false });
    await archiveUntilDone(paused, pausedCampaign.campaignId, ARCHIVE_AT);
    expect(await rowsOf(paused.db, pausedCampaign.campaignId)).toBe(0);
  });

  it('happy: links that could still be clicked, or attribute an order, hold the campaign back until then', async () => {
    const t = await createTenant('Long Links Co');
    // Links live 150 days from 2026-10-03: they expire 2027-03-02, after the tick.
    const c = await seedCampaign(t, { n: 5, firstSentAt: SENT_FROM, everyMinutes: 90, linkTtlDays: 150 });
    const report = await archiveCampaigns(env, ARCHIVE_AT, fast);
    expect(report.deferred).toBeGreaterThanOrEqual(1);
    expect(await stateOf(t, c.campaignId)).toBeNull();
    const [row] = await t.db.all<{ not_before: string }>(
      sql`SELECT not_before FROM campaign_archives WHERE campaign_id = ${c.campaignId}`,
    );
    // expiry (2026-10-03T10:50Z + 150 days) plus the default 5-day attribution window
    expect(row?.not_before).toBe('2027-03-07T10:50:00.000Z');
    await archiveCampaigns(env, new Date('2027-03-07T10:00:00.000Z'), fast);
    expect(await stateOf(t, c.campaignId)).toBeNull();
    await archiveUntilDone(t, c.campaignId, new Date('2027-03-07T11:00:00.000Z'));
    expect(await rowsOf(t.db, c.campaignId)).toBe(0);
  });
});

describe('exporting an archived campaign', () => {
  it('happy: an export running while its campaign is archived is the same, row for row', async () => {
    const t = await createTenant('Export Co');
    const c = await seedCampaign(t, { n: 4200, firstSentAt: SENT_FROM, everyMinutes: 1 });
    const before = (await reports(t, c.campaignId)).recipients;
    expect(before.split('\r\n').length).toBe(4202);
    const stored = await rowsOf(t.db, c.campaignId);

    const [campaign] = await t.db.query.campaigns.findMany({ where: (x, { eq }) => eq(x.id, c.campaignId) });
    const reader = recipientsStream(t.db, env.ARCHIVE, campaign!).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const read = async () => {
      const { value, done } = await reader.read();
      if (!done) text += decoder.decode(value, { stream: true });
      return done;
    };
    await read(); // the header
    await read(); // the first 1,000 recipients, from D1
    // Archive it part way: reports have switched to the roll-ups, some rows are already deleted.
    let at = ARCHIVE_AT;
    const opts = { ...fast, partRows: 1000, deleteRows: 500, stepsPerTick: 4 };
    for (let i = 0; i < 50 && (await stateOf(t, c.campaignId)) !== 'deleting'; i++) {
      await archiveCampaigns(env, at, opts);
      at = new Date(at.getTime() + 60_000);
    }
    await archiveCampaigns(env, at, opts);
    expect(await stateOf(t, c.campaignId)).toBe('deleting');
    expect(await rowsOf(t.db, c.campaignId)).toBeLessThan(stored);
    await read(); // from the archive now
    await archiveUntilDone(t, c.campaignId, new Date(at.getTime() + 60_000), opts);
    while (!(await read()));
    expect(text).toBe(before);
  });

  it('security: a person erased after archiving has no phone or name in the archived export', async () => {
    const t = await createTenant('Erase Co');
    const c = await seedCampaign(t, { n: 6, firstSentAt: SENT_FROM, everyMinutes: 90 });
    await archiveUntilDone(t, c.campaignId, ARCHIVE_AT);
    const erased = c.contactIds[2]!;
    expect((await t.api(`/api/v1/contacts/${erased}`, { method: 'DELETE', role: 'staff' })).status).toBe(204);
    const rows = Papa.parse<Record<string, string>>(
      (await (await t.api(`/api/v1/campaigns/${c.campaignId}/recipients.csv`)).text()).trim(),
      { header: true },
    ).data;
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.contact_id === erased)).toMatchObject({ phone: '', first_name: '' });
    expect(rows.find((r) => r.contact_id === c.contactIds[3])?.first_name).toBe('Person 3');
    // Another tenant's key sees nothing of it.
    const stranger = await createTenant('Stranger Co');
    expect((await stranger.api(`/api/v1/campaigns/${c.campaignId}/recipients.csv`)).status).toBe(404);
  });
});

describe('the archiver’s reads', () => {
  it('walk an index, never a temporary sort of the campaign’s rows', async () => {
    const d1 = shards(env)[0]!.d1;
    for (const [table, spec] of Object.entries(TABLES)) {
      let captured = '';
      const recorder = {
        prepare: (q: string) => {
          captured = q;
          return { bind: () => ({ all: async () => ({ results: [] }) }) };
        },
      } as unknown as D1Database;
      await spec.page(recorder, 't', 'c', spec.start, 10);
      const plan = await d1
        .prepare(`EXPLAIN QUERY PLAN ${captured}`)
        .bind('t', 'c', spec.start, 10)
        .all<{ detail: string }>();
      const details = plan.results.map((r) => r.detail).join(' | ');
      expect(details, table).not.toMatch(/TEMP B-TREE/);
      expect(details, table).not.toMatch(/^SCAN \w+$/m);
      const index = {
        send_jobs: /send_jobs_tenant_campaign_contact_unique/,
        short_links: /short_links_campaign_id_idx/,
        events: /events_campaign_id_idx/,
        click_counts: /sqlite_autoindex_click_counts_1|PRIMARY KEY/,
      }[table] as RegExp;
      expect(details, table).toMatch(index);
      // Counting and deleting a campaign's rows take the same index.
      for (const [q, params] of [
        [spec.countSql, ['c', 't']],
        [spec.deleteSql, ['c', 't', 10]],
      ] as const) {
        const p = await d1
          .prepare(`EXPLAIN QUERY PLAN ${q}`)
          .bind(...params)
          .all<{ detail: string }>();
        const d = p.results.map((r) => r.detail).join(' | ');
        expect(d, `${table}: ${q}`).toMatch(index);
        expect(d, `${table}: ${q}`).not.toMatch(new RegExp(`SCAN ${table}(?! USING)`));
      }
    }
  });
});
