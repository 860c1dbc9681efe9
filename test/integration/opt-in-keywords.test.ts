// Issue 14, item 1: join keywords on inbound, end to end through the signed Twilio webhook, the real
// send queue consumer (the "Reply Y" text) and the flow runners: double opt-in records consent only
// after the "Y" within 24 hours, with its proof; single opt-in at once; STOP and HELP win; a number
// that opted out may come back only by asking twice itself.
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import {
  auditLog,
  contacts,
  contactTags,
  directMessages,
  doNotContact,
  events,
  flowEnrolments,
  pendingOptIns,
} from '../../workers/db/schema';
import { json } from '../helpers/fixtures';
import { addTemplate, captureSendQueue, createFlow, manualTimers } from '../helpers/flows';
import { captureWebhookQueue, fakeInternet } from '../helpers/growth';
import { mockTwilio, runDirect, type SendTenant, setupSendTenant, testEnv } from '../helpers/send-setup';
import { inbound, sid } from '../helpers/twilio-webhooks';

beforeAll(() => manualTimers());
afterEach(() => vi.restoreAllMocks());

const PERSON = '+61412555001';

async function replyOf(res: Response): Promise<string | null> {
  expect(res.status).toBe(200);
  const m = /<Message>(.*)<\/Message>/s.exec(await res.text());
  return m?.[1]?.replace(/&apos;/g, "'").replace(/&amp;/g, '&') ?? null;
}

async function joinKeyword(t: SendTenant, over: Record<string, unknown> = {}) {
  const res = await t.api('/api/v1/keywords', {
    method: 'POST',
    json: {
      keyword: 'JOIN',
      sending_number_id: t.numberIds[0],
      reply: 'Welcome to the coffee club!',
      tags_add: ['coffee club'],
      ...over,
    },
  });
  expect(res.status).toBe(201);
  return json<{ id: string }>(res);
}

const contactOf = async (t: SendTenant, phone = PERSON) =>
  (
    await t.db
      .select()
      .from(contacts)
      .where(and(eq(contacts.tenantId, t.tenantId), eq(contacts.phoneE164, phone)))
  )[0];
const requestsOf = (t: SendTenant) =>
  t.db.select().from(pendingOptIns).where(eq(pendingOptIns.tenantId, t.tenantId));
const tagsOf = async (t: SendTenant, contactId: string) =>
  (await t.db.select().from(contactTags).where(eq(contactTags.contactId, contactId))).map((r) => r.tag);

describe('join keywords: double opt-in', () => {
  it('happy: JOIN → "Reply Y" texted from that number → Y records consent with proof, tags, the keyword’s flow and reply', async () => {
    fakeInternet();
    const t = await setupSendTenant();
    const hook = await t.api('/api/v1/webhooks', {
      method: 'POST',
      json: { url: 'https://hooks.receiver.example/', events: ['contact.created', 'contact.opted_in'] },
    });
    expect(hook.status).toBe(201);
    const webhooks = captureWebhookQueue();
    const queue = captureSendQueue();
    const k = await joinKeyword(t);
    const tpl = await addTemplate(t, 'Your first coffee is on us.');
    const flow = await createFlow(t, {
      trigger: { type: 'keyword', keyword_id: k.id },
      steps: [{ type: 'send', template_id: tpl }],
    });

    const joinSid = sid();
    expect(
      await replyOf(await inbound(PERSON, t.numberPhones[0]!, ' join! ', { messageSid: joinSid })),
    ).toBeNull();
    const contact = await contactOf(t);
    expect(contact).toMatchObject({ consentStatus: 'unknown' });
    const [request] = await requestsOf(t);
    expect(request).toMatchObject({
      status: 'pending',
      source: 'keyword',
      keywordId: k.id,
      inboundMessageSid: joinSid,
      sendingNumberId: t.numberIds[0],
      contactId: contact!.id,
    });
    expect(await tagsOf(t, contact!.id)).toEqual([]);
    expect(queue).toHaveLength(1);
    const [confirmation] = await t.db
      .select()
      .from(directMessages)
      .where(eq(directMessages.id, queue[0]!.messageId));
    expect(confirmation).toMatchObject({
      kind: 'confirmation',
      toPhone: PERSON,
      sendingNumberId: t.numberIds[0],
    });
    expect(request!.confirmationMessageId).toBe(confirmation!.id);

    // The confirmation goes out through the send consumer, from the number the person texted.
    const tw = mockTwilio();
    await runDirect(testEnv(), [queue[0]!]);
    expect(tw.calls).toHaveLength(1);
    expect(tw.calls[0]).toMatchObject({ to: PERSON, from: t.numberPhones[0] });
    expect(tw.calls[0]!.body).toBe(
      'Send Co: reply Y within 24 hours to confirm you want our texts. Msg&data rates may apply. Reply STOP to opt out.',
    );
    vi.restoreAllMocks();
    const events2 = captureWebhookQueue();

    const ySid = sid();
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'y', { messageSid: ySid }))).toBe(
      'Welcome to the coffee club!\nReply STOP to opt out',
    );
    const joined = await contactOf(t);
    expect(joined).toMatchObject({
      id: contact!.id,
      consentStatus: 'explicit',
      consentSource: 'keyword JOIN',
    });
    expect(await tagsOf(t, contact!.id)).toEqual(['coffee club']);
    const [proof] = await requestsOf(t);
    expect(proof).toMatchObject({
      status: 'confirmed',
      inboundMessageSid: joinSid,
      confirmationInboundSid: ySid,
    });
    expect(proof!.confirmedAt).toBe(joined!.consentTimestamp);
    const enrolled = await t.db.select().from(flowEnrolments).where(eq(flowEnrolments.flowId, flow.id));
    expect(enrolled).toMatchObject([{ contactId: contact!.id, status: 'active' }]);
    expect(enrolled[0]!.source).toMatchObject({
      type: 'keyword',
      keyword_id: k.id,
      sending_number_id: t.numberIds[0],
    });
    // Webhooks: contact.created when JOIN made the contact, contact.opted_in with the Y.
    expect(webhooks).toHaveLength(1);
    expect(events2).toHaveLength(1);
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, contact!.id));
    expect(audit.map((a) => a.action)).toContain('contact.consent_changed');

    // Another "Y" later is a plain reply: nothing is pending any more.
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'Y'))).toBeNull();
    expect((await requestsOf(t)).filter((r) => r.status === 'confirmed')).toHaveLength(1);
  });

  it('a "Y" after the 24 hours records nothing; a redelivered JOIN records and texts once', async () => {
    const t = await setupSendTenant();
    const queue = captureSendQueue();
    await joinKeyword(t);
    const joinSid = sid();
    await inbound(PERSON, t.numberPhones[0]!, 'JOIN', { messageSid: joinSid });
    await inbound(PERSON, t.numberPhones[0]!, 'JOIN', { messageSid: joinSid });
    expect(await requestsOf(t)).toHaveLength(1);
    expect(new Set(queue.map((q) => q.messageId)).size).toBe(1);
    await t.db
      .update(pendingOptIns)
      .set({ expiresAt: '2026-01-01T00:00:00.000Z' })
      .where(eq(pendingOptIns.tenantId, t.tenantId));
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'Y'))).toBeNull();
    expect((await contactOf(t))!.consentStatus).toBe('unknown');
    expect((await requestsOf(t))[0]!.status).toBe('pending');
  });

  it('STOP and HELP keep their meaning while a request waits; STOP ends it, so a later Y confirms nothing', async () => {
    const t = await setupSendTenant();
    captureSendQueue();
    await joinKeyword(t);
    await inbound(PERSON, t.numberPhones[0]!, 'JOIN');
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'HELP'))).toMatch(/reply STOP to opt out/);
    expect((await requestsOf(t))[0]!.status).toBe('pending');
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'stop'))).toMatch(/unsubscribed/);
    expect((await requestsOf(t))[0]).toMatchObject({ status: 'expired', statusReason: 'opted_out' });
    await inbound(PERSON, t.numberPhones[0]!, 'Y');
    expect((await contactOf(t))!.consentStatus).toBe('unknown');
    const [dnc] = await t.db.select().from(doNotContact).where(eq(doNotContact.tenantId, t.tenantId));
    expect(dnc).toMatchObject({ phoneE164: PERSON, reason: 'STOP' });
  });

  it('a keyword of another number, or an inactive one, is a plain reply', async () => {
    const t = await setupSendTenant({ numbers: 2 });
    const queue = captureSendQueue();
    await joinKeyword(t);
    await joinKeyword(t, { keyword: 'COFFEE', is_active: false, sending_number_id: null });
    await inbound(PERSON, t.numberPhones[1]!, 'JOIN');
    await inbound(PERSON, t.numberPhones[0]!, 'coffee');
    expect(await requestsOf(t)).toHaveLength(0);
    expect(queue).toHaveLength(0);
    const replies = await t.db
      .select()
      .from(events)
      .where(and(eq(events.tenantId, t.tenantId), eq(events.eventType, 'REPLIED')));
    expect(replies).toHaveLength(2);
  });
});

describe('join keywords: single opt-in and numbers that opted out', () => {
  it('single opt-in: consent, tags and the reply at once, the request kept as confirmed proof', async () => {
    const t = await setupSendTenant();
    const queue = captureSendQueue();
    await joinKeyword(t, { double_opt_in: false });
    const joinSid = sid();
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'Join', { messageSid: joinSid }))).toBe(
      'Welcome to the coffee club!\nReply STOP to opt out',
    );
    const c = await contactOf(t);
    expect(c).toMatchObject({ consentStatus: 'explicit', consentSource: 'keyword JOIN' });
    expect(await tagsOf(t, c!.id)).toEqual(['coffee club']);
    expect(await requestsOf(t)).toMatchObject([
      { status: 'confirmed', inboundMessageSid: joinSid, contactId: c!.id },
    ]);
    expect(queue).toHaveLength(0);
  });

  it('after STOP, JOIN is answered with "Reply Y" in the reply (never a text of our own); the Y takes it off the list', async () => {
    const t = await setupSendTenant();
    const queue = captureSendQueue();
    await joinKeyword(t, { double_opt_in: false }); // an opted-out number is asked to confirm regardless
    await t.db
      .insert(doNotContact)
      .values({ id: uuidv7(), tenantId: t.tenantId, phoneE164: PERSON, reason: 'STOP' });
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'JOIN'))).toMatch(
      /^Send Co: reply Y within 24 hours/,
    );
    expect(queue).toHaveLength(0);
    expect((await requestsOf(t))[0]).toMatchObject({
      status: 'pending',
      statusReason: 're-request from do-not-contact',
    });
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'Y'))).toBe(
      'Welcome to the coffee club!\nReply STOP to opt out',
    );
    expect(await t.db.select().from(doNotContact).where(eq(doNotContact.tenantId, t.tenantId))).toHaveLength(
      0,
    );
    const c = await contactOf(t);
    expect(c!.consentStatus).toBe('explicit');
    const resub = await t.db
      .select()
      .from(events)
      .where(and(eq(events.tenantId, t.tenantId), eq(events.eventType, 'RESUBSCRIBE')));
    expect(resub).toHaveLength(1);
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'do_not_contact.deleted')));
    expect(audit).toHaveLength(1);
  });

  it('security: a number staff put on the list (or one that complained) cannot join by keyword', async () => {
    const t = await setupSendTenant();
    const queue = captureSendQueue();
    await joinKeyword(t);
    await t.db
      .insert(doNotContact)
      .values({ id: uuidv7(), tenantId: t.tenantId, phoneE164: PERSON, reason: 'MANUAL' });
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'JOIN'))).toBeNull();
    expect(await replyOf(await inbound(PERSON, t.numberPhones[0]!, 'Y'))).toBeNull();
    expect(await requestsOf(t)).toHaveLength(0);
    expect(queue).toHaveLength(0);
    expect(await t.db.select().from(doNotContact).where(eq(doNotContact.tenantId, t.tenantId))).toHaveLength(
      1,
    );
  });
});
