import { env } from 'cloudflare:workers';
import { and, eq, like } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NOT_FOUND_REASON, reconcileMessages } from '../../workers/cron/reconcile';
import { sendJobs, webhookEvents } from '../../workers/db/schema';
import { acrossShards, createTenant } from '../helpers/fixtures';
import { addContact, addJob, seedSentMessage, sid, statusCallback } from '../helpers/twilio-webhooks';

const HOUR = 3_600_000;
const hoursAgo = (h: number) => new Date(Date.now() - h * HOUR).toISOString();
const job = async (id: string) =>
  (await acrossShards((d) => d.select().from(sendJobs).where(eq(sendJobs.id, id))))[0];

type TwilioAnswer = { status: number; body?: Record<string, unknown> };

/** Stands in for Twilio's Messages API: answers per sid, 'sent' for sids a test did not script. */
function mockTwilio(answers: Record<string, TwilioAnswer>) {
  const calls: { url: string; auth: string | null }[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input, init);
    calls.push({ url: req.url, auth: req.headers.get('authorization') });
    const m = /\/Messages\/([^/]+)\.json$/.exec(new URL(req.url).pathname);
    const messageSid = decodeURIComponent(m?.[1] ?? '');
    const a = answers[messageSid] ?? { status: 200, body: { sid: messageSid, status: 'sent' } };
    return new Response(
      a.body ? JSON.stringify(a.body) : JSON.stringify({ code: 20404, message: 'not found' }),
      {
        status: a.status,
        headers: { 'content-type': 'application/json' },
      },
    );
  });
  return calls;
}

afterEach(() => vi.restoreAllMocks());

describe('reconcileMessages: jobs with no final status after 72 hours', () => {
  it('asks Twilio (Basic auth, same base URL) and applies a delivered answer like the lost callback', async () => {
    const t = await createTenant('Reconcile delivered');
    const { job: j } = await seedSentMessage(t.tenantId, { sentAt: hoursAgo(73) });
    const calls = mockTwilio({ [j.sid ?? '']: { status: 200, body: { sid: j.sid, status: 'delivered' } } });
    await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    const call = calls.find((c) => c.url.includes(j.sid ?? '-'));
    expect(call?.url).toBe(
      `https://twilio.mock/2010-04-01/Accounts/${env.TWILIO_ACCOUNT_SID}/Messages/${j.sid}.json`,
    );
    expect(call?.auth).toBe(`Basic ${btoa(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`)}`);
    const after = await job(j.id);
    expect(after?.status).toBe('delivered');
    expect(after?.deliveredAt).not.toBeNull();
    // Asked once: the marker keeps the next runs from asking again.
    const markers = await t.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.providerEventId, `reconcile:${j.id}`));
    expect(markers).toHaveLength(1);
  });

  it('records an undelivered answer with its error code and reason', async () => {
    const t = await createTenant('Reconcile undelivered');
    const { job: j } = await seedSentMessage(t.tenantId, { sentAt: hoursAgo(80) });
    mockTwilio({
      [j.sid ?? '']: { status: 200, body: { sid: j.sid, status: 'undelivered', error_code: 30005 } },
    });
    await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect(await job(j.id)).toMatchObject({
      status: 'failed',
      errorCode: '30005',
      failureReason: '30005: Unknown destination handset',
    });
  });

  it('a message Twilio does not know is failed with a reason, and its cost refunded', async () => {
    const t = await createTenant('Reconcile unknown');
    const governor = env.TENANT_GOVERNOR.getByName(t.tenantId);
    await governor.configure({
      tenantId: t.tenantId,
      timezone: 'Australia/Sydney',
      isPaused: false,
      dailyBudgetCents: null,
      monthlyBudgetCents: 10_000,
    });
    const r = await governor.reserve(7);
    if (!r.ok) throw new Error(r.reason);
    await governor.commit(r.reservationId, 7);
    const { job: j } = await seedSentMessage(t.tenantId, { sentAt: hoursAgo(73), costCents: 7 });
    mockTwilio({ [j.sid ?? '']: { status: 404 } });
    await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect(await job(j.id)).toMatchObject({ status: 'failed', failureReason: NOT_FOUND_REASON });
    // The refund goes back to the month it was spent in: this month's counter, unless 73 hours
    // ago was last month in the tenant's time zone (then the current month owes nothing back).
    const month = (d: Date) => d.toLocaleDateString('en-CA', { timeZone: 'Australia/Sydney' }).slice(0, 7);
    const sameMonth = month(new Date(Date.now() - 73 * HOUR)) === month(new Date());
    expect((await governor.status()).monthlySpentCents).toBe(sameMonth ? 0 : 7);
  });

  it('still "sent" at Twilio (no receipt from the carrier): stays sent and is not asked again', async () => {
    const t = await createTenant('Reconcile still sent');
    const { job: j } = await seedSentMessage(t.tenantId, { sentAt: hoursAgo(100) });
    const calls = mockTwilio({});
    await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect((await job(j.id))?.status).toBe('sent');
    expect(calls.filter((c) => c.url.includes(j.sid ?? '-'))).toHaveLength(1);
    await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect(calls.filter((c) => c.url.includes(j.sid ?? '-'))).toHaveLength(1);
  });

  it('a Twilio error (500) changes nothing and is retried on the next run', async () => {
    const t = await createTenant('Reconcile error');
    const { job: j } = await seedSentMessage(t.tenantId, { sentAt: hoursAgo(90) });
    const calls = mockTwilio({ [j.sid ?? '']: { status: 500 } });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect((await job(j.id))?.status).toBe('sent');
    await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect(calls.filter((c) => c.url.includes(j.sid ?? '-'))).toHaveLength(2);
  });

  it('leaves alone jobs sent less than 72 hours ago, and jobs past the retry window', async () => {
    const t = await createTenant('Reconcile recent');
    const { job: j } = await seedSentMessage(t.tenantId, { sentAt: hoursAgo(71) });
    const { job: old } = await seedSentMessage(t.tenantId, { sentAt: hoursAgo(72 + 7 * 24 + 1) });
    const calls = mockTwilio({
      [j.sid ?? '']: { status: 200, body: { sid: j.sid, status: 'failed' } },
      [old.sid ?? '']: { status: 200, body: { sid: old.sid, status: 'failed' } },
    });
    await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect((await job(j.id))?.status).toBe('sent');
    expect((await job(old.id))?.status).toBe('sent');
    expect(calls.filter((c) => c.url.includes(j.sid ?? '-') || c.url.includes(old.sid ?? '-'))).toHaveLength(
      0,
    );
  });

  it('looks at no more than 100 jobs per run, and gets through the rest on later runs', async () => {
    const t = await createTenant('Reconcile bounded');
    const { number, campaign } = await seedSentMessage(t.tenantId, { sentAt: hoursAgo(100) });
    const ids: string[] = [];
    for (let i = 0; i < 104; i++) {
      const contact = await addContact(t.tenantId);
      const j = await addJob({
        tenantId: t.tenantId,
        campaignId: campaign.id,
        contactId: contact.id,
        sendingNumberId: number.id,
        sentAt: hoursAgo(150),
      });
      ids.push(j.id);
    }
    mockTwilio({});
    const first = await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect(first.looked).toBe(100);
    for (let run = 0; run < 5; run++) await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    const markers = await t.db
      .select({ id: webhookEvents.providerEventId })
      .from(webhookEvents)
      .where(and(eq(webhookEvents.tenantId, t.tenantId), like(webhookEvents.providerEventId, 'reconcile:%')));
    const marked = new Set(markers.map((m) => m.id));
    expect(ids.filter((id) => !marked.has(`reconcile:${id}`))).toEqual([]);
  });
});

describe('reconcileMessages: callbacks that beat the send path', () => {
  it('applies a callback stored for an unknown sid once the job carries that sid', async () => {
    const t = await createTenant('Orphan');
    const { job: j } = await seedSentMessage(t.tenantId, { providerMessageId: null });
    const early = { sid: sid(), tenantId: t.tenantId };
    await statusCallback(early, 'delivered', {}, undefined, 'sid');
    expect((await job(j.id))?.status).toBe('sent');
    await t.db.update(sendJobs).set({ providerMessageId: early.sid }).where(eq(sendJobs.id, j.id));
    mockTwilio({});
    const summary = await reconcileMessages(env, new Date(), { tenantId: t.tenantId });
    expect(summary.orphansApplied).toBeGreaterThanOrEqual(1);
    expect((await job(j.id))?.status).toBe('delivered');
    const [orphan] = await t.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.providerEventId, `${early.sid}:delivered`));
    expect(orphan?.tenantId).toBe(t.tenantId);
    expect(orphan?.processedAt).not.toBeNull();
  });
});
