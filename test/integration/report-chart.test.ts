import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { campaigns, clickCounts } from '../../workers/db/schema';
import { createTenant, json, type TestTenant } from '../helpers/fixtures';

type Series = {
  bucket: string;
  timezone: string;
  range: { from: string; to: string } | null;
  data: { t: string; sent: number; delivered: number; human_clicks: number }[];
};

let phones = 0;

/**
 * A campaign whose sends, deliveries and human clicks happen at the given instants, recorded where
 * the send path leaves them: a send job per recipient (each SENT starts one, the next DELIVERED
 * completes it) and click counts per minute.
 */
async function campaignWithEvents(t: TestTenant, events: [string, string][]) {
  const campaignId = uuidv7();
  await t.db
    .insert(campaigns)
    .values({ id: campaignId, tenantId: t.tenantId, name: 'Flash sale', status: 'completed' });
  const jobs: { sent: string; delivered: string | null }[] = [];
  const clicks = new Map<string, number>();
  for (const [type, at] of events) {
    const iso = new Date(at).toISOString();
    if (type === 'SENT') jobs.push({ sent: iso, delivered: null });
    else if (type === 'DELIVERED') {
      const open = jobs.find((j) => j.delivered === null);
      if (open) open.delivered = iso;
    } else if (type === 'CLICKED') clicks.set(iso.slice(0, 16), (clicks.get(iso.slice(0, 16)) ?? 0) + 1);
  }
  const rows = jobs.map((j) => ({
    c: uuidv7(),
    j: uuidv7(),
    p: `+6142${String(++phones).padStart(7, '0')}`,
    ...j,
  }));
  await t.shard.d1.batch([
    t.shard.d1
      .prepare(
        `INSERT INTO contacts (id, tenant_id, phone_e164)
         SELECT json_extract(value, '$.c'), ?1, json_extract(value, '$.p') FROM json_each(?2)`,
      )
      .bind(t.tenantId, JSON.stringify(rows)),
    t.shard.d1
      .prepare(
        `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, status, provider_message_id, queued_at, sent_at, delivered_at)
         SELECT json_extract(value, '$.j'), ?1, ?2, json_extract(value, '$.c'),
                CASE WHEN json_extract(value, '$.delivered') IS NULL THEN 'sent' ELSE 'delivered' END,
                'SM' || json_extract(value, '$.j'), json_extract(value, '$.sent'), json_extract(value, '$.sent'),
                json_extract(value, '$.delivered')
           FROM json_each(?3)`,
      )
      .bind(t.tenantId, campaignId, JSON.stringify(rows)),
  ]);
  for (const [slot, n] of clicks)
    await t.db
      .insert(clickCounts)
      .values({ tenantId: t.tenantId, campaignId, slot, clicks: n, humanClicks: n });
  return campaignId;
}

const series = async (t: TestTenant, campaignId: string, bucket = '') =>
  json<Series>(
    await t.api(`/api/v1/events/timeseries?campaign_id=${campaignId}${bucket ? `&bucket=${bucket}` : ''}`),
  );

describe('GET /events/timeseries?bucket=auto (the default)', () => {
  it('a campaign that ran a few minutes: minute buckets and an axis of those minutes', async () => {
    const t = await createTenant('Chart', { timezone: 'Australia/Sydney' });
    const events: [string, string][] = [];
    // 267 sends from 22:58:10Z to 23:03:30Z, deliveries a few seconds later, 3 human clicks.
    for (let i = 0; i < 267; i++) {
      const at = Date.parse('2026-11-23T22:58:10Z') + i * 1200;
      events.push(['SENT', new Date(at).toISOString()], ['DELIVERED', new Date(at + 4000).toISOString()]);
    }
    events.push(
      ['CLICKED', '2026-11-23T23:04:59Z'],
      ['CLICKED', '2026-11-23T23:01:00Z'],
      ['CLICKED', '2026-11-23T23:01:30Z'],
    );
    const id = await campaignWithEvents(t, events);
    const s = await series(t, id);
    expect(s.bucket).toBe('minute');
    expect(s.timezone).toBe('Australia/Sydney');
    expect(s.range).toEqual({ from: '2026-11-23T22:58:00.000Z', to: '2026-11-23T23:05:00.000Z' });
    expect(s.data).toHaveLength(7);
    expect(s.data.reduce((n, p) => n + p.sent, 0)).toBe(267);
    expect(s.data.reduce((n, p) => n + p.delivered, 0)).toBe(267);
    expect(s.data.find((p) => p.t === '2026-11-23T23:01:00.000Z')?.human_clicks).toBe(2);
  });

  it('a campaign whose clicks came over two weeks: day buckets starting at local midnight', async () => {
    const t = await createTenant('Chart', { timezone: 'Australia/Perth' });
    const id = await campaignWithEvents(t, [
      ['SENT', '2026-03-02T01:00:00Z'],
      ['CLICKED', '2026-03-16T10:00:00Z'],
    ]);
    const s = await series(t, id);
    expect(s.bucket).toBe('day');
    expect(s.data[0]?.t).toBe('2026-03-01T16:00:00.000Z'); // midnight in Perth (+8)
    expect(s.range).toEqual({ from: '2026-03-01T16:00:00.000Z', to: '2026-03-16T16:00:00.000Z' });
  });

  it('an explicit bucket is still honoured; no events, no axis', async () => {
    const t = await createTenant();
    const id = await campaignWithEvents(t, [['SENT', '2026-07-01T02:10:00Z']]);
    const hourly = await series(t, id, 'hour');
    expect(hourly.bucket).toBe('hour');
    expect(hourly.range).toEqual({ from: '2026-07-01T02:00:00.000Z', to: '2026-07-01T03:00:00.000Z' });
    const empty = await campaignWithEvents(t, []);
    expect(await series(t, empty)).toEqual({
      bucket: 'hour',
      timezone: 'Australia/Sydney',
      range: null,
      data: [],
    });
  });
});
