// Issue 14, item 2: a signup form's double opt-in end to end: the visitor's sign-up is texted
// "Reply Y" from a number that can take the answer, the real send consumer sends it, and the Y
// creates the contact with the form's fields, consent proof and tags and starts the form's flows.
// A number on do-not-contact is never texted by a form: the page tells it to text the keyword.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import {
  contacts,
  contactTags,
  directMessages,
  doNotContact,
  flowEnrolments,
  pendingOptIns,
  sendingNumbers,
} from '../../workers/db/schema';
import { call, control, json } from '../helpers/fixtures';
import { addTemplate, captureSendQueue, createFlow, manualTimers } from '../helpers/flows';
import { mockTwilio, runDirect, type SendTenant, setupSendTenant, testEnv } from '../helpers/send-setup';
import { inbound } from '../helpers/twilio-webhooks';

beforeAll(() => manualTimers());
afterEach(() => vi.restoreAllMocks());

const CONSENT = 'Yes, Send Co may text me offers and news, up to 4 a month. Reply STOP to opt out.';
let ipSeq = 0;

async function createForm(t: SendTenant, over: Record<string, unknown> = {}) {
  const res = await t.api('/api/v1/forms', {
    method: 'POST',
    json: {
      name: 'VIP list',
      consent_text: CONSENT,
      fields: ['first_name'],
      tags_add: ['newsletter'],
      ...over,
    },
  });
  expect(res.status).toBe(201);
  return json<{ id: string }>(res);
}

async function signUp(formId: string, fields: Record<string, string>) {
  const ip = `198.51.100.${++ipSeq}`;
  const page = await (await call(`/f/${formId}`, { headers: { 'cf-connecting-ip': ip } })).text();
  const token = /name="t" value="([^"]+)"/.exec(page)?.[1] ?? '';
  return call(`/f/${formId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'cf-connecting-ip': ip,
      'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
    },
    body: new URLSearchParams({ t: token, ...fields }),
    redirect: 'manual',
  });
}

/** An alphanumeric sender created before the number: it can send, but it cannot take a "Y". */
async function addAlphanumericFirst(t: SendTenant) {
  await control()
    .update(sendingNumbers)
    .set({ createdAt: '2026-01-02T00:00:00.000Z' })
    .where(eq(sendingNumbers.tenantId, t.tenantId));
  await control().insert(sendingNumbers).values({
    id: uuidv7(),
    tenantId: t.tenantId,
    kind: 'alphanumeric',
    senderId: 'SendCo',
    acmaStatus: 'registered',
    dailyLimit: 1000,
    perMinuteLimit: 60,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  await replicateTenant(env, t.tenantId, { numbers: true });
}

describe('signup form: double opt-in by SMS', () => {
  it('happy: sign-up → "Reply Y" from a number that takes replies → Y: contact with fields, consent proof, tags, flow', async () => {
    const t = await setupSendTenant();
    await addAlphanumericFirst(t);
    const queue = captureSendQueue();
    const form = await createForm(t);
    const tpl = await addTemplate(t, 'Welcome to the VIP list!');
    const flow = await createFlow(t, {
      trigger: { type: 'form', form_id: form.id },
      steps: [{ type: 'send', template_id: tpl }],
    });

    const res = await signUp(form.id, { phone: '0412 345 900', first_name: 'Grace', consent: 'on' });
    expect(res.status).toBe(303);
    const [request] = await t.db.select().from(pendingOptIns).where(eq(pendingOptIns.tenantId, t.tenantId));
    expect(request).toMatchObject({
      status: 'pending',
      source: 'form',
      formId: form.id,
      consentVersion: 1,
      ip: expect.stringMatching(/^198\.51\.100\./),
      userAgent: expect.stringContaining('iPhone'),
      sendingNumberId: t.numberIds[0],
      fields: { first_name: 'Grace' },
    });
    expect(request!.confirmationSentAt).not.toBeNull();
    // No contact before the Y.
    expect(await t.db.select().from(contacts).where(eq(contacts.tenantId, t.tenantId))).toHaveLength(0);
    expect(queue).toHaveLength(1);

    const tw = mockTwilio();
    await runDirect(testEnv(), [queue[0]!]);
    expect(tw.calls).toMatchObject([{ to: '+61412345900', from: t.numberPhones[0] }]);
    expect(
      (await t.db.select().from(directMessages).where(eq(directMessages.id, queue[0]!.messageId)))[0]!.status,
    ).toBe('sent');

    const reply = await (await inbound('+61412345900', t.numberPhones[0]!, 'Yes')).text();
    expect(reply).toContain('Send Co: thanks, you&apos;re subscribed.\nReply STOP to opt out');
    const [c] = await t.db.select().from(contacts).where(eq(contacts.tenantId, t.tenantId));
    expect(c).toMatchObject({
      phoneE164: '+61412345900',
      firstName: 'Grace',
      consentStatus: 'explicit',
      consentSource: 'signup form: VIP list',
    });
    const tags = await t.db.select().from(contactTags).where(eq(contactTags.contactId, c!.id));
    expect(tags.map((r) => r.tag)).toEqual(['newsletter']);
    const [proof] = await t.db.select().from(pendingOptIns).where(eq(pendingOptIns.tenantId, t.tenantId));
    expect(proof).toMatchObject({ status: 'confirmed', contactId: c!.id });
    expect(proof!.confirmationInboundSid).toMatch(/^SM/);
    const enrolled = await t.db
      .select()
      .from(flowEnrolments)
      .where(and(eq(flowEnrolments.flowId, flow.id), eq(flowEnrolments.contactId, c!.id)));
    expect(enrolled).toHaveLength(1);
  });

  it('security: a number on do-not-contact gets no text from a form; the page says to text the keyword instead', async () => {
    const t = await setupSendTenant();
    const queue = captureSendQueue();
    const form = await createForm(t);
    await t.api('/api/v1/keywords', {
      method: 'POST',
      json: { keyword: 'VIP', sending_number_id: t.numberIds[0], reply: 'Welcome back!' },
    });
    await t.db
      .insert(doNotContact)
      .values({ id: uuidv7(), tenantId: t.tenantId, phoneE164: '+61412345901', reason: 'STOP' });
    const res = await signUp(form.id, { phone: '0412 345 901', consent: 'on' });
    expect(res.status).toBe(303);
    expect(queue).toHaveLength(0);
    const [request] = await t.db.select().from(pendingOptIns).where(eq(pendingOptIns.tenantId, t.tenantId));
    expect(request).toMatchObject({ status: 'blocked', statusReason: 'do_not_contact' });
    // A "Y" cannot confirm a blocked request either.
    await inbound('+61412345901', t.numberPhones[0]!, 'Y');
    expect(await t.db.select().from(contacts).where(eq(contacts.tenantId, t.tenantId))).toHaveLength(0);
    const thanks = await (await call(`/f/${form.id}?done`)).text();
    expect(thanks).toContain(`text <strong>VIP</strong> to ${t.numberPhones[0]}`);
  });

  it('single opt-in: the form’s tags and flows apply at once', async () => {
    const t = await setupSendTenant();
    captureSendQueue();
    const form = await createForm(t, { double_opt_in: false });
    const tpl = await addTemplate(t, 'Welcome!');
    const flow = await createFlow(t, {
      trigger: { type: 'form', form_id: form.id },
      steps: [{ type: 'send', template_id: tpl }],
    });
    expect((await signUp(form.id, { phone: '0412 345 902', consent: 'on', first_name: 'Lin' })).status).toBe(
      303,
    );
    const [c] = await t.db.select().from(contacts).where(eq(contacts.tenantId, t.tenantId));
    expect(c).toMatchObject({ firstName: 'Lin', consentStatus: 'explicit' });
    const tags = await t.db.select().from(contactTags).where(eq(contactTags.contactId, c!.id));
    expect(tags.map((r) => r.tag)).toEqual(['newsletter']);
    expect(await t.db.select().from(flowEnrolments).where(eq(flowEnrolments.flowId, flow.id))).toHaveLength(
      1,
    );
  });
});
