// Direct messages (workers/direct/): one SMS to one person outside a campaign, with a campaign
// message's guarantees. Replies, test sends, confirmations and flow steps all go through here.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addDoNotContactRow } from '../../workers/db/do-not-contact';
import { directMessages } from '../../workers/db/schema';
import { queueDirectMessage } from '../../workers/direct/queue';
import { requeueLostDirect } from '../../workers/direct/requeue';
import { addContacts, DAYTIME, mockTwilio, runDirect, setupSendTenant, testEnv } from '../helpers/send-setup';
import { postTwilio } from '../helpers/twilio-webhooks';

afterEach(() => {
  vi.restoreAllMocks();
});

const NIGHT = new Date('2026-11-25T12:00:00.000Z'); // 23:00 in Sydney

async function row(t: { db: import('../../workers/db/client').Db }, id: string) {
  const [r] = await t.db.select().from(directMessages).where(eq(directMessages.id, id));
  return r!;
}

describe('direct messages', () => {
  it('happy: queued once per key, sent once with a callback naming the message, delivered by the receipt', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    const e = testEnv();
    const ask = {
      tenantId: t.tenantId,
      kind: 'reply' as const,
      dedupeKey: 'reply:1',
      toPhone: who!.phoneE164,
      contactId: who!.id,
      body: 'Thanks, see you Saturday',
    };
    const first = await queueDirectMessage(e.env, t.db, ask, DAYTIME);
    const again = await queueDirectMessage(e.env, t.db, ask, DAYTIME);
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });

    const tw = mockTwilio();
    // Both queue copies arrive: one SMS.
    const result = await runDirect(e, [
      { messageId: first.id, tenantId: t.tenantId },
      { messageId: first.id, tenantId: t.tenantId },
    ]);
    expect(result.retryMessages).toHaveLength(0);
    expect(tw.calls).toHaveLength(1);
    expect(tw.calls[0]!.to).toBe(who!.phoneE164);
    expect(tw.calls[0]!.from).toBe(t.numberPhones[0]);
    expect(tw.calls[0]!.form.get('StatusCallback')).toBe(
      `https://sms.example.test/webhooks/twilio/status?t=${t.tenantId}&m=${first.id}`,
    );
    const sent = await row(t, first.id);
    expect(sent.status).toBe('sent');
    expect(sent.costCents).toBe(5);
    expect(sent.providerMessageId).toMatch(/^SM/);

    // A redelivery after sending sends nothing more.
    await runDirect(e, [{ messageId: first.id, tenantId: t.tenantId }]);
    expect(tw.calls).toHaveLength(1);

    vi.restoreAllMocks();
    // The URL our send path gave Twilio names the message directly.
    const res = await postTwilio(
      '/webhooks/twilio/status',
      {
        AccountSid: env.TWILIO_ACCOUNT_SID,
        MessageSid: sent.providerMessageId ?? '',
        MessageStatus: 'delivered',
      },
      { query: `?t=${t.tenantId}&m=${first.id}` },
    );
    expect(res.status).toBe(200);
    expect((await row(t, first.id)).status).toBe('delivered');
  });

  it('security: never texts a number on do-not-contact, even when it opts out after the request', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    const e = testEnv();
    const q = await queueDirectMessage(e.env, t.db, {
      tenantId: t.tenantId,
      kind: 'test',
      dedupeKey: 'test:1',
      toPhone: who!.phoneE164,
      body: 'Test: spring sale',
    });
    await addDoNotContactRow(t.db, t.tenantId, who!.phoneE164, 'STOP');
    const tw = mockTwilio();
    const result = await runDirect(e, [{ messageId: q.id, tenantId: t.tenantId }], { clock: () => DAYTIME });
    expect(result.explicitAcks).toHaveLength(1);
    expect(tw.calls).toHaveLength(0);
    const r = await row(t, q.id);
    expect(r.status).toBe('failed');
    expect(r.failureReason).toBe('do_not_contact');
  });

  it('happy: a flow step waits out quiet hours in the recipient zone; a reply does not', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    const e = testEnv();
    const flow = await queueDirectMessage(e.env, t.db, {
      tenantId: t.tenantId,
      kind: 'flow',
      dedupeKey: 'flow:a:1',
      toPhone: who!.phoneE164,
      contactId: who!.id,
      body: 'Welcome!',
      quietHours: { start: '20:00', end: '09:00' },
    });
    const reply = await queueDirectMessage(e.env, t.db, {
      tenantId: t.tenantId,
      kind: 'reply',
      dedupeKey: 'reply:night',
      toPhone: who!.phoneE164,
      body: 'Yes, we are open tomorrow',
    });
    const tw = mockTwilio(undefined, () => NIGHT);
    const queuedBefore = e.send.sent.length;
    await runDirect(
      e,
      [
        { messageId: flow.id, tenantId: t.tenantId },
        { messageId: reply.id, tenantId: t.tenantId },
      ],
      { clock: () => NIGHT },
    );
    expect(tw.calls.map((c) => c.body)).toEqual(['Yes, we are open tomorrow']);
    expect((await row(t, flow.id)).status).toBe('queued');
    // The flow step comes back when the window opens: 09:00 Sydney is 10 h after 23:00.
    const requeued = e.send.sent.slice(queuedBefore);
    expect(requeued).toHaveLength(1);
    expect(requeued[0]!.delaySeconds).toBe(10 * 3600);
  });

  it('error: a paused tenant fails a person’s request with its reason and holds automation', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    const e = testEnv();
    expect((await t.api('/api/v1/tenant', { method: 'PATCH', json: { is_paused: true } })).status).toBe(200);
    const test = await queueDirectMessage(e.env, t.db, {
      tenantId: t.tenantId,
      kind: 'test',
      dedupeKey: 'test:paused',
      toPhone: who!.phoneE164,
      body: 'Test',
    });
    const flow = await queueDirectMessage(e.env, t.db, {
      tenantId: t.tenantId,
      kind: 'flow',
      dedupeKey: 'flow:paused',
      toPhone: who!.phoneE164,
      body: 'Step',
    });
    const tw = mockTwilio();
    await runDirect(
      e,
      [
        { messageId: test.id, tenantId: t.tenantId },
        { messageId: flow.id, tenantId: t.tenantId },
      ],
      { clock: () => DAYTIME },
    );
    expect(tw.calls).toHaveLength(0);
    expect((await row(t, test.id)).failureReason).toBe('tenant_paused');
    expect((await row(t, flow.id)).status).toBe('queued');
  });

  it('error: a lost connection after Twilio took the message is resolved by a lookup, never a second SMS', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    const e = testEnv();
    const q = await queueDirectMessage(e.env, t.db, {
      tenantId: t.tenantId,
      kind: 'reply',
      dedupeKey: 'reply:drop',
      toPhone: who!.phoneE164,
      body: 'On our way',
    });
    const tw = mockTwilio(
      (_c, n) => (n === 1 ? 'drop' : undefined),
      () => DAYTIME,
    );
    const first = await runDirect(e, [{ messageId: q.id, tenantId: t.tenantId }], { clock: () => DAYTIME });
    expect(first.retryMessages).toHaveLength(1);
    expect((await row(t, q.id)).status).toBe('queued');
    await runDirect(e, [{ messageId: q.id, tenantId: t.tenantId }], {
      attempts: 2,
      clock: () => new Date(DAYTIME.getTime() + 60_000),
    });
    expect(tw.calls).toHaveLength(1);
    const r = await row(t, q.id);
    expect(r.status).toBe('sent');
    expect(r.providerMessageId).toBe(tw.accepted[0]!.sid);
  });

  it('error: a lost queue message is queued again by the cron; a message held for quiet hours is not', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    const e = testEnv();
    const lost = await queueDirectMessage(
      e.env,
      t.db,
      { tenantId: t.tenantId, kind: 'reply', dedupeKey: 'reply:lost', toPhone: who!.phoneE164, body: 'Lost' },
      NIGHT,
    );
    const held = await queueDirectMessage(
      e.env,
      t.db,
      {
        tenantId: t.tenantId,
        kind: 'flow',
        dedupeKey: 'flow:held',
        toPhone: who!.phoneE164,
        body: 'Held',
        quietHours: { start: '20:00', end: '09:00' },
      },
      NIGHT,
    );
    mockTwilio(undefined, () => NIGHT);
    // The held one is processed (and put back for 09:00); the lost one's queue message never arrives.
    await runDirect(e, [{ messageId: held.id, tenantId: t.tenantId }], { clock: () => NIGHT });
    const scope = { tenantId: t.tenantId };
    const before = e.send.sent.length;
    expect(await requeueLostDirect(e.env, new Date(NIGHT.getTime() + 5 * 60_000), scope)).toEqual({
      requeued: 0,
    });
    expect(await requeueLostDirect(e.env, new Date(NIGHT.getTime() + 11 * 60_000), scope)).toEqual({
      requeued: 1,
    });
    expect(e.send.sent.slice(before).map((m) => m.body)).toEqual([
      { messageId: lost.id, tenantId: t.tenantId },
    ]);
    // Not again the next minute: its new queue message is not late yet.
    expect(await requeueLostDirect(e.env, new Date(NIGHT.getTime() + 12 * 60_000), scope)).toEqual({
      requeued: 0,
    });
    // The held one is late only once 09:00 has passed by the grace.
    const nineFifteen = new Date(NIGHT.getTime() + (10 * 60 + 15) * 60_000);
    expect(await requeueLostDirect(e.env, nineFifteen, scope)).toEqual({ requeued: 2 });
  });
});
