import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { events, sendJobs, webhookEvents } from '../../workers/db/schema';
import { createTenant, db, json } from '../helpers/fixtures';
import {
  addContact,
  addJob,
  postTwilio,
  seedSentMessage,
  sid,
  statusCallback,
} from '../helpers/twilio-webhooks';

const job = async (id: string) => (await db().select().from(sendJobs).where(eq(sendJobs.id, id)))[0];
const jobEvents = (id: string) => db().select().from(events).where(eq(events.sendJobId, id));
const webhookRows = (providerEventId: string) =>
  db().select().from(webhookEvents).where(eq(webhookEvents.providerEventId, providerEventId));

afterEach(() => vi.restoreAllMocks());

describe('status callbacks (happy)', () => {
  it('delivered moves a sent job to delivered and logs DELIVERED with its campaign and contact', async () => {
    const t = await createTenant('Status happy');
    const { job: j, campaign, contact, number } = await seedSentMessage(t.tenantId);
    const res = await statusCallback(j, 'delivered', {}, number.phone);
    expect(res.status).toBe(200);
    const after = await job(j.id);
    expect(after?.status).toBe('delivered');
    expect(after?.deliveredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const evs = await jobEvents(j.id);
    expect(evs.map((e) => e.eventType)).toEqual(['DELIVERED']);
    expect(evs[0]).toMatchObject({ tenantId: t.tenantId, campaignId: campaign.id, contactId: contact.id });
    const [row] = await webhookRows(`${j.sid}:delivered`);
    expect(row?.tenantId).toBe(t.tenantId);
    expect(row?.processedAt).not.toBeNull();
    expect(row?.payload.MessageStatus).toBe('delivered');
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
    expect((await jobEvents(j.id)).length).toBe(1);
  });

  it('delivered after failed wins (and clears the failure), each event logged once', async () => {
    const t = await createTenant('Status failed then delivered');
    const { job: j } = await seedSentMessage(t.tenantId);
    await statusCallback(j, 'undelivered', { ErrorCode: '30003' });
    await statusCallback(j, 'delivered');
    const after = await job(j.id);
    expect(after).toMatchObject({ status: 'delivered', errorCode: null, failureReason: null });
    expect((await jobEvents(j.id)).map((e) => e.eventType).sort()).toEqual(['DELIVERED', 'FAILED']);
  });

  it('a callback for an unknown MessageSid is stored without a tenant and answered 200', async () => {
    const unknown = { sid: sid() };
    const res = await statusCallback(unknown, 'delivered');
    expect(res.status).toBe(200);
    const [row] = await webhookRows(`${unknown.sid}:delivered`);
    expect(row).toMatchObject({ tenantId: null, eventType: 'status:delivered' });
  });

  it('ignores statuses that say nothing about an outbound job, but records them', async () => {
    const t = await createTenant('Status odd');
    const { job: j } = await seedSentMessage(t.tenantId);
    expect((await statusCallback(j, 'received')).status).toBe(200);
    expect((await job(j.id))?.status).toBe('sent');
    expect(await webhookRows(`${j.sid}:received`)).toHaveLength(1);
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
    expect(await jobEvents(j.id)).toHaveLength(1);
    expect(await webhookRows(`${j.sid}:delivered`)).toHaveLength(1);
  });

  it("uses Twilio's I-Twilio-Idempotency-Token when present: a retried delivery is a replay", async () => {
    const t = await createTenant('Replay token');
    const { job: j } = await seedSentMessage(t.tenantId);
    const params = { MessageSid: j.sid ?? '', MessageStatus: 'undelivered', ErrorCode: '30005' };
    const token = `idem-${sid('')}`;
    expect((await postTwilio('/webhooks/twilio/status', params, { idempotencyToken: token })).status).toBe(
      200,
    );
    // A replayed request with the same token changes nothing, even though it says something else.
    const replay = { ...params, MessageStatus: 'delivered' };
    expect((await postTwilio('/webhooks/twilio/status', replay, { idempotencyToken: token })).status).toBe(
      200,
    );
    expect((await job(j.id))?.status).toBe('failed');
    expect(await webhookRows(token)).toHaveLength(1);
    expect(await jobEvents(j.id)).toHaveLength(1);
  });

  it('concurrent duplicates of a final status log its event once', async () => {
    const t = await createTenant('Replay burst');
    const { job: j } = await seedSentMessage(t.tenantId);
    const answers = await Promise.all(Array.from({ length: 8 }, () => statusCallback(j, 'delivered')));
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
      { MessageSid: j.sid ?? '', MessageStatus: 'delivered' },
      { signedUrl: 'https://sms.example.test:443/webhooks/twilio/status' },
    );
    expect(res.status).toBe(200);
    expect((await job(j.id))?.status).toBe('delivered');
  });

  it('the query string is part of what is signed', async () => {
    const t = await createTenant('Query');
    const { job: j } = await seedSentMessage(t.tenantId);
    const params = { MessageSid: j.sid ?? '', MessageStatus: 'delivered' };
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const tampered = await postTwilio('/webhooks/twilio/status', params, {
      query: '?tenant=evil',
      signedUrl: 'https://sms.example.test/webhooks/twilio/status',
    });
    expect(tampered.status).toBe(403);
    expect((await postTwilio('/webhooks/twilio/status', params, { query: '?v=2' })).status).toBe(200);
    expect((await job(j.id))?.status).toBe('delivered');
  });

  it('odd parameter names (__proto__, repeated MessageStatus) are plain data', async () => {
    const t = await createTenant('Odd params');
    const { job: j } = await seedSentMessage(t.tenantId);
    const res = await postTwilio('/webhooks/twilio/status', [
      ['MessageSid', j.sid ?? ''],
      ['MessageStatus', 'delivered'],
      ['MessageStatus', 'failed'],
      ['__proto__', 'x'],
    ]);
    expect(res.status).toBe(200);
    expect((await job(j.id))?.status).toBe('delivered');
  });

  it('a correctly signed request missing MessageStatus is a 400 problem, not a 500', async () => {
    const res = await postTwilio('/webhooks/twilio/status', { MessageSid: sid() });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('status callbacks: cross-tenant (security)', () => {
  it("a callback naming tenant A's number never touches tenant B's job, even with the same MessageSid", async () => {
    const a = await createTenant('Tenant A');
    const b = await createTenant('Tenant B');
    const seededA = await seedSentMessage(a.tenantId);
    const seededB = await seedSentMessage(b.tenantId, { providerMessageId: seededA.job.sid });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await statusCallback(seededA.job, 'undelivered', { ErrorCode: '30007' }, seededA.number.phone);
    expect((await job(seededA.job.id))?.status).toBe('failed');
    expect((await job(seededB.job.id))?.status).toBe('sent');
    expect(await jobEvents(seededB.job.id)).toHaveLength(0);
  });

  it("a callback from A's number for a sid only B has is stored without a tenant and changes nothing", async () => {
    const a = await createTenant('Tenant A2');
    const b = await createTenant('Tenant B2');
    const seededA = await seedSentMessage(a.tenantId);
    const seededB = await seedSentMessage(b.tenantId);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const res = await statusCallback(seededB.job, 'failed', {}, seededA.number.phone);
    expect(res.status).toBe(200);
    expect((await job(seededB.job.id))?.status).toBe('sent');
    expect((await webhookRows(`${seededB.job.sid}:failed`))[0]?.tenantId).toBeNull();
    expect(String(warn.mock.calls[0]?.[0])).toContain('twilio_webhook_tenant_mismatch');
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
    const rows = await db().select().from(sendJobs).where(eq(sendJobs.campaignId, campaign.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const evs = await db()
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
      expect(types.includes('DELIVERED'), label).toBe(expected === 'delivered');
      if (expected === 'failed') expect(types, label).toEqual(['FAILED']);
    }
  });
});
