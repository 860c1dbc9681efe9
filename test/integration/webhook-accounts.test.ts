// Webhooks verified per Twilio account (issue 10): two tenants on two accounts sending at once, each
// message with its own credentials and its callbacks verified with its own account's token; another
// account's token, an unknown account or another tenant's number → 403 and nothing changes; during a
// rotation the previous token still verifies; inbound through a Messaging Service is routed by it.
import { env } from 'cloudflare:workers';
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { doNotContact, twilioAccounts, webhookEvents } from '../../workers/db/schema';
import { saveTwilioAccount } from '../../workers/db/twilio-accounts';
import { keyRingFromEnv } from '../../workers/lib/secret-box';
import { forgetWebhookAccount, verifyWebhookAccount } from '../../workers/webhooks/accounts';
import { type FakeAccount, FakeTwilio } from '../helpers/fake-twilio';
import { BASE, control } from '../helpers/fixtures';
import {
  addContacts,
  DAYTIME,
  jobsOf,
  queuedCampaign,
  runFanout,
  runSend,
  type SendTenant,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';
import { addPhoneSender, addServiceSender, ownAccount } from '../helpers/senders';
import { postTwilio } from '../helpers/twilio-webhooks';

const INBOUND_URL = `${BASE}/webhooks/twilio/inbound`;
let fake: FakeTwilio;
let phoneSeq = 0;
beforeEach(() => {
  fake = new FakeTwilio();
  fake.install();
  fake.addPlatformAccount(env);
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const ourNumber = () => `+614870${String(++phoneSeq).padStart(5, '0')}`;

/** A tenant sending from one number of its own Twilio account (or the platform's), with n contacts. */
async function tenantOn(account: 'own' | 'own-api-key' | 'platform', n = 2) {
  const t = await setupSendTenant({ numbers: 0 });
  const own =
    account === 'platform' ? null : await ownAccount(fake, t.tenantId, { apiKey: account === 'own-api-key' });
  const accountSid = own?.account.sid ?? env.TWILIO_ACCOUNT_SID;
  const phone = ourNumber();
  const pn = fake.addNumber(accountSid, phone, { smsUrl: INBOUND_URL });
  const numberId = await addPhoneSender(t.tenantId, phone, { accountSid });
  await addContacts(t.tenantId, n);
  return { t, own, accountSid, phone, pn, numberId };
}

/** Fans out and sends campaigns of several tenants in ONE send batch (as the queue would mix them). */
async function sendAll(...ts: SendTenant[]) {
  const e = testEnv();
  const jobIds: string[] = [];
  const campaigns = [];
  for (const t of ts) {
    const c = await queuedCampaign(t);
    campaigns.push(c);
    jobIds.push(...(await runFanout(e, c, DAYTIME)));
  }
  await runSend(e, jobIds, { clock: () => DAYTIME });
  return campaigns;
}

const statuses = async (campaignId: string) => (await jobsOf(campaignId)).map((j) => j.status);
const messagesOf = (accountSid: string) => fake.messages.filter((m) => m.accountSid === accountSid);

describe('two tenants on two accounts (happy)', () => {
  it('send at once, each with its own credentials; each callback verified with its own token', async () => {
    const a = await tenantOn('own');
    const b = await tenantOn('own-api-key');
    const [ca, cb] = await sendAll(a.t, b.t);
    const fromA = messagesOf(a.accountSid);
    const fromB = messagesOf(b.accountSid);
    expect(fromA).toHaveLength(2);
    expect(fromB).toHaveLength(2);
    // A calls with its auth token, B with its API key; each callback URL names its own tenant.
    expect(new Set(fromA.map((m) => m.authUser))).toEqual(new Set([a.accountSid]));
    expect(new Set(fromB.map((m) => m.authUser))).toEqual(new Set([b.own?.key?.sid]));
    for (const m of fromA) expect(m.statusCallback).toContain(`t=${a.t.tenantId}`);
    for (const m of fromB) expect(m.statusCallback).toContain(`t=${b.t.tenantId}`);

    for (const m of [...fromA, ...fromB])
      expect((await fake.statusCallback(m, 'delivered')).status).toBe(200);
    expect(await statuses(ca?.id ?? '')).toEqual(['delivered', 'delivered']);
    expect(await statuses(cb?.id ?? '')).toEqual(['delivered', 'delivered']);
  });

  it('a tenant without its own account sends through the platform account and its callbacks verify', async () => {
    const p = await tenantOn('platform', 1);
    const [c] = await sendAll(p.t);
    const [m] = messagesOf(env.TWILIO_ACCOUNT_SID);
    expect(m?.authUser).toBe(env.TWILIO_ACCOUNT_SID);
    expect((await fake.statusCallback(m as NonNullable<typeof m>, 'delivered')).status).toBe(200);
    expect(await statuses(c?.id ?? '')).toEqual(['delivered']);
  });
});

describe('status callbacks (security)', () => {
  it("another account's token, naming itself or the right account: 403, the job does not move", async () => {
    const a = await tenantOn('own', 1);
    const b = await tenantOn('own', 1);
    const [ca] = await sendAll(a.t);
    const [m] = messagesOf(a.accountSid);
    if (!m?.statusCallback) throw new Error('no message');
    const params = { MessageSid: m.sid, MessageStatus: 'undelivered', ErrorCode: '30007', To: m.to };
    // B knows its own token: a callback to A's URL naming B's account is signed correctly, but B
    // does not own A's messages.
    expect(
      (await fake.post(m.statusCallback, b.accountSid, { ...params, AccountSid: b.accountSid })).status,
    ).toBe(403);
    // Naming A's account with B's signature.
    expect(
      (await fake.post(m.statusCallback, b.accountSid, { ...params, AccountSid: a.accountSid })).status,
    ).toBe(403);
    expect(await statuses(ca?.id ?? '')).toEqual(['sent']);
    expect(
      await a.t.db.select().from(webhookEvents).where(eq(webhookEvents.tenantId, a.t.tenantId)),
    ).toHaveLength(0);
  });

  it('an account we do not know, or no AccountSid at all: 403', async () => {
    const a = await tenantOn('own', 1);
    const [ca] = await sendAll(a.t);
    const [m] = messagesOf(a.accountSid);
    if (!m?.statusCallback) throw new Error('no message');
    const stranger = fake.addAccount();
    const params = { MessageSid: m.sid, MessageStatus: 'delivered' };
    expect(
      (await fake.post(m.statusCallback, stranger.sid, { ...params, AccountSid: stranger.sid })).status,
    ).toBe(403);
    const query = m.statusCallback.slice(m.statusCallback.indexOf('?'));
    const res = await postTwilio('/webhooks/twilio/status', params, { query });
    expect(res.status).toBe(403);
    expect((await res.json()) as { status: number }).toMatchObject({ status: 403 });
    expect(await statuses(ca?.id ?? '')).toEqual(['sent']);
  });
});

describe('rotation', () => {
  it('the previous token verifies during the grace period, the new one at once, the old one not after', async () => {
    const a = await tenantOn('own', 2);
    const account = fake.accounts.get(a.accountSid) as FakeAccount;
    const [ca] = await sendAll(a.t);
    const [m1, m2] = messagesOf(a.accountSid);
    // Twilio's rotation: a secondary token first; the admin saves it here (Twilio accepts it for REST).
    const oldToken = account.authToken;
    account.secondaryAuthToken = 'n'.repeat(32);
    const saved = await a.t.api('/api/v1/tenant/twilio', {
      method: 'PUT',
      json: { account_sid: a.accountSid, auth_token: account.secondaryAuthToken },
    });
    expect(saved.status).toBe(200);
    // Twilio still signs with the primary (old) token until it is promoted.
    expect((await fake.statusCallback(m1 as NonNullable<typeof m1>, 'delivered')).status).toBe(200);
    account.authToken = account.secondaryAuthToken;
    account.secondaryAuthToken = null;
    expect((await fake.statusCallback(m2 as NonNullable<typeof m2>, 'delivered')).status).toBe(200);
    expect(await statuses(ca?.id ?? '')).toEqual(['delivered', 'delivered']);

    // After the grace period (7 days) the old token no longer verifies.
    await control()
      .update(twilioAccounts)
      .set({ previousAuthTokenUntil: '2020-01-01T00:00:00.000Z' })
      .where(eq(twilioAccounts.accountSid, a.accountSid));
    forgetWebhookAccount(a.accountSid);
    account.authToken = oldToken;
    expect((await fake.statusCallback(m1 as NonNullable<typeof m1>, 'failed')).status).toBe(403);
  });

  it('cached per isolate: a token changed elsewhere is picked up on a failing signature, at most every 5 s', async () => {
    const t = await setupSendTenant({ numbers: 0 });
    const { account } = await ownAccount(fake, t.tenantId);
    const url = `${BASE}/webhooks/twilio/status`;
    const params = { AccountSid: account.sid, MessageSid: 'SM1', MessageStatus: 'sent' };
    const pairs = Object.entries(params);
    const T = DAYTIME.getTime();
    const check = (at: number) =>
      verifyWebhookAccount(env, control(), url, pairs, fake.signature(account.sid, url, params), at);
    expect(await check(T)).toEqual({ ok: true, accountSid: account.sid, tenantId: t.tenantId });
    // Another isolate saved a new token, Twilio promoted it: this isolate still caches the old one.
    account.authToken = 'm'.repeat(32);
    await saveTwilioAccount(control(), await keyRingFromEnv(env), {
      tenantId: t.tenantId,
      accountSid: account.sid,
      authToken: account.authToken,
      now: DAYTIME,
    });
    expect(await check(T + 1_000)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await check(T + 6_000)).toEqual({ ok: true, accountSid: account.sid, tenantId: t.tenantId });
  });
});

describe('inbound messages', () => {
  const dnc = (t: SendTenant) =>
    t.db.select().from(doNotContact).where(eq(doNotContact.tenantId, t.tenantId));

  it('happy: a STOP to a tenant number, signed by its account, opts out of that tenant', async () => {
    const a = await tenantOn('own', 0);
    const res = await fake.inbound('+61412990001', a.phone, 'STOP');
    expect(res?.status).toBe(200);
    expect(await dnc(a.t)).toEqual([expect.objectContaining({ phoneE164: '+61412990001', source: 'sms' })]);
  });

  it("security: a message to A's number signed by B's account is refused and stores nothing", async () => {
    const a = await tenantOn('own', 0);
    const b = await tenantOn('own', 0);
    const params = {
      AccountSid: b.accountSid,
      MessageSid: 'SMforged1',
      From: '+61412990002',
      To: a.phone,
      Body: 'STOP',
    };
    expect((await fake.post(INBOUND_URL, b.accountSid, params)).status).toBe(403);
    expect(await dnc(a.t)).toHaveLength(0);
    const stored = await a.t.db.all(sql`SELECT id FROM webhook_events WHERE provider_event_id = 'SMforged1'`);
    expect(stored).toHaveLength(0);
  });

  it('happy: a reply to a pool number of a Messaging Service is routed by the service', async () => {
    const t = await setupSendTenant({ numbers: 0 });
    const { account } = await ownAccount(fake, t.tenantId);
    const svc = fake.addService(account.sid, {
      phones: [ourNumber(), ourNumber()],
      inboundRequestUrl: INBOUND_URL,
    });
    await addServiceSender(t.tenantId, svc.sid, { accountSid: account.sid });
    const pool = fake.numbers.get(svc.numberSids[1] ?? '')?.phoneNumber ?? '';
    const res = await fake.inbound('+61412990003', pool, 'STOP');
    expect(res?.status).toBe(200);
    expect(await res?.text()).toContain('unsubscribed');
    expect(await dnc(t)).toEqual([expect.objectContaining({ phoneE164: '+61412990003' })]);
  });

  it("security: naming another tenant's Messaging Service with our own account's signature: 403", async () => {
    const victim = await setupSendTenant({ numbers: 0 });
    const { account: va } = await ownAccount(fake, victim.tenantId);
    const svc = fake.addService(va.sid, { phones: [ourNumber()] });
    await addServiceSender(victim.tenantId, svc.sid, { accountSid: va.sid });
    const attacker = await tenantOn('own', 0);
    const params = {
      AccountSid: attacker.accountSid,
      MessageSid: 'SMforged2',
      From: '+61412990004',
      To: '+61499990000',
      Body: 'STOP',
      MessagingServiceSid: svc.sid,
    };
    expect((await fake.post(INBOUND_URL, attacker.accountSid, params)).status).toBe(403);
    expect(await dnc(victim)).toHaveLength(0);
  });
});
