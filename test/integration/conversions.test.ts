// Issue 14, item 5: revenue attribution. Orders are credited to the contact's last human click
// within the tenant's window (inclusive), idempotent on order_id, unknown phones recorded
// unattributed; campaign stats and the month summary show the revenue.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import {
  auditLog,
  campaigns,
  contacts,
  messageTemplates,
  shortLinks,
  webhookDeliveries,
} from '../../workers/db/schema';
import { createTenant, json, type TestTenant } from '../helpers/fixtures';
import { captureWebhookQueue, fakeInternet } from '../helpers/growth';

type Conversion = {
  id: string;
  status: string;
  contact_id: string | null;
  value_cents: number;
  currency: string;
  occurred_at: string;
  attributed: {
    campaign_id: string | null;
    flow_id: string | null;
    short_link_id: string;
    clicked_at: string;
  } | null;
};

const ORDER_AT = '2025-05-10T02:00:00.000Z';
const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.parse(ORDER_AT) - ms).toISOString();

afterEach(() => vi.restoreAllMocks());

let phoneSeq = 0;
async function setup(t: TestTenant) {
  const d = t.db;
  const contactId = uuidv7();
  const phone = `+6141100${String(++phoneSeq).padStart(4, '0')}`;
  await d
    .insert(contacts)
    .values({ id: contactId, tenantId: t.tenantId, phoneE164: phone, consentStatus: 'explicit' });
  const templateId = uuidv7();
  await d
    .insert(messageTemplates)
    .values({ id: templateId, tenantId: t.tenantId, name: 'T', body: 'Hi {{link}}' });
  const campaign = async (name: string) => {
    const id = uuidv7();
    await d
      .insert(campaigns)
      .values({ id, tenantId: t.tenantId, name, templateIds: [templateId], status: 'completed' });
    const linkId = uuidv7();
    await d.insert(shortLinks).values({
      id: linkId,
      tenantId: t.tenantId,
      campaignId: id,
      contactId,
      token: `tok-${linkId}`,
      targetUrl: 'https://shop.example/',
      expiresAt: '2099-01-01T00:00:00.000Z',
    });
    return { id, linkId };
  };
  // A click as the redirect records it: on the link row (a human one also among its recent clicks).
  const click = async (c: { id: string; linkId: string }, at: string, human = true) => {
    const [row] = await d.select().from(shortLinks).where(eq(shortLinks.id, c.linkId));
    const recent = human
      ? [...(row?.recentClicks ?? []), at].sort().reverse().slice(0, 10)
      : row?.recentClicks;
    await d
      .update(shortLinks)
      .set({
        clickCount: (row?.clickCount ?? 0) + 1,
        humanClickCount: (row?.humanClickCount ?? 0) + (human ? 1 : 0),
        clickedAt: human && (!row?.clickedAt || at < row.clickedAt) ? at : (row?.clickedAt ?? null),
        recentClicks: recent ?? null,
      })
      .where(eq(shortLinks.id, c.linkId));
  };
  return { contactId, phone, campaign, click };
}

const post = (t: TestTenant, body: Record<string, unknown>, role: 'admin' | 'staff' | 'viewer' = 'staff') =>
  t.api('/api/v1/conversions', { method: 'POST', role, json: body });

describe('conversions: attribution windows', () => {
  it('happy: a human click 2 days before the order gets it; the answer names the campaign and link', async () => {
    const t = await createTenant();
    const s = await setup(t);
    const spring = await s.campaign('Spring');
    await s.click(spring, ago(2 * DAY));
    const res = await post(t, {
      contact_id: s.contactId,
      value_cents: 4999,
      currency: 'aud',
      order_id: 'A-1',
      occurred_at: ORDER_AT,
    });
    expect(res.status).toBe(201);
    const c = await json<Conversion>(res);
    expect(c.status).toBe('attributed');
    expect(c.currency).toBe('AUD');
    expect(c.attributed).toEqual({
      campaign_id: spring.id,
      flow_id: null,
      short_link_id: spring.linkId,
      clicked_at: ago(2 * DAY),
    });
    const [audit] = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, c.id));
    expect(audit?.action).toBe('conversion.recorded');
  });

  it('the window is inclusive: exactly 5 days counts, a millisecond more does not', async () => {
    const t = await createTenant();
    const s = await setup(t);
    const c1 = await s.campaign('Edge');
    await s.click(c1, ago(5 * DAY));
    const inside = await json<Conversion>(
      await post(t, {
        contact_id: s.contactId,
        value_cents: 100,
        currency: 'AUD',
        order_id: 'B-1',
        occurred_at: ORDER_AT,
      }),
    );
    expect(inside.attributed?.campaign_id).toBe(c1.id);

    const t2 = await createTenant();
    const s2 = await setup(t2);
    const c2 = await s2.campaign('Too old');
    await s2.click(c2, ago(5 * DAY + 1));
    const res = await post(t2, {
      phone: s2.phone,
      value_cents: 100,
      currency: 'AUD',
      order_id: 'B-1',
      occurred_at: ORDER_AT,
    });
    expect(res.status).toBe(201);
    expect(await json<Conversion>(res)).toMatchObject({
      status: 'unattributed',
      attributed: null,
      contact_id: s2.contactId,
    });
  });

  it('the last human click wins; bot clicks and clicks after the order never count', async () => {
    const t = await createTenant();
    const s = await setup(t);
    const older = await s.campaign('Older');
    const newer = await s.campaign('Newer');
    const bot = await s.campaign('Bot');
    await s.click(older, ago(3 * DAY));
    await s.click(newer, ago(1 * DAY));
    await s.click(bot, ago(60_000), false);
    const after = await s.campaign('After');
    await s.click(after, new Date(Date.parse(ORDER_AT) + 1).toISOString());
    const c = await json<Conversion>(
      await post(t, {
        contact_id: s.contactId,
        value_cents: 1,
        currency: 'AUD',
        order_id: 'C-1',
        occurred_at: ORDER_AT,
      }),
    );
    expect(c.attributed?.campaign_id).toBe(newer.id);
  });

  it('the tenant’s window setting applies (10 days) and is validated', async () => {
    const t = await createTenant();
    const s = await setup(t);
    const c1 = await s.campaign('Week');
    await s.click(c1, ago(7 * DAY));
    const bad = await t.api('/api/v1/tenant', { method: 'PATCH', json: { attribution_window_days: 0 } });
    expect(bad.status).toBe(422);
    const ok = await t.api('/api/v1/tenant', { method: 'PATCH', json: { attribution_window_days: 10 } });
    expect(await json<{ attribution_window_days: number }>(ok)).toMatchObject({
      attribution_window_days: 10,
    });
    const c = await json<Conversion>(
      await post(t, {
        contact_id: s.contactId,
        value_cents: 1,
        currency: 'AUD',
        order_id: 'D-1',
        occurred_at: ORDER_AT,
      }),
    );
    expect(c.attributed?.campaign_id).toBe(c1.id);
  });
});

describe('conversions: idempotency and bad input', () => {
  it('the same order again answers 200 with the same conversion; other values for it are a 409', async () => {
    const t = await createTenant();
    const s = await setup(t);
    await s.click(await s.campaign('X'), ago(DAY));
    const body = {
      phone: s.phone,
      value_cents: 2500,
      currency: 'AUD',
      order_id: 'E-1',
      occurred_at: ORDER_AT,
    };
    const first = await post(t, body);
    expect(first.status).toBe(201);
    const again = await post(t, body);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(await json(first));
    const changed = await post(t, { ...body, value_cents: 2600 });
    expect(changed.status).toBe(409);
    const p = await json<{ existing_conversion_id: string }>(changed);
    expect(p.existing_conversion_id).toBe((await json<Conversion>(await post(t, body))).id);

    // Without a time, the same order is still the same order.
    const noTime = { contact_id: s.contactId, value_cents: 10, currency: 'AUD', order_id: 'E-2' };
    expect((await post(t, noTime)).status).toBe(201);
    expect((await post(t, noTime)).status).toBe(200);
  });

  it('an unknown phone is recorded unattributed (202), once', async () => {
    const t = await createTenant();
    const res = await post(t, {
      phone: '0499 999 999',
      value_cents: 500,
      currency: 'AUD',
      order_id: 'F-1',
      occurred_at: ORDER_AT,
    });
    expect(res.status).toBe(202);
    const c = await json<Conversion & { phone_e164: string }>(res);
    expect(c).toMatchObject({
      status: 'unknown_contact',
      attributed: null,
      contact_id: null,
      phone_e164: '+61499999999',
    });
    const replay = await post(t, {
      phone: '+61499999999',
      value_cents: 500,
      currency: 'AUD',
      order_id: 'F-1',
      occurred_at: ORDER_AT,
    });
    expect(replay.status).toBe(200);
  });

  it('error: contact and phone both or neither, a bad phone, an unknown contact, a future time, bad currency: 422', async () => {
    const t = await createTenant();
    const s = await setup(t);
    const base = { value_cents: 1, currency: 'AUD', order_id: 'G-1' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, contact_id: s.contactId, phone: s.phone }, 'contact_id'],
      [base, 'contact_id'],
      [{ ...base, phone: '02 9876 5432' }, 'phone'],
      [{ ...base, contact_id: uuidv7() }, 'contact_id'],
      [
        { ...base, phone: s.phone, occurred_at: new Date(Date.now() + 3600_000).toISOString() },
        'occurred_at',
      ],
      [{ ...base, phone: s.phone, currency: 'dollars' }, 'currency'],
      [{ ...base, phone: s.phone, value_cents: -1 }, 'value_cents'],
    ];
    for (const [body, path] of cases) {
      const res = await post(t, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      const p = await json<{ errors: { path: string }[] }>(res);
      expect(
        p.errors.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect((await post(t, { ...base, phone: s.phone }, 'viewer')).status).toBe(403);
  });

  it('security: one tenant cannot attribute to, read, or collide with another’s orders', async () => {
    const a = await createTenant('Victim');
    const b = await createTenant('Attacker');
    const s = await setup(a);
    await s.click(await s.campaign('Secret'), ago(DAY));
    const mine = await json<Conversion>(
      await post(a, {
        contact_id: s.contactId,
        value_cents: 9,
        currency: 'AUD',
        order_id: 'H-1',
        occurred_at: ORDER_AT,
      }),
    );
    expect(
      (await post(b, { contact_id: s.contactId, value_cents: 9, currency: 'AUD', order_id: 'H-1' })).status,
    ).toBe(422);
    const theirs = await post(b, {
      phone: s.phone,
      value_cents: 9,
      currency: 'AUD',
      order_id: 'H-1',
      occurred_at: ORDER_AT,
    });
    expect(theirs.status).toBe(202);
    expect((await b.api(`/api/v1/conversions/${mine.id}`)).status).toBe(404);
    const list = await json<{ data: Conversion[] }>(await b.api('/api/v1/conversions'));
    expect(list.data.map((c) => c.id)).not.toContain(mine.id);
  });
});

describe('revenue in reports', () => {
  it('campaign stats gain conversions and revenue (tenant currency; others listed apart)', async () => {
    const t = await createTenant();
    const s = await setup(t);
    const camp = await s.campaign('Sale');
    await s.click(camp, ago(DAY));
    for (const [order, cents, currency] of [
      ['R-1', 5000, 'AUD'],
      ['R-2', 2500, 'AUD'],
      ['R-3', 1000, 'NZD'],
    ] as const) {
      await post(t, {
        contact_id: s.contactId,
        value_cents: cents,
        currency,
        order_id: order,
        occurred_at: ORDER_AT,
      });
    }
    const stats = await json<Record<string, unknown>>(
      await t.api(`/api/v1/campaigns/${camp.id}/stats`, { role: 'viewer' }),
    );
    expect(stats).toMatchObject({
      conversions: 3,
      revenue_cents: 7500,
      revenue_currency: 'AUD',
      other_currencies: [{ currency: 'NZD', conversions: 1, revenue_cents: 1000 }],
    });
  });

  it('the month summary counts orders in the tenant’s calendar month', async () => {
    const t = await createTenant();
    const s = await setup(t);
    await s.click(await s.campaign('M'), '2025-04-30T13:30:00.000Z');
    // 1 May 00:00 in Sydney is 30 April 14:00 UTC
    await post(t, {
      contact_id: s.contactId,
      value_cents: 700,
      currency: 'AUD',
      order_id: 'M-1',
      occurred_at: '2025-04-30T14:30:00.000Z',
    });
    await post(t, {
      contact_id: s.contactId,
      value_cents: 300,
      currency: 'AUD',
      order_id: 'M-2',
      occurred_at: '2025-04-30T13:59:00.000Z',
    });
    await post(t, {
      phone: '0499 111 222',
      value_cents: 50,
      currency: 'AUD',
      order_id: 'M-3',
      occurred_at: '2025-05-20T00:00:00.000Z',
    });
    const may = await json<{
      attributed: { revenue_cents: number; conversions: number };
      all: { revenue_cents: number };
      from: string;
    }>(await t.api('/api/v1/conversions/summary?month=2025-05', { role: 'viewer' }));
    expect(may.from).toBe('2025-04-30T14:00:00.000Z');
    expect(may.attributed).toMatchObject({ revenue_cents: 700, conversions: 1 });
    expect(may.all.revenue_cents).toBe(750);
    const april = await json<{ attributed: { revenue_cents: number } }>(
      await t.api('/api/v1/conversions/summary?month=2025-04'),
    );
    expect(april.attributed.revenue_cents).toBe(300);
  });

  it('emits conversion.attributed to subscribed endpoints', async () => {
    fakeInternet();
    const queue = captureWebhookQueue();
    const t = await createTenant();
    const hook = await t.api('/api/v1/webhooks', {
      method: 'POST',
      json: { url: 'https://hooks.receiver.example/', events: ['conversion.attributed'] },
    });
    expect(hook.status).toBe(201);
    const s = await setup(t);
    await s.click(await s.campaign('W'), ago(DAY));
    await post(t, {
      contact_id: s.contactId,
      value_cents: 100,
      currency: 'AUD',
      order_id: 'W-1',
      occurred_at: ORDER_AT,
    });
    await post(t, {
      phone: '0499 333 444',
      value_cents: 100,
      currency: 'AUD',
      order_id: 'W-2',
      occurred_at: ORDER_AT,
    });
    expect(queue).toHaveLength(1);
    const [d] = await t.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, queue[0]!.body.deliveryId));
    const body = JSON.parse(d!.body) as { type: string; data: { conversion: Conversion } };
    expect(body.type).toBe('conversion.attributed');
    expect(body.data.conversion.value_cents).toBe(100);
  });
});
