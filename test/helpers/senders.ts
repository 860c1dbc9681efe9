// Senders of every kind and tenants' own Twilio accounts, written where the API would write them
// (the control database, copied to the tenant's shard), for tests of the send path and webhooks.
import { env } from 'cloudflare:workers';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import { sendingNumbers } from '../../workers/db/schema';
import { saveTwilioAccount } from '../../workers/db/twilio-accounts';
import { keyRingFromEnv } from '../../workers/lib/secret-box';
import type { FakeApiKey, FakeTwilio } from './fake-twilio';
import { control } from './fixtures';

/** A fresh fake account saved as the tenant's own (with an API key when asked). */
export async function ownAccount(fake: FakeTwilio, tenantId: string, opts: { apiKey?: boolean } = {}) {
  const account = fake.addAccount();
  const key: FakeApiKey | null = opts.apiKey ? fake.addApiKey(account.sid) : null;
  await saveTwilioAccount(control(), await keyRingFromEnv(env), {
    tenantId,
    accountSid: account.sid,
    authToken: account.authToken,
    ...(key ? { apiKey: { sid: key.sid, secret: key.secret } } : {}),
    now: new Date(),
  });
  return { account, key };
}

type SenderOpts = { accountSid?: string | null; perMinuteLimit?: number; dailyLimit?: number };

async function insert(tenantId: string, values: Partial<typeof sendingNumbers.$inferInsert>, o: SenderOpts) {
  const id = uuidv7();
  await control()
    .insert(sendingNumbers)
    .values({
      id,
      tenantId,
      dailyLimit: o.dailyLimit ?? 100_000,
      perMinuteLimit: o.perMinuteLimit ?? 10_000,
      twilioAccountSid: o.accountSid ?? null,
      ...values,
    });
  await replicateTenant(env, tenantId, { numbers: true });
  return id;
}

export const addPhoneSender = (tenantId: string, phone: string, o: SenderOpts = {}) =>
  insert(tenantId, { kind: 'phone', phoneE164: phone }, o);

export const addServiceSender = (tenantId: string, serviceSid: string, o: SenderOpts = {}) =>
  insert(tenantId, { kind: 'messaging_service', messagingServiceSid: serviceSid }, o);

export const addAlphanumericSender = (tenantId: string, senderId: string, o: SenderOpts = {}) =>
  insert(tenantId, { kind: 'alphanumeric', senderId, acmaStatus: 'registered' }, o);

/** The personal opt-out URL at the end of a message body, and its token. */
export function optOutLinkIn(body: string): { url: string; token: string } | null {
  const m = /(https:\/\/sms\.example\.test\/u\/([A-Za-z0-9_-]+))/.exec(body);
  return m ? { url: m[1] as string, token: m[2] as string } : null;
}
