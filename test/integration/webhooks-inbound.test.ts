import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isDoNotContact } from '../../workers/db/do-not-contact';
import { auditLog, doNotContact, events, webhookEvents } from '../../workers/db/schema';
import { acrossShards, createTenant, shardDb, updateTenant } from '../helpers/fixtures';
import {
  addCampaign,
  addContact,
  addJob,
  addSendingNumber,
  inbound,
  seedSentMessage,
  sid,
  uniquePhone,
} from '../helpers/twilio-webhooks';

afterEach(() => vi.restoreAllMocks());

const tenantEvents = (tenantId: string) =>
  shardDb(tenantId).select().from(events).where(eq(events.tenantId, tenantId)).orderBy(events.id);
const dncRow = async (tenantId: string, phone: string) =>
  (
    await shardDb(tenantId)
      .select()
      .from(doNotContact)
      .where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, phone)))
  )[0];

const ENTITIES: Record<string, string> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&apos;': "'",
  '&amp;': '&',
};

/** The text of the one <Message> in a TwiML answer as the person reads it, or null for an empty <Response>. */
async function replyOf(res: Response): Promise<string | null> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/xml');
  const xml = await res.text();
  expect(xml).toMatch(/<Response>.*<\/Response>$/s);
  const m = /<Message>(.*)<\/Message>/s.exec(xml);
  return m?.[1] === undefined ? null : m[1].replace(/&(lt|gt|quot|apos|amp);/g, (e) => ENTITIES[e] ?? e);
}

describe('inbound: opt-out keywords', () => {
  it('STOP puts the sender on do-not-contact (reason STOP), logs OPT_OUT, confirms in TwiML', async () => {
    const t = await createTenant('Opt out Co');
    const { number, contact, campaign } = await seedSentMessage(t.tenantId);
    const reply = await replyOf(await inbound(contact.phone, number.phone, 'Stop.'));
    expect(reply).toBe(
      "Opt out Co: You're unsubscribed and will get no more messages. Reply START to resubscribe.",
    );
    expect((await dncRow(t.tenantId, contact.phone))?.reason).toBe('STOP');
    const [ev] = await tenantEvents(t.tenantId);
    expect(ev).toMatchObject({ eventType: 'OPT_OUT', contactId: contact.id, campaignId: campaign.id });
    expect(ev?.metadata).toMatchObject({
      body: 'Stop.',
      from: contact.phone,
      keyword: 'STOP',
      source: 'inbound_sms',
    });
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.tenantId, t.tenantId));
    expect(audit.map((a) => a.action)).toEqual(['do_not_contact.created']);
  });

  it('takes effect at once: a job still queued for that number is now blocked by the send-path check', async () => {
    const t = await createTenant('Immediate');
    const number = await addSendingNumber(t.tenantId);
    const contact = await addContact(t.tenantId);
    const campaign = await addCampaign(t.tenantId);
    await addJob({
      tenantId: t.tenantId,
      campaignId: campaign.id,
      contactId: contact.id,
      sendingNumberId: number.id,
      status: 'queued',
      providerMessageId: null,
    });
    expect(await isDoNotContact(t.db, t.tenantId, contact.phone)).toBe(false);
    await inbound(contact.phone, number.phone, 'UNSUBSCRIBE');
    expect(await isDoNotContact(t.db, t.tenantId, contact.phone)).toBe(true);
  });

  it.each(['STOP', 'stopall', ' Unsubscribe ', 'CANCEL!', 'end', 'Quit.', 'revoke', 'OptOut'])(
    '%j opts out',
    async (body) => {
      const t = await createTenant('Keyword table');
      const number = await addSendingNumber(t.tenantId);
      const phone = uniquePhone();
      const reply = await replyOf(await inbound(phone, number.phone, body));
      expect(reply).toContain('unsubscribed');
      expect((await dncRow(t.tenantId, phone))?.reason).toBe('STOP');
    },
  );

  it("follows Twilio's OptOutType for a custom opt-out keyword (Advanced Opt-Out)", async () => {
    const t = await createTenant('Advanced opt-out');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    await inbound(phone, number.phone, 'ARRET', { extra: { OptOutType: 'STOP' } });
    expect((await dncRow(t.tenantId, phone))?.reason).toBe('STOP');
    expect((await tenantEvents(t.tenantId))[0]?.metadata).toMatchObject({
      keyword: 'ARRET',
      intent: 'opt_out',
    });
  });

  it('uses the tenant’s own confirmation text, XML-escaped', async () => {
    const t = await createTenant('Custom');
    await updateTenant(t.tenantId, { optOutReply: 'Bye from <Fish & Chips>. Text START to return.' });
    const number = await addSendingNumber(t.tenantId);
    const res = await inbound(uniquePhone(), number.phone, 'stop');
    expect(await res.clone().text()).toContain('Bye from &lt;Fish &amp; Chips&gt;. Text START to return.');
    expect(await replyOf(res)).toBe('Bye from <Fish & Chips>. Text START to return.');
  });

  it('a number already on the list (MANUAL) keeps its entry; the STOP is still logged', async () => {
    const t = await createTenant('Already');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    await t.db
      .insert(doNotContact)
      .values({ id: crypto.randomUUID(), tenantId: t.tenantId, phoneE164: phone, reason: 'MANUAL' });
    await inbound(phone, number.phone, 'STOP');
    expect((await dncRow(t.tenantId, phone))?.reason).toBe('MANUAL');
    expect((await tenantEvents(t.tenantId)).map((e) => e.eventType)).toEqual(['OPT_OUT']);
  });
});

describe('inbound: opt-in keywords', () => {
  it('START after STOP removes the STOP entry, logs RESUBSCRIBE and confirms', async () => {
    const t = await createTenant('Come back');
    const { number, contact } = await seedSentMessage(t.tenantId);
    await inbound(contact.phone, number.phone, 'STOP');
    expect(await isDoNotContact(t.db, t.tenantId, contact.phone)).toBe(true);
    const reply = await replyOf(await inbound(contact.phone, number.phone, ' start '));
    expect(reply).toBe("Come back: You're subscribed again. Reply STOP to opt out.");
    expect(await isDoNotContact(t.db, t.tenantId, contact.phone)).toBe(false);
    expect((await tenantEvents(t.tenantId)).map((e) => e.eventType).sort()).toEqual([
      'OPT_OUT',
      'RESUBSCRIBE',
    ]);
  });

  it.each(['YES', 'unstop'])('%j after STOP resubscribes too', async (body) => {
    const t = await createTenant('Opt in table');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    await inbound(phone, number.phone, 'STOP');
    await inbound(phone, number.phone, body);
    expect(await isDoNotContact(t.db, t.tenantId, phone)).toBe(false);
  });

  it('START never lifts a MANUAL or COMPLAINED entry: it is logged as a reply for a human, no confirmation', async () => {
    const t = await createTenant('Complaint');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    await t.db
      .insert(doNotContact)
      .values({ id: crypto.randomUUID(), tenantId: t.tenantId, phoneE164: phone, reason: 'COMPLAINED' });
    expect(await replyOf(await inbound(phone, number.phone, 'START'))).toBeNull();
    expect((await dncRow(t.tenantId, phone))?.reason).toBe('COMPLAINED');
    const [ev] = await tenantEvents(t.tenantId);
    expect(ev?.eventType).toBe('REPLIED');
    expect(ev?.metadata).toMatchObject({
      keyword: 'START',
      not_resubscribed: 'on do-not-contact (COMPLAINED)',
    });
  });

  it('"Yes" from someone not opted out is an answer to the campaign, not an opt-in', async () => {
    const t = await createTenant('Yes please');
    const { number, contact, campaign } = await seedSentMessage(t.tenantId);
    expect(await replyOf(await inbound(contact.phone, number.phone, 'Yes!'))).toBeNull();
    const [ev] = await tenantEvents(t.tenantId);
    expect(ev).toMatchObject({ eventType: 'REPLIED', campaignId: campaign.id, contactId: contact.id });
  });
});

describe('inbound: HELP', () => {
  it('answers the default help text naming the sender and how to reach it, and logs it', async () => {
    const t = await createTenant('Helpful Pty Ltd');
    await updateTenant(t.tenantId, { senderName: 'Helpful' });
    const { number, contact } = await seedSentMessage(t.tenantId);
    const reply = await replyOf(await inbound(contact.phone, number.phone, 'help?'));
    expect(reply).toBe(
      `Helpful: reply STOP to opt out. Msg&data rates may apply. Contact us on ${number.phone} (reply to this number).`,
    );
    const [ev] = await tenantEvents(t.tenantId);
    expect(ev?.eventType).toBe('REPLIED');
    expect(ev?.metadata).toMatchObject({ keyword: 'HELP', intent: 'help' });
    expect(await isDoNotContact(t.db, t.tenantId, contact.phone)).toBe(false);
  });

  it("answers INFO with the tenant's own help text", async () => {
    const t = await createTenant('Own help');
    await updateTenant(t.tenantId, { helpReply: 'Own help: call 02 9999 0000.' });
    const number = await addSendingNumber(t.tenantId);
    expect(await replyOf(await inbound(uniquePhone(), number.phone, 'INFO'))).toBe(
      'Own help: call 02 9999 0000.',
    );
  });
});

describe('inbound: replies', () => {
  it('"don\'t stop" is a REPLIED event linked to the contact and the campaign that reached them; no TwiML reply', async () => {
    const t = await createTenant('Replies');
    const { number, contact, campaign } = await seedSentMessage(t.tenantId);
    expect(await replyOf(await inbound(contact.phone, number.phone, "don't stop"))).toBeNull();
    expect(await isDoNotContact(t.db, t.tenantId, contact.phone)).toBe(false);
    const [ev] = await tenantEvents(t.tenantId);
    expect(ev).toMatchObject({ eventType: 'REPLIED', contactId: contact.id, campaignId: campaign.id });
    expect(ev?.metadata).toMatchObject({
      body: "don't stop",
      from: contact.phone,
      intent: 'message',
      keyword: null,
    });
  });

  it('a reply from an unknown person creates no contact and links no campaign', async () => {
    const t = await createTenant('Stranger');
    const number = await addSendingNumber(t.tenantId);
    await inbound(uniquePhone(), number.phone, 'who is this?');
    const [ev] = await tenantEvents(t.tenantId);
    expect(ev).toMatchObject({ eventType: 'REPLIED', contactId: null, campaignId: null });
  });

  it('links only a campaign that messaged the person within 7 days', async () => {
    const t = await createTenant('Old campaign');
    const number = await addSendingNumber(t.tenantId);
    const contact = await addContact(t.tenantId);
    const campaign = await addCampaign(t.tenantId);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await addJob({
      tenantId: t.tenantId,
      campaignId: campaign.id,
      contactId: contact.id,
      sendingNumberId: number.id,
      sentAt: tenDaysAgo,
    });
    await inbound(contact.phone, number.phone, 'thanks');
    const [ev] = await tenantEvents(t.tenantId);
    expect(ev).toMatchObject({ contactId: contact.id, campaignId: null });
  });

  it('picks the most recent of several campaigns', async () => {
    const t = await createTenant('Two campaigns');
    const number = await addSendingNumber(t.tenantId);
    const contact = await addContact(t.tenantId);
    const older = await addCampaign(t.tenantId, 'Older');
    const newer = await addCampaign(t.tenantId, 'Newer');
    const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    await addJob({
      tenantId: t.tenantId,
      campaignId: older.id,
      contactId: contact.id,
      sendingNumberId: number.id,
      sentAt: ago(30),
    });
    await addJob({
      tenantId: t.tenantId,
      campaignId: newer.id,
      contactId: contact.id,
      sendingNumberId: number.id,
      sentAt: ago(2),
    });
    await inbound(contact.phone, number.phone, 'see you Friday');
    expect((await tenantEvents(t.tenantId))[0]?.campaignId).toBe(newer.id);
  });
});

describe('inbound: replay and security', () => {
  it('a replayed STOP after START changes nothing and sends no second confirmation', async () => {
    const t = await createTenant('Replay inbound');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    const stopSid = sid();
    await inbound(phone, number.phone, 'STOP', { messageSid: stopSid });
    await inbound(phone, number.phone, 'START');
    expect(await replyOf(await inbound(phone, number.phone, 'STOP', { messageSid: stopSid }))).toBeNull();
    expect(await isDoNotContact(t.db, t.tenantId, phone)).toBe(false);
    expect((await tenantEvents(t.tenantId)).map((e) => e.eventType).sort()).toEqual([
      'OPT_OUT',
      'RESUBSCRIBE',
    ]);
  });

  it('security: a captured START replayed with a fresh idempotency header cannot undo a later STOP', async () => {
    const t = await createTenant('Replay header');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    const startSid = sid();
    await inbound(phone, number.phone, 'STOP');
    await inbound(phone, number.phone, 'START', { messageSid: startSid, idempotencyToken: 'first' });
    await inbound(phone, number.phone, 'STOP');
    // The header is not covered by the signature, so an attacker can change it; the sid is.
    const replay = await inbound(phone, number.phone, 'START', {
      messageSid: startSid,
      idempotencyToken: 'forged-fresh-token',
    });
    expect(replay.status).toBe(200);
    expect(await replyOf(replay)).toBeNull();
    expect(await isDoNotContact(t.db, t.tenantId, phone)).toBe(true);
  });

  it('a forged STOP is 403 and does not opt anyone out', async () => {
    const t = await createTenant('Forged inbound');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect((await inbound(phone, number.phone, 'STOP', { token: 'guess' })).status).toBe(403);
    expect((await inbound(phone, number.phone, 'STOP', { signature: null })).status).toBe(403);
    expect(await isDoNotContact(t.db, t.tenantId, phone)).toBe(false);
    expect(await tenantEvents(t.tenantId)).toHaveLength(0);
  });

  it("a STOP to tenant A's number opts out of A only, never B", async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const numberA = await addSendingNumber(a.tenantId);
    await addSendingNumber(b.tenantId);
    const phone = uniquePhone();
    await addContact(b.tenantId, phone);
    await inbound(phone, numberA.phone, 'STOP');
    expect(await isDoNotContact(a.db, a.tenantId, phone)).toBe(true);
    expect(await isDoNotContact(b.db, b.tenantId, phone)).toBe(false);
    expect(await tenantEvents(b.tenantId)).toHaveLength(0);
  });

  it('a message to a number we do not hold changes nothing and is answered with empty TwiML', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const messageSid = sid();
    expect(await replyOf(await inbound(uniquePhone(), '+61499999999', 'STOP', { messageSid }))).toBeNull();
    const rows = await acrossShards((d) =>
      d.select().from(webhookEvents).where(eq(webhookEvents.providerEventId, messageSid)),
    );
    expect(rows).toEqual([]);
    expect(String(warn.mock.calls[0]?.[0])).toContain('twilio_inbound_unknown_number');
  });
});
