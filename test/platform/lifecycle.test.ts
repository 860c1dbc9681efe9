// The storage lifecycle (issue 11): a completed campaign's per-message rows are rolled up, archived
// to R2 and deleted, and every report a user sees stays the same.
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { archiveCampaigns } from '../../workers/lifecycle/archiver';
import { fromNdjson, gunzip } from '../../workers/lifecycle/ndjson';
import { archiveUntilDone, fast, objectsOf, reports, seedCampaign, stateOf } from '../helpers/archive';
import { createTenant, json } from '../helpers/fixtures';

// Sydney's clocks went forward at 02:00 on Sunday 4 October 2026: that local day has 23 hours.
const SENT_FROM = '2026-10-03T11:00:00.000Z';
const ARCHIVE_AT = new Date('2027-03-01T00:00:00.000Z');
const WINDOW = { since: '2026-09-01T00:00:00.000Z', until: '2026-11-01T00:00:00.000Z' };

const count = async (db: import('../../workers/db/client').Db, table: string, campaignId: string) => {
  const [row] = await db.all<{ n: number }>(
    sql`SELECT count(*) AS n FROM ${sql.raw(table)} WHERE campaign_id = ${campaignId}`,
  );
  return row?.n ?? 0;
};

describe('archiving a completed campaign', () => {
  it('happy: every report is the same before and after; the rows are in R2 and gone from D1', async () => {
    const t = await createTenant('Archive Co', { timezone: 'Australia/Sydney' });
    const c = await seedCampaign(t, { n: 23, firstSentAt: SENT_FROM, everyMinutes: 150 });
    const before = await reports(t, c.campaignId, WINDOW);
    expect(before.stats).toMatchObject({ replies: 2, opt_outs: 1, conversions: 1, revenue_cents: 4250 });
    expect(before.revenue).toMatchObject({ attributed: { conversions: 1, revenue_cents: 4250 } });

    const { reports: ticks } = await archiveUntilDone(t, c.campaignId, ARCHIVE_AT);
    expect(await stateOf(t, c.campaignId)).toBe('archived');
    const after = await reports(t, c.campaignId, WINDOW);
    expect(after).toEqual(before);
    expect(after.recipients).toBe(before.recipients);
    expect(after.summary).toBe(before.summary);

    for (const table of ['send_jobs', 'short_links', 'events', 'click_counts'])
      expect(await count(t.db, table, c.campaignId), table).toBe(0);
    const stored = c.counts.send_jobs + c.counts.short_links + c.counts.events + c.counts.click_counts;
    expect(ticks.reduce((n, r) => n + r.rows_deleted, 0)).toBeGreaterThanOrEqual(stored);
    const [archive] = await t.db.all<{ rows_deleted: number; restarts: number; timezone: string }>(
      sql`SELECT rows_deleted, restarts, timezone FROM campaign_archives WHERE campaign_id = ${c.campaignId}`,
    );
    expect(archive).toEqual({ rows_deleted: stored, restarts: 0, timezone: 'Australia/Sydney' });

    const campaign = await json<{ archived_at: string | null }>(
      await t.api(`/api/v1/campaigns/${c.campaignId}`),
    );
    expect(campaign.archived_at).not.toBeNull();
    const jobs = await json<{ data: unknown[] }>(await t.api(`/api/v1/campaigns/${c.campaignId}/jobs`));
    expect(jobs.data).toEqual([]);
    // The chart of an archived campaign is in days whatever is asked.
    const auto = await json<{ bucket: string }>(
      await t.api(`/api/v1/events/timeseries?campaign_id=${c.campaignId}&bucket=hour`),
    );
    expect(auto.bucket).toBe('day');

    // The archive: 23 jobs in parts of 4, each object gzipped NDJSON, and a manifest.
    const keys = await objectsOf(t.tenantId, c.campaignId);
    expect(keys.filter((k) => k.includes('/send_jobs-'))).toHaveLength(6);
    expect(keys).toContain(`tenants/${t.tenantId}/campaigns/${c.campaignId}/manifest.json`);
    const manifest = await (await env.ARCHIVE.get(
      `tenants/${t.tenantId}/campaigns/${c.campaignId}/manifest.json`,
    ))!.json<{
      tables: Record<string, { rows: number }>;
      timezone: string;
      campaign: Record<string, unknown>;
    }>();
    expect(manifest.timezone).toBe('Australia/Sydney');
    // What the lines leave null (a single template, a campaign link's URL) the manifest says once.
    expect(manifest.campaign).toMatchObject({
      template_ids: c.templateIds,
      target_url: 'https://shop.example/sale',
      utm_params: null,
    });
    expect(Object.fromEntries(Object.entries(manifest.tables).map(([k, v]) => [k, v.rows]))).toEqual(
      c.counts,
    );
    const firstPart = await env.ARCHIVE.get(
      `tenants/${t.tenantId}/campaigns/${c.campaignId}/send_jobs-00001.ndjson.gz`,
    );
    const rows = fromNdjson<Record<string, unknown>>(
      await gunzip(new Uint8Array(await firstPart!.arrayBuffer())),
    );
    expect(rows).toHaveLength(4);
    expect(rows[0]).not.toHaveProperty('body'); // rendered messages are personal: not archived
    const events = await env.ARCHIVE.get(
      `tenants/${t.tenantId}/campaigns/${c.campaignId}/events-00001.ndjson.gz`,
    );
    const eventRows = fromNdjson<{ metadata: Record<string, unknown> }>(
      await gunzip(new Uint8Array(await events!.arrayBuffer())),
    );
    expect(eventRows.some((e) => 'body' in e.metadata || 'from' in e.metadata)).toBe(false);

    const parsed = Papa.parse<Record<string, string>>(after.recipients.trim(), { header: true }).data;
    expect(parsed).toHaveLength(23);
  });
});

describe('the daily roll-up', () => {
  /** The local date of an instant, computed independently of the roll-up's own code. */
  const localDay = (iso: string, timeZone: string) =>
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      new Date(iso),
    );

  for (const [timeZone, firstSentAt, dstDay, hours] of [
    ['Australia/Sydney', SENT_FROM, '2026-10-04', 23],
    // New York's clocks went back at 02:00 on Sunday 1 November 2026: that day has 25 hours.
    ['America/New_York', '2026-10-31T14:00:00.000Z', '2026-11-01', 25],
  ] as const) {
    it(`happy: days of ${timeZone} across its DST change (${dstDay}, ${hours} hours)`, async () => {
      const t = await createTenant('Days Co', { timezone: timeZone });
      const c = await seedCampaign(t, { n: 23, firstSentAt, everyMinutes: 150 });
      const jobs = await t.db.all<{
        sent_at: string | null;
        delivered_at: string | null;
        failed_at: string | null;
        cost: number | null;
      }>(
        sql`SELECT sent_at, delivered_at, failed_at,
                   CASE WHEN provider_message_id IS NOT NULL THEN cost_cents END AS cost
              FROM send_jobs WHERE campaign_id = ${c.campaignId}`,
      );
      const clicks = await t.db.all<{ slot: string; clicks: number; human_clicks: number }>(
        sql`SELECT slot, clicks, human_clicks FROM click_counts WHERE campaign_id = ${c.campaignId}`,
      );
      const inbound = await t.db.all<{ event_type: string; created_at: string }>(
        sql`SELECT event_type, created_at FROM events WHERE campaign_id = ${c.campaignId}
             AND event_type IN ('REPLIED', 'OPT_OUT')`,
      );
      const expected = new Map<string, Record<string, number>>();
      const add = (iso: string | null, key: string, n = 1) => {
        if (!iso) return;
        const day = localDay(iso, timeZone);
        const d = expected.get(day) ?? {};
        d[key] = (d[key] ?? 0) + n;
        expected.set(day, d);
      };
      for (const j of jobs) {
        add(j.sent_at, 'sent');
        add(j.delivered_at, 'delivered');
        add(j.failed_at, 'failed');
        if (j.cost !== null) add(j.sent_at, 'cost_cents', j.cost);
      }
      for (const k of clicks) {
        add(`${k.slot}:00.000Z`, 'clicks', k.clicks);
        add(`${k.slot}:00.000Z`, 'human_clicks', k.human_clicks);
      }
      for (const e of inbound) add(e.created_at, e.event_type === 'REPLIED' ? 'replies' : 'opt_outs');

      await archiveCampaigns(env, ARCHIVE_AT, { ...fast, stepsPerTick: 1 }); // the roll-up only
      expect(await stateOf(t, c.campaignId)).toBe('rolled_up');
      const days = await t.db.all<Record<string, number | string>>(
        sql`SELECT day, starts_at, sent, delivered, failed, clicks, human_clicks, replies, opt_outs, cost_cents
              FROM campaign_daily_stats WHERE campaign_id = ${c.campaignId} ORDER BY day`,
      );
      expect(days.map((d) => d.day)).toEqual([...expected.keys()].sort());
      for (const d of days) {
        const want = expected.get(String(d.day)) ?? {};
        for (const key of [
          'sent',
          'delivered',
          'failed',
          'clicks',
          'human_clicks',
          'replies',
          'opt_outs',
          'cost_cents',
        ])
          expect(d[key], `${d.day} ${key}`).toBe(want[key] ?? 0);
        // starts_at is that date's local midnight
        expect(localDay(String(d.starts_at), timeZone)).toBe(d.day);
        expect(localDay(new Date(Date.parse(String(d.starts_at)) - 1).toISOString(), timeZone)).not.toBe(
          d.day,
        );
      }
      const dst = days.findIndex((d) => d.day === dstDay);
      expect(dst).toBeGreaterThanOrEqual(0);
      const next = days[dst + 1];
      expect(next).toBeDefined();
      expect(
        (Date.parse(String(next?.starts_at)) - Date.parse(String(days[dst]?.starts_at))) / 3_600_000,
      ).toBe(hours);
    });
  }
});
