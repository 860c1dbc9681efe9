import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { campaigns, contacts } from '../../workers/db/schema';
import { createTenant, json, type TestTenant } from '../helpers/fixtures';

type Series = {
  bucket: string;
  timezone: string;
  range: { from: string; to: string } | null;
  data: { t: string; sent: number; delivered: number; human_clicks: number }[];
};

let phones = 0;

/** A campaign whose SENT/DELIVERED/CLICKED events happen at the given instants. */
async function campaignWithEvents(t: TestTenant, events: [string, string][]) {
  const contactId = uuidv7();
  const campaignId = uuidv7();
  const phone = `+6142000${String(++phones).padStart(4, '0')}`;
  await t.db.insert(contacts).values({ id: contactId, tenantId: t.tenantId, phoneE164: phone });
  await t.db
    .insert(campaigns)
    .values({ id: campaignId, tenantId: t.tenantId, name: 'Flash sale', status: 'completed' });
  const rows = events.map(([type, at]) => ({ id: uuidv7(), type, at }));
  await t.shard.d1
    .prepare(
      `INSERT INTO events (id, tenant_id, contact_id, campaign_id, event_type, metadata, created_at)
     SELECT json_extract(value, '$.id'), ?1, ?2, ?3, json_extract(value, '$.type'),
            CASE WHEN json_extract(value, '$.type') = 'CLICKED' THEN '{"human":true}' ELSE '{}' END,
            json_extract(value, '$.at') FROM json_each(?4)`,
    )
    .bind(t.tenantId, contactId, campaignId, JSON.stringify(rows))
    .run();
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
