// Shared setup for the send pipeline tests: a tenant with sending numbers, a price, a template and
// contacts; a Twilio-shaped fetch mock; queues that capture what the code enqueues; and drivers
// for the fan-out and send consumers with a pinned clock.
import { createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq, inArray, sql } from 'drizzle-orm';
import { vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import {
  campaigns,
  contacts,
  costs,
  messageTemplates,
  sendingNumbers,
  sendJobs,
  tenants,
} from '../../workers/db/schema';
import { fanoutPage } from '../../workers/queues/fanout';
import { processSendBatch, type SendOptions } from '../../workers/send/consumer';
import type { FanoutMessage, SendMessage } from '../../workers/send/enqueue';
import { acrossShards, control, createTenant, shardDb, type TestTenant } from './fixtures';
import { nextSeq } from './seq';

/** Unique mobile numbers within a test file (each file has its own database). */
export function phone(): string {
  return `+614${String(nextSeq()).padStart(8, '0')}`;
}

export type SendTenant = TestTenant & { numberIds: string[]; numberPhones: string[]; templateId: string };

export async function setupSendTenant(
  opts: {
    timezone?: string;
    numbers?: number;
    perMinuteLimit?: number;
    dailyLimit?: number;
    perPartCents?: number | null;
    dailyBudgetCents?: number | null;
    allowUnknownConsent?: boolean;
    templateBody?: string;
  } = {},
): Promise<SendTenant> {
  const t = await createTenant('Send Co', { timezone: opts.timezone ?? 'Australia/Sydney' });
  const d = control();
  await d
    .update(tenants)
    .set({
      dailyBudgetCents: opts.dailyBudgetCents ?? null,
      allowUnknownConsent: opts.allowUnknownConsent ?? false,
      senderName: 'Send Co',
    })
    .where(eq(tenants.id, t.tenantId));
  const numberIds: string[] = [];
  const numberPhones: string[] = [];
  for (let i = 0; i < (opts.numbers ?? 1); i++) {
    const id = uuidv7();
    const p = `+6149${String(nextSeq()).padStart(7, '0')}`;
    await d.insert(sendingNumbers).values({
      id,
      tenantId: t.tenantId,
      phoneE164: p,
      dailyLimit: opts.dailyLimit ?? 100_000,
      perMinuteLimit: opts.perMinuteLimit ?? 10_000,
    });
    numberIds.push(id);
    numberPhones.push(p);
  }
  if (opts.perPartCents !== null) {
    await d.insert(costs).values({
      id: uuidv7(),
      tenantId: t.tenantId,
      country: 'AU',
      perPartCents: opts.perPartCents ?? 5,
      effectiveFrom: '2020-01-01T00:00:00.000Z',
    });
  }
  await replicateTenant(env, t.tenantId);
  const templateId = uuidv7();
  await t.db.insert(messageTemplates).values({
    id: templateId,
    tenantId: t.tenantId,
    name: 'Offer',
    body: opts.templateBody ?? 'Hi {{first_name|there}}, 20% off this week. Reply STOP to opt out',
  });
  return { ...t, numberIds, numberPhones, templateId };
}

export async function addContacts(
  tenantId: string,
  n: number,
  over: Partial<typeof contacts.$inferInsert> = {},
): Promise<(typeof contacts.$inferSelect)[]> {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: uuidv7(),
    tenantId,
    phoneE164: phone(),
    firstName: `Person${i}`,
    consentStatus: 'explicit' as const,
    ...over,
  }));
  const out: (typeof contacts.$inferSelect)[] = [];
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < rows.length; i += 8) {
    out.push(
      ...(await shardDb(tenantId)
        .insert(contacts)
        .values(rows.slice(i, i + 8))
        .returning()),
    );
  }
  return out;
}

/** A campaign in the state the launch route leaves it in (queued, fan-out started at `at`). */
export async function queuedCampaign(
  t: SendTenant,
  over: Partial<typeof campaigns.$inferInsert> = {},
  at: Date = DAYTIME,
): Promise<typeof campaigns.$inferSelect> {
  const now = at.toISOString();
  const [row] = await t.db
    .insert(campaigns)
    .values({
      id: uuidv7(),
      tenantId: t.tenantId,
      name: 'Spring',
      status: 'queued',
      templateIds: [t.templateId],
      queuedAt: now,
      startedAt: now,
      ...over,
    })
    .returning();
  return row as typeof campaigns.$inferSelect;
}

/** A queue that records what is sent to it instead of delivering it. */
export function captureQueue<T>() {
  const sent: { body: T; delaySeconds?: number }[] = [];
  const q = {
    sent,
    async send(body: T, o?: { delaySeconds?: number }) {
      sent.push({ body, delaySeconds: o?.delaySeconds });
    },
    async sendBatch(msgs: Iterable<{ body: T; delaySeconds?: number }>) {
      for (const m of msgs) sent.push({ body: m.body, delaySeconds: m.delaySeconds });
    },
    async metrics() {
      return { backlogCount: 0, backlogBytes: 0 };
    },
  };
  return q;
}

/**
 * Holds back what routes (launch, resume) put on the real fan-out and send queues, so the real
 * consumer never delivers a test's jobs while this or a later test runs (its Twilio calls would land
 * in that test's mock). Undone by vi.restoreAllMocks().
 */
export function holdRealQueues() {
  const send: SendMessage[] = [];
  const fanout: FanoutMessage[] = [];
  vi.spyOn(env.SEND_QUEUE, 'sendBatch').mockImplementation(async (msgs) => {
    for (const m of msgs) send.push(m.body as SendMessage);
    return undefined as unknown as QueueSendBatchResponse;
  });
  vi.spyOn(env.FANOUT_QUEUE, 'send').mockImplementation(async (body) => {
    fanout.push(body as FanoutMessage);
    return undefined as unknown as QueueSendResponse;
  });
  return { send, fanout };
}

export function testEnv() {
  const fanout = captureQueue<FanoutMessage>();
  const send = captureQueue<SendMessage>();
  const e = { ...env, FANOUT_QUEUE: fanout, SEND_QUEUE: send } as unknown as Env;
  return { env: e, fanout, send };
}

/** Runs the fan-out for a campaign to the end at `now`; returns the job ids it enqueued. */
export async function runFanout(
  e: ReturnType<typeof testEnv>,
  campaign: { id: string; tenantId: string },
  now: Date,
) {
  let msg: FanoutMessage | undefined = { campaignId: campaign.id, tenantId: campaign.tenantId, cursor: null };
  const sendStart = e.send.sent.length;
  for (let pages = 0; msg && pages < 100; pages++) {
    const before = e.fanout.sent.length;
    await fanoutPage(e.env, msg, now);
    msg = e.fanout.sent.length > before ? e.fanout.sent[e.fanout.sent.length - 1]?.body : undefined;
  }
  return e.send.sent.slice(sendStart).map((s) => s.body.jobId);
}

let msgSeq = 0;
/**
 * Drives the send consumer with one batch of job ids at the instant `opts.clock` gives (always
 * explicit: the send path's outcome depends on the recipient's time of day); returns the queue's
 * verdict per message.
 */
export async function runSend(
  e: ReturnType<typeof testEnv>,
  jobIds: string[],
  opts: SendOptions & { clock: () => Date; attempts?: number },
) {
  const tenantOf = await jobTenants(jobIds);
  const batch = createMessageBatch<SendMessage>(
    'sms-send',
    jobIds.map((jobId) => ({
      id: `m-${++msgSeq}`,
      timestamp: opts.clock(),
      attempts: opts.attempts ?? 1,
      // A job id no shard knows keeps a made-up tenant: the consumer must drop it.
      body: { jobId, tenantId: tenantOf.get(jobId) ?? '00000000-0000-7000-8000-000000000000' },
    })),
  );
  const ctx = (await import('cloudflare:test')).createExecutionContext();
  await processSendBatch(batch, e.env, { random: () => 0, ...opts });
  return getQueueResult(batch, ctx);
}

export type TwilioCall = {
  to: string;
  from: string;
  body: string;
  form: URLSearchParams;
  auth: string | null;
  url: string;
};

/**
 * A fetch mock answering like Twilio's Messages API. `respond` may return an error
 * ({status, code}), 'throw' (connection lost before Twilio got it) or 'drop' (Twilio took it, then
 * the connection was lost) per call; otherwise 201 with a fresh SID.
 * The list endpoint answers from the messages it accepted.
 */
export function mockTwilio(
  respond?: (call: TwilioCall, n: number) => { status: number; code: number } | 'throw' | 'drop' | undefined,
  /** Twilio's clock for date_created: the test's clock (pinned tests: the pinned one). */
  clock: () => Date = () => new Date(),
) {
  const calls: TwilioCall[] = [];
  const accepted: { sid: string; to: string; from: string; body: string; date_created: string }[] = [];
  const lookups: URL[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    if (url.origin !== 'https://twilio.mock') throw new Error(`unexpected fetch ${req.url}`);
    if (req.method === 'GET') {
      lookups.push(url);
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      // Like Twilio: newest first, and a DateSent filter never matches a message still queued
      // (date_sent is null until the carrier takes it), which is every message here.
      const messages = accepted
        .filter((m) => m.to === to && m.from === from && !url.searchParams.has('DateSent>'))
        .map((m) => ({ ...m, status: 'queued', date_sent: null }))
        .reverse();
      return Response.json({ messages, page: 0, page_size: 50 });
    }
    const form = new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()));
    const call: TwilioCall = {
      to: form.get('To') ?? '',
      from: form.get('From') ?? '',
      body: form.get('Body') ?? '',
      form,
      auth: req.headers.get('authorization'),
      url: req.url,
    };
    calls.push(call);
    const r = respond?.(call, calls.length);
    if (r === 'throw') throw new TypeError('Network connection lost.');
    if (r && r !== 'drop') {
      return Response.json(
        {
          code: r.code,
          message: `error ${r.code}`,
          more_info: `https://www.twilio.com/docs/errors/${r.code}`,
          status: r.status,
        },
        { status: r.status },
      );
    }
    const sid = `SM${crypto.randomUUID().replace(/-/g, '')}`;
    accepted.push({
      sid,
      to: call.to,
      from: call.from,
      body: call.body,
      date_created: clock().toUTCString(),
    });
    if (r === 'drop') throw new TypeError('Network connection lost.');
    return Response.json(
      { sid, status: 'queued', to: call.to, from: call.from, body: call.body, num_segments: '1' },
      { status: 201 },
    );
  });
  return { calls, accepted, lookups, spy };
}

/** The tenant of each job id (the send queue's messages carry it). */
export async function jobTenants(jobIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(jobIds)];
  const rows = ids.length
    ? await acrossShards((db) =>
        db
          .select({ id: sendJobs.id, tenantId: sendJobs.tenantId })
          .from(sendJobs)
          .where(inArray(sendJobs.id, ids)),
      )
    : [];
  return new Map(rows.map((r) => [r.id, r.tenantId]));
}

export async function jobsOf(campaignId: string) {
  const rows = await acrossShards((db) =>
    db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaignId)),
  );
  return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
}

export async function campaignRow(id: string) {
  const [row] = await acrossShards((db) => db.select().from(campaigns).where(eq(campaigns.id, id)));
  return row as typeof campaigns.$inferSelect;
}

/** Messages the campaign sent: the job row is a message's record (no SENT event row). */
export async function sentCount(campaignId: string) {
  return (await jobsOf(campaignId)).filter((j) => j.sentAt !== null && j.providerMessageId !== null).length;
}

export async function eventCount(campaignId: string, type: 'FAILED' | 'CLICKED' | 'REPLIED' | 'OPT_OUT') {
  const rows = await acrossShards((db) =>
    db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM events WHERE campaign_id = ${campaignId} AND event_type = ${type}`,
    ),
  );
  return rows.reduce((n, r) => n + (r.n ?? 0), 0);
}

/** A fixed instant at which Sydney (and most AU zones) is inside the sending window. */
export const DAYTIME = new Date('2026-11-25T01:00:00.000Z'); // 12:00 in Sydney (AEDT)

/** Drives the send consumer with direct messages (workers/direct/); returns the queue's verdicts. */
export async function runDirect(
  e: ReturnType<typeof testEnv>,
  messages: { messageId: string; tenantId: string }[],
  opts: SendOptions & { attempts?: number } = {},
) {
  const batch = createMessageBatch<{ messageId: string; tenantId: string }>(
    'sms-send',
    messages.map((body) => ({
      id: `d-${++msgSeq}`,
      timestamp: new Date(),
      attempts: opts.attempts ?? 1,
      body,
    })),
  );
  const ctx = (await import('cloudflare:test')).createExecutionContext();
  await processSendBatch(batch, e.env, { random: () => 0, ...opts });
  return getQueueResult(batch, ctx);
}
