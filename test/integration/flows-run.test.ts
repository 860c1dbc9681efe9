// Issue 14, item 3: automation flows run by their Durable Object runners, end to end: the runner
// queues each step's message on the real send queue binding, the real send consumer sends it to a
// Twilio fake, clicks go through the real click recorder, every clock pinned. A three-step flow
// (welcome with a personal link → "clicked within 2 days?" → reminder or thanks) across quiet
// hours and a crash between queueing a message and recording the move.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FlowRunner } from '../../durable-objects/flow-runner';
import { flowEnrolments, flows } from '../../workers/db/schema';
import { enrolContact } from '../../workers/flows/enrol';
import { runFlowPage } from '../../workers/flows/queue';
import { json } from '../helpers/fixtures';
import {
  addTemplate,
  captureFlowQueue,
  captureSendQueue,
  createFlow,
  directMessage,
  enrolment,
  flowLinks,
  humanClick,
  manualTimers,
  runner,
  stepRuns,
} from '../helpers/flows';
import {
  addContacts,
  mockTwilio,
  runDirect,
  type SendTenant,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';
import { inbound } from '../helpers/twilio-webhooks';

beforeAll(() => manualTimers());
afterEach(() => vi.restoreAllMocks());

// 23:00 in Sydney (AEDT, UTC+11) on 25 Nov 2026: inside the flow's quiet hours (20:00–09:00).
const NIGHT = new Date('2026-11-25T12:00:00.000Z');
const NINE_AM = new Date('2026-11-25T22:00:00.000Z'); // 09:00 on 26 Nov in Sydney
const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
const TWO_DAYS = 2 * 24 * 60;

async function welcomeFlow(t: SendTenant) {
  const welcome = await addTemplate(t, 'Welcome {{first_name}}! Your 10% code: {{link}}');
  const reminder = await addTemplate(t, 'Still thinking, {{first_name}}? Your code ends soon: {{link}}');
  const thanks = await addTemplate(t, 'Glad you had a look, {{first_name}}!');
  const flow = await createFlow(t, {
    steps: [
      { type: 'send', template_id: welcome, target_url: 'https://shop.example.com/welcome' },
      {
        type: 'branch',
        on: 'clicked',
        within_minutes: TWO_DAYS,
        // biome-ignore lint/suspicious/noThenProperty: the API's name for a branch's arm
        then: [{ type: 'send', template_id: thanks }],
        else: [{ type: 'send', template_id: reminder, target_url: 'https://shop.example.com/reminder' }],
      },
    ],
  });
  const row = await t.db.query.flows.findFirst({ where: eq(flows.id, flow.id) });
  return { flow: row!, welcome, reminder, thanks };
}

async function enrolAt(t: SendTenant, flow: typeof flows.$inferSelect, contactId: string, now: Date) {
  const r = await enrolContact(env, t.db, { flow, contactId, source: { type: 'api' }, now });
  if (r.kind !== 'enrolled') throw new Error(`not enrolled: ${r.kind}`);
  return r.enrolmentId;
}

describe('a three-step flow with a branch', () => {
  it('happy: waits out quiet hours, survives a crash after queueing, sends once per step, reminds when nobody clicked', async () => {
    const t = await setupSendTenant();
    const [ada] = await addContacts(t.tenantId, 1, { firstName: 'Ada' });
    const { flow } = await welcomeFlow(t);
    const queue = captureSendQueue();
    const e = testEnv();

    // Enrolled at 23:00 in Sydney: the welcome waits for 09:00, nothing is queued at night.
    const id = await enrolAt(t, flow, ada!.id, NIGHT);
    expect(await runner(id).runAt(NIGHT.toISOString())).toBe(NINE_AM.toISOString());
    expect(await runner(id).due()).toBe(NINE_AM.toISOString());
    expect(queue).toHaveLength(0);

    // 09:00: the runner queues the welcome, then crashes before recording the move (the platform
    // retries the alarm). The retry finds the message it queued: one SMS, not two.
    const batch = vi.spyOn(t.shard.d1, 'batch');
    batch.mockImplementationOnce(() => Promise.reject(new Error('D1 went away')));
    const crashed = await runInDurableObject(runner(id), (r: FlowRunner) =>
      r.runAt(NINE_AM.toISOString()).then(
        () => 'ran',
        (err: Error) => err.message,
      ),
    );
    batch.mockRestore();
    expect(crashed).toBe('D1 went away');
    expect(await enrolment(t, id)).toMatchObject({ currentStepId: flow.steps[0]!.id, version: 0 });
    const messages = () => new Set(queue.map((q) => q.messageId));
    expect(messages().size).toBe(1);
    const branchDue = at(NINE_AM, TWO_DAYS + 1).toISOString();
    expect(await runner(id).runAt(at(NINE_AM, 1).toISOString())).toBe(branchDue);
    // The retry found the message it had queued (a lost queue message is sent again: harmless).
    expect(messages().size).toBe(1);
    // A duplicate wake-up (an alarm racing a resume) changes nothing either.
    await Promise.all([
      runner(id).runAt(at(NINE_AM, 2).toISOString()),
      runner(id).runAt(at(NINE_AM, 2).toISOString()),
    ]);
    expect(messages().size).toBe(1);

    const tw = mockTwilio(undefined, () => at(NINE_AM, 3));
    await runDirect(e, [queue[0]!], { clock: () => at(NINE_AM, 3) });
    expect(tw.calls).toHaveLength(1);
    const [link] = await flowLinks(t, id);
    expect(tw.calls[0]!.body).toBe(
      `Welcome Ada! Your 10% code: https://sms.example.test/l/${link!.token}\nReply STOP to opt out`,
    );
    expect(link).toMatchObject({ campaignId: null, flowId: flow.id, flowStepId: flow.steps[0]!.id });
    expect((await directMessage(t, queue[0]!.messageId)).status).toBe('sent');

    // A day later the branch is still open; two days after the welcome nobody has clicked.
    expect(await runner(id).runAt(at(NINE_AM, 24 * 60).toISOString())).toBe(branchDue);
    expect(messages().size).toBe(1);
    expect(await runner(id).runAt(branchDue)).toBeNull();
    expect(messages().size).toBe(2);
    await runDirect(e, [queue.at(-1)!], { clock: () => at(NINE_AM, TWO_DAYS + 2) });
    expect(tw.calls).toHaveLength(2);
    expect(tw.calls[1]!.body).toMatch(
      /^Still thinking, Ada\? Your code ends soon: https:\/\/sms\.example\.test\/l\//,
    );
    expect(await enrolment(t, id)).toMatchObject({ status: 'completed', currentStepId: null });
    const runs = await stepRuns(t, id);
    expect(runs.map((r) => [r.stepType, r.outcome])).toEqual([
      ['send', 'queued'],
      ['branch', 'else'],
      ['send', 'queued'],
    ]);

    const stats = await json<{
      steps: {
        type: string;
        entered: number;
        sent: number;
        clicked: number;
        exited: number;
        then_count: number | null;
        else_count: number | null;
      }[];
      messages_sent: number;
      cost_cents: number;
    }>(await t.api(`/api/v1/flows/${flow.id}/stats`));
    expect(stats.steps.map((s) => [s.type, s.entered, s.sent, s.clicked, s.exited])).toEqual([
      ['send', 1, 1, 0, 0],
      ['branch', 1, 0, 0, 0],
      ['send', 0, 0, 0, 0],
      ['send', 1, 1, 0, 0],
    ]);
    expect(stats.steps[1]).toMatchObject({ then_count: 0, else_count: 1 });
    expect(stats).toMatchObject({ messages_sent: 2, cost_cents: 10 });
  });

  it('happy: a click within the window takes the other arm; the flow message waits for the morning at the sender too', async () => {
    const t = await setupSendTenant();
    const [ada] = await addContacts(t.tenantId, 1, { firstName: 'Ada' });
    const { flow } = await welcomeFlow(t);
    const queue = captureSendQueue();
    const e = testEnv();
    const id = await enrolAt(t, flow, ada!.id, NINE_AM);
    await runner(id).runAt(NINE_AM.toISOString());
    expect(queue).toHaveLength(1);

    // The queue hands it over late at night (a backlog): the sender holds it until 09:00.
    const tw = mockTwilio(undefined, () => at(NIGHT, 24 * 60));
    const held = await runDirect(e, [queue[0]!], { clock: () => at(NIGHT, 24 * 60) });
    expect(tw.calls).toHaveLength(0);
    expect(held.explicitAcks).toHaveLength(1);
    expect(e.send.sent.at(-1)?.delaySeconds).toBe(10 * 3600);
    await runDirect(e, [queue[0]!], { clock: () => at(NINE_AM, 60) });
    expect(tw.calls).toHaveLength(1);

    const [link] = await flowLinks(t, id);
    await humanClick(link!.token, at(NINE_AM, 90));
    expect(await runner(id).runAt(at(NINE_AM, TWO_DAYS).toISOString())).toBeNull();
    expect(queue).toHaveLength(2);
    expect((await directMessage(t, queue[1]!.messageId)).body).toBe(
      'Glad you had a look, Ada!\nReply STOP to opt out',
    );
    const stats = await json<{ steps: { entered: number; clicked: number; then_count: number | null }[] }>(
      await t.api(`/api/v1/flows/${flow.id}/stats`),
    );
    expect(stats.steps[0]).toMatchObject({ entered: 1, clicked: 1 });
    expect(stats.steps[1]).toMatchObject({ then_count: 1 });
  });

  it('invariant: a STOP ends the enrolment at once; its queued message is never sent and nothing more is queued', async () => {
    const t = await setupSendTenant();
    const [ada] = await addContacts(t.tenantId, 1);
    const { flow } = await welcomeFlow(t);
    const queue = captureSendQueue();
    const id = await enrolAt(t, flow, ada!.id, NINE_AM);
    await runner(id).runAt(NINE_AM.toISOString());
    const res = await inbound(ada!.phoneE164, t.numberPhones[0]!, 'STOP');
    expect(res.status).toBe(200);
    expect(await enrolment(t, id)).toMatchObject({ status: 'exited', exitReason: 'opted_out' });
    const tw = mockTwilio();
    await runDirect(testEnv(), [queue[0]!], { clock: () => at(NINE_AM, 5) });
    expect(tw.calls).toHaveLength(0);
    expect(await runner(id).runAt(at(NINE_AM, TWO_DAYS).toISOString())).toBeNull();
    expect(queue).toHaveLength(1);
    const stats = await json<{ steps: { exited: number }[]; enrolments: { exited: number } }>(
      await t.api(`/api/v1/flows/${flow.id}/stats`),
    );
    expect(stats.steps[1]!.exited).toBe(1);
    expect(stats.enrolments.exited).toBe(1);
  });

  it('pausing holds enrolments and their queued messages; resuming wakes them where they were', async () => {
    const t = await setupSendTenant();
    const [ada] = await addContacts(t.tenantId, 1);
    const { flow } = await welcomeFlow(t);
    const queue = captureSendQueue();
    const flowQueue = captureFlowQueue();
    const e = testEnv();
    const id = await enrolAt(t, flow, ada!.id, NINE_AM);
    await runner(id).runAt(NINE_AM.toISOString());

    expect(
      (await t.api(`/api/v1/flows/${flow.id}`, { method: 'PATCH', json: { is_active: false } })).status,
    ).toBe(200);
    const tw = mockTwilio();
    const held = await runDirect(e, [queue[0]!], { clock: () => at(NINE_AM, 1) });
    expect(held.explicitAcks).toHaveLength(1);
    expect(tw.calls).toHaveLength(0);
    expect((await directMessage(t, queue[0]!.messageId)).status).toBe('queued');
    // Its branch comes due while paused: held, no alarm, nothing queued.
    expect(await runner(id).runAt(at(NINE_AM, TWO_DAYS).toISOString())).toBeNull();
    expect((await enrolment(t, id)).heldAt).not.toBeNull();
    expect(queue).toHaveLength(1);

    expect(
      (await t.api(`/api/v1/flows/${flow.id}`, { method: 'PATCH', json: { is_active: true } })).status,
    ).toBe(200);
    expect(flowQueue).toEqual([{ type: 'wake', tenantId: t.tenantId, flowId: flow.id, cursor: null }]);
    expect(await runFlowPage(env, flowQueue[0] as never, at(NINE_AM, TWO_DAYS + 10))).toBeNull();
    expect(await runner(id).due()).toBe(at(NINE_AM, TWO_DAYS + 10).toISOString());
    await runner(id).runAt(at(NINE_AM, TWO_DAYS + 10).toISOString());
    expect(queue).toHaveLength(2);
    await runDirect(e, [queue[0]!], { clock: () => at(NINE_AM, TWO_DAYS + 11) });
    expect(tw.calls).toHaveLength(1);
  });

  it('each enrolment once per contact and flow, unless re-entry is allowed (and never two at once)', async () => {
    const t = await setupSendTenant();
    const [ada] = await addContacts(t.tenantId, 1);
    const { flow } = await welcomeFlow(t);
    captureSendQueue();
    const first = await Promise.all(
      [1, 2, 3].map(() =>
        enrolContact(env, t.db, { flow, contactId: ada!.id, source: { type: 'api' }, now: NINE_AM }),
      ),
    );
    expect(first.filter((r) => r.kind === 'enrolled')).toHaveLength(1);
    const id = (first.find((r) => r.kind === 'enrolled') as { enrolmentId: string }).enrolmentId;
    await t.db.update(flowEnrolments).set({ status: 'completed' }).where(eq(flowEnrolments.id, id));
    expect(
      (await enrolContact(env, t.db, { flow, contactId: ada!.id, source: { type: 'api' }, now: NINE_AM }))
        .kind,
    ).toBe('already');
    const again = { ...flow, allowReentry: true };
    const second = await Promise.all(
      [1, 2].map(() =>
        enrolContact(env, t.db, { flow: again, contactId: ada!.id, source: { type: 'api' }, now: NINE_AM }),
      ),
    );
    expect(second.filter((r) => r.kind === 'enrolled')).toHaveLength(1);
  });
});

describe('the runner alarm', () => {
  it('happy: the Durable Object alarm runs a due enrolment (no pinned clock needed: no quiet hours)', async () => {
    const t = await setupSendTenant();
    const [ada] = await addContacts(t.tenantId, 1);
    const welcome = await addTemplate(t, 'Hello from the flow');
    const created = await createFlow(t, {
      quiet_hours_start: '00:00',
      quiet_hours_end: '00:00',
      steps: [
        { type: 'send', template_id: welcome },
        { type: 'wait', minutes: 60 },
      ],
    });
    const queue = captureSendQueue();
    const { runDurableObjectAlarm } = await import('cloudflare:test');
    const { useManualFlowTimers } = await import('../../durable-objects/flow-runner');
    useManualFlowTimers(false);
    try {
      const res = await t.api(`/api/v1/flows/${created.id}/enroll`, {
        method: 'POST',
        json: { contact_id: ada!.id },
      });
      expect(res.status).toBe(202);
      const { enrolment_id } = await json<{ enrolment_id: string }>(res);
      // The alarm may already have fired on its own; either way the message is queued once.
      await runDurableObjectAlarm(runner(enrolment_id));
      for (let i = 0; i < 50 && queue.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(queue).toHaveLength(1);
      const due = await runner(enrolment_id).due();
      expect(due).not.toBeNull();
      expect((await enrolment(t, enrolment_id)).currentStepId).toBe(created.steps[1]!.id);
    } finally {
      useManualFlowTimers(true);
    }
  });
});
