import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { eventRow } from '../../workers/db/events';
import { uuidv7 } from '../../workers/db/ids';
import { campaigns, clickCounts, contacts, type EventType, sendJobs } from '../../workers/db/schema';
import worker from '../../workers/index';
import { shortLinkFor } from '../../workers/redirect/links';
import { BASE, call, createTenant, json, type TestTenant } from '../helpers/fixtures';

type EventJson = {
  id: string;
  type: EventType;
  contact_id: string | null;
  campaign_id: string | null;
  short_link_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
};
type Page = { data: EventJson[]; next_cursor: string | null };

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let phone = 0;

async function campaignWithContact(t: TestTenant) {
  const contactId = uuidv7();
  const campaignId = uuidv7();
  await t.db
    .insert(contacts)
    .values({ id: contactId, tenantId: t.tenantId, phoneE164: `+6142${String(++phone).padStart(7, '0')}` });
  await t.db.insert(campaigns).values({
    id: campaignId,
    tenantId: t.tenantId,
    name: 'Promo',
    status: 'running',
    targetUrl: 'https://x.example/',
  });
  return { contactId, campaignId };
}

async function addEvents(
  t: TestTenant,
  list: {
    type: EventType;
    campaignId?: string;
    contactId?: string;
    at: string;
    metadata?: Record<string, unknown>;
  }[],
) {
  const d = t.db;
  for (const e of list) {
    await eventRow(d, {
      tenantId: t.tenantId,
      eventType: e.type,
      campaignId: e.campaignId,
      contactId: e.contactId,
      createdAt: e.at,
      metadata: e.metadata,
    });
  }
}

/** Messages of a campaign as the send path and callbacks leave them: one job per recipient. */
async function addMessages(
  t: TestTenant,
  campaignId: string,
  list: { sent: string; delivered?: string; failed?: string }[],
) {
  for (const m of list) {
    const contactId = uuidv7();
    await t.db
      .insert(contacts)
      .values({ id: contactId, tenantId: t.tenantId, phoneE164: `+6142${String(++phone).padStart(7, '0')}` });
    await t.db.insert(sendJobs).values({
      id: uuidv7(),
      tenantId: t.tenantId,
      campaignId,
      contactId,
      status: m.failed ? 'failed' : m.delivered ? 'delivered' : 'sent',
      providerMessageId: `SM${uuidv7().replace(/-/g, '')}`,
      queuedAt: m.sent,
      sentAt: m.sent,
      deliveredAt: m.delivered ?? null,
      failedAt: m.failed ?? null,
    });
  }
}

/** Clicks as the redirect counts them: per campaign and minute. */
async function addClicks(t: TestTenant, campaignId: string, list: { at: string; human: boolean }[]) {
  for (const c of list) {
    await t.db
      .insert(clickCounts)
      .values({
        tenantId: t.tenantId,
        campaignId,
        slot: c.at.slice(0, 16),
        clicks: 1,
        humanClicks: c.human ? 1 : 0,
      })
      .onConflictDoUpdate({
        target: [clickCounts.campaignId, clickCounts.slot],
        set: {
          clicks: sql`${clickCounts.clicks} + 1`,
          humanClicks: sql`${clickCounts.humanClicks} + ${c.human ? 1 : 0}`,
        },
      });
  }
}

/** A click through the real redirect; waits for the Worker's after-response work (the recording). */
async function clickThrough(token: string, userAgent: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/l/${token}`, {
      headers: { 'user-agent': userAgent },
      redirect: 'manual',
    }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(302);
}

describe('GET /api/v1/events', () => {
  it('happy: newest first, with type, campaign, contact and since filters, and cursor pages', async () => {
    const t = await createTenant();
    const a = await campaignWithContact(t);
    const b = await campaignWithContact(t);
    await addEvents(t, [
      { type: 'QUEUED', ...a, at: '2026-03-01T00:00:00.000Z' },
      { type: 'SENT', ...a, at: '2026-03-01T00:01:00.000Z' },
      { type: 'SENT', ...b, at: '2026-03-02T00:00:00.000Z' },
      { type: 'REPLIED', contactId: b.contactId, at: '2026-03-03T00:00:00.000Z', metadata: { body: 'hi' } },
    ]);
    const all = await json<Page>(await t.api('/api/v1/events', { role: 'viewer' }));
    expect(all.data.map((e) => e.type)).toEqual(['REPLIED', 'SENT', 'SENT', 'QUEUED']);
    expect(all.data[0]).toMatchObject({
      contact_id: b.contactId,
      campaign_id: null,
      metadata: { body: 'hi' },
    });

    const sent = await json<Page>(await t.api('/api/v1/events?type=SENT'));
    expect(sent.data.map((e) => e.campaign_id)).toEqual([b.campaignId, a.campaignId]);
    const ofA = await json<Page>(await t.api(`/api/v1/events?campaign_id=${a.campaignId}`));
    expect(ofA.data.map((e) => e.type)).toEqual(['SENT', 'QUEUED']);
    const ofB = await json<Page>(await t.api(`/api/v1/events?contact_id=${b.contactId}`));
    expect(ofB.data.map((e) => e.type)).toEqual(['REPLIED', 'SENT']);
    const recent = await json<Page>(await t.api('/api/v1/events?since=2026-03-02T00:00:00Z'));
    expect(recent.data.map((e) => e.type)).toEqual(['REPLIED', 'SENT']);

    const first = await json<Page>(await t.api('/api/v1/events?limit=3'));
    expect(first.data).toHaveLength(3);
    expect(first.next_cursor).not.toBeNull();
    const second = await json<Page>(await t.api(`/api/v1/events?limit=3&cursor=${first.next_cursor}`));
    expect(second.data.map((e) => e.type)).toEqual(['QUEUED']);
    expect(second.next_cursor).toBeNull();
  });

  it('error: unknown type, a malformed since or id answers 422 with the field', async () => {
    const t = await createTenant();
    for (const [query, field] of [
      ['type=OPENED', 'type'],
      ['since=yesterday', 'since'],
      ['campaign_id=42', 'campaign_id'],
    ]) {
      const res = await t.api(`/api/v1/events?${query}`);
      expect(res.status).toBe(422);
      const body = await json<{ errors: { path: string }[] }>(res);
      expect(body.errors.map((e) => e.path)).toContain(field);
    }
  });

  it('security: needs credentials', async () => {
    expect((await call('/api/v1/events')).status).toBe(401);
    expect((await call('/api/v1/events.csv')).status).toBe(401);
  });

  it("security: a tenant never sees another tenant's events or link clicks, even filtering by its ids", async () => {
    const owner = await createTenant('Owner');
    const other = await createTenant('Other');
    const { campaignId, contactId } = await campaignWithContact(owner);
    const link = await shortLinkFor(env, owner.shard, {
      tenantId: owner.tenantId,
      campaignId,
      contactId,
    });
    await clickThrough(link.token, IPHONE);
    const ownerEvents = await json<Page>(
      await owner.api(`/api/v1/events?campaign_id=${campaignId}&type=CLICKED`),
    );
    expect(ownerEvents.data).toHaveLength(1);
    expect(ownerEvents.data[0]).toMatchObject({ short_link_id: link.id, metadata: { human: true } });

    for (const path of [
      '/api/v1/events',
      `/api/v1/events?campaign_id=${campaignId}`,
      `/api/v1/events?contact_id=${contactId}`,
    ]) {
      expect((await json<Page>(await other.api(path))).data).toEqual([]);
    }
    const csv = await (await other.api(`/api/v1/events.csv?campaign_id=${campaignId}`)).text();
    expect(csv.trim().split('\r\n')).toHaveLength(1);
    expect((await other.api(`/api/v1/events/timeseries?campaign_id=${campaignId}`)).status).toBe(404);
    const ownSeries = await json<{ data: { clicks: number; human_clicks: number }[] }>(
      await owner.api(`/api/v1/events/timeseries?campaign_id=${campaignId}`),
    );
    expect(ownSeries.data.reduce((n, p) => n + p.human_clicks, 0)).toBe(1);
    const otherSeries = await json<{ data: unknown[] }>(await other.api('/api/v1/events/timeseries'));
    expect(otherSeries.data).toEqual([]);
  });
});

describe('GET /api/v1/events.csv', () => {
  it('happy: a header row, one row per event newest first, metadata as JSON, with filters', async () => {
    const t = await createTenant();
    const a = await campaignWithContact(t);
    await addEvents(t, [
      { type: 'SENT', ...a, at: '2026-05-01T00:00:00.000Z' },
      { type: 'REPLIED', ...a, at: '2026-05-01T00:05:00.000Z', metadata: { body: '=cmd, "quoted"\nline' } },
    ]);
    const res = await t.api('/api/v1/events.csv', { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="events-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const text = await res.text();
    const [header, ...rest] = text.split('\r\n');
    expect(header).toBe('id,created_at,type,campaign_id,contact_id,send_job_id,short_link_id,metadata');
    expect(rest.filter(Boolean)).toHaveLength(2);
    expect(rest[0]).toContain(',REPLIED,');
    expect(rest[0]).toContain(`"{""body"":""=cmd, \\""quoted\\""\\nline""}"`);
    expect(rest[1]).toContain(`2026-05-01T00:00:00.000Z,SENT,${a.campaignId},${a.contactId},,,{}`);
    const onlySent = await (await t.api('/api/v1/events.csv?type=SENT')).text();
    expect(onlySent.trim().split('\r\n')).toHaveLength(2);
  });

  it('happy: exports every row across internal pages', async () => {
    const t = await createTenant();
    const total = 2345;
    // One statement, to stay under D1's bound-parameter limit; ids sort like UUIDv7 by index.
    await t.shard.d1
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO events (id, tenant_id, event_type, metadata, created_at)
       SELECT printf('%s-%06d', ?1, i), ?1, 'SENT', '{}', '2026-06-01T00:00:00.000Z' FROM n`,
      )
      .bind(t.tenantId, total)
      .run();
    const text = await (await t.api('/api/v1/events.csv')).text();
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(total + 1);
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    expect(new Set(ids).size).toBe(total);
    expect(ids[0]).toBe(`${t.tenantId}-${String(total).padStart(6, '0')}`);
    expect(ids[total - 1]).toBe(`${t.tenantId}-000001`);
  });
});

describe('GET /api/v1/events/timeseries', () => {
  it("happy: per-day counts in the tenant's zone, with human clicks apart", async () => {
    const t = await createTenant('Series', { timezone: 'Australia/Sydney' });
    const a = await campaignWithContact(t);
    await addMessages(t, a.campaignId, [
      { sent: '2026-07-01T01:00:00.000Z', delivered: '2026-07-01T01:02:00.000Z' },
      { sent: '2026-07-01T01:00:30.000Z', failed: '2026-07-01T01:03:00.000Z' },
    ]);
    await addClicks(t, a.campaignId, [
      { at: '2026-07-01T13:59:00.000Z', human: true },
      { at: '2026-07-01T14:00:00.000Z', human: false },
      { at: '2026-07-01T14:10:00.000Z', human: true },
    ]);
    await addEvents(t, [{ type: 'REPLIED', ...a, at: '2026-07-01T14:10:00.000Z' }]);
    const res = await t.api(`/api/v1/events/timeseries?campaign_id=${a.campaignId}&bucket=day`, {
      role: 'viewer',
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      bucket: 'day',
      timezone: 'Australia/Sydney',
      range: { from: '2026-06-30T14:00:00.000Z', to: '2026-07-02T14:00:00.000Z' },
      data: [
        { t: '2026-06-30T14:00:00.000Z', sent: 2, delivered: 1, failed: 1, clicks: 1, human_clicks: 1 },
        { t: '2026-07-01T14:00:00.000Z', sent: 0, delivered: 0, failed: 0, clicks: 2, human_clicks: 1 },
      ],
    });
    const hourly = await json<{ data: { t: string; sent: number }[] }>(
      await t.api(`/api/v1/events/timeseries?campaign_id=${a.campaignId}&bucket=hour`),
    );
    expect(hourly.data[0]).toMatchObject({ t: '2026-07-01T01:00:00.000Z', sent: 2 });
    expect(hourly.data).toHaveLength(14);
  });

  it('error: an unknown bucket is 422; an unknown campaign is 404', async () => {
    const t = await createTenant();
    expect((await t.api('/api/v1/events/timeseries?bucket=week')).status).toBe(422);
    expect((await t.api(`/api/v1/events/timeseries?campaign_id=${uuidv7()}`)).status).toBe(404);
  });
});
