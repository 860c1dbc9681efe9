// A/B test with a winner (issue 12, item 4), through the real fan-out and send consumers and the
// cron, with pinned clocks: the test group gets the variants, the cron waits and picks the winner
// by what the test measured, the rest gets only the winner; restarts in the middle (a redelivered
// page, the pick run twice, a crash between the pick and the winner's fan-out) change nothing and
// nobody gets two messages. Plus the API: validation, duplicate, stats.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pickAbWinner } from '../../workers/cron/ab-tests';
import { startDueCampaigns } from '../../workers/cron/campaigns';
import { uuidv7 } from '../../workers/db/ids';
import { auditLog, campaigns, messageTemplates, shortLinks } from '../../workers/db/schema';
import { pickTemplate } from '../../workers/domain/ab-split';
import { inTestGroup } from '../../workers/domain/ab-test';
import { fanoutPage } from '../../workers/queues/fanout';
import { json } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  DAYTIME,
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

const T0 = DAYTIME; // 12:00 in Sydney
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const BEFORE_START = '2026-11-01T00:00:00.000Z';
const AB = { test_share_percent: 20, wait_minutes: 120, metric: 'human_click_rate' as const };

const NO_LINK = 'B: new arrivals in store this week. Reply STOP to opt out';

type Problem = { errors?: { path: string; message: string }[] };

/** A second template (B): longer (two parts) when `long`. */
async function templateB(t: SendTenant, body = 'B: new arrivals at {{link}} Reply STOP to opt out') {
  const id = uuidv7();
  await t.db.insert(messageTemplates).values({ id, tenantId: t.tenantId, name: 'Offer B', body });
  return id;
}

async function abTenant() {
  const t = await setupSendTenant({ templateBody: 'A: 20% off at {{link}} Reply STOP to opt out' });
  await t.db.update(messageTemplates).set({ name: 'Offer A' }).where(eq(messageTemplates.id, t.templateId));
  const b = await templateB(t);
  return { t, a: t.templateId, b };
}

/** The send consumer over these jobs, in batches of 50 (a queue batch is at most 100 messages). */
async function sendAll(e: ReturnType<typeof testEnv>, ids: string[], at: Date) {
  for (let i = 0; i < ids.length; i += 50) await runSend(e, ids.slice(i, i + 50), { clock: () => at });
}

/** Processes the fan-out messages captured since `from`, following the chain; returns the send job ids. */
async function drainFanout(e: ReturnType<typeof testEnv>, now: Date, from: number): Promise<string[]> {
  const sendStart = e.send.sent.length;
  for (let i = from; i < e.fanout.sent.length && i < from + 200; i++) {
    await fanoutPage(e.env, e.fanout.sent[i]?.body as Parameters<typeof fanoutPage>[1], now);
  }
  return e.send.sent.slice(sendStart).map((s) => s.body.jobId);
}

/** Human clicks on the personal links of these recipients. */
async function click(t: SendTenant, campaignId: string, contactIds: string[]) {
  await t.db
    .update(shortLinks)
    .set({ clickCount: 2, humanClickCount: 1, clickedAt: later(5).toISOString() })
    .where(and(eq(shortLinks.campaignId, campaignId), inArray(shortLinks.contactId, contactIds)));
}

describe('A/B test through the queues', () => {
  it('happy: the test group gets the variants, the cron picks the winner after the wait, the rest gets only the winner', async () => {
    const { t, a, b } = await abTenant();
    const people = await addContacts(t.tenantId, 150, { createdAt: BEFORE_START });
    // The split is a hash of random ids: take a campaign id whose test group is a fair 20% sample
    // with both variants in it, so chance never decides the outcome.
    const fair = (id: string) => {
      const group = people.filter((p) => inTestGroup(id, p.id, 20));
      const aCount = group.filter((p) => pickTemplate(id, p.id, [a, b]) === a).length;
      return group.length > 15 && group.length < 50 && aCount > 3 && group.length - aCount > 3;
    };
    let id = uuidv7();
    while (!fair(id)) id = uuidv7();
    const c = await queuedCampaign(t, {
      id,
      templateIds: [a, b],
      targetUrl: 'https://shop.example/sale',
      abTest: AB,
      abPhase: 'test',
      startedAt: T0.toISOString(),
    });
    const e = testEnv();
    const tw = mockTwilio(undefined, () => T0);

    // Phase 1: only the test group, variants split between A and B.
    const testIds = await runFanout(e, c, T0);
    const testGroup = people.filter((p) => inTestGroup(c.id, p.id, 20));
    expect(testGroup.length).toBeGreaterThan(15);
    expect(testGroup.length).toBeLessThan(50);
    let jobs = await jobsOf(c.id);
    expect(jobs.map((j) => j.contactId).sort()).toEqual(testGroup.map((p) => p.id).sort());
    expect(testIds).toHaveLength(testGroup.length);
    const byTemplate = (tid: string) => jobs.filter((j) => j.templateId === tid);
    expect(byTemplate(a).length).toBeGreaterThan(3);
    expect(byTemplate(b).length).toBeGreaterThan(3);
    let row = await campaignRow(c.id);
    expect(row).toMatchObject({ abPhase: 'test', audienceCount: testGroup.length, status: 'running' });

    // Restart: the first page delivered again changes nothing.
    await fanoutPage(e.env, { campaignId: c.id, tenantId: t.tenantId, cursor: null }, later(1));
    expect(await jobsOf(c.id)).toHaveLength(testGroup.length);
    expect((await campaignRow(c.id)).audienceCount).toBe(testGroup.length);

    await sendAll(e, testIds, T0);
    expect(tw.calls).toHaveLength(testGroup.length);
    // The test is sent, but the campaign is not done: the rest still waits for the winner.
    await startDueCampaigns(e.env, later(1), { tenantId: t.tenantId });
    row = await campaignRow(c.id);
    expect(row).toMatchObject({
      status: 'running',
      abPhase: 'waiting',
      abDecideAt: later(120).toISOString(),
    });

    // B's recipients click more (two of them per three), A's one.
    jobs = await jobsOf(c.id);
    const bClickers = byTemplate(b)
      .filter((_, i) => i % 3 !== 2)
      .map((j) => j.contactId);
    const aClickers = byTemplate(a)
      .slice(0, 1)
      .map((j) => j.contactId);
    await click(t, c.id, [...aClickers, ...bClickers]);

    // Not yet: 119 minutes after the last test message.
    const fanoutBefore = e.fanout.sent.length;
    await startDueCampaigns(e.env, later(119), { tenantId: t.tenantId });
    expect((await campaignRow(c.id)).abPhase).toBe('waiting');
    expect(e.fanout.sent.length).toBe(fanoutBefore);

    await startDueCampaigns(e.env, later(121), { tenantId: t.tenantId });
    row = await campaignRow(c.id);
    expect(row).toMatchObject({
      abPhase: 'winner',
      abWinnerTemplateId: b,
      fanoutCursor: null,
      fanoutDoneAt: null,
    });
    const result = row.abResult as {
      reason: string;
      decided_at: string;
      variants: { template_id: string }[];
    };
    expect(result.decided_at).toBe(later(121).toISOString());
    expect(result.reason).toContain('“Offer B” won on human click rate');
    expect(result.reason).toContain(`(${bClickers.length} of ${byTemplate(b).length} clicked)`);
    expect(result.reason).toContain(`“Offer A” ${((100 * 1) / byTemplate(a).length).toFixed(1)}%`);
    expect(e.fanout.sent.length).toBe(fanoutBefore + 1);
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'campaign.ab_winner_picked'));
    expect(audit?.resourceId).toBe(c.id);

    // The pick run twice (another cron run): nothing more happens.
    expect(await pickAbWinner(e.env, t.shard, c.id, later(122))).toBe(false);
    await startDueCampaigns(e.env, later(122), { tenantId: t.tenantId });
    expect(e.fanout.sent.length).toBe(fanoutBefore + 1);

    // Meanwhile a new contact joined: it is not in the test group (created after the start), it gets the winner.
    const [newcomer] = await addContacts(t.tenantId, 1, { createdAt: later(60).toISOString() });

    // Phase 2: everyone else, the winner only.
    const restIds = await drainFanout(e, later(121), fanoutBefore);
    const rest = [...people.filter((p) => !testGroup.includes(p)), newcomer!];
    expect(restIds).toHaveLength(rest.length);
    jobs = await jobsOf(c.id);
    const phase2 = jobs.filter((j) => restIds.includes(j.id));
    expect(phase2.every((j) => j.templateId === b)).toBe(true);
    expect(phase2.map((j) => j.contactId).sort()).toEqual(rest.map((p) => p.id).sort());
    expect(jobs).toHaveLength(people.length + 1);
    expect((await campaignRow(c.id)).audienceCount).toBe(people.length + 1);

    await sendAll(e, restIds, later(121));
    // Nobody got two messages; everyone got exactly one.
    const to = tw.calls.map((x) => x.to);
    expect(new Set(to).size).toBe(to.length);
    expect(to.length).toBe(people.length + 1);
    expect((await campaignRow(c.id)).status).toBe('completed');

    const stats = await json<{ ab: Record<string, unknown>; by_template: { template_id: string }[] }>(
      await t.api(`/api/v1/campaigns/${c.id}/stats`),
    );
    expect(stats.ab).toMatchObject({
      phase: 'done',
      winner_template_id: b,
      test_share_percent: 20,
      wait_minutes: 120,
      metric: 'human_click_rate',
      decided_by: 'human_click_rate',
      decide_at: later(120).toISOString(),
      decided_at: later(121).toISOString(),
    });
    expect(String(stats.ab.reason)).toContain('won on human click rate');
    expect(
      (stats.ab.variants as { template_id: string; clickers: number }[]).map((v) => v.template_id).sort(),
    ).toEqual([a, b].sort());
  });

  it('restart: a crash between the pick and the winner’s fan-out is picked up by the stalled fan-out check', async () => {
    const { t, a, b } = await abTenant();
    const people = await addContacts(t.tenantId, 40, { createdAt: BEFORE_START });
    const c = await queuedCampaign(t, {
      templateIds: [a, b],
      targetUrl: 'https://shop.example/sale',
      abTest: { ...AB, test_share_percent: 50, wait_minutes: 60 },
      abPhase: 'test',
      startedAt: T0.toISOString(),
    });
    const e = testEnv();
    mockTwilio(undefined, () => T0);
    const testIds = await runFanout(e, c, T0);
    await sendAll(e, testIds, T0);
    await startDueCampaigns(e.env, later(1), { tenantId: t.tenantId });

    // The fan-out message is lost as the pick is recorded (the queue is down).
    const broken = {
      ...e.env,
      FANOUT_QUEUE: {
        ...e.fanout,
        send: async () => {
          throw new Error('queue unavailable');
        },
      },
    } as unknown as Env;
    await startDueCampaigns(broken, later(61), { tenantId: t.tenantId });
    const picked = await campaignRow(c.id);
    expect(picked.abPhase).toBe('winner');
    const before = e.fanout.sent.length;

    // Ten minutes on, the cron sees the winner's fan-out has not moved and starts it from the top.
    await startDueCampaigns(e.env, later(72), { tenantId: t.tenantId });
    expect(e.fanout.sent.length).toBe(before + 1);
    expect(e.fanout.sent[before]?.body).toMatchObject({ campaignId: c.id, cursor: null });
    const restIds = await drainFanout(e, later(72), before);
    // The same page delivered again (a duplicate kick): still one job per contact.
    await fanoutPage(e.env, { campaignId: c.id, tenantId: t.tenantId, cursor: null }, later(73));
    const jobs = await jobsOf(c.id);
    expect(jobs).toHaveLength(people.length);
    expect(new Set(jobs.map((j) => j.contactId)).size).toBe(people.length);
    expect(restIds.length + testIds.length).toBe(people.length);
    expect(
      jobs.filter((j) => restIds.includes(j.id)).every((j) => j.templateId === picked.abWinnerTemplateId),
    ).toBe(true);
  });

  it('a tie goes to the cheaper variant; without a link the delivery rate decides', async () => {
    const t = await setupSendTenant({ templateBody: 'Short one. Reply STOP to opt out' });
    const long = await templateB(
      t,
      `A much longer message that does not fit in one part. ${'Lots of words here. '.repeat(8)}Reply STOP to opt out`,
    );
    await addContacts(t.tenantId, 60, { createdAt: BEFORE_START });
    const c = await queuedCampaign(t, {
      templateIds: [long, t.templateId],
      abTest: { test_share_percent: 50, wait_minutes: 60, metric: 'human_click_rate' },
      abPhase: 'test',
      startedAt: T0.toISOString(),
    });
    const e = testEnv();
    mockTwilio(undefined, () => T0);
    await runSend(e, await runFanout(e, c, T0), { clock: () => T0 });
    // Every test message delivered: the same delivery rate for both.
    await t.db.run(
      sql`UPDATE send_jobs SET status = 'delivered', delivered_at = ${T0.toISOString()} WHERE campaign_id = ${c.id}`,
    );
    await startDueCampaigns(e.env, later(1), { tenantId: t.tenantId });
    await startDueCampaigns(e.env, later(61), { tenantId: t.tenantId });
    const row = await campaignRow(c.id);
    expect(row.abWinnerTemplateId).toBe(t.templateId);
    const result = row.abResult as { metric: string; tie_break: string; reason: string };
    expect(result).toMatchObject({ metric: 'delivery_rate', tie_break: 'cost' });
    expect(result.reason).toMatch(/^No template has a link, so the delivery rate decided/);
    expect(result.reason).toContain('tied on delivery rate at 100.0%');
    // (the Twilio mock reports one segment for every message; the price is the rendered parts')
    expect(result.reason).toContain(
      '“Offer” won as the cheaper one: 5¢ and 1 part(s) per message against 10¢',
    );
  });

  it('paused while waiting: no pick until resumed; cancelled: never', async () => {
    const { t, a, b } = await abTenant();
    const people = await addContacts(t.tenantId, 10, { createdAt: BEFORE_START });
    // Ten people split 50/50 by a hash of random ids: make sure both phases have someone.
    const bothPhases = () => {
      for (;;) {
        const id = uuidv7();
        const tested = people.filter((p) => inTestGroup(id, p.id, 50)).length;
        if (tested > 0 && tested < people.length) return id;
      }
    };
    const c = await queuedCampaign(t, {
      id: bothPhases(),
      templateIds: [a, b],
      targetUrl: 'https://shop.example/sale',
      abTest: { ...AB, test_share_percent: 50, wait_minutes: 60 },
      abPhase: 'test',
      startedAt: T0.toISOString(),
    });
    const e = testEnv();
    mockTwilio(undefined, () => T0);
    await runSend(e, await runFanout(e, c, T0), { clock: () => T0 });
    await startDueCampaigns(e.env, later(1), { tenantId: t.tenantId });
    await t.db.update(campaigns).set({ status: 'paused' }).where(eq(campaigns.id, c.id));
    await startDueCampaigns(e.env, later(90), { tenantId: t.tenantId });
    expect((await campaignRow(c.id)).abPhase).toBe('waiting');
    await t.db.update(campaigns).set({ status: 'running' }).where(eq(campaigns.id, c.id));
    await startDueCampaigns(e.env, later(91), { tenantId: t.tenantId });
    expect((await campaignRow(c.id)).abPhase).toBe('winner');

    // Cancelled while waiting: the winner is never picked nor sent.
    const d = await queuedCampaign(t, {
      id: bothPhases(),
      templateIds: [a, b],
      targetUrl: 'https://shop.example/sale',
      abTest: { ...AB, test_share_percent: 50, wait_minutes: 60 },
      abPhase: 'test',
      startedAt: T0.toISOString(),
    });
    await sendAll(e, await runFanout(e, d, T0), T0);
    await startDueCampaigns(e.env, later(1), { tenantId: t.tenantId });
    const cancel = await t.api(`/api/v1/campaigns/${d.id}/cancel`, { method: 'POST', role: 'staff' });
    expect(cancel.status).toBe(200);
    const forD = () => e.fanout.sent.filter((m) => m.body.campaignId === d.id).length;
    const fanouts = forD();
    await startDueCampaigns(e.env, later(300), { tenantId: t.tenantId });
    expect(await campaignRow(d.id)).toMatchObject({
      status: 'completed',
      abPhase: 'waiting',
      abWinnerTemplateId: null,
    });
    expect(forD()).toBe(fanouts);
  });
});

describe('A/B test API', () => {
  async function create(t: SendTenant, body: Record<string, unknown>) {
    const res = await t.api('/api/v1/campaigns', {
      method: 'POST',
      role: 'staff',
      json: { name: 'Spring A/B', template_ids: [t.templateId], ...body },
    });
    return { res, body: await json<Problem & Record<string, unknown>>(res) };
  }

  it('error: settings out of range, unknown metric, one template: 422 with the path', async () => {
    const t = await setupSendTenant();
    const b = await templateB(t, NO_LINK);
    const two = [t.templateId, b];
    const cases: [Record<string, unknown>, string][] = [
      [{ template_ids: two, ab_test: { ...AB, test_share_percent: 4 } }, 'ab_test.test_share_percent'],
      [{ template_ids: two, ab_test: { ...AB, test_share_percent: 51 } }, 'ab_test.test_share_percent'],
      [{ template_ids: two, ab_test: { ...AB, test_share_percent: 12.5 } }, 'ab_test.test_share_percent'],
      [{ template_ids: two, ab_test: { ...AB, wait_minutes: 59 } }, 'ab_test.wait_minutes'],
      [{ template_ids: two, ab_test: { ...AB, wait_minutes: 4321 } }, 'ab_test.wait_minutes'],
      [{ template_ids: two, ab_test: { ...AB, metric: 'open_rate' } }, 'ab_test.metric'],
      [{ template_ids: two, ab_test: { test_share_percent: 20 } }, 'ab_test.wait_minutes'],
      [{ template_ids: [t.templateId], ab_test: AB }, 'ab_test'],
      [{ template_ids: [t.templateId, t.templateId], ab_test: AB }, 'ab_test'],
    ];
    for (const [body, path] of cases) {
      const r = await create(t, body);
      expect(r.res.status, JSON.stringify(body)).toBe(422);
      expect(
        r.body.errors?.map((x) => x.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    // The limits themselves are fine, and metric defaults to human_click_rate.
    const ok = await create(t, {
      template_ids: two,
      ab_test: { test_share_percent: 50, wait_minutes: 4320 },
    });
    expect(ok.res.status).toBe(201);
    expect(ok.body.ab_test).toEqual({
      test_share_percent: 50,
      wait_minutes: 4320,
      metric: 'human_click_rate',
    });
    // PATCH down to one template while the test is on: 422; removing the test: fine.
    const id = ok.body.id as string;
    const patch = await t.api(`/api/v1/campaigns/${id}`, { method: 'PATCH', json: { template_ids: [b] } });
    expect(patch.status).toBe(422);
    const off = await t.api(`/api/v1/campaigns/${id}`, {
      method: 'PATCH',
      json: { template_ids: [b], ab_test: null },
    });
    expect(off.status).toBe(200);
    expect((await json<{ ab_test: unknown }>(off)).ab_test).toBeNull();
  });

  it('happy: launch starts the test phase; duplicate copies the settings; stats say where the test stands', async () => {
    const t = await setupSendTenant();
    const b = await templateB(t, NO_LINK);
    const created = await create(t, { template_ids: [t.templateId, b], ab_test: AB });
    const id = created.body.id as string;
    const before = await json<{ ab: Record<string, unknown> }>(await t.api(`/api/v1/campaigns/${id}/stats`));
    expect(before.ab).toMatchObject({ phase: 'not_started', winner_template_id: null, reason: null });

    const copy = await t.api(`/api/v1/campaigns/${id}/duplicate`, { method: 'POST', role: 'staff' });
    expect(copy.status).toBe(201);
    expect(await json(copy)).toMatchObject({
      status: 'draft',
      ab_test: AB,
      ab_phase: null,
      send_at_local: null,
    });

    const launched = await t.api(`/api/v1/campaigns/${id}/launch`, { method: 'POST', role: 'staff' });
    expect(launched.status).toBe(202);
    expect(await json(launched)).toMatchObject({ status: 'queued', ab_phase: 'test' });
    const stats = await json<{ ab: Record<string, unknown> }>(await t.api(`/api/v1/campaigns/${id}/stats`));
    expect(stats.ab).toMatchObject({ phase: 'test', test_share_percent: 20, metric: 'human_click_rate' });

    // A campaign without a test has no `ab`.
    const plain = await create(t, {});
    const plainStats = await json<{ ab: unknown }>(await t.api(`/api/v1/campaigns/${plain.body.id}/stats`));
    expect(plainStats.ab).toBeNull();
  });

  it('launch preview: the expected split, and the delivery rate decides when no template has a link', async () => {
    const t = await setupSendTenant();
    const b = await templateB(t, NO_LINK);
    await addContacts(t.tenantId, 10);
    const created = await create(t, {
      template_ids: [t.templateId, b],
      ab_test: { ...AB, test_share_percent: 30 },
    });
    const p = await json<{ eligible: number; ab_test: Record<string, unknown>; warnings: string[] }>(
      await t.api(`/api/v1/campaigns/${created.body.id}/launch-preview`),
    );
    expect(p.eligible).toBe(10);
    expect(p.ab_test).toMatchObject({ test_group: 3, rest: 7, metric: 'delivery_rate' });
    expect(p.warnings).toContain(
      'No template has a link, so the A/B test will pick the winner by delivery rate.',
    );
  });
});
