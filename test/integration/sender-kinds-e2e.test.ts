// Each kind of sender end to end through the real queues and Durable Objects (issue 10): a tenant
// enters its own Twilio account, adds a number, a Messaging Service and an alphanumeric ID through
// the API (checked and wired at the fake Twilio), launches a campaign from each, and every message
// goes out with its own identity and comes back delivered through a verified status callback. The
// alphanumeric recipient taps the opt-out link and the next campaign skips them.
// Real queues run on the real clock: quiet hours are set away from the current hour.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeMessage, FakeTwilio } from '../helpers/fake-twilio';
import { BASE, call, json } from '../helpers/fixtures';
import { addContacts, campaignRow, jobsOf, type SendTenant, setupSendTenant } from '../helpers/send-setup';
import { optOutLinkIn } from '../helpers/senders';

let fake: FakeTwilio;
beforeEach(() => {
  fake = new FakeTwilio();
  fake.install();
  fake.addPlatformAccount(env);
});
afterEach(() => vi.restoreAllMocks());

/** Quiet hours that are certainly not now in Sydney. */
function awayFromNow() {
  const hour = Number(
    new Intl.DateTimeFormat('en-AU', {
      timeZone: 'Australia/Sydney',
      hour: '2-digit',
      hourCycle: 'h23',
    }).format(new Date()),
  );
  const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
  return { quiet_hours_start: hh(hour + 2), quiet_hours_end: hh(hour + 3) };
}

async function addSender(t: SendTenant, body: Record<string, unknown>): Promise<string> {
  const res = await t.api('/api/v1/sending-numbers', {
    method: 'POST',
    json: { daily_limit: 10_000, per_minute_limit: 1_000, ...body },
  });
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
  return (await json<{ id: string }>(res)).id;
}

/** Creates and launches a campaign from one sender; waits (real queues) until it completes. */
async function launchFrom(t: SendTenant, senderId: string) {
  const created = await t.api('/api/v1/campaigns', {
    method: 'POST',
    json: {
      name: `From ${senderId}`,
      template_ids: [t.templateId],
      sending_number_ids: [senderId],
      ...awayFromNow(),
    },
  });
  expect(created.status).toBe(201);
  const { id } = await json<{ id: string }>(created);
  const launched = await t.api(`/api/v1/campaigns/${id}/launch`, { method: 'POST' });
  expect(launched.status, JSON.stringify(await launched.clone().json())).toBe(202);
  let status = '';
  for (let i = 0; i < 150 && status !== 'completed'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await campaignRow(id)).status;
  }
  expect(status).toBe('completed');
  return id;
}

describe('each sender kind end to end (real queues, Durable Objects, fake Twilio)', () => {
  it('phone, Messaging Service and alphanumeric: sent as themselves, delivered, opt-out link honoured', async () => {
    const t = await setupSendTenant({ numbers: 0 });
    const account = fake.addAccount();
    const key = fake.addApiKey(account.sid);
    fake.addNumber(account.sid, '+61480002001');
    const svc = fake.addService(account.sid, { phones: ['+61480002002', '+61480002003'] });
    const saved = await t.api('/api/v1/tenant/twilio', {
      method: 'PUT',
      json: {
        account_sid: account.sid,
        api_key_sid: key.sid,
        api_key_secret: key.secret,
        auth_token: account.authToken,
      },
    });
    expect(saved.status).toBe(200);
    const phoneId = await addSender(t, { kind: 'phone', phone: '+61480002001' });
    const serviceId = await addSender(t, { kind: 'messaging_service', messaging_service_sid: svc.sid });
    const alphaId = await addSender(t, {
      kind: 'alphanumeric',
      sender_id: 'DemoCoffee',
      acma_status: 'registered',
    });
    // Wired at Twilio: replies to the number and the service's pool come to us.
    expect(fake.numberByPhone('+61480002001')?.smsUrl).toBe(`${BASE}/webhooks/twilio/inbound`);
    expect(svc.inboundRequestUrl).toBe(`${BASE}/webhooks/twilio/inbound`);
    const people = await addContacts(t.tenantId, 2);

    const sent: Record<string, FakeMessage[]> = {};
    for (const [kind, senderId] of [
      ['phone', phoneId],
      ['messaging_service', serviceId],
      ['alphanumeric', alphaId],
    ] as const) {
      const before = fake.messages.length;
      const campaignId = await launchFrom(t, senderId);
      const msgs = fake.messages.slice(before);
      sent[kind] = msgs;
      expect(msgs, kind).toHaveLength(2);
      // Every message with the tenant's API key, and a callback URL naming the tenant.
      for (const m of msgs) {
        expect(m.accountSid).toBe(account.sid);
        expect(m.authUser).toBe(key.sid);
        expect(m.statusCallback).toContain(`t=${t.tenantId}`);
      }
      for (const m of msgs) expect((await fake.statusCallback(m, 'delivered')).status).toBe(200);
      const jobs = await jobsOf(campaignId);
      expect(jobs.map((j) => [j.status, j.sendingNumberId])).toEqual([
        ['delivered', senderId],
        ['delivered', senderId],
      ]);
    }
    expect(sent.phone?.map((m) => m.from)).toEqual(['+61480002001', '+61480002001']);
    expect(sent.phone?.every((m) => m.body.endsWith('Reply STOP to opt out'))).toBe(true);
    expect(sent.messaging_service?.map((m) => [m.messagingServiceSid, m.form.has('From')])).toEqual([
      [svc.sid, false],
      [svc.sid, false],
    ]);
    expect(new Set(sent.messaging_service?.map((m) => m.from))).toEqual(
      new Set(['+61480002002', '+61480002003']),
    );
    expect(sent.alphanumeric?.map((m) => m.from)).toEqual(['DemoCoffee', 'DemoCoffee']);

    // The first alphanumeric recipient taps "Stop messages" on the real Worker.
    const [first] = sent.alphanumeric ?? [];
    const link = optOutLinkIn(first?.body ?? '');
    expect(link).not.toBeNull();
    const page = await call(`/u/${link?.token}`);
    expect(await page.text()).toContain('You will get no more messages from <strong>Send Co</strong>');
    expect((await call(`/u/${link?.token}`, { method: 'POST' })).status).toBe(200);
    const dnc = await json<{ data: { phone: string; source: string }[] }>(
      await t.api('/api/v1/do-not-contact'),
    );
    expect(dnc.data).toEqual([expect.objectContaining({ phone: first?.to, source: 'link' })]);

    // The next campaign from any sender skips them.
    const before = fake.messages.length;
    const next = await launchFrom(t, phoneId);
    expect(fake.messages.slice(before).map((m) => m.to)).toEqual(
      people.map((p) => p.phoneE164).filter((p) => p !== first?.to),
    );
    expect((await campaignRow(next)).skippedCounts).toEqual({ do_not_contact: 1 });
  }, 60_000);
});
