import { env } from 'cloudflare:workers';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contacts, doNotContact, sendJobs } from '../../workers/db/schema';
import { usePinnedClock } from '../helpers/clock';
import { json, call as request } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  DAYTIME,
  eventCount,
  holdRealQueues,
  jobsOf,
  mockTwilio,
  queuedCampaign,
  runFanout,
  runSend,
  sentCount,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';

usePinnedClock(DAYTIME);
afterEach(() => {
  vi.restoreAllMocks();
});

const at = (d: Date, ms: number) => () => new Date(d.getTime() + ms);

describe('send pipeline', () => {
  it('happy: renders, calls Twilio once per job with the right fields, records SENT and completes', async () => {
    const t = await setupSendTenant({
      templateBody: 'Hi {{first_name|there}}, see {{link}}',
    });
    const people = await addContacts(t.tenantId, 3);
    const c = await queuedCampaign(t, {
      targetUrl: 'https://shop.example/spring',
      utmParams: { source: 'sms' },
    });
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    expect(ids).toHaveLength(3);
    const tw = mockTwilio();

    const result = await runSend(e, ids, { clock: () => DAYTIME });

    expect(result.explicitAcks).toHaveLength(3);
    expect(result.retryMessages).toHaveLength(0);
    expect(tw.calls).toHaveLength(3);
    const call = tw.calls[0]!;
    expect(call.url).toBe(`https://twilio.mock/2010-04-01/Accounts/${env.TWILIO_ACCOUNT_SID}/Messages.json`);
    expect(call.auth).toBe(`Basic ${btoa(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`)}`);
    expect(call.from).toBe(t.numberPhones[0]);
    expect(people.map((p) => p.phoneE164)).toContain(call.to);
    const who = people.find((p) => p.phoneE164 === call.to)!;
    // The receipt finds its tenant's shard and its job from the (signed) callback URL.
    const job = (await jobsOf(c.id)).find((j) => j.contactId === who.id);
    expect(call.form.get('StatusCallback')).toBe(
      `https://sms.example.test/webhooks/twilio/status?t=${t.tenantId}&j=${job?.id}`,
    );
    expect(call.body).toMatch(new RegExp(`^Hi ${who.firstName}, see https://sms\\.example\\.test/l/\\S+`));
    expect(call.body).toContain('Reply STOP to opt out');
    // 12:00 in Sydney with quiet hours from 20:00: valid for the 4 h cap.
    expect(call.form.get('ValidityPeriod')).toBe('14400');

    const jobs = await jobsOf(c.id);
    expect(jobs.every((j) => j.status === 'sent' && j.providerMessageId?.startsWith('SM'))).toBe(true);
    expect(jobs.every((j) => j.costCents === 5 && j.parts === 1 && j.attemptCount === 1)).toBe(true);
    expect(await sentCount(c.id)).toBe(3);
    const sentContact = await t.db.query.contacts.findFirst({ where: eq(contacts.id, who.id) });
    expect(sentContact?.lastSentAt).toBe(DAYTIME.toISOString());
    // The link row keeps no URL of its own (NULL: the campaign's, stored once); the link in the SMS
    // still leads there, with the campaign's UTM parameters.
    const link = await t.db.all<{ target_url: string | null }>(
      sql`SELECT target_url FROM short_links WHERE campaign_id = ${c.id} LIMIT 1`,
    );
    expect(link[0]).toEqual({ target_url: null });
    const linkPath = new URL(/https:\/\/\S+\/l\/\S+/.exec(call.body)?.[0] ?? '/missing').pathname;
    const visit = await request(linkPath, {
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148' },
      redirect: 'manual',
    });
    expect(visit.status).toBe(302);
    expect(visit.headers.get('location')).toBe('https://shop.example/spring?utm_source=sms');
    const after = await campaignRow(c.id);
    expect(after.status).toBe('completed');
    expect(after.completedAt).not.toBeNull();
  });

  it('error: 21211 fails the job for good; 21610 also puts the number on do-not-contact', async () => {
    const t = await setupSendTenant();
    const people = await addContacts(t.tenantId, 2);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const stopped = people[1]!.phoneE164;
    const tw = mockTwilio((call) =>
      call.to === stopped ? { status: 400, code: 21610 } : { status: 400, code: 21211 },
    );

    const r = await runSend(e, ids, { clock: () => DAYTIME });

    expect(r.retryMessages).toHaveLength(0);
    expect(tw.calls).toHaveLength(2);
    const jobs = await jobsOf(c.id);
    const byContact = new Map(jobs.map((j) => [j.contactId, j]));
    expect(byContact.get(people[0]!.id)).toMatchObject({
      status: 'failed',
      failureReason: 'invalid_number',
      errorCode: '21211',
    });
    expect(byContact.get(people[1]!.id)).toMatchObject({
      status: 'failed',
      failureReason: 'opted_out',
      errorCode: '21610',
    });
    const dnc = await t.db.select().from(doNotContact).where(eq(doNotContact.tenantId, t.tenantId));
    expect(dnc.map((d) => [d.phoneE164, d.reason])).toEqual([[stopped, 'STOP']]);
    expect(await eventCount(c.id, 'FAILED')).toBe(2);
    expect((await campaignRow(c.id)).status).toBe('completed');
  });

  it('429 retries with backoff and frees the attempt; the next delivery sends it', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    let fail = true;
    const tw = mockTwilio(() => (fail ? { status: 429, code: 20429 } : undefined));

    const first = await runSend(e, ids, { clock: () => DAYTIME });
    expect(first.retryMessages).toHaveLength(1);
    const [queued] = await jobsOf(c.id);
    expect(queued).toMatchObject({ status: 'queued', attemptStartedAt: null, attemptCount: 1 });

    fail = false;
    const second = await runSend(e, ids, { clock: at(DAYTIME, 30_000), attempts: 2 });
    expect(second.retryMessages).toHaveLength(0);
    expect(tw.calls).toHaveLength(2);
    const [sent] = await jobsOf(c.id);
    expect(sent).toMatchObject({ status: 'sent', attemptCount: 2 });
  });

  it('a 5xx is an unknown outcome: looked up before any resend, resent once only after it settles', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    let fail = true;
    const tw = mockTwilio(() => (fail ? { status: 503, code: 20503 } : undefined));

    const first = await runSend(e, ids, { clock: () => DAYTIME });
    expect(first.retryMessages).toHaveLength(1);
    expect((await jobsOf(c.id))[0]).toMatchObject({ status: 'queued', attemptCount: 1 });
    expect((await jobsOf(c.id))[0]?.attemptStartedAt).not.toBeNull();

    fail = false;
    // Too early to judge: looked up, not found, nothing sent.
    const early = await runSend(e, ids, { clock: at(DAYTIME, 30_000), attempts: 2 });
    expect(early.retryMessages).toHaveLength(1);
    expect(tw.lookups).toHaveLength(1);
    expect(tw.lookups[0]?.searchParams.get('To')).toBe(tw.calls[0]?.to);
    expect(tw.calls).toHaveLength(1);

    // Settled and still unknown to Twilio: it was never taken, so it is sent (once).
    // Two minutes on, the first consumer may still be finishing its batch: still not judged.
    await runSend(e, ids, { clock: at(DAYTIME, 120_000), attempts: 3 });
    expect(tw.calls).toHaveLength(1);

    await runSend(e, ids, { clock: at(DAYTIME, 185_000), attempts: 4 });
    expect(tw.calls).toHaveLength(2);
    expect((await jobsOf(c.id))[0]).toMatchObject({ status: 'sent', attemptCount: 2 });
  });

  it('after the last retry the job fails and the message goes to the dead-letter queue', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    mockTwilio(() => ({ status: 429, code: 20429 }));

    const r = await runSend(e, ids, { clock: () => DAYTIME, attempts: 9 });

    expect(r.retryMessages).toHaveLength(1);
    expect((await jobsOf(c.id))[0]).toMatchObject({
      status: 'failed',
      failureReason: 'provider_rate_limited',
    });
    expect((await campaignRow(c.id)).status).toBe('completed');
  });

  it('failure-rate guard: a campaign failing more than 20% of 50+ attempts pauses itself and says why', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 60);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    mockTwilio((_call, n) => (n % 3 === 0 ? { status: 400, code: 21614 } : undefined));

    await runSend(e, ids.slice(0, 30), { clock: () => DAYTIME });
    expect((await campaignRow(c.id)).status).toBe('running');
    await runSend(e, ids.slice(30, 55), { clock: () => DAYTIME });

    const row = await campaignRow(c.id);
    expect(row.status).toBe('paused');
    expect(row.statusReason).toMatch(/^failure rate 3\d% > 20%: paused automatically$/);
    // The rest is held back: nothing more is sent while paused.
    const before = (await jobsOf(c.id)).filter((j) => j.status === 'queued').length;
    await runSend(e, ids.slice(55), { clock: () => DAYTIME });
    expect((await jobsOf(c.id)).filter((j) => j.status === 'queued').length).toBe(before);
  });

  it('quiet hours: a job inside the window is deferred (a fresh message) until the window opens', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    const night = new Date('2026-11-25T11:00:00.000Z'); // 22:00 in Sydney (AEDT)

    const r = await runSend(e, ids, { clock: () => night });

    expect(tw.calls).toHaveLength(0);
    expect(r.retryMessages).toHaveLength(0);
    const deferred = e.send.sent.filter((m) => m.delaySeconds !== undefined);
    // 09:00 Sydney = 22:00 UTC: 11 h later.
    expect(deferred).toEqual([{ body: { jobId: ids[0], tenantId: t.tenantId }, delaySeconds: 11 * 3600 }]);
    expect((await jobsOf(c.id))[0]?.leaseUntil).toBe(
      new Date(night.getTime() + (11 * 3600 + 600) * 1000).toISOString(),
    );
  });

  it('per-minute limit: what the number may not send now is deferred, not dropped or retried', async () => {
    const t = await setupSendTenant({ perMinuteLimit: 2 });
    await addContacts(t.tenantId, 5);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const paced = e.send.sent.length;
    const tw = mockTwilio();

    const r = await runSend(e, ids, { clock: () => DAYTIME });

    expect(tw.calls).toHaveLength(2);
    expect(r.retryMessages).toHaveLength(0);
    const deferred = e.send.sent.slice(paced).filter((m) => m.delaySeconds !== undefined);
    expect(deferred).toHaveLength(3);
    for (const d of deferred) expect(d.delaySeconds).toBe(60);
    expect((await campaignRow(c.id)).status).toBe('running');
  });

  it('pause parks jobs (no send, no retry); resume re-enqueues them', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 2);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    const held = holdRealQueues();
    expect((await t.api(`/api/v1/campaigns/${c.id}/pause`, { method: 'POST' })).status).toBe(200);

    const r = await runSend(e, ids, { clock: () => DAYTIME });

    expect(tw.calls).toHaveLength(0);
    expect(r.explicitAcks).toHaveLength(2);
    expect((await jobsOf(c.id)).map((j) => j.leaseUntil)).toEqual([null, null]);
    const res = await t.api(`/api/v1/campaigns/${c.id}/resume`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe('running');
    expect((await jobsOf(c.id)).every((j) => j.leaseUntil !== null)).toBe(true);
    expect(held.send.map((m) => m.jobId).sort()).toEqual([...ids].sort());
  });

  it('tenant kill switch parks jobs with a reason; the cron re-enqueues them once it is lifted', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 2);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    expect((await t.api('/api/v1/tenant', { method: 'PATCH', json: { is_paused: true } })).status).toBe(200);

    await runSend(e, ids, { clock: () => DAYTIME });
    expect(tw.calls).toHaveLength(0);
    expect((await campaignRow(c.id)).statusReason).toBe('tenant paused');

    expect((await t.api('/api/v1/tenant', { method: 'PATCH', json: { is_paused: false } })).status).toBe(200);
    const { startDueCampaigns } = await import('../../workers/cron/campaigns');
    const before = e.send.sent.length;
    // Only this tenant's jobs: other tests in this file leave queued jobs behind.
    await startDueCampaigns(e.env, new Date(), { tenantId: t.tenantId });
    const requeued = e.send.sent.slice(before).map((m) => m.body.jobId);
    expect(requeued.sort()).toEqual([...ids].sort());
    await runSend(e, requeued, { clock: () => DAYTIME });
    expect(tw.calls).toHaveLength(2);
    const row = await campaignRow(c.id);
    expect(row.status).toBe('completed');
  });

  it('a job for a contact erased after queueing is failed, not sent', async () => {
    const t = await setupSendTenant();
    const [p] = await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    await t.db.update(contacts).set({ erasedAt: new Date().toISOString() }).where(eq(contacts.id, p!.id));
    const tw = mockTwilio();

    await runSend(e, ids, { clock: () => DAYTIME });

    expect(tw.calls).toHaveLength(0);
    const [job] = await t.db.select().from(sendJobs).where(eq(sendJobs.campaignId, c.id));
    expect(job).toMatchObject({ status: 'failed', failureReason: 'erased' });
  });
});
