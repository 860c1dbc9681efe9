import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { events, sendJobs, webhookEvents } from '../../workers/db/schema';
import { acrossShards, createTenant, json } from '../helpers/fixtures';
import {
  addContact,
  addJob,
  postTwilio,
  refQuery,
  seedSentMessage,
  sid,
  statusCallback,
} from '../helpers/twilio-webhooks';

const job = async (id: string) =>
  (await acrossShards((d) => d.select().from(sendJobs).where(eq(sendJobs.id, id))))[0];
const jobEvents = (id: string) =>
  acrossShards((d) => d.select().from(events).where(eq(events.sendJobId, id)));
const webhookRows = (providerEventId: string) =>
  acrossShards((d) =>
    d.select().from(webhookEvents).where(eq(webhookEvents.providerEventId, providerEventId)),
  );

afterEach(() => vi.restoreAllMocks());

describe('status callbacks (happy)', () => {
  it('delivered moves a sent job to delivered; the event log shows DELIVERED with its campaign and contact', async () => {
    const t = await createTenant('Status happy');
    const { job: j, campaign, contact, number } = await seedSentMessage(t.tenantId);
    const res = await statusCallback(j, 'delivered', {}, number.phone);
    expect(res.status).toBe(200);
    const after = await job(j.id);
    expect(after?.status).toBe('delivered');
    expect(after?.deliveredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The job row is the record: no event row and no stored callback for a delivery.
    expect(await jobEvents(j.id)).toEqual([]);
    expect(await webhookRows(`${j.sid}:delivered`)).toEqual([]);
    const log = await json<{
      data: { type: string; campaign_id: string; contact_id: string; send_job_id: string }[];
    }>(await t.api(`/api/v1/events?campaign_id=${campaign.id}&type=DELIVERED`));
    expect(log.data).toEqual([
      expect.objectContaining({
        type: 'DELIVERED',
        campaign_id: campaign.id,
        contact_id: contact.id,
        send_job_id: j.id,
      }),
    ]);
  });

  it('undelivered records the error code and a readable reason, and logs FAILED', async () => {
    const t = await createTenant('Status undelivered');
    const { job: j } = await seedSentMessage(t.tenantId);
    expect((await statusCallback(j, 'undelivered', { ErrorCode: '30003' })).status).toBe(200);
    const after = await job(j.id);
    expect(after).toMatchObject({
      status: 'failed',
      errorCode: '30003',
      failureReason: '30003: Unreachable destination handset',
    });
    expect(after?.failedAt).not.toBeNull();
    const evs = await jobEvents(j.id);
    expect(evs.map((e) => e.eventType)).toEqual(['FAILED']);
    expect(evs[0]?.metadata).toMatchObject({ error_code: '30003', twilio_status: 'undelivered' });
  });

  it('sent on a job still queued (callback beat the send path) moves it to sent and keeps sent_at', async () => {
    const t = await createTenant('Status queued');
    const { job: j } = await seedSentMessage(t.tenantId, { status: 'queued' });
    await statusCallback(j, 'sent');
    const after = await job(j.id);
    expect(after?.status).toBe('sent');
    expect(after?.sentAt).not.toBeNull();
    expect(await jobEvents(j.id)).toEqual([]);
  });

  it('a late sent never overwrites delivered', async () => {
    const t = await createTenant('Status late sent');
    const { job: j } = await seedSentMessage(t.tenantId);
    await statusCallback(j, 'delivered');
    await statusCallback(j, 'sent');
    await statusCallback(j, 'queued');
    expect((await job(j.id))?.status).toBe('delivered');
    expect(await jobEvents(j.id)).toEqual([]);
  });

  it('delivered after failed wins (and clears the failure); the failure stays in the log once', async () => {
    const t = await createTenant('Status failed then delivered');
    const { job: j } = await seedSentMessage(t.tenantId);
    await statusCallback(j, 'undelivered', { ErrorCode: '30003' });
    await statusCallback(j, 'delivered');
    const after = await job(j.id);
    expect(after).toMatchObject({ status: 'delivered', errorCode: null, failureReason: null });
    expect(after?.deliveredAt).not.toBeNull();
    expect((await jobEvents(j.id)).map((e) => e.eventType)).toEqual(['FAILED']);
  });

  it('a callback for an unknown MessageSid is stored for its tenant, unprocessed, and answered 200', async () => {
    const t = await createTenant('Status unknown sid');
    const unknown = { sid: sid(), tenantId: t.tenantId };
    const res = await statusCallback(unknown, 'delivered', {}, undefined, 'sid');
    expect(res.status).toBe(200);
    const [row] = await webhookRows(`${unknown.sid}:delivered`);
    expect(row).toMatchObject({ tenantId: t.tenantId, eventType: 'status:delivered', processedAt: null });
  });

  it('a callback whose URL names no tenant of ours is answered 200 and stored nowhere', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const stray = { sid: sid(), tenantId: uuidv7() };
    expect((await statusCallback(stray, 'delivered', {}, undefined, 'sid')).status).toBe(200);
    expect((await statusCallback({ sid: sid() }, 'delivered', {}, undefined, 'none')).status).toBe(200);
    expect(await webhookRows(`${stray.sid}:delivered`)).toEqual([]);
    expect(warn.mock.calls.map((c) => String(c[0])).join(' ')).toContain('twilio_status_unroutable');
  });

  it('a callback that beats the send path is applied at once through the job id in its URL', async () => {
    const t = await createTenant('Status early');
    const { job: j } = await seedSentMessage(t.tenantId, { status: 'queued', providerMessageId: null });
    const early = { ...j, sid: sid() };
    expect((await statusCallback(early, 'delivered')).status).toBe(200);
    const after = await job(j.id);
    expect(after).toMatchObject({ status: 'delivered', providerMessageId: early.sid });
    expect(after?.deliveredAt).not.toBeNull();
  });

  it('ignores statuses that say nothing about an outbound job', async () => {
    const t = await createTenant('Status odd');
    const { job: j } = await seedSentMessage(t.tenantId);
    const before = await job(j.id);
    expect((await statusCallback(j, 'received')).status).toBe(200);
    expect(await job(j.id)).toEqual(before);
  });
});

describe('status callbacks: budget settlement', () => {
  async function governorWithSpend(tenantId: string, cents: number) {
    const governor = env.TENANT_GOVERNOR.getByName(tenantId);
    await governor.configure({
      tenantId,
      timezone: 'Australia/Sydney',
      isPaused: false,
      dailyBudgetCents: 1000,
      monthlyBudgetCents: 10000,
    });
    const r = await governor.reserve(cents);
    if (!r.ok) throw new Error(`reserve refused: ${r.reason}`);
    await governor.commit(r.reservationId, cents);
    return governor;
  }

  it('a message Twilio failed (not billed) gives its cost back to the daily and monthly budget, once', async () => {
    const t = await createTenant('Refund');
    const governor = await governorWithSpend(t.tenantId, 5);
    const { job: j } = await seedSentMessage(t.tenantId, { costCents: 5 });
    await statusCallback(j, 'failed', { ErrorCode: '30001' });
    await statusCallback(j, 'failed', { ErrorCode: '30001' });
    const s = await governor.status();
    expect([s.dailySpentCents, s.monthlySpentCents]).toEqual([0, 0]);
  });

  it('undelivered (billed by Twilio) keeps its cost on the budget', async () => {
    const t = await createTenant('No refund');
    const governor = await governorWithSpend(t.tenantId, 5);
    const { job: j } = await seedSentMessage(t.tenantId, { costCents: 5 });
    await statusCallback(j, 'undelivered', { ErrorCode: '30003' });
    expect((await governor.status()).dailySpentCents).toBe(5);
  });

  it('a failed that arrives after delivered refunds nothing', async () => {
    const t = await createTenant('No refund after delivered');
    const governor = await governorWithSpend(t.tenantId, 5);
    const { job: j } = await seedSentMessage(t.tenantId, { costCents: 5 });
    await statusCallback(j, 'delivered');
    await statusCallback(j, 'failed');
    expect((await governor.status()).dailySpentCents).toBe(5);
  });
});

describe('status callbacks: replay protection', () => {
  it('the same callback twice answers 200 and changes nothing the second time', async () => {
    const t = await createTenant('Replay');
    const { job: j } = await seedSentMessage(t.tenantId);
    expect((await statusCallback(j, 'delivered')).status).toBe(200);
    const first = await job(j.id);
    expect((await statusCallback(j, 'delivered')).status).toBe(200);
    expect(await job(j.id)).toEqual(first);
    const failedOnce = await seedSentMessage(t.tenantId);
    await statusCallback(failedOnce.job, 'failed', { ErrorCode: '30008' });
    const failed = await job(failedOnce.job.id);
    await statusCallback(failedOnce.job, 'failed', { ErrorCode: '30008' });
    expect(await job(failedOnce.job.id)).toEqual(failed);
    expect(await jobEvents(failedOnce.job.id)).toHaveLength(1);
  });

  it('a replay is refused by the state itself: a job only moves forward, so no token needs storing', async () => {
    const t = await createTenant('Replay order');
    const { job: j } = await seedSentMessage(t.tenantId);
    await statusCallback(j, 'delivered');
    const delivered = await job(j.id);
    // Replaying earlier callbacks of the same message (sent, queued) never moves it back.
    for (const status of ['sent', 'queued', 'sending'])
      expect((await statusCallback(j, status)).status).toBe(200);
    expect(await job(j.id)).toEqual(delivered);
    expect(await webhookRows(`${j.sid}:sent`)).toEqual([]);
  });

  it('concurrent duplicates of a final status log its event once', async () => {
    const t = await createTenant('Replay burst');
    const { job: j } = await seedSentMessage(t.tenantId);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => statusCallback(j, 'undelivered', { ErrorCode: '30003' })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await jobEvents(j.id)).toHaveLength(1);
  });
});

describe('status callbacks: signature (security)', () => {
  it('a missing signature is 403 problem+json, stores nothing, changes nothing, logs a counter line', async () => {
    const t = await createTenant('No signature');
    const { job: j } = await seedSentMessage(t.tenantId);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const res = await postTwilio(
      '/webhooks/twilio/status',
      { MessageSid: j.sid ?? '', MessageStatus: 'delivered' },
      { signature: null },
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await json(res)).toMatchObject({ status: 403, title: 'Forbidden' });
    expect((await job(j.id))?.status).toBe('sent');
    expect(await webhookRows(`${j.sid}:delivered`)).toHaveLength(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('twilio_webhook_signature_rejected');
    expect(String(warn.mock.calls[0]?.[0])).toContain('missing');
  });

  it('a signature made with another auth token is 403 and changes nothing', async () => {
    const t = await createTenant('Forged');
    const { job: j } = await seedSentMessage(t.tenantId);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const res = await postTwilio(
      '/webhooks/twilio/status',
      { MessageSid: j.sid ?? '', MessageStatus: 'failed' },
      { token: 'not-our-token' },
    );
    expect(res.status).toBe(403);
    expect((await job(j.id))?.status).toBe('sent');
    expect(await jobEvents(j.id)).toHaveLength(0);
  });

  it('a signature over the Host the request came to, not our public URL, is refused', async () => {
    const t = await createTenant('Host header');
    const { job: j } = await seedSentMessage(t.tenantId);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const res = await postTwilio(
      '/webhooks/twilio/status',
      { MessageSid: j.sid ?? '', MessageStatus: 'delivered' },
      { signedUrl: 'https://attacker.example/webhooks/twilio/status' },
    );
    expect(res.status).toBe(403);
    expect((await job(j.id))?.status).toBe('sent');
  });

  it('a signature Twilio computed over the URL with :443 is accepted', async () => {
    const t = await createTenant('Port 443');
    const { job: j } = await seedSentMessage(t.tenantId);
    const res = await postTwilio(
      '/webhooks/twilio/status',
      { AccountSid: env.TWILIO_ACCOUNT_SID, MessageSid: j.sid ?? '', MessageStatus: 'delivered' },
      { query: refQuery(j), signedUrl: `https://sms.example.test:443/webhooks/twilio/status${refQuery(j)}` },
    );
    expect(res.status).toBe(200);
    expect((await job(j.id))?.status).toBe('delivered');
  });

  it('the query string is part of what is signed', async () => {
    const t = await createTenant('Query');
    const { job: j } = await seedSentMessage(t.tenantId);
    const params = {
      AccountSid: env.TWILIO_ACCOUNT_SID,
      MessageSid: j.sid ?? '',
      MessageStatus: 'delivered',
    };
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    // The tenant and job in our callback URL are only trusted because Twilio signs them.
    const tampered = await postTwilio('/webhooks/twilio/status', params, {
      query: refQuery(j),
      signedUrl: 'https://sms.example.test/webhooks/twilio/status',
    });
    expect(tampered.status).toBe(403);
    expect((await job(j.id))?.status).toBe('sent');
    expect(
      (await postTwilio('/webhooks/twilio/status', params, { query: `${refQuery(j)}&v=2` })).status,
    ).toBe(200);
    expect((await job(j.id))?.status).toBe('delivered');
  });

  it('odd parameter names (__proto__, repeated MessageStatus) are plain data', async () => {
    const t = await createTenant('Odd params');
    const { job: j } = await seedSentMessage(t.tenantId);
    const res = await postTwilio(
      '/webhooks/twilio/status',
      [
        ['AccountSid', env.TWILIO_ACCOUNT_SID],
        ['MessageSid', j.sid ?? ''],
        ['MessageStatus', 'delivered'],
        ['MessageStatus', 'failed'],
        ['__proto__', 'x'],
      ],
      { query: refQuery(j) },
    );
    expect(res.status).toBe(200);
    expect((await job(j.id))?.status).toBe('delivered');
  });

  it('a correctly signed request missing MessageStatus is a 400 problem, not a 500', async () => {
    const res = await postTwilio('/webhooks/twilio/status', {
      AccountSid: env.TWILIO_ACCOUNT_SID,
      MessageSid: sid(),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('status callbacks: cross-tenant (security)', () => {
  it("a callback signed for tenant A never touches tenant B's job, even with the same MessageSid", async () => {
    const a = await createTenant('Tenant A');
    const b = await createTenant('Tenant B');
    expect(a.shard.name).not.toBe(b.shard.name);
    const seededA = await seedSentMessage(a.tenantId);
    const seededB = await seedSentMessage(b.tenantId, { providerMessageId: seededA.job.sid });
    await statusCallback(seededA.job, 'undelivered', { ErrorCode: '30007' }, undefined, 'sid');
    expect((await job(seededA.job.id))?.status).toBe('failed');
    expect((await job(seededB.job.id))?.status).toBe('sent');
    expect(await jobEvents(seededB.job.id)).toHaveLength(0);
  });

  it("a callback naming tenant A with B's job id or B's sid changes nothing of B's", async () => {
    const a = await createTenant('Tenant A2');
    const b = await createTenant('Tenant B2');
    const seededB = await seedSentMessage(b.tenantId);
    const forgedJob = { ...seededB.job, tenantId: a.tenantId };
    expect((await statusCallback(forgedJob, 'failed')).status).toBe(200);
    expect((await statusCallback(forgedJob, 'failed', {}, undefined, 'sid')).status).toBe(200);
    expect((await job(seededB.job.id))?.status).toBe('sent');
    expect(await jobEvents(seededB.job.id)).toHaveLength(0);
    // Kept for tenant A as an unprocessed callback (a sid A does not know), never applied to B.
    const rows = await webhookRows(`${seededB.job.sid}:failed`);
    expect(rows.map((r) => r.tenantId)).toEqual([a.tenantId]);
  });
});

// Twilio statuses an outbound message goes through, and what each means for the job.
const STATUSES = [
  'accepted',
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'undelivered',
  'failed',
  'canceled',
];
const FINAL: Record<string, 'delivered' | 'failed' | undefined> = {
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

describe('status callbacks: out-of-order pairs', () => {
  it('every ordered pair of statuses ends in the right state, with no event logged twice', async () => {
    const t = await createTenant('Out of order');
    const { number, campaign } = await seedSentMessage(t.tenantId);
    const cases = STATUSES.flatMap((first) => STATUSES.map((second) => ({ first, second })));
    const seeded = await Promise.all(
      cases.map(async (c) => {
        const contact = await addContact(t.tenantId);
        const j = await addJob({
          tenantId: t.tenantId,
          campaignId: campaign.id,
          contactId: contact.id,
          sendingNumberId: number.id,
        });
        return { ...c, job: j };
      }),
    );
    for (const c of seeded) {
      expect((await statusCallback(c.job, c.first, {}, number.phone)).status).toBe(200);
      expect((await statusCallback(c.job, c.second, {}, number.phone)).status).toBe(200);
    }
    const rows = await t.db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaign.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const evs = await t.db
      .select()
      .from(events)
      .where(and(eq(events.tenantId, t.tenantId), eq(events.campaignId, campaign.id)));
    for (const c of seeded) {
      const finals = [FINAL[c.first], FINAL[c.second]];
      const expected = finals.includes('delivered')
        ? 'delivered'
        : finals.includes('failed')
          ? 'failed'
          : 'sent';
      const label = `${c.first} then ${c.second}`;
      expect(byId.get(c.job.id)?.status, label).toBe(expected);
      const types = evs.filter((e) => e.sendJobId === c.job.id).map((e) => e.eventType);
      expect(new Set(types).size, label).toBe(types.length);
      expect(byId.get(c.job.id)?.deliveredAt !== null, label).toBe(expected === 'delivered');
      if (expected === 'failed') expect(types, label).toEqual(['FAILED']);
    }
  });
});
