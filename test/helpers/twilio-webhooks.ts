// Seeds the rows a Twilio callback refers to and signs requests the way Twilio does, with the
// official `twilio` package as an independent implementation of the signature.
import { env } from 'cloudflare:workers';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import { campaigns, contacts, type JobStatus, sendingNumbers, sendJobs } from '../../workers/db/schema';
import { BASE, call, control, shardDb } from './fixtures';
import { nextSeq } from './seq';

export const AUTH_TOKEN = 'test-auth-token';

/** A fresh E.164 number per call, so tests never collide on the global sending_numbers unique index. */
export function uniquePhone(prefix = '+614'): string {
  const n = String(nextSeq()).padStart(8, '0').slice(-8);
  return `${prefix}${n}`;
}

export function sid(prefix = 'SM'): string {
  return prefix + crypto.randomUUID().replace(/-/g, '');
}

export async function addSendingNumber(tenantId: string, phone = uniquePhone('+6148')) {
  const id = uuidv7();
  // The control database's sender directory routes inbound messages; the shard keeps a copy.
  await control()
    .insert(sendingNumbers)
    .values({ id, tenantId, phoneE164: phone, dailyLimit: 1000, perMinuteLimit: 60 });
  await replicateTenant(env, tenantId, { numbers: true });
  return { id, phone };
}

export async function addContact(
  tenantId: string,
  phone = uniquePhone(),
  names: { first?: string; last?: string } = {},
) {
  const id = uuidv7();
  await shardDb(tenantId)
    .insert(contacts)
    .values({
      id,
      tenantId,
      phoneE164: phone,
      firstName: names.first ?? 'Ada',
      lastName: names.last ?? 'Lovelace',
      consentStatus: 'explicit',
    });
  return { id, phone };
}

export async function addCampaign(
  tenantId: string,
  name = 'Spring sale',
  status: 'running' | 'completed' = 'running',
) {
  const id = uuidv7();
  await shardDb(tenantId)
    .insert(campaigns)
    .values({ id, tenantId, name, status, startedAt: new Date().toISOString() });
  return { id, name };
}

export async function addJob(opts: {
  tenantId: string;
  campaignId: string;
  contactId: string;
  sendingNumberId: string | null;
  status?: JobStatus;
  providerMessageId?: string | null;
  costCents?: number | null;
  sentAt?: string | null;
}) {
  const id = uuidv7();
  const status = opts.status ?? 'sent';
  const providerMessageId = opts.providerMessageId === undefined ? sid() : opts.providerMessageId;
  await shardDb(opts.tenantId)
    .insert(sendJobs)
    .values({
      id,
      tenantId: opts.tenantId,
      campaignId: opts.campaignId,
      contactId: opts.contactId,
      sendingNumberId: opts.sendingNumberId,
      status,
      body: 'Hi Ada, 20% off this week. Reply STOP to opt out',
      parts: 1,
      costCents: opts.costCents === undefined ? 5 : opts.costCents,
      providerMessageId,
      sentAt:
        opts.sentAt === undefined ? (status === 'queued' ? null : new Date().toISOString()) : opts.sentAt,
    });
  return { id, sid: providerMessageId, tenantId: opts.tenantId };
}

/** A tenant's whole world for one message: number, contact, running campaign and a sent job. */
export async function seedSentMessage(
  tenantId: string,
  overrides: Partial<Parameters<typeof addJob>[0]> = {},
) {
  const number = await addSendingNumber(tenantId);
  const contact = await addContact(tenantId);
  const campaign = await addCampaign(tenantId);
  const job = await addJob({
    tenantId,
    campaignId: campaign.id,
    contactId: contact.id,
    sendingNumberId: number.id,
    ...overrides,
  });
  return { number, contact, campaign, job };
}

export type PostOptions = {
  /** Override the signature header; null sends none. */
  signature?: string | null;
  token?: string;
  /** The URL the signature is computed over (defaults to the public URL we serve). */
  signedUrl?: string;
  idempotencyToken?: string;
  query?: string;
};

/** POSTs a form-encoded Twilio webhook signed with the official package. */
export function postTwilio(
  path: '/webhooks/twilio/status' | '/webhooks/twilio/inbound',
  params: Record<string, string> | [string, string][],
  opts: PostOptions = {},
): Promise<Response> {
  const pairs = Array.isArray(params) ? params : Object.entries(params);
  const url = `${BASE}${path}${opts.query ?? ''}`;
  // Null prototype: a parameter named __proto__ is signed like any other.
  const grouped: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of pairs) {
    const prev = grouped[k];
    grouped[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signature =
    opts.signature === undefined
      ? getExpectedTwilioSignature(opts.token ?? AUTH_TOKEN, opts.signedUrl ?? url, grouped)
      : opts.signature;
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
  if (signature !== null) headers.set('x-twilio-signature', signature);
  if (opts.idempotencyToken) headers.set('i-twilio-idempotency-token', opts.idempotencyToken);
  return call(`${path}${opts.query ?? ''}`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(pairs).toString(),
  });
}

/** `?t=<tenant>&j=<job>`: the query our send path puts on each message's StatusCallback URL. */
export function refQuery(job: { id: string; tenantId: string }): string {
  return `?t=${job.tenantId}&j=${job.id}`;
}

/**
 * A status callback as Twilio sends it to the StatusCallback URL the send path gave it:
 * `?t=<tenant>&j=<job>` (both signed with the URL). `ref: 'sid'` leaves out the job id (routing by
 * MessageSid within the tenant); `ref: 'none'` leaves out both.
 */
export function statusCallback(
  job: { sid: string | null; id?: string; tenantId?: string },
  status: string,
  extra: Record<string, string> = {},
  from?: string,
  ref: 'job' | 'sid' | 'none' = 'job',
) {
  const q = new URLSearchParams();
  if (ref !== 'none' && job.tenantId) q.set('t', job.tenantId);
  if (ref === 'job' && job.id) q.set('j', job.id);
  const query = q.size ? `?${q}` : '';
  return postTwilio(
    '/webhooks/twilio/status',
    {
      AccountSid: env.TWILIO_ACCOUNT_SID,
      MessageSid: job.sid ?? '',
      SmsSid: job.sid ?? '',
      MessageStatus: status,
      SmsStatus: status,
      ApiVersion: '2010-04-01',
      ...(from ? { From: from } : {}),
      To: '+61400000000',
      ...extra,
    },
    { query },
  );
}

export function inbound(
  from: string,
  to: string,
  body: string,
  opts: PostOptions & { messageSid?: string; extra?: Record<string, string> } = {},
) {
  const messageSid = opts.messageSid ?? sid();
  return postTwilio(
    '/webhooks/twilio/inbound',
    {
      AccountSid: env.TWILIO_ACCOUNT_SID,
      MessageSid: messageSid,
      SmsSid: messageSid,
      SmsMessageSid: messageSid,
      From: from,
      To: to,
      Body: body,
      NumMedia: '0',
      NumSegments: '1',
      ApiVersion: '2010-04-01',
      ...opts.extra,
    },
    opts,
  );
}
