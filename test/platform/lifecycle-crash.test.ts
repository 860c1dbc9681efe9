// The storage lifecycle under failure: a crash after each step of the archiving, rows changing under
// it, a bad copy in R2, and the bound on the work of one tick. Nothing is lost or duplicated.
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { archiveCampaigns } from '../../workers/lifecycle/archiver';
import type { FaultPoint } from '../../workers/lifecycle/context';
import { fromNdjson, gunzip } from '../../workers/lifecycle/ndjson';
import {
  archiveUntilDone,
  fast,
  objectsOf,
  reports,
  type SeededCampaign,
  seedCampaign,
  stateOf,
} from '../helpers/archive';
import { createTenant, type TestTenant } from '../helpers/fixtures';

const SENT_FROM = '2026-10-03T11:00:00.000Z';
const ARCHIVE_AT = new Date('2027-03-01T00:00:00.000Z');
const LATER = new Date(ARCHIVE_AT.getTime() + 60 * 60_000); // every crashed tick's lease has run out

/** Every row of one table in the archive, from the parts the manifest lists. */
async function archivedRows(t: TestTenant, campaignId: string, table: string) {
  const prefix = `tenants/${t.tenantId}/campaigns/${campaignId}`;
  const manifest = await (await env.ARCHIVE.get(`${prefix}/manifest.json`))!.json<{
    tables: Record<string, { parts: { key: string; rows: number }[] }>;
  }>();
  const rows: Record<string, unknown>[] = [];
  for (const p of manifest.tables[table]?.parts ?? []) {
    const obj = await env.ARCHIVE.get(p.key);
    rows.push(...fromNdjson<Record<string, unknown>>(await gunzip(new Uint8Array(await obj!.arrayBuffer()))));
  }
  return { rows, keys: Object.values(manifest.tables).flatMap((x) => x.parts.map((p) => p.key)) };
}

/** The archive holds each row once, exactly the campaign's rows, and no object beyond the manifest's. */
async function expectWholeArchive(t: TestTenant, c: SeededCampaign) {
  const jobs = await archivedRows(t, c.campaignId, 'send_jobs');
  expect(jobs.rows.map((r) => r.id).sort()).toEqual([...c.jobIds].sort());
  for (const table of ['short_links', 'events', 'click_counts'] as const) {
    const { rows } = await archivedRows(t, c.campaignId, table);
    expect(rows, table).toHaveLength(c.counts[table]);
    const keys = rows.map((r) => String(r.id ?? r.slot));
    expect(new Set(keys).size, `${table} keys unique`).toBe(keys.length);
  }
  const prefix = `tenants/${t.tenantId}/campaigns/${c.campaignId}`;
  expect(await objectsOf(t.tenantId, c.campaignId)).toEqual([...jobs.keys, `${prefix}/manifest.json`].sort());
}

const POINTS: FaultPoint[] = [
  'rolled_up',
  'part:put',
  'part:recorded',
  'manifest',
  'written',
  'part:verified',
  'verified',
  'deleting',
  'delete:batch',
  'archived',
];

describe('a crash in the middle of archiving loses nothing', () => {
  for (const point of POINTS) {
    it(`crash at ${point}: reports stay the same, a later tick finishes, each row archived once`, async () => {
      const t = await createTenant('Crash Co');
      const c = await seedCampaign(t, { n: 11, firstSentAt: SENT_FROM, everyMinutes: 200 });
      const before = await reports(t, c.campaignId);
      let fired = false;
      const crash = (p: FaultPoint, campaignId: string) => {
        if (p === point && campaignId === c.campaignId && !fired) {
          fired = true;
          throw new Error(`crash at ${p}`);
        }
      };
      await expect(archiveCampaigns(env, ARCHIVE_AT, { ...fast, fault: crash })).rejects.toThrow(
        `crash at ${point}`,
      );
      // Whatever state the crash left, a user sees the same numbers and the same export.
      expect(await reports(t, c.campaignId)).toEqual(before);
      // The crashed tick still holds the campaign: a tick within its lease leaves it alone.
      const state = await stateOf(t, c.campaignId);
      await archiveCampaigns(env, new Date(ARCHIVE_AT.getTime() + 60_000), fast);
      expect(await stateOf(t, c.campaignId)).toBe(state);

      await archiveUntilDone(t, c.campaignId, LATER);
      expect(await reports(t, c.campaignId)).toEqual(before);
      await expectWholeArchive(t, c);
      const [left] = await t.db.all<{ n: number }>(
        sql`SELECT (SELECT count(*) FROM send_jobs WHERE campaign_id = ${c.campaignId})
                 + (SELECT count(*) FROM short_links WHERE campaign_id = ${c.campaignId})
                 + (SELECT count(*) FROM events WHERE campaign_id = ${c.campaignId})
                 + (SELECT count(*) FROM click_counts WHERE campaign_id = ${c.campaignId}) AS n`,
      );
      expect(left?.n).toBe(0);
    });
  }
});

describe('archiving when things change under it', () => {
  it('error: a reply logged after the roll-up starts the archiving over, and it is counted', async () => {
    const t = await createTenant('Late Co');
    const c = await seedCampaign(t, { n: 9, firstSentAt: SENT_FROM, everyMinutes: 200 });
    await archiveCampaigns(env, ARCHIVE_AT, { ...fast, stepsPerTick: 2 });
    expect(await stateOf(t, c.campaignId)).toBe('rolled_up');
    await t.db.run(sql`INSERT INTO events (id, tenant_id, contact_id, campaign_id, event_type, metadata, created_at)
      VALUES (${uuidv7()}, ${t.tenantId}, ${c.contactIds[5]}, ${c.campaignId}, 'REPLIED', '{}', '2026-10-05T01:00:00.000Z')`);
    const before = await reports(t, c.campaignId);
    const { reports: ticks } = await archiveUntilDone(t, c.campaignId, LATER);
    expect(ticks.reduce((n, r) => n + r.restarts, 0)).toBeGreaterThanOrEqual(1);
    expect(await reports(t, c.campaignId)).toEqual(before);
    expect((before.stats as { replies: number }).replies).toBe(3);
    await expectWholeArchive(t, { ...c, counts: { ...c.counts, events: c.counts.events + 1 } });
  });

  it('error: rows that keep changing are retried a day later, not every minute', async () => {
    const t = await createTenant('Restless Co');
    const c = await seedCampaign(t, { n: 5, firstSentAt: SENT_FROM, everyMinutes: 200 });
    await archiveCampaigns(env, ARCHIVE_AT, { ...fast, stepsPerTick: 2 });
    expect(await stateOf(t, c.campaignId)).toBe('rolled_up');
    // Two restarts already; the third makes it wait.
    await t.db.run(sql`UPDATE campaign_archives SET restarts = 2 WHERE campaign_id = ${c.campaignId}`);
    await t.db.run(sql`INSERT INTO events (id, tenant_id, contact_id, campaign_id, event_type, metadata, created_at)
      VALUES (${uuidv7()}, ${t.tenantId}, ${c.contactIds[1]}, ${c.campaignId}, 'REPLIED', '{}', '2026-10-05T01:00:00.000Z')`);
    await archiveCampaigns(env, LATER, fast);
    expect(await stateOf(t, c.campaignId)).toBeNull();
    const [row] = await t.db.all<{ restarts: number; not_before: string; last_error: string }>(
      sql`SELECT restarts, not_before, last_error FROM campaign_archives WHERE campaign_id = ${c.campaignId}`,
    );
    expect(row).toMatchObject({
      restarts: 3,
      not_before: new Date(LATER.getTime() + 86_400_000).toISOString(),
    });
    expect(row?.last_error).toContain('events');
    expect(await objectsOf(t.tenantId, c.campaignId)).toEqual([]);
    await archiveCampaigns(env, new Date(LATER.getTime() + 3_600_000), fast);
    expect(await stateOf(t, c.campaignId)).toBeNull();
    await archiveUntilDone(t, c.campaignId, new Date(LATER.getTime() + 86_400_000 + 60_000));
  });

  it('error: a part that reads back wrong is written again before anything is deleted', async () => {
    const t = await createTenant('Bad Copy Co');
    const c = await seedCampaign(t, { n: 9, firstSentAt: SENT_FROM, everyMinutes: 200 });
    const before = await reports(t, c.campaignId);
    let at = ARCHIVE_AT;
    for (let i = 0; i < 20 && (await stateOf(t, c.campaignId)) !== 'written'; i++) {
      await archiveCampaigns(env, at, { ...fast, stepsPerTick: 1 });
      at = new Date(at.getTime() + 60_000);
    }
    expect(await stateOf(t, c.campaignId)).toBe('written');
    const key = `tenants/${t.tenantId}/campaigns/${c.campaignId}/send_jobs-00002.ndjson.gz`;
    await env.ARCHIVE.put(key, 'not gzip at all');
    const { reports: ticks } = await archiveUntilDone(t, c.campaignId, at);
    expect(ticks.reduce((n, r) => n + r.rewrites, 0)).toBe(1);
    expect(await reports(t, c.campaignId)).toEqual(before);
    await expectWholeArchive(t, c);
  });
});

describe('bounded batches', () => {
  it('happy: one tick writes, reads back or deletes at most its budget', async () => {
    const t = await createTenant('Batch Co');
    const c = await seedCampaign(t, { n: 30, firstSentAt: SENT_FROM, everyMinutes: 60 });
    const before = await reports(t, c.campaignId);
    const opts = { ...fast, partRows: 4, deleteRows: 5, stepsPerTick: 3 };
    const progress = async () => {
      const [row] = await t.db.all<{ parts: number; verified: number; deleted: number | null }>(sql`
        SELECT (SELECT count(*) FROM campaign_archive_parts WHERE campaign_id = ${c.campaignId}) AS parts,
               (SELECT count(*) FROM campaign_archive_parts WHERE campaign_id = ${c.campaignId}
                   AND verified_at IS NOT NULL) AS verified,
               (SELECT rows_deleted FROM campaign_archives WHERE campaign_id = ${c.campaignId}) AS deleted`);
      return { parts: row?.parts ?? 0, verified: row?.verified ?? 0, deleted: row?.deleted ?? 0 };
    };
    let at = ARCHIVE_AT;
    let last = await progress();
    let ticks = 0;
    while ((await stateOf(t, c.campaignId)) !== 'archived') {
      await archiveCampaigns(env, at, opts);
      const now = await progress();
      const written = Math.max(0, now.parts - last.parts);
      const verified = Math.max(0, now.verified - last.verified);
      const deleteStatements = Math.ceil((now.deleted - last.deleted) / opts.deleteRows);
      expect(written + verified + deleteStatements, `tick ${ticks}`).toBeLessThanOrEqual(opts.stepsPerTick);
      last = now;
      at = new Date(at.getTime() + 60_000);
      ticks += 1;
      expect(ticks).toBeLessThan(100);
    }
    // 31 jobs... in parts of at most 4 rows: many ticks, each bounded.
    const parts = await t.db.all<{ rows: number }>(
      sql`SELECT rows FROM campaign_archive_parts WHERE campaign_id = ${c.campaignId}`,
    );
    expect(Math.max(...parts.map((p) => p.rows))).toBe(4);
    expect(ticks).toBeGreaterThan(10);
    expect(await reports(t, c.campaignId)).toEqual(before);
    await expectWholeArchive(t, c);
  });
});
