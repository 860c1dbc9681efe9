// Issue 14, item 4: outbound webhook events emitted where things happen: opt-outs and opt-ins
// (inbound STOP/START, the opt-out API), replies, delivery receipts (campaign and direct
// messages), human clicks (never a bot's), each with an event id in its body. Hot paths check a
// cached list of what the tenant listens to, so a tenant without an endpoint costs them nothing.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { campaigns, webhookDeliveries } from '../../workers/db/schema';
import { shards } from '../../workers/db/shards';
import { queueDirectMessage } from '../../workers/direct/queue';
import worker from '../../workers/index';
import { forgetSubscriptions } from '../../workers/integrations/subscribers';
import { shortLinkFor } from '../../workers/redirect/links';
import { BASE, json, type TestTenant } from '../helpers/fixtures';
import { IPHONE } from '../helpers/flows';
import { captureWebhookQueue, fakeInternet } from '../helpers/growth';
import { type SendTenant, setupSendTenant } from '../helpers/send-setup';
import {
  addCampaign,
  addContact,
  addJob,
  inbound,
  postTwilio,
  sid,
  statusCallback,
} from '../helpers/twilio-webhooks';

afterEach(() => vi.restoreAllMocks());

type Body = { id: string; type: string; created_at: string; data: Record<string, unknown> };

async function subscribe(t: TestTenant, events: string[]) {
  fakeInternet();
  const res = await t.api('/api/v1/webhooks', {
    method: 'POST',
    json: { url: 'https://hooks.receiver.example/in', events },
  });
  expect(res.status).toBe(201);
  vi.restoreAllMocks();
  return captureWebhookQueue();
}

async function bodies(t: TestTenant): Promise<Body[]> {
  const rows = await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.tenantId, t.tenantId));
  return rows.map((r) => JSON.parse(r.body) as Body).sort((a, b) => (a.id < b.id ? -1 : 1));
}

function expectWellFormed(b: Body) {
  expect(b.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(Date.parse(b.created_at)).not.toBeNaN();
}

describe('webhook events from inbound messages and the opt-out API', () => {
  it('STOP → contact.opted_out (once, however often Twilio delivers it), START → contact.opted_in, a reply → message.replied; the API’s opt-out too', async () => {
    const t = await setupSendTenant();
    const queue = await subscribe(t, ['contact.opted_out', 'contact.opted_in', 'message.replied']);
    const who = await addContact(t.tenantId);
    const stop = sid();
    await inbound(who.phone, t.numberPhones[0]!, 'STOP', { messageSid: stop });
    await inbound(who.phone, t.numberPhones[0]!, 'STOP', { messageSid: stop }); // Twilio redelivers
    await inbound(who.phone, t.numberPhones[0]!, 'START');
    await inbound(who.phone, t.numberPhones[0]!, 'Is the shop open Sunday?');
    await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '+61412999000', reason: 'MANUAL' },
    });
    const got = await bodies(t);
    expect(got.map((b) => b.type)).toEqual([
      'contact.opted_out',
      'contact.opted_in',
      'message.replied',
      'contact.opted_out',
    ]);
    for (const b of got) expectWellFormed(b);
    expect(got[0]!.data).toMatchObject({
      contact: { id: who.id, phone_e164: who.phone },
      source: 'inbound_sms',
    });
    expect(got[2]!.data).toMatchObject({ message: { body: 'Is the shop open Sunday?', from: who.phone } });
    expect(got[3]!.data).toMatchObject({
      contact: { phone_e164: '+61412999000' },
      source: 'api',
      reason: 'MANUAL',
    });
    expect(queue).toHaveLength(4);
    expect(new Set(got.map((b) => b.id)).size).toBe(4);
  });
});

describe('webhook events from delivery receipts', () => {
  it('message.delivered and message.failed once per message (a replayed receipt emits nothing), campaign and direct', async () => {
    const t = await setupSendTenant();
    const queue = await subscribe(t, ['message.delivered', 'message.failed']);
    const who = await addContact(t.tenantId);
    const campaign = await addCampaign(t.tenantId);
    const ok = await addJob({
      tenantId: t.tenantId,
      campaignId: campaign.id,
      contactId: who.id,
      sendingNumberId: t.numberIds[0]!,
    });
    const other = await addContact(t.tenantId);
    const bad = await addJob({
      tenantId: t.tenantId,
      campaignId: campaign.id,
      contactId: other.id,
      sendingNumberId: t.numberIds[0]!,
    });
    await statusCallback(ok, 'delivered');
    await statusCallback(ok, 'delivered');
    await statusCallback(bad, 'undelivered', { ErrorCode: '30003' });
    const dm = await queueDirectMessage({ SEND_QUEUE: { send: async () => {} } } as never, t.db, {
      tenantId: t.tenantId,
      kind: 'reply',
      dedupeKey: 'reply:webhook-test',
      toPhone: who.phone,
      contactId: who.id,
      body: 'Yes, 9 to 5',
    });
    await t.db.$client
      .prepare("UPDATE direct_messages SET status = 'sent', provider_message_id = 'SMdirect1' WHERE id = ?")
      .bind(dm.id)
      .run();
    await postTwilio(
      '/webhooks/twilio/status',
      { AccountSid: env.TWILIO_ACCOUNT_SID, MessageSid: 'SMdirect1', MessageStatus: 'delivered' },
      { query: `?t=${t.tenantId}&m=${dm.id}` },
    );
    const got = await bodies(t);
    expect(got.map((b) => b.type)).toEqual(['message.delivered', 'message.failed', 'message.delivered']);
    for (const b of got) expectWellFormed(b);
    expect(got[0]!.data).toMatchObject({
      message: {
        id: ok.id,
        kind: 'campaign',
        campaign_id: campaign.id,
        contact_id: who.id,
        status: 'delivered',
      },
    });
    expect(got[1]!.data).toMatchObject({ message: { id: bad.id, status: 'failed', error_code: '30003' } });
    expect(got[2]!.data).toMatchObject({ message: { id: dm.id, kind: 'reply', status: 'delivered' } });
    expect(queue).toHaveLength(3);
  });

  it('performance: a tenant without an endpoint for the event costs a receipt no webhook query (after the first)', async () => {
    const t = await setupSendTenant();
    forgetSubscriptions();
    const campaign = await addCampaign(t.tenantId);
    const jobs = await Promise.all(
      [0, 1, 2].map(async () =>
        addJob({
          tenantId: t.tenantId,
          campaignId: campaign.id,
          contactId: (await addContact(t.tenantId)).id,
          sendingNumberId: null,
        }),
      ),
    );
    const prepares = shards(env).map((s) => vi.spyOn(s.d1, 'prepare'));
    const asked = () =>
      prepares
        .flatMap((p) => p.mock.calls.map((c) => String(c[0])))
        .filter((q) => q.includes('webhook_subscriptions')).length;
    await statusCallback(jobs[0]!, 'delivered');
    expect(asked()).toBe(1);
    await statusCallback(jobs[1]!, 'delivered');
    await statusCallback(jobs[2]!, 'delivered');
    expect(asked()).toBe(1);
    expect(await bodies(t)).toHaveLength(0);
  });
});

describe('link.clicked', () => {
  async function linkFor(t: SendTenant) {
    const who = await addContact(t.tenantId);
    const campaign = await addCampaign(t.tenantId);
    await t.db
      .update(campaigns)
      .set({ targetUrl: 'https://shop.example.com/spring' })
      .where(eq(campaigns.id, campaign.id));
    return shortLinkFor(env, t.shard, { tenantId: t.tenantId, campaignId: campaign.id, contactId: who.id });
  }

  async function visit(token: string, userAgent: string) {
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${BASE}/l/${token}`, {
        headers: { 'user-agent': userAgent, 'cf-connecting-ip': '203.0.113.77' },
        redirect: 'manual',
      }) as never,
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  }

  it('a person’s click emits link.clicked with the link, contact and campaign; a link preview never does', async () => {
    const t = await setupSendTenant();
    const queue = await subscribe(t, ['link.clicked']);
    const link = await linkFor(t);
    const preview = await visit(
      link.token,
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    );
    expect(preview.status).toBe(302);
    expect(await bodies(t)).toHaveLength(0);
    expect((await visit(link.token, IPHONE)).status).toBe(302);
    const [b] = await bodies(t);
    expectWellFormed(b!);
    expect(b).toMatchObject({
      type: 'link.clicked',
      data: { click: { short_link_id: link.id, flow_id: null, url: 'https://shop.example.com/spring' } },
    });
    expect(queue).toHaveLength(1);
    // The same person again within 30 s is a repeat, not a second click.
    await visit(link.token, IPHONE);
    expect(await bodies(t)).toHaveLength(1);
    expect(await json<{ data: unknown[] }>(await t.api('/api/v1/webhooks'))).toMatchObject({
      data: [{ events: ['link.clicked'] }],
    });
  });
});
