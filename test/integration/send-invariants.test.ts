// Each test tries to break one invariant of ARCHITECTURE.md "Invariants" through the real send
// consumer (D1, both Durable Objects), with Twilio mocked at fetch and "now" pinned.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addDoNotContactRow } from '../../workers/db/do-not-contact';
import { D1SendStore } from '../../workers/send/d1-store';
import { setPinnedClock, usePinnedClock } from '../helpers/clock';
import { control } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  DAYTIME,
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

describe('invariant: no SMS to do-not-contact', () => {
  it('a STOP that arrives after the job was queued wins', async () => {
    const t = await setupSendTenant();
    const people = await addContacts(t.tenantId, 3);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    expect(ids).toHaveLength(3);
    await addDoNotContactRow(t.db, t.tenantId, people[0]!.phoneE164, 'STOP');
    const tw = mockTwilio();

    await runSend(e, ids, { clock: () => DAYTIME });

    expect(tw.calls.map((x) => x.to)).not.toContain(people[0]!.phoneE164);
    expect(tw.calls).toHaveLength(2);
    const job = (await jobsOf(c.id)).find((j) => j.contactId === people[0]!.id);
    expect(job).toMatchObject({ status: 'failed', failureReason: 'do_not_contact', attemptStartedAt: null });
  });

  it('a STOP that lands between loading the batch and the claim still wins (checked in the claim itself)', async () => {
    const t = await setupSendTenant();
    const [p] = await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();

    await runSend(e, ids, {
      clock: () => DAYTIME,
      store: (base) => ({
        ...base,
        claim: async (requests, now) => {
          await addDoNotContactRow(t.db, t.tenantId, p!.phoneE164, 'STOP');
          return base.claim(requests, now);
        },
      }),
    });

    expect(tw.calls).toHaveLength(0);
    expect((await jobsOf(c.id))[0]).toMatchObject({ status: 'failed', failureReason: 'do_not_contact' });
  });
});

describe('invariant: at most one SMS per (campaign, contact)', () => {
  it('a message recorded as sent by two consumers is logged SENT once', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const ids = await runFanout(testEnv(), c, DAYTIME);
    const store = new D1SendStore(t.db, control());
    const ctx = (await store.load(ids, DAYTIME)).get(ids[0] as string);
    if (!ctx) throw new Error('job not loaded');
    const item = { ctx, sid: 'SM00000000000000000000000000000001', parts: 1, costCents: 5, at: DAYTIME };
    // The first consumer records late, after a redelivery found the message at Twilio and recorded it.
    await store.markSent([item]);
    await store.markSent([item]);
    expect(await sentCount(c.id)).toBe(1);
    expect((await jobsOf(c.id))[0]).toMatchObject({ status: 'sent', providerMessageId: item.sid });
  });

  it('the same batch delivered twice (also concurrently) sends each job once', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 4);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();

    await Promise.all([runSend(e, ids, { clock: () => DAYTIME }), runSend(e, ids, { clock: () => DAYTIME })]);
    await runSend(e, [...ids, ...ids], { clock: () => DAYTIME, attempts: 2 });

    expect(tw.calls).toHaveLength(4);
    expect(new Set(tw.calls.map((x) => x.to)).size).toBe(4);
    expect(await sentCount(c.id)).toBe(4);
  });

  it('a consumer that dies after Twilio accepted (before marking sent) is resolved by a lookup, not a resend', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 2);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio(undefined, () => DAYTIME);

    const crashed = await runSend(e, ids, {
      clock: () => DAYTIME,
      store: (base) => ({
        ...base,
        markSent: async () => {
          throw new Error('consumer died');
        },
      }),
    });
    expect(tw.calls).toHaveLength(2);
    expect(crashed.retryMessages).toHaveLength(2);
    expect((await jobsOf(c.id)).every((j) => j.status === 'queued' && j.attemptStartedAt !== null)).toBe(
      true,
    );

    // Redelivery, immediately and much later: found at Twilio → marked sent with Twilio's SID.
    await runSend(e, ids, { clock: () => new Date(DAYTIME.getTime() + 5_000), attempts: 2 });
    await runSend(e, ids, { clock: () => new Date(DAYTIME.getTime() + 600_000), attempts: 3 });

    expect(tw.calls).toHaveLength(2);
    const jobs = await jobsOf(c.id);
    expect(jobs.every((j) => j.status === 'sent')).toBe(true);
    expect(new Set(jobs.map((j) => j.providerMessageId))).toEqual(new Set(tw.accepted.map((a) => a.sid)));
    expect(await sentCount(c.id)).toBe(2);
  });

  it('a timeout followed by retries never produces a second SMS when Twilio had taken the first', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    // Twilio takes the message but the connection drops before we read the answer.
    const tw = mockTwilio(
      (_call, n) => (n === 1 ? 'drop' : undefined),
      () => new Date(DAYTIME.getTime() + 120_000),
    );

    for (let attempt = 1; attempt <= 4; attempt++) {
      await runSend(e, ids, {
        clock: () => new Date(DAYTIME.getTime() + attempt * 120_000),
        attempts: attempt,
      });
    }
    const jobs = await jobsOf(c.id);
    expect(tw.calls).toHaveLength(1);
    expect(tw.accepted).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'sent', providerMessageId: tw.accepted[0]?.sid });
  });

  it('a double launch (two fan-out runs) creates one job and one QUEUED event per contact', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 5);
    const c = await queuedCampaign(t);
    const e = testEnv();
    await Promise.all([runFanout(e, c, DAYTIME), runFanout(e, c, DAYTIME)]);
    await runFanout(e, c, DAYTIME);
    const jobs = await jobsOf(c.id);
    expect(jobs).toHaveLength(5);
    expect((await jobsOf(c.id)).length).toBe(5);
    const tw = mockTwilio();
    await runSend(
      e,
      e.send.sent.map((m) => m.body.jobId),
      { clock: () => DAYTIME },
    );
    expect(tw.calls).toHaveLength(5);
  });
});

describe('invariant: no number over its limits', () => {
  it('several consumers at once against one number with a per-minute limit of 5 send exactly 5', async () => {
    const t = await setupSendTenant({ perMinuteLimit: 5 });
    await addContacts(t.tenantId, 24);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();

    await Promise.all(
      [0, 1, 2, 3].map((i) => runSend(e, ids.slice(i * 6, i * 6 + 6), { clock: () => DAYTIME })),
    );

    expect(tw.calls).toHaveLength(5);
    expect((await jobsOf(c.id)).filter((j) => j.status === 'sent')).toHaveLength(5);
    // A minute later the number may send 5 more, and no more.
    const later = new Date(DAYTIME.getTime() + 61_000);
    const queued = (await jobsOf(c.id)).filter((j) => j.status === 'queued').map((j) => j.id);
    await Promise.all([
      runSend(e, queued.slice(0, 10), { clock: () => later }),
      runSend(e, queued.slice(10), { clock: () => later }),
    ]);
    expect(tw.calls).toHaveLength(10);
  });

  it('the daily limit holds across consumers too', async () => {
    const t = await setupSendTenant({ dailyLimit: 3 });
    await addContacts(t.tenantId, 8);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    await Promise.all([
      runSend(e, ids.slice(0, 4), { clock: () => DAYTIME }),
      runSend(e, ids.slice(4), { clock: () => DAYTIME }),
    ]);
    expect(tw.calls).toHaveLength(3);
  });
});

describe('invariant: no tenant over budget', () => {
  it('concurrent consumers never spend past the daily budget', async () => {
    // 5c per message, budget 42c: at most 8 messages.
    const t = await setupSendTenant({ dailyBudgetCents: 42 });
    await addContacts(t.tenantId, 20);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();

    await Promise.all(
      [0, 1, 2, 3].map((i) => runSend(e, ids.slice(i * 5, i * 5 + 5), { clock: () => DAYTIME })),
    );

    expect(tw.calls.length).toBeLessThanOrEqual(8);
    expect(tw.calls.length).toBeGreaterThan(0);
    const spent = (await jobsOf(c.id))
      .filter((j) => j.status === 'sent')
      .reduce((s, j) => s + (j.costCents ?? 0), 0);
    expect(spent).toBeLessThanOrEqual(42);
    expect((await campaignRow(c.id)).statusReason).toBe('daily budget reached');
  });
});

describe('budget settlement', () => {
  it('a commit lost to a transient Durable Object error is tried again, so the spend still counts', async () => {
    const t = await setupSendTenant({ dailyBudgetCents: 1000 });
    await addContacts(t.tenantId, 3);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    let failures = 0;
    const real = e.env.TENANT_GOVERNOR;
    const flaky = {
      getByName: (name: string) => {
        const stub = real.getByName(name);
        type Stub = typeof stub;
        return {
          configureIfUnset: (...a: Parameters<Stub['configureIfUnset']>) => stub.configureIfUnset(...a),
          reserve: (...a: Parameters<Stub['reserve']>) => stub.reserve(...a),
          release: (...a: Parameters<Stub['release']>) => stub.release(...a),
          commit: async (...a: Parameters<Stub['commit']>) => {
            if (failures === 0) {
              failures++;
              throw new Error('Durable Object reset');
            }
            return stub.commit(...a);
          },
        };
      },
    } as unknown as Env['TENANT_GOVERNOR'];

    await runSend({ ...e, env: { ...e.env, TENANT_GOVERNOR: flaky } }, ids, { clock: () => DAYTIME });

    expect(failures).toBe(1);
    expect(tw.calls).toHaveLength(3);
    const status = await real.getByName(t.tenantId).status(DAYTIME.getTime());
    expect(status.dailySpentCents).toBe(15);
    expect(status.reservedCents).toBe(0);
  });
});

describe('invariant: nothing inside quiet hours (recipient timezone, DST-safe)', () => {
  // Quiet 20:00–09:00 local. Each case: an instant, the recipient zone, and whether it may send.
  const cases: [string, string, string, boolean][] = [
    // Sydney DST starts 2026-10-04 02:00 → 03:00 (AEST → AEDT).
    ['Sydney 08:59 AEST the day before DST starts', 'Australia/Sydney', '2026-10-02T22:59:00Z', false],
    ['Sydney 09:00 AEST', 'Australia/Sydney', '2026-10-02T23:00:00Z', true],
    ['Sydney 08:30 AEDT on the day DST starts', 'Australia/Sydney', '2026-10-03T21:30:00Z', false],
    ['Sydney 09:00 AEDT on the day DST starts', 'Australia/Sydney', '2026-10-03T22:00:00Z', true],
    ['Sydney 19:59 AEDT', 'Australia/Sydney', '2026-10-04T08:59:00Z', true],
    ['Sydney 20:00 AEDT', 'Australia/Sydney', '2026-10-04T09:00:00Z', false],
    // DST ends 2026-04-05 03:00 → 02:00 (AEDT → AEST).
    ['Sydney 08:30 AEST on the day DST ends', 'Australia/Sydney', '2026-04-04T22:30:00Z', false],
    ['Sydney 09:00 AEST on the day DST ends', 'Australia/Sydney', '2026-04-04T23:00:00Z', true],
    ['Perth 08:59 (no DST, UTC+8)', 'Australia/Perth', '2026-10-04T00:59:00Z', false],
    ['Perth 09:00', 'Australia/Perth', '2026-10-04T01:00:00Z', true],
    ['Adelaide 08:59 ACDT (UTC+10:30)', 'Australia/Adelaide', '2026-11-24T22:29:00Z', false],
    ['Adelaide 09:00 ACDT', 'Australia/Adelaide', '2026-11-24T22:30:00Z', true],
    ['Lord Howe 08:59 (+11 in summer, 30-minute DST)', 'Australia/Lord_Howe', '2026-11-24T21:59:00Z', false],
    ['Lord Howe 09:00', 'Australia/Lord_Howe', '2026-11-24T22:00:00Z', true],
    ['Lord Howe 20:00 in winter (+10:30)', 'Australia/Lord_Howe', '2026-06-15T09:30:00Z', false],
  ];

  it.each(cases)('%s', async (_name, tz, iso, allowed) => {
    const now = new Date(iso);
    setPinnedClock(now);
    // The tenant is in Sydney; the recipient's own zone decides.
    const t = await setupSendTenant({ timezone: 'Australia/Sydney' });
    await addContacts(t.tenantId, 1, { timezone: tz });
    const c = await queuedCampaign(t, {}, now);
    const e = testEnv();
    const ids = await runFanout(e, c, now);
    const tw = mockTwilio();

    await runSend(e, ids, { clock: () => now });

    expect(tw.calls).toHaveLength(allowed ? 1 : 0);
    if (!allowed) {
      const deferred = e.send.sent.find((m) => m.delaySeconds !== undefined);
      expect(deferred).toBeDefined();
      // When it comes back it is inside the window (or a step of at most 12 h closer to it).
      const back = new Date(now.getTime() + (deferred?.delaySeconds ?? 0) * 1000);
      const again = testEnv();
      const tw2Before = tw.calls.length;
      await runSend(again, ids, { clock: () => back });
      const sentAfter = tw.calls.length - tw2Before;
      expect(sentAfter === 1 || (deferred?.delaySeconds ?? 0) === 12 * 3600).toBe(true);
    } else {
      // Sent in the window, with a validity that expires before quiet hours begin.
      const validity = Number(tw.calls[0]?.form.get('ValidityPeriod'));
      expect(validity).toBeGreaterThan(0);
      expect(validity).toBeLessThanOrEqual(14400);
    }
  });

  it('a recipient without a timezone falls back to the tenant timezone', async () => {
    const now = new Date('2026-11-24T23:30:00Z'); // 10:30 Sydney but 07:30 Perth
    setPinnedClock(now);
    const t = await setupSendTenant({ timezone: 'Australia/Perth' });
    await addContacts(t.tenantId, 1, { timezone: null });
    const c = await queuedCampaign(t, {}, now);
    const e = testEnv();
    const ids = await runFanout(e, c, now);
    const tw = mockTwilio();
    await runSend(e, ids, { clock: () => now });
    expect(tw.calls).toHaveLength(0);
  });
});

describe('invariant: kill switch', () => {
  it('nothing is sent after the switch is flipped, even mid-batch', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 60);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    const impl = tw.spy.getMockImplementation()!;
    let callsWhenFlipped: number | null = null;
    let flipping = false;
    tw.spy.mockImplementation(async (input, init) => {
      const res = await impl(input, init);
      if (!flipping && init?.method === 'POST' && tw.calls.length === 2) {
        flipping = true;
        const r = await t.api('/api/v1/tenant', { method: 'PATCH', json: { is_paused: true } });
        expect(r.status).toBe(200);
        callsWhenFlipped = tw.calls.length;
      }
      return res;
    });

    await runSend(e, ids, { clock: () => DAYTIME });
    const total = tw.calls.length;
    // After the flip, only jobs whose attempt was already claimed by one of the batch's
    // concurrent workers (at most 16) may still reach Twilio.
    expect(callsWhenFlipped).not.toBeNull();
    expect(total - (callsWhenFlipped ?? 0)).toBeLessThanOrEqual(16);
    expect(total).toBeLessThan(60);
    // Redelivery while paused sends nothing more.
    await runSend(e, ids, { clock: () => DAYTIME, attempts: 2 });
    expect(tw.calls.length).toBe(total);
    expect((await campaignRow(c.id)).statusReason).toBe('tenant paused');
    const stillQueued = (await jobsOf(c.id)).filter((j) => j.status === 'queued');
    expect(stillQueued.length).toBe(60 - total);
  });
});
