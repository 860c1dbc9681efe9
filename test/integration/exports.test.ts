// Streamed CSV exports: contacts (with tags and every custom field, re-importable) and a campaign's
// recipients and summary. Enough rows to cross several internal pages of 1,000.
import { createExecutionContext, createMessageBatch } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import type { ImportMessage } from '../../workers/db/imports';
import { campaigns, contacts, contactTags, doNotContact, messageTemplates } from '../../workers/db/schema';
import worker from '../../workers/index';
import { RECIPIENTS_PAGE_ROWS } from '../../workers/routes/campaigns/exports';
import { EXPORT_PAGE_ROWS } from '../../workers/routes/contacts/export';
import { createTenant, json, type TestTenant } from '../helpers/fixtures';

const parse = (text: string) => Papa.parse<Record<string, string>>(text.trim(), { header: true }).data;

/** `n` contacts with custom fields; the last one alone has `vip_level` (found without reading rows twice). */
async function seedContacts(t: TestTenant, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: uuidv7(),
    phone: `+6146${String(i).padStart(7, '0')}`,
    first: i === 7 ? '=HYPERLINK("http://evil.example")' : `Person ${i}`,
    custom: i === n - 1 ? { city: 'Perth', vip_level: 'gold' } : i % 2 ? { city: 'Sydney', plan: 'pro' } : {},
  }));
  await t.shard.d1
    .prepare(
      `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, custom_fields, consent_status, consent_source)
     SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.phone'), json_extract(value, '$.first'),
            json_extract(value, '$.custom'), 'explicit', 'website form' FROM json_each(?2)`,
    )
    .bind(t.tenantId, JSON.stringify(rows))
    .run();
  return rows;
}

describe('GET /contacts.csv', () => {
  it('happy: every contact across pages, tags and each custom field as a column, formulas defused', async () => {
    const t = await createTenant();
    const n = 2 * EXPORT_PAGE_ROWS + 301;
    const rows = await seedContacts(t, n);
    await t.db.insert(contactTags).values([
      { tenantId: t.tenantId, contactId: rows[1]!.id, tag: 'VIP' },
      { tenantId: t.tenantId, contactId: rows[1]!.id, tag: 'NSW' },
    ]);
    await t.db
      .insert(doNotContact)
      .values({ id: uuidv7(), tenantId: t.tenantId, phoneE164: rows[2]!.phone, reason: 'STOP' });
    await t.db.insert(contacts).values({
      id: uuidv7(),
      tenantId: t.tenantId,
      phoneE164: 'erased:x',
      erasedAt: new Date().toISOString(),
    });

    const res = await t.api('/api/v1/contacts.csv', { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const text = await res.text();
    const header = text.slice(0, text.indexOf('\r\n'));
    expect(header).toBe(
      'phone,first_name,last_name,email,timezone,consent_status,consent_source,consent_timestamp,tags,' +
        'city,plan,vip_level,contact_id,on_do_not_contact,last_sent_at,last_human_click_at,last_reply_at,import_batch_id,created_at',
    );
    const data = parse(text);
    expect(data).toHaveLength(n); // the erased person is not exported
    const byId = new Map(data.map((r) => [r.contact_id, r]));
    expect(byId.get(rows[1]!.id)).toMatchObject({
      phone: rows[1]!.phone,
      tags: 'VIP; NSW',
      city: 'Sydney',
      plan: 'pro',
    });
    expect(byId.get(rows[2]!.id)).toMatchObject({ on_do_not_contact: 'true', city: '' });
    expect(byId.get(rows[n - 1]!.id)).toMatchObject({ vip_level: 'gold', city: 'Perth' });
    expect(byId.get(rows[7]!.id)?.first_name).toBe(`'=HYPERLINK("http://evil.example")`);
  });

  it('filters: a segment, a search, a tag; another tenant’s segment is 404', async () => {
    const t = await createTenant();
    const rows = await seedContacts(t, 30);
    await t.db
      .insert(contactTags)
      .values(rows.slice(0, 12).map((r) => ({ tenantId: t.tenantId, contactId: r.id, tag: 'VIP' })));
    const seg = await json<{ id: string }>(
      await t.api('/api/v1/segments', {
        method: 'POST',
        role: 'staff',
        json: {
          name: 'Sydney VIPs',
          filter: {
            all: [
              { field: 'tags', op: 'has_any', value: ['vip'] },
              { field: 'custom.city', op: 'eq', value: 'sydney' },
            ],
          },
        },
      }),
    );
    const inSegment = parse(await (await t.api(`/api/v1/contacts.csv?segment_id=${seg.id}`)).text());
    expect(inSegment.map((r) => r.contact_id).sort()).toEqual(
      rows
        .slice(0, 12)
        .filter((_, i) => i % 2)
        .map((r) => r.id)
        .sort(),
    );
    expect(
      parse(await (await t.api('/api/v1/contacts.csv?search=Person%2021')).text()).map((r) => r.first_name),
    ).toEqual(['Person 21']);
    expect(parse(await (await t.api('/api/v1/contacts.csv?tag=VIP')).text())).toHaveLength(12);
    await t.db
      .insert(doNotContact)
      .values({ id: uuidv7(), tenantId: t.tenantId, phoneE164: rows[0]!.phone, reason: 'STOP' });
    expect(
      parse(await (await t.api('/api/v1/contacts.csv?on_do_not_contact=true')).text()).map(
        (r) => r.contact_id,
      ),
    ).toEqual([rows[0]!.id]);
    expect(parse(await (await t.api('/api/v1/contacts.csv?on_do_not_contact=false')).text())).toHaveLength(
      29,
    );
    // The custom field names, for the segment builder.
    expect(await json(await t.api('/api/v1/contacts/custom-fields', { role: 'viewer' }))).toEqual({
      data: ['city', 'plan', 'vip_level'],
    });
    const other = await createTenant();
    expect((await other.api(`/api/v1/contacts.csv?segment_id=${seg.id}`)).status).toBe(404);
  });

  it('round trip: the export re-imports into another account as it was, read-only columns ignored', async () => {
    const t = await createTenant();
    const rows = await seedContacts(t, 40);
    await t.db.insert(contactTags).values({ tenantId: t.tenantId, contactId: rows[3]!.id, tag: 'VIP' });
    const csv = await (await t.api('/api/v1/contacts.csv')).text();
    const other = await createTenant();
    const up = await other.api('/api/v1/imports', {
      method: 'POST',
      role: 'staff',
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(up.status).toBe(202);
    const { id } = await json<{ id: string }>(up);
    const batch = createMessageBatch<ImportMessage>('sms-import', [
      {
        id: `m-${id}`,
        timestamp: new Date(),
        attempts: 1,
        body: { batchId: id, tenantId: other.tenantId, seq: 0 },
      },
    ]);
    await worker.queue(batch as MessageBatch<unknown>, env, createExecutionContext());
    const state = await json<{ status: string; created_count: number; rejected_count: number }>(
      await other.api(`/api/v1/imports/${id}`),
    );
    expect(state).toMatchObject({ status: 'completed', created_count: 40, rejected_count: 0 });
    const again = parse(await (await other.api('/api/v1/contacts.csv')).text());
    const was = parse(csv);
    const strip = (r: Record<string, string>) => {
      const { contact_id, created_at, import_batch_id, ...rest } = r;
      void contact_id;
      void created_at;
      void import_batch_id;
      return rest;
    };
    const key = (r: Record<string, string>) => r.phone ?? '';
    expect(again.map(strip).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      was.map(strip).sort((a, b) => key(a).localeCompare(key(b))),
    );
  });
});

describe('campaign exports', () => {
  /** A completed campaign of `n` (≥ 5) recipients: every 10th failed, every 10th+1 still sent, the rest delivered. */
  async function finishedCampaign(t: TestTenant, n: number) {
    const templateId = uuidv7();
    await t.db
      .insert(messageTemplates)
      .values({ id: templateId, tenantId: t.tenantId, name: 'Offer A', body: 'Hi' });
    const campaignId = uuidv7();
    await t.db.insert(campaigns).values({
      id: campaignId,
      tenantId: t.tenantId,
      name: 'Spring sale!',
      status: 'completed',
      templateIds: [templateId],
      audienceCount: n + 2,
      skippedCounts: { do_not_contact: 2 },
      startedAt: '2026-05-01T00:00:00.000Z',
      completedAt: '2026-05-01T00:30:00.000Z',
    });
    const people = Array.from({ length: n }, (_, i) => ({
      c: uuidv7(),
      j: uuidv7(),
      phone: `+6147${String(i).padStart(7, '0')}`,
      status: i % 10 === 0 ? 'failed' : i % 10 === 1 ? 'sent' : 'delivered',
      i,
    }));
    await t.shard.d1
      .prepare(
        `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status)
       SELECT json_extract(value, '$.c'), ?1, json_extract(value, '$.phone'), 'P' || json_extract(value, '$.i'), 'explicit'
         FROM json_each(?2)`,
      )
      .bind(t.tenantId, JSON.stringify(people))
      .run();
    await t.shard.d1
      .prepare(
        `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, status, parts, cost_cents,
                              provider_message_id, failure_reason, error_code, queued_at, sent_at, delivered_at, failed_at)
       SELECT json_extract(value, '$.j'), ?1, ?2, json_extract(value, '$.c'),
              -- a single-template campaign's jobs leave it null; odd ones name it, as jobs did before
              CASE WHEN json_extract(value, '$.i') % 2 = 1 THEN ?3 END, json_extract(value, '$.status'), 1, 5,
              CASE WHEN json_extract(value, '$.status') = 'failed' THEN NULL ELSE 'SM' || json_extract(value, '$.i') END,
              CASE WHEN json_extract(value, '$.status') = 'failed' THEN 'Unreachable handset' END,
              CASE WHEN json_extract(value, '$.status') = 'failed' THEN '30003' END,
              '2026-05-01T00:00:00.000Z', '2026-05-01T00:01:00.000Z',
              CASE WHEN json_extract(value, '$.status') = 'delivered' THEN '2026-05-01T00:02:00.000Z' END,
              CASE WHEN json_extract(value, '$.status') = 'failed' THEN '2026-05-01T00:01:00.000Z' END
         FROM json_each(?4)`,
      )
      .bind(t.tenantId, campaignId, templateId, JSON.stringify(people))
      .run();
    // Recipient 2 clicked twice (once as a human), recipient 3 only through a link preview.
    const link = (p: (typeof people)[number], clicks: number, human: number) =>
      t.shard.d1
        .prepare(
          `INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, target_url, clicked_at, click_count,
                                  human_click_count, expires_at)
         VALUES (?, ?, ?, ?, ?, 'https://shop.example', ?, ?, ?, '2030-01-01T00:00:00.000Z')`,
        )
        .bind(
          uuidv7(),
          t.tenantId,
          campaignId,
          p.c,
          `tok${p.i}x${campaignId.slice(-6)}`,
          human ? '2026-05-01T00:05:00.000Z' : null,
          clicks,
          human,
        )
        .run();
    await link(people[2]!, 2, 1);
    await link(people[3]!, 1, 0);
    await t.db
      .update(contacts)
      .set({ erasedAt: '2026-05-02T00:00:00.000Z', phoneE164: `erased:${people[4]!.c}` })
      .where(eq(contacts.id, people[4]!.c));
    return { campaignId, people };
  }

  it('recipients.csv: one row per message across pages, with outcome, clicks and what was charged', async () => {
    const t = await createTenant();
    const n = 2 * RECIPIENTS_PAGE_ROWS + 57;
    const { campaignId, people } = await finishedCampaign(t, n);
    const res = await t.api(`/api/v1/campaigns/${campaignId}/recipients.csv`, { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="spring-sale-recipients.csv"');
    const data = parse(await res.text());
    expect(data).toHaveLength(n);
    expect(new Set(data.map((r) => r.job_id)).size).toBe(n);
    // Whether or not the job row names it, every message shows the campaign's template.
    expect(new Set(data.map((r) => r.template))).toEqual(new Set(['Offer A']));
    const row = (i: number) => data.find((r) => r.contact_id === people[i]!.c);
    expect(row(0)).toMatchObject({
      status: 'failed',
      failure_reason: 'Unreachable handset',
      error_code: '30003',
      cost_cents: '',
      template: 'Offer A',
    });
    expect(row(2)).toMatchObject({
      phone: people[2]!.phone,
      first_name: 'P2',
      status: 'delivered',
      delivered_at: '2026-05-01T00:02:00.000Z',
      cost_cents: '5',
      clicks: '2',
      human_clicks: '1',
      first_human_click_at: '2026-05-01T00:05:00.000Z',
    });
    expect(row(3)).toMatchObject({ clicks: '1', human_clicks: '0', first_human_click_at: '' });
    expect(row(4)).toMatchObject({ phone: '', first_name: 'P4' });
  });

  it('summary.csv: the stats as scope, metric, value', async () => {
    const t = await createTenant();
    const { campaignId } = await finishedCampaign(t, 20);
    const res = await t.api(`/api/v1/campaigns/${campaignId}/summary.csv`);
    expect(res.status).toBe(200);
    const rows = parse(await res.text());
    const get = (scope: string, metric: string) =>
      rows.find((r) => r.scope === scope && r.metric === metric)?.value;
    expect(get('campaign', 'name')).toBe('Spring sale!');
    expect(get('campaign', 'audience')).toBe('22');
    expect(get('campaign', 'skipped_do_not_contact')).toBe('2');
    expect(get('campaign', 'delivered')).toBe('16');
    expect(get('campaign', 'failed')).toBe('2');
    expect(get('campaign', 'failed_Unreachable handset')).toBe('2');
    expect(get('campaign', 'cost_cents')).toBe('90');
    expect(get('campaign', 'delivery_rate_percent')).toBe('80.0');
    expect(get('campaign', 'human_clicks')).toBe('1');
    expect(get('template: Offer A', 'delivered')).toBe('16');
    expect(get('template: Offer A', 'failed')).toBe('2');
    expect(new Set(rows.filter((r) => r.scope?.startsWith('template')).map((r) => r.scope))).toEqual(
      new Set(['template: Offer A']),
    );
  });

  it('security: another tenant’s campaign is 404 for both files', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const { campaignId } = await finishedCampaign(t, 5);
    expect((await other.api(`/api/v1/campaigns/${campaignId}/recipients.csv`)).status).toBe(404);
    expect((await other.api(`/api/v1/campaigns/${campaignId}/summary.csv`)).status).toBe(404);
  });
});
