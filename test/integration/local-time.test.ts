// Local-time delivery (issue 12, item 5) through the real fan-out and send consumers with pinned
// clocks: every Australian zone gets 10:00 on its own clock, a DST change day, quiet hours win,
// "passed" moves to the next day or skips, jobs wait through the queue's 12-hour limit and a
// resume without going early, and an A/B test's winner goes at the next local 10:00. Plus the
// API: validation, the launch preview's skip count, launch starting itself in time, and the
// delivery plan before and after launch.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDueCampaigns } from '../../workers/cron/campaigns';
import { uuidv7 } from '../../workers/db/ids';
import { campaigns, messageTemplates } from '../../workers/db/schema';
import { inTestGroup } from '../../workers/domain/ab-test';
import { MAX_QUEUE_DELAY_SECONDS } from '../../workers/domain/pacing';
import { fanoutPage } from '../../workers/queues/fanout';
import { LEASE_GRACE_SECONDS } from '../../workers/send/loop';
import { json } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  jobsOf,
  mockTwilio,
  queuedCampaign,
  runFanout,
  runSend,
  type SendTenant,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const Z = (s: string) => new Date(s);
const AU = [
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Australia/Adelaide',
  'Australia/Brisbane',
  'Australia/Darwin',
  'Australia/Perth',
] as const;

/** One contact per AU zone, a second one in Sydney, and one without a zone (the tenant's: Sydney). */
async function auContacts(t: SendTenant, over: Record<string, unknown> = {}) {
  const byZone = new Map<string, string[]>();
  const add = async (tz: string | null) => {
    const [p] = await addContacts(t.tenantId, 1, {
      timezone: tz,
      createdAt: '2026-10-01T00:00:00.000Z',
      ...over,
    });
    const key = tz ?? 'none';
    byZone.set(key, [...(byZone.get(key) ?? []), p!.id]);
    return p!;
  };
  for (const tz of AU) await add(tz);
  await add('Australia/Sydney');
  await add(null);
  return byZone;
}

const local = (date: string, time: string, if_passed: 'next_day' | 'skip' = 'next_day') => ({
  date,
  time,
  if_passed,
});

async function notBeforeByZone(campaignId: string, byZone: Map<string, string[]>) {
  const jobs = await jobsOf(campaignId);
  const out: Record<string, string[]> = {};
  for (const [zone, ids] of byZone) {
    out[zone] = jobs.filter((j) => ids.includes(j.contactId)).map((j) => j.notBefore ?? 'none');
  }
  return out;
}

/** The instant (to the second): the spread adds milliseconds per job at a fast number's rate. */
const second = (iso: string) => iso.slice(0, 19);

describe('local-time delivery through the queues', () => {
  it('10:00 on 1 Dec in every AU zone: not_before, queue delays capped at 12 h, sent at each zone’s 10:00 and not before', async () => {
    const t = await setupSendTenant();
    const byZone = await auContacts(t);
    const start = Z('2026-11-30T12:00:00.000Z');
    const c = await queuedCampaign(t, {
      sendAtLocal: local('2026-12-01', '10:00'),
      startedAt: start.toISOString(),
    });
    const e = testEnv();

    const ids = await runFanout(e, c, start);
    expect(ids).toHaveLength(8);
    const nb = await notBeforeByZone(c.id, byZone);
    const want: Record<string, string> = {
      'Australia/Sydney': '2026-11-30T23:00:00',
      none: '2026-11-30T23:00:00',
      'Australia/Lord_Howe': '2026-11-30T23:00:00',
      'Australia/Adelaide': '2026-11-30T23:30:00',
      'Australia/Brisbane': '2026-12-01T00:00:00',
      'Australia/Darwin': '2026-12-01T00:30:00',
      'Australia/Perth': '2026-12-01T02:00:00',
    };
    for (const [zone, instants] of Object.entries(nb)) {
      for (const i of instants) expect(second(i), zone).toBe(want[zone]);
    }
    // Queue delays: to each job's own instant, at most the queue's 12 hours; the lease covers the real wait.
    const jobs = await jobsOf(c.id);
    for (const s of e.send.sent) {
      const job = jobs.find((j) => j.id === s.body.jobId)!;
      const wait = Math.ceil((Date.parse(job.notBefore!) - start.getTime()) / 1000);
      expect(s.delaySeconds).toBe(Math.min(MAX_QUEUE_DELAY_SECONDS, wait));
      expect(job.leaseUntil).toBe(
        new Date(start.getTime() + (wait + LEASE_GRACE_SECONDS) * 1000).toISOString(),
      );
    }
    expect((await campaignRow(c.id)).deliveryPlan).toMatchObject({
      '|2026-11-30T23:00:00.000Z': { n: 4 },
      '|2026-12-01T02:00:00.000Z': { n: 1, z: ['Australia/Perth'] },
    });

    const tw = mockTwilio(undefined, () => start);
    // A minute before Sydney's 10:00 (Perth is still in its quiet hours): nothing is sent, every job
    // goes back to the queue until its own instant, and a planned wait writes no lease.
    const before = e.send.sent.length;
    await runSend(e, ids, { clock: () => Z('2026-11-30T22:59:00.000Z') });
    expect(tw.calls).toHaveLength(0);
    const again = e.send.sent.slice(before);
    expect(again).toHaveLength(8);
    const perthJob = jobs.find((j) => byZone.get('Australia/Perth')?.includes(j.contactId))!;
    expect(again.find((m) => m.body.jobId === perthJob.id)?.delaySeconds).toBe(3 * 3600 + 60);
    expect((await jobsOf(c.id)).find((j) => j.id === perthJob.id)?.leaseUntil).toBe(perthJob.leaseUntil);

    // Each zone at its own 10:00.
    await runSend(e, ids, { clock: () => Z('2026-11-30T23:00:01.000Z') });
    expect(tw.calls).toHaveLength(4); // Sydney ×2, no zone (Sydney's), Lord Howe
    await runSend(e, ids, { clock: () => Z('2026-12-01T00:00:01.000Z') });
    expect(tw.calls).toHaveLength(6); // + Adelaide (23:30Z), Brisbane (00:00Z)
    await runSend(e, ids, { clock: () => Z('2026-12-01T02:00:01.000Z') });
    expect(tw.calls).toHaveLength(8); // + Darwin (00:30Z), Perth (02:00Z)
    const to = tw.calls.map((x) => x.to);
    expect(new Set(to).size).toBe(8);
    expect((await campaignRow(c.id)).status).toBe('completed');
  });

  it('a DST change day (4 Oct 2026): 02:30 does not exist in Sydney or Adelaide (sent at the jump), exists in Lord Howe (+11 after its 30-minute jump)', async () => {
    const t = await setupSendTenant();
    const byZone = await auContacts(t);
    const start = Z('2026-10-03T10:00:00.000Z');
    // No quiet hours for this one (start = end), so the night-time instants stand.
    const c = await queuedCampaign(t, {
      sendAtLocal: local('2026-10-04', '02:30'),
      startedAt: start.toISOString(),
      quietHoursStart: '00:00',
      quietHoursEnd: '00:00',
    });
    const e = testEnv();
    const ids = await runFanout(e, c, start);
    const nb = await notBeforeByZone(c.id, byZone);
    const want: Record<string, string> = {
      'Australia/Lord_Howe': '2026-10-03T15:30:00', // 02:30 LHDT
      'Australia/Sydney': '2026-10-03T16:00:00', // 02:00 AEST → 03:00 AEDT
      none: '2026-10-03T16:00:00',
      'Australia/Adelaide': '2026-10-03T16:30:00', // 02:00 ACST → 03:00 ACDT
      'Australia/Brisbane': '2026-10-03T16:30:00', // 02:30 AEST, no DST
      'Australia/Darwin': '2026-10-03T17:00:00',
      'Australia/Perth': '2026-10-03T18:30:00',
    };
    for (const [zone, instants] of Object.entries(nb))
      for (const i of instants) expect(second(i), zone).toBe(want[zone]);

    const tw = mockTwilio(undefined, () => start);
    await runSend(e, ids, { clock: () => Z('2026-10-03T16:00:01.000Z') });
    expect(tw.calls).toHaveLength(4); // Lord Howe, Sydney ×2, no zone
    await runSend(e, ids, { clock: () => Z('2026-10-03T16:30:01.000Z') });
    expect(tw.calls).toHaveLength(6);
  });

  it('quiet hours win: 07:30 local waits until 09:00 in each zone', async () => {
    const t = await setupSendTenant();
    const byZone = await auContacts(t);
    const start = Z('2026-11-30T12:00:00.000Z');
    const c = await queuedCampaign(t, {
      sendAtLocal: local('2026-12-01', '07:30'),
      startedAt: start.toISOString(),
    });
    await runFanout(testEnv(), c, start);
    const nb = await notBeforeByZone(c.id, byZone);
    expect(second(nb['Australia/Sydney']![0]!)).toBe('2026-11-30T22:00:00'); // 09:00 AEDT
    expect(second(nb['Australia/Perth']![0]!)).toBe('2026-12-01T01:00:00'); // 09:00 AWST
    expect(second(nb['Australia/Darwin']![0]!)).toBe('2026-11-30T23:30:00'); // 09:00 ACST
  });

  it('started after 10:00 in the east: skip counts them with a reason; next_day sends them the day after', async () => {
    const t = await setupSendTenant();
    const byZone = await auContacts(t);
    const start = Z('2026-12-01T00:45:00.000Z'); // 11:45 Sydney, 10:15 Darwin, 08:45 Perth
    const skip = await queuedCampaign(t, {
      sendAtLocal: local('2026-12-01', '10:00', 'skip'),
      startedAt: start.toISOString(),
    });
    const ids = await runFanout(testEnv(), skip, start);
    expect(ids).toHaveLength(1);
    const row = await campaignRow(skip.id);
    expect(row.skippedCounts).toEqual({ local_time_passed: 7 });
    expect(row.audienceCount).toBe(8);
    expect((await jobsOf(skip.id))[0]?.contactId).toBe(byZone.get('Australia/Perth')?.[0]);

    const next = await queuedCampaign(t, {
      sendAtLocal: local('2026-12-01', '10:00'),
      startedAt: start.toISOString(),
    });
    expect(await runFanout(testEnv(), next, start)).toHaveLength(8);
    const nb = await notBeforeByZone(next.id, byZone);
    expect(second(nb['Australia/Sydney']![0]!)).toBe('2026-12-01T23:00:00');
    expect(second(nb['Australia/Darwin']![0]!)).toBe('2026-12-02T00:30:00');
    expect(second(nb['Australia/Perth']![0]!)).toBe('2026-12-01T02:00:00');
  });

  it('a resume re-enqueues parked jobs at once: they still wait for their local time', async () => {
    const t = await setupSendTenant();
    await auContacts(t);
    const start = Z('2026-11-30T12:00:00.000Z');
    const c = await queuedCampaign(t, {
      sendAtLocal: local('2026-12-01', '10:00'),
      startedAt: start.toISOString(),
    });
    const e = testEnv();
    const ids = await runFanout(e, c, start);
    await t.db.update(campaigns).set({ status: 'paused' }).where(eq(campaigns.id, c.id));
    await runSend(e, ids, { clock: () => start }); // parked
    expect((await jobsOf(c.id)).every((j) => j.leaseUntil === null)).toBe(true);
    // Resumed: the cron re-enqueues the parked jobs with no delay (as the resume route does).
    await t.db.update(campaigns).set({ status: 'running' }).where(eq(campaigns.id, c.id));
    const kicked = e.send.sent.length;
    await startDueCampaigns(e.env, Z('2026-11-30T12:04:00.000Z'), { tenantId: t.tenantId });
    const requeued = e.send.sent.slice(kicked).filter((m) => ids.includes(m.body.jobId));
    expect(requeued.map((m) => m.body.jobId).sort()).toEqual([...ids].sort());
    expect(requeued.every((m) => m.delaySeconds === undefined)).toBe(true);
    const tw = mockTwilio(undefined, () => start);
    const before = e.send.sent.length;
    await runSend(e, ids, { clock: () => Z('2026-11-30T12:05:00.000Z') });
    expect(tw.calls).toHaveLength(0);
    const deferred = e.send.sent.slice(before);
    expect(deferred).toHaveLength(8);
    expect(deferred.every((m) => (m.delaySeconds ?? 0) > 10 * 3600)).toBe(true);
  });

  it('A/B test at local time: the test group at 10:00 on the date, the winner at the next 10:00 after the pick', async () => {
    const t = await setupSendTenant({ templateBody: 'A: see {{link}} Reply STOP to opt out' });
    const b = uuidv7();
    await t.db
      .insert(messageTemplates)
      .values({ id: b, tenantId: t.tenantId, name: 'B', body: 'B: look {{link}} Reply STOP to opt out' });
    const sydney = await addContacts(t.tenantId, 10, {
      timezone: 'Australia/Sydney',
      createdAt: '2026-10-01T00:00:00.000Z',
    });
    const perth = await addContacts(t.tenantId, 10, {
      timezone: 'Australia/Perth',
      createdAt: '2026-10-01T00:00:00.000Z',
    });
    const start = Z('2026-11-30T12:00:00.000Z');
    // The test group is a hash of (campaign, contact) ids, which are random: take a campaign id whose
    // group has people of both zones in the test and left for the winner, so chance never decides.
    const tests = (id: string, people: { id: string }[]) =>
      people.filter((p) => inTestGroup(id, p.id, 50)).length;
    const splitsBoth = (id: string) =>
      [tests(id, sydney), tests(id, perth)].every((n) => n > 0 && n < 10) &&
      tests(id, [...sydney, ...perth]) > 4 &&
      tests(id, [...sydney, ...perth]) < 16;
    let id = uuidv7();
    while (!splitsBoth(id)) id = uuidv7();
    const c = await queuedCampaign(t, {
      id,
      templateIds: [t.templateId, b],
      targetUrl: 'https://shop.example',
      abTest: { test_share_percent: 50, wait_minutes: 60, metric: 'human_click_rate' },
      abPhase: 'test',
      sendAtLocal: local('2026-12-01', '10:00'),
      startedAt: start.toISOString(),
    });
    const e = testEnv();
    mockTwilio(undefined, () => start);
    const testIds = await runFanout(e, c, start);
    const tested = (await jobsOf(c.id)).map((j) => j.contactId);
    expect(tested.length).toBeGreaterThan(4);
    expect(tested.length).toBeLessThan(16);

    // While the test runs, the plan shows the test (written) and the winner (estimated, the next day).
    const plan = await json<{ send_at: string; phase: string; estimated: boolean; recipients: number }[]>(
      await t.api(`/api/v1/campaigns/${c.id}/delivery-plan`),
    );
    expect(plan.map((p) => [p.phase, p.send_at, p.estimated])).toEqual([
      ['test', '2026-11-30T23:00:00.000Z', false],
      ['test', '2026-12-01T02:00:00.000Z', false],
      ['winner', '2026-12-01T23:00:00.000Z', true],
      ['winner', '2026-12-02T02:00:00.000Z', true],
    ]);
    expect(plan.filter((p) => p.phase === 'test').reduce((a, p) => a + p.recipients, 0)).toBe(tested.length);

    await runSend(e, testIds, { clock: () => Z('2026-11-30T23:00:05.000Z') });
    await startDueCampaigns(e.env, Z('2026-11-30T23:10:00.000Z'), { tenantId: t.tenantId });
    expect((await campaignRow(c.id)).abPhase).toBe('test'); // Perth's test messages are still to come
    await runSend(e, testIds, { clock: () => Z('2026-12-01T02:00:05.000Z') });
    await startDueCampaigns(e.env, Z('2026-12-01T02:01:00.000Z'), { tenantId: t.tenantId });
    expect((await campaignRow(c.id)).abDecideAt).toBe('2026-12-01T03:00:05.000Z');
    const from = e.fanout.sent.length;
    await startDueCampaigns(e.env, Z('2026-12-01T03:01:00.000Z'), { tenantId: t.tenantId });
    expect((await campaignRow(c.id)).abPhase).toBe('winner');
    const pick = Z('2026-12-01T03:01:00.000Z');
    for (let i = from; i < e.fanout.sent.length; i++) await fanoutPage(e.env, e.fanout.sent[i]!.body, pick);

    const winner = (await jobsOf(c.id)).filter((j) => !tested.includes(j.contactId));
    expect(winner).toHaveLength(20 - tested.length);
    for (const j of winner) {
      const inSydney = sydney.some((p) => p.id === j.contactId);
      const inPerth = perth.some((p) => p.id === j.contactId);
      expect(inSydney || inPerth).toBe(true);
      // 14:01 in Sydney and 11:01 in Perth at the pick: both get it at 10:00 the next day
      expect(second(j.notBefore!)).toBe(inSydney ? '2026-12-01T23:00:00' : '2026-12-02T02:00:00');
    }
    const after = await json<{ phase: string; estimated: boolean }[]>(
      await t.api(`/api/v1/campaigns/${c.id}/delivery-plan`),
    );
    expect(after.every((p) => !p.estimated)).toBe(true);
    expect(after.map((p) => p.phase)).toEqual(['test', 'test', 'winner', 'winner']);
  });
});

describe('local-time delivery API', () => {
  type Problem = { errors?: { path: string; message: string }[] };
  const pin = (iso: string) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(iso));
  };
  async function create(t: SendTenant, body: Record<string, unknown>) {
    const res = await t.api('/api/v1/campaigns', {
      method: 'POST',
      role: 'staff',
      json: { name: 'At ten', template_ids: [t.templateId], ...body },
    });
    return { res, body: await json<Problem & Record<string, unknown>>(res) };
  }

  it('error: a bad date or time, an unknown if_passed, a date gone by, or with scheduled_at: 422 with the path', async () => {
    pin('2026-11-20T00:00:00.000Z');
    const t = await setupSendTenant();
    const cases: [Record<string, unknown>, string][] = [
      [{ send_at_local: local('2026-02-30', '10:00') }, 'send_at_local.date'],
      [{ send_at_local: local('1/12/2026', '10:00') }, 'send_at_local.date'],
      [{ send_at_local: local('2026-12-01', '24:00') }, 'send_at_local.time'],
      [{ send_at_local: local('2026-12-01', '9:00') }, 'send_at_local.time'],
      [
        { send_at_local: { date: '2026-12-01', time: '10:00', if_passed: 'later' } },
        'send_at_local.if_passed',
      ],
      [{ send_at_local: local('2026-11-19', '10:00') }, 'send_at_local.date'],
      [
        { send_at_local: local('2026-12-01', '10:00'), scheduled_at: '2026-11-30T00:00:00.000Z' },
        'send_at_local',
      ],
    ];
    for (const [body, path] of cases) {
      const r = await create(t, body);
      expect(r.res.status, JSON.stringify(body)).toBe(422);
      expect(
        r.body.errors?.map((x) => x.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    // Today in the tenant's zone is fine (20 Nov is already 11:00 in Sydney).
    const today = await create(t, { send_at_local: { date: '2026-11-20', time: '18:00' } });
    expect(today.res.status).toBe(201);
    expect(today.body.send_at_local).toEqual({ date: '2026-11-20', time: '18:00', if_passed: 'next_day' });
  });

  it('happy: the plan and the preview before launch, launch starts itself in time, the plan after the fan-out', async () => {
    pin('2026-11-20T00:00:00.000Z');
    const t = await setupSendTenant();
    await auContacts(t);
    const created = await create(t, { send_at_local: local('2026-12-01', '10:00', 'skip') });
    expect(created.res.status).toBe(201);
    const id = created.body.id as string;

    const plan = await json<
      { send_at: string; recipients: number; timezones: string[]; estimated: boolean }[]
    >(await t.api(`/api/v1/campaigns/${id}/delivery-plan`));
    expect(plan).toEqual([
      {
        send_at: '2026-11-30T23:00:00.000Z',
        recipients: 4,
        phase: null,
        timezones: ['Australia/Lord_Howe', 'Australia/Sydney'],
        estimated: true,
      },
      {
        send_at: '2026-11-30T23:30:00.000Z',
        recipients: 1,
        phase: null,
        timezones: ['Australia/Adelaide'],
        estimated: true,
      },
      {
        send_at: '2026-12-01T00:00:00.000Z',
        recipients: 1,
        phase: null,
        timezones: ['Australia/Brisbane'],
        estimated: true,
      },
      {
        send_at: '2026-12-01T00:30:00.000Z',
        recipients: 1,
        phase: null,
        timezones: ['Australia/Darwin'],
        estimated: true,
      },
      {
        send_at: '2026-12-01T02:00:00.000Z',
        recipients: 1,
        phase: null,
        timezones: ['Australia/Perth'],
        estimated: true,
      },
    ]);
    const preview = await json<{ eligible: number; excluded: Record<string, number>; local_time: unknown }>(
      await t.api(`/api/v1/campaigns/${id}/launch-preview`),
    );
    expect(preview.eligible).toBe(8);
    expect(preview.excluded.local_time_passed).toBe(0);
    expect(preview.local_time).toEqual({
      on_time: 8,
      next_day: 0,
      skipped: 0,
      first_send_at: '2026-11-30T23:00:00.000Z',
      last_send_at: '2026-12-01T02:00:00.000Z',
    });

    // Launched ahead of time: it waits (queued) and starts when 1 Dec begins at UTC+14.
    const launched = await t.api(`/api/v1/campaigns/${id}/launch`, { method: 'POST', role: 'staff' });
    expect(launched.status).toBe(202);
    expect(await json(launched)).toMatchObject({
      status: 'queued',
      scheduled_at: '2026-11-30T10:00:00.000Z',
      started_at: null,
    });
    vi.useRealTimers();
    const e = testEnv();
    await startDueCampaigns(e.env, Z('2026-11-30T09:59:00.000Z'), { tenantId: t.tenantId });
    expect(e.fanout.sent.filter((m) => m.body.campaignId === id)).toHaveLength(0);
    await startDueCampaigns(e.env, Z('2026-11-30T10:00:00.000Z'), { tenantId: t.tenantId });
    const kick = e.fanout.sent.find((m) => m.body.campaignId === id);
    expect(kick).toBeDefined();
    await fanoutPage(e.env, kick!.body, Z('2026-11-30T10:00:30.000Z'));
    expect(await jobsOf(id)).toHaveLength(8);

    pin('2026-11-30T11:00:00.000Z');
    const written = await json<{ send_at: string; recipients: number; estimated: boolean }[]>(
      await t.api(`/api/v1/campaigns/${id}/delivery-plan`),
    );
    expect(written.map((p) => [p.send_at, p.recipients, p.estimated])).toEqual(
      plan.map((p) => [p.send_at, p.recipients, false]),
    );
  });

  it('the launch preview says how many will be skipped when their 10:00 has passed, and why', async () => {
    pin('2026-12-01T00:45:00.000Z'); // 11:45 Sydney, 08:45 Perth
    const t = await setupSendTenant();
    await auContacts(t);
    const skip = await create(t, { send_at_local: local('2026-12-01', '10:00', 'skip') });
    const p = await json<{ eligible: number; excluded: Record<string, number>; warnings: string[] }>(
      await t.api(`/api/v1/campaigns/${skip.body.id}/launch-preview`),
    );
    expect(p.eligible).toBe(1);
    expect(p.excluded.local_time_passed).toBe(7);
    expect(p.warnings).toContain(
      '7 recipient(s) will be skipped: 10:00 on 2026-12-01 has already passed where they are.',
    );
    const next = await create(t, { send_at_local: local('2026-12-01', '10:00') });
    const q = await json<{ eligible: number; local_time: Record<string, unknown> }>(
      await t.api(`/api/v1/campaigns/${next.body.id}/launch-preview`),
    );
    expect(q.eligible).toBe(8);
    expect(q.local_time).toMatchObject({ on_time: 1, next_day: 7, skipped: 0 });
    // Launched now: it starts at once (the date has begun everywhere it matters).
    const launched = await t.api(`/api/v1/campaigns/${next.body.id}/launch`, {
      method: 'POST',
      role: 'staff',
    });
    expect(await json(launched)).toMatchObject({ status: 'queued', started_at: '2026-12-01T00:45:00.000Z' });
  });

  it('duplicate copies send_at_local; a copy whose date has passed cannot launch until it is changed', async () => {
    pin('2026-11-20T00:00:00.000Z');
    const t = await setupSendTenant();
    const src = await create(t, { send_at_local: local('2026-11-22', '10:00', 'skip') });
    const copy = await t.api(`/api/v1/campaigns/${src.body.id}/duplicate`, { method: 'POST', role: 'staff' });
    const dup = await json<{ id: string; send_at_local: unknown }>(copy);
    expect(dup.send_at_local).toEqual(local('2026-11-22', '10:00', 'skip'));
    pin('2026-11-25T00:00:00.000Z');
    const launch = await t.api(`/api/v1/campaigns/${dup.id}/launch`, { method: 'POST', role: 'staff' });
    expect(launch.status).toBe(422);
    expect((await json<Problem>(launch)).errors?.[0]?.path).toBe('send_at_local.date');
    const fixed = await t.api(`/api/v1/campaigns/${dup.id}`, {
      method: 'PATCH',
      json: { send_at_local: local('2026-11-29', '10:00', 'skip') },
    });
    expect(fixed.status).toBe(200);
    expect(
      (await t.api(`/api/v1/campaigns/${dup.id}/launch`, { method: 'POST', role: 'staff' })).status,
    ).toBe(202);
  });
});
