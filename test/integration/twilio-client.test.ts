// The Twilio clients against the fake Twilio: per-account auth (auth token or API key), sends with
// MessagingServiceSid or an alphanumeric From, and webhooks verified with the right account's token.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { saveTwilioAccount, webhookAccount } from '../../workers/db/twilio-accounts';
import { keyRingFromEnv } from '../../workers/lib/secret-box';
import { TwilioClient, type TwilioConfig } from '../../workers/providers/twilio';
import { TwilioRest, twilioBasesFromEnv } from '../../workers/providers/twilio-rest';
import { verifyTwilioSignature } from '../../workers/providers/twilio-signature';
import { FakeTwilio } from '../helpers/fake-twilio';
import { control, createTenant } from '../helpers/fixtures';

let fake: FakeTwilio;
beforeEach(() => {
  fake = new FakeTwilio();
  fake.install();
});
afterEach(() => vi.restoreAllMocks());

const STATUS_URL = 'https://sms.example.test/webhooks/twilio/status';
const client = (c: Omit<TwilioConfig, 'apiBase' | 'statusCallback'>) =>
  new TwilioClient({ apiBase: 'https://twilio.mock', statusCallback: STATUS_URL, ...c });

describe('TwilioClient.send per account', () => {
  it('happy: two accounts send at once, each with its own credentials (auth token, API key)', async () => {
    const a = fake.addAccount();
    const b = fake.addAccount();
    const key = fake.addApiKey(b.sid);
    fake.addNumber(a.sid, '+61480000101');
    fake.addNumber(b.sid, '+61480000102');
    const [ra, rb] = await Promise.all([
      client({ accountSid: a.sid, authToken: a.authToken }).send({
        to: '+61412000001',
        from: '+61480000101',
        body: 'A',
      }),
      client({
        accountSid: b.sid,
        authToken: b.authToken,
        apiKey: { sid: key.sid, secret: key.secret },
      }).send({
        to: '+61412000002',
        from: '+61480000102',
        body: 'B',
      }),
    ]);
    expect(ra.ok && rb.ok).toBe(true);
    expect(fake.messages.map((m) => [m.accountSid, m.authUser, m.body])).toEqual(
      expect.arrayContaining([
        [a.sid, a.sid, 'A'],
        [b.sid, key.sid, 'B'],
      ]),
    );
  });

  it('happy: a Messaging Service send names the service, not a From; Twilio picks the number', async () => {
    const a = fake.addAccount();
    const svc = fake.addService(a.sid, { phones: ['+61480000201', '+61480000202'] });
    const c = client({ accountSid: a.sid, authToken: a.authToken });
    const r1 = await c.send({ to: '+61412000003', messagingServiceSid: svc.sid, body: 'one' });
    const r2 = await c.send({ to: '+61412000004', messagingServiceSid: svc.sid, body: 'two' });
    expect(r1.ok && r2.ok).toBe(true);
    const [m1, m2] = fake.messages;
    expect(m1?.form.get('MessagingServiceSid')).toBe(svc.sid);
    expect(m1?.form.has('From')).toBe(false);
    expect(m1?.form.get('StatusCallback')).toBe(STATUS_URL);
    expect(new Set([m1?.from, m2?.from])).toEqual(new Set(['+61480000201', '+61480000202']));
  });

  it('happy: an alphanumeric From is sent as is; error: a From the account does not own is 21606', async () => {
    const a = fake.addAccount();
    const c = client({ accountSid: a.sid, authToken: a.authToken });
    expect((await c.send({ to: '+61412000005', from: 'DemoCoffee', body: 'hi' })).ok).toBe(true);
    expect(fake.messages[0]?.from).toBe('DemoCoffee');
    const notOurs = await c.send({ to: '+61412000005', from: '+61480000999', body: 'hi' });
    expect(notOurs).toMatchObject({ ok: false, failure: { kind: 'http', httpStatus: 400, code: 21606 } });
    const wrong = await client({ accountSid: a.sid, authToken: 'x'.repeat(32) }).send({
      to: '+61412000005',
      from: 'DemoCoffee',
      body: 'hi',
    });
    expect(wrong).toMatchObject({ ok: false, failure: { httpStatus: 401, code: 20003 } });
  });
});

describe('TwilioRest', () => {
  it('happy: finds a number by its exact E.164 (Twilio matches parts), reads and sets its SmsUrl', async () => {
    const a = fake.addAccount();
    fake.addNumber(a.sid, '+61480000301');
    const pn = fake.addNumber(a.sid, '+614800003');
    const rest = new TwilioRest(twilioBasesFromEnv(env), { accountSid: a.sid, authToken: a.authToken });
    const found = await rest.findIncomingNumber('+614800003');
    expect(found).toMatchObject({
      ok: true,
      value: { sid: pn.sid, phoneNumber: '+614800003', smsUrl: null },
    });
    expect(await rest.findIncomingNumber('+61499999999')).toEqual({ ok: true, value: null });
    const set = await rest.setIncomingNumberSmsUrl(
      pn.sid,
      'https://sms.example.test/webhooks/twilio/inbound',
    );
    expect(set).toMatchObject({
      ok: true,
      value: { smsUrl: 'https://sms.example.test/webhooks/twilio/inbound', smsMethod: 'POST' },
    });
    // Another account's credentials see nothing of it.
    const b = fake.addAccount();
    const other = new TwilioRest(twilioBasesFromEnv(env), { accountSid: b.sid, authToken: b.authToken });
    expect(await other.fetchIncomingNumber(pn.sid)).toMatchObject({ ok: false, status: 404 });
  });
});

describe('webhooks named by account', () => {
  it('security: a callback verifies only with the token of the account it names', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const acctA = fake.addAccount();
    const acctB = fake.addAccount();
    const ring = await keyRingFromEnv(env);
    await saveTwilioAccount(control(), ring, {
      tenantId: a.tenantId,
      accountSid: acctA.sid,
      authToken: acctA.authToken,
      now: new Date(),
    });
    await saveTwilioAccount(control(), ring, {
      tenantId: b.tenantId,
      accountSid: acctB.sid,
      authToken: acctB.authToken,
      now: new Date(),
    });

    const params = { AccountSid: acctA.sid, MessageSid: 'SM1', MessageStatus: 'delivered' };
    const signature = fake.signature(acctA.sid, STATUS_URL, params);
    const verify = async (accountSid: string) => {
      const acct = await webhookAccount(env, control(), accountSid);
      if (!acct) return 'unknown';
      for (const token of acct.authTokens)
        if (await verifyTwilioSignature(token, STATUS_URL, params, signature)) return acct.tenantId;
      return 'forged';
    };
    expect(await verify(acctA.sid)).toBe(a.tenantId);
    // The same request claiming to come from B's account does not verify with B's token.
    expect(await verify(acctB.sid)).toBe('forged');
    expect(await verify(`AC${'7'.repeat(32)}`)).toBe('unknown');
  });
});
