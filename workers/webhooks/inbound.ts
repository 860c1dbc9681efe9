// An inbound SMS to one of our senders: opt-out / opt-in / help keywords, or a reply for a human.
// The tenant is the owner of the number it was sent To, or of the Messaging Service it came
// through (resolved by the route from signed parameters). Like status callbacks, every
// write is in one batch guarded by the webhook_events insert, so a replay changes nothing.
import { and, desc, eq, gte, isNotNull, type SQL, sql } from 'drizzle-orm';
import { type Renderable, runBatch } from '../db/batch';
import { type Db, nowIso } from '../db/client';
import { touchContactActivity } from '../db/contact-activity';
import { inboundThreadUpsert } from '../db/conversations';
import { uuidv7 } from '../db/ids';
import { contacts, doNotContact, sendJobs, tenants, webhookEvents } from '../db/schema';
import { classifyInbound, type KeywordIntent } from '../domain/keywords';

/** How far back a reply is attributed to the campaign that last messaged the person. */
export const REPLY_ATTRIBUTION_DAYS = 7;

export type InboundInput = {
  /** The tenant owning the sender the message reached (workers/webhooks/routing.ts). */
  tenantId: string;
  providerEventId: string;
  messageSid: string;
  from: string;
  to: string;
  body: string;
  numMedia: number;
  /** Twilio's Advanced Opt-Out verdict (STOP / START / HELP), when the account has it on. */
  optOutType: string | null;
  payload: Record<string, string>;
};

export type InboundOutcome = {
  kind: 'replay' | 'unknown_number' | 'processed';
  intent: KeywordIntent | null;
  /** What the event log recorded (opt-in keywords from someone not opted out are plain replies). */
  event: 'OPT_OUT' | 'RESUBSCRIBE' | 'REPLIED' | null;
  reply: string | null;
  /** Whose message it was (processed messages), for what follows (webhook events, flows). */
  tenantId?: string;
  contactId?: string | null;
  campaignId?: string | null;
};

type TenantTexts = {
  name: string;
  senderName: string | null;
  helpReply: string | null;
  optOutReply: string | null;
  optInReply: string | null;
};

export function replyTexts(t: TenantTexts, ourNumber: string) {
  const name = t.senderName?.trim() || t.name;
  return {
    optOut:
      t.optOutReply?.trim() ||
      `${name}: You're unsubscribed and will get no more messages. Reply START to resubscribe.`,
    optIn: t.optInReply?.trim() || `${name}: You're subscribed again. Reply STOP to opt out.`,
    // The Spam Act asks the sender to identify itself and say how to reach it.
    help:
      t.helpReply?.trim() ||
      `${name}: reply STOP to opt out. Msg&data rates may apply. Contact us on ${ourNumber} (reply to this number).`,
  };
}

export async function handleInbound(db: Db, input: InboundInput): Promise<InboundOutcome> {
  const [owner] = await db
    .select({
      name: tenants.name,
      senderName: tenants.senderName,
      helpReply: tenants.helpReply,
      optOutReply: tenants.optOutReply,
      optInReply: tenants.optInReply,
    })
    .from(tenants)
    .where(eq(tenants.id, input.tenantId))
    .limit(1);
  if (!owner) {
    // The directory names a tenant this shard does not hold (it moved a moment ago): keep the proof.
    await db
      .insert(webhookEvents)
      .values({
        id: uuidv7(),
        tenantId: null,
        providerEventId: input.providerEventId,
        eventType: 'inbound:unknown_number',
        payload: input.payload,
        processedAt: nowIso(),
      })
      .onConflictDoNothing({ target: webhookEvents.providerEventId });
    return { kind: 'unknown_number', intent: null, event: null, reply: null };
  }

  const tenantId = input.tenantId;
  const now = nowIso();
  const since = new Date(Date.now() - REPLY_ATTRIBUTION_DAYS * 86_400_000).toISOString();
  const [contactRows, campaignRows, dncRows] = await db.batch([
    db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneE164, input.from)))
      .limit(1),
    db
      .select({ campaignId: sendJobs.campaignId })
      .from(sendJobs)
      .innerJoin(contacts, eq(contacts.id, sendJobs.contactId))
      .where(
        and(
          eq(sendJobs.tenantId, tenantId),
          eq(contacts.phoneE164, input.from),
          isNotNull(sendJobs.sentAt),
          gte(sendJobs.sentAt, since),
        ),
      )
      .orderBy(desc(sendJobs.sentAt))
      .limit(1),
    db
      .select({ id: doNotContact.id, reason: doNotContact.reason })
      .from(doNotContact)
      .where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, input.from)))
      .limit(1),
  ]);
  const contactId = contactRows[0]?.id ?? null;
  const campaignId = campaignRows[0]?.campaignId ?? null;
  const dncReason = dncRows[0]?.reason ?? null;
  const texts = replyTexts(owner, input.to);
  const { intent, keyword } = classifyInbound(input.body, input.optOutType);

  // START/YES/UNSTOP lift only an opt-out the person made by text. A MANUAL or COMPLAINED entry
  // was put there by staff or after a complaint, and a "Yes" from someone not opted out is an
  // answer to the campaign: both are replies for a human.
  const resubscribes = intent === 'opt_in' && dncReason === 'STOP';
  const eventType = intent === 'opt_out' ? 'OPT_OUT' : resubscribes ? 'RESUBSCRIBE' : 'REPLIED';
  const reply =
    intent === 'opt_out' ? texts.optOut : resubscribes ? texts.optIn : intent === 'help' ? texts.help : null;

  const weId = uuidv7();
  const metadata = JSON.stringify({
    source: 'inbound_sms',
    intent: intent === 'opt_in' && !resubscribes ? 'message' : intent,
    keyword,
    body: input.body,
    from: input.from,
    to: input.to,
    message_sid: input.messageSid,
    ...(input.numMedia > 0 ? { num_media: input.numMedia } : {}),
    ...(intent === 'opt_in' && dncReason && !resubscribes
      ? { not_resubscribed: `on do-not-contact (${dncReason})` }
      : {}),
  });

  const recorded = db
    .insert(webhookEvents)
    .values({
      id: weId,
      tenantId,
      providerEventId: input.providerEventId,
      eventType: `inbound:${eventType.toLowerCase()}`,
      payload: input.payload,
      processedAt: now,
    })
    .onConflictDoNothing({ target: webhookEvents.providerEventId });
  // Selecting FROM the webhook_events row this request inserted is the replay guard: on a
  // replay that row does not exist, so nothing below happens.
  const event = (extra: SQL = sql`1`) =>
    sql`INSERT INTO events (id, tenant_id, contact_id, campaign_id, event_type, metadata, created_at)
        SELECT ${uuidv7()}, ${tenantId}, ${contactId}, ${campaignId}, ${eventType}, ${metadata}, ${now}
        FROM webhook_events WHERE id = ${weId} AND ${extra}`;
  const audit = (action: string, resourceId: string | null, extra: SQL) =>
    sql`INSERT INTO audit_log (id, tenant_id, action, resource_type, resource_id, metadata, created_at)
        SELECT ${uuidv7()}, ${tenantId}, ${action}, 'do_not_contact', ${resourceId},
               ${JSON.stringify({ via: 'twilio_inbound', phone: input.from, reason: 'STOP', keyword, message_sid: input.messageSid })},
               ${now}
        FROM webhook_events WHERE id = ${weId} AND ${extra}`;

  const processed = sql`EXISTS (SELECT 1 FROM webhook_events WHERE id = ${weId})`;
  // The person's thread (issue 12), and "last reply" for segments: both only for a message this
  // request recorded, never for a replay.
  const thread = inboundThreadUpsert({
    tenantId,
    from: input.from,
    to: input.to,
    body: input.body,
    numMedia: input.numMedia,
    eventType,
    at: now,
    guard: processed,
  });
  const activity =
    contactId && eventType === 'REPLIED'
      ? [touchContactActivity(db, tenantId, contactId, { replyAt: now }, processed)]
      : [];

  let statements: Renderable[];
  if (intent === 'opt_out') {
    const dncId = uuidv7();
    statements = [
      recorded,
      sql`INSERT INTO do_not_contact (id, tenant_id, phone_e164, reason, source, created_at)
          SELECT ${dncId}, ${tenantId}, ${input.from}, 'STOP', 'sms', ${now} FROM webhook_events WHERE id = ${weId}
          ON CONFLICT (tenant_id, phone_e164) DO NOTHING`,
      event(),
      // Audited only when this request put the number on the list (not when it already was).
      audit('do_not_contact.created', dncId, sql`EXISTS (SELECT 1 FROM do_not_contact WHERE id = ${dncId})`),
    ];
  } else if (resubscribes) {
    const removed = sql`NOT EXISTS (SELECT 1 FROM do_not_contact WHERE tenant_id = ${tenantId} AND phone_e164 = ${input.from})`;
    statements = [
      recorded,
      sql`DELETE FROM do_not_contact
          WHERE tenant_id = ${tenantId} AND phone_e164 = ${input.from} AND reason = 'STOP'
            AND EXISTS (SELECT 1 FROM webhook_events WHERE id = ${weId})`,
      event(removed),
      audit('do_not_contact.deleted', dncRows[0]?.id ?? null, removed),
    ];
  } else {
    statements = [recorded, event()];
  }
  statements.push(thread, ...activity);
  const [inserted] = await runBatch(db, statements);
  if (inserted?.changes === 0) return { kind: 'replay', intent, event: null, reply: null };
  return { kind: 'processed', intent, event: eventType, reply, tenantId, contactId, campaignId };
}
