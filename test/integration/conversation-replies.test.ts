// Staff replies in a conversation (issue 12), through the real send path: from the number the
// person last texted, checked against do-not-contact and the kill switch, within budget; not
// marketing, so no quiet hours and no suppression window.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addDoNotContactRow } from '../../workers/db/do-not-contact';
import { auditLog, contacts } from '../../workers/db/schema';
import { directRows, withCapturedQueues } from '../helpers/conversations';
import { json, updateTenant } from '../helpers/fixtures';
import { addContacts, mockTwilio, runDirect, setupSendTenant } from '../helpers/send-setup';
import { inbound, postTwilio } from '../helpers/twilio-webhooks';

// Many requests per test: never a failure because the machine is busy.
vi.setConfig({ testTimeout: 30_000 });

afterEach(() => {
  vi.restoreAllMocks();
});

type Reply = {
  message: { id: string; kind: string; status: string; body: string; from: string | null; to: string | null };
  segments: number;
  cost_cents: number | null;
};
type Preview = {
  segments: number;
  encoding: string;
  cost_cents: number | null;
  from: { id: string; phone_e164: string | null } | null;
  reply_blocked: { reason: string } | null;
};
type Problem = { status: number; reason?: string; detail: string; errors?: { path: string }[] };

async function texted(opts: Parameters<typeof setupSendTenant>[0] = {}, to = 0) {
  const t = await setupSendTenant(opts);
  const [who] = await addContacts(t.tenantId, 1);
  expect((await inbound(who!.phoneE164, t.numberPhones[to]!, 'Can I change my booking?')).status).toBe(200);
  return { t, who: who!, q: withCapturedQueues(t) };
}

describe('replies (happy)', () => {
  it('goes out through the send path from the number they texted, and its receipt shows in the thread', async () => {
    const { t, who, q } = await texted({ numbers: 2 }, 1);
    const preview = await q.api(`/conversations/${who.id}/messages/preview`, {
      json: { body: 'Yes, what day suits?' },
      role: 'staff',
    });
    expect(preview.status).toBe(200);
    expect(await json<Preview>(preview)).toEqual({
      encoding: 'GSM-7',
      segments: 1,
      characters: 20,
      cost_cents: 5,
      from: { id: t.numberIds[1], phone_e164: t.numberPhones[1] },
      reply_blocked: null,
    });
    expect(await directRows(t)).toHaveLength(0); // a preview changes nothing

    const res = await q.api(`/conversations/${who.id}/messages`, {
      json: { body: 'Yes, what day suits?' },
      role: 'staff',
    });
    expect(res.status).toBe(202);
    const reply = await json<Reply>(res);
    expect(reply).toMatchObject({
      segments: 1,
      cost_cents: 5,
      message: { kind: 'reply', status: 'queued', body: 'Yes, what day suits?', to: who.phoneE164 },
    });
    expect(q.send.sent.map((m) => m.body)).toEqual([{ messageId: reply.message.id, tenantId: t.tenantId }]);

    const tw = mockTwilio();
    await runDirect(q.queues, [{ messageId: reply.message.id, tenantId: t.tenantId }]);
    expect(tw.calls).toHaveLength(1);
    expect(tw.calls[0]).toMatchObject({
      to: who.phoneE164,
      from: t.numberPhones[1],
      body: 'Yes, what day suits?',
    });
    const [row] = await directRows(t, 'reply');
    expect(row).toMatchObject({ status: 'sent', costCents: 5, quietHoursStart: null });
    vi.restoreAllMocks();
    await postTwilio(
      '/webhooks/twilio/status',
      {
        AccountSid: env.TWILIO_ACCOUNT_SID,
        MessageSid: row!.providerMessageId ?? '',
        MessageStatus: 'delivered',
      },
      { query: `?t=${t.tenantId}&m=${row!.id}` },
    );

    const thread = await json<{
      data: { id: string; status: string; direction: string }[];
      conversation: { unread_count: number; last_message: { direction: string } };
    }>(await t.api(`/api/v1/conversations/${who.id}`));
    expect(thread.data[0]).toMatchObject({
      id: reply.message.id,
      direction: 'outbound',
      status: 'delivered',
    });
    expect(thread.data[1]).toMatchObject({ direction: 'inbound' });
    // Answering is reading.
    expect(thread.conversation).toMatchObject({ unread_count: 0, last_message: { direction: 'outbound' } });
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'conversation.replied')));
    expect(audit?.metadata).toMatchObject({
      direct_message_id: reply.message.id,
      segments: 1,
      cost_cents: 5,
    });
  });

  it('the same idempotency key twice sends once', async () => {
    const { t, who, q } = await texted();
    const send = () =>
      q.api(`/conversations/${who.id}/messages`, {
        json: { body: 'On our way' },
        headers: { 'idempotency-key': 'ui-draft-1' },
      });
    const first = await json<Reply>(await send());
    const again = await send();
    expect(again.status).toBe(202);
    expect((await json<Reply>(again)).message.id).toBe(first.message.id);
    expect(await directRows(t, 'reply')).toHaveLength(1);
  });

  it('is not marketing: goes at night and to someone inside a suppression window', async () => {
    const { t, who, q } = await texted();
    await t.db.update(contacts).set({ lastSentAt: new Date().toISOString() }).where(eq(contacts.id, who.id));
    const rule = await t.api('/api/v1/suppression-rules', {
      method: 'POST',
      json: { name: 'Weekly', window_days: 7 },
    });
    expect(rule.status).toBe(201);
    const reply = await json<Reply>(
      await q.api(`/conversations/${who.id}/messages`, { json: { body: 'Sorry for the late answer' } }),
    );
    const night = new Date('2026-11-25T12:00:00.000Z'); // 23:00 in Sydney
    const tw = mockTwilio(undefined, () => night);
    await runDirect(q.queues, [{ messageId: reply.message.id, tenantId: t.tenantId }], {
      clock: () => night,
    });
    expect(tw.calls.map((c) => c.body)).toEqual(['Sorry for the late answer']);
  });
});

describe('replies (error)', () => {
  it('error: an opted-out person gets 409 with the reason, and nothing is queued', async () => {
    const { t, who, q } = await texted();
    await inbound(who.phoneE164, t.numberPhones[0]!, 'STOP');
    const res = await q.api(`/conversations/${who.id}/messages`, { json: { body: 'Wait, one more thing' } });
    expect(res.status).toBe(409);
    expect(await json<Problem>(res)).toMatchObject({ reason: 'do_not_contact' });
    expect(await directRows(t)).toHaveLength(0);
    expect(q.send.sent).toHaveLength(0);
    const preview = await json<Preview>(
      await q.api(`/conversations/${who.id}/messages/preview`, { json: { body: 'x' } }),
    );
    expect(preview.reply_blocked?.reason).toBe('do_not_contact');
  });

  it('error: a STOP after the reply was queued wins at send time', async () => {
    const { t, who, q } = await texted();
    const reply = await json<Reply>(
      await q.api(`/conversations/${who.id}/messages`, { json: { body: 'Sure' } }),
    );
    await addDoNotContactRow(t.db, t.tenantId, who.phoneE164, 'STOP');
    const tw = mockTwilio();
    await runDirect(q.queues, [{ messageId: reply.message.id, tenantId: t.tenantId }]);
    expect(tw.calls).toHaveLength(0);
    expect((await directRows(t, 'reply'))[0]).toMatchObject({
      status: 'failed',
      failureReason: 'do_not_contact',
    });
  });

  it('error: the kill switch refuses a reply (409) and stops one already queued', async () => {
    const { t, who, q } = await texted();
    const queued = await json<Reply>(
      await q.api(`/conversations/${who.id}/messages`, { json: { body: 'First' } }),
    );
    await updateTenant(t.tenantId, { isPaused: true });
    const res = await q.api(`/conversations/${who.id}/messages`, { json: { body: 'Second' } });
    expect(res.status).toBe(409);
    expect((await json<Problem>(res)).reason).toBe('tenant_paused');
    const tw = mockTwilio();
    await runDirect(q.queues, [{ messageId: queued.message.id, tenantId: t.tenantId }]);
    expect(tw.calls).toHaveLength(0);
    expect(await directRows(t, 'reply')).toHaveLength(1);
  });

  it('error: a reply uses the budget: none left, nothing sent', async () => {
    const { t, who, q } = await texted({ dailyBudgetCents: 4 });
    const reply = await json<Reply>(
      await q.api(`/conversations/${who.id}/messages`, { json: { body: 'Hello' } }),
    );
    const tw = mockTwilio();
    const result = await runDirect(q.queues, [{ messageId: reply.message.id, tenantId: t.tenantId }]);
    expect(tw.calls).toHaveLength(0);
    expect((await directRows(t, 'reply'))[0]?.status).toBe('queued');
    expect(result.explicitAcks.length + result.retryMessages.length).toBe(1);
  });

  it('error: bad bodies, a person who never texted, and viewers are refused', async () => {
    const { t, who, q } = await texted();
    const [silent] = await addContacts(t.tenantId, 1);
    expect((await q.api(`/conversations/${who.id}/messages`, { json: { body: '   ' } })).status).toBe(422);
    expect(
      (await q.api(`/conversations/${who.id}/messages`, { json: { body: 'x'.repeat(1601) } })).status,
    ).toBe(422);
    const never = await q.api(`/conversations/${silent!.id}/messages`, { json: { body: 'Hi!' } });
    expect(never.status).toBe(409);
    expect((await json<Problem>(never)).reason).toBe('no_conversation');
    expect(
      (await q.api(`/conversations/${who.id}/messages`, { json: { body: 'Hi' }, role: 'viewer' })).status,
    ).toBe(403);
    expect(await directRows(t)).toHaveLength(0);
  });
});
