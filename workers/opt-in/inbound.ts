// Inbound messages that join the list (issue 14): a join keyword of the number texted ("JOIN"), or
// the "Y" (or "YES") confirming a pending request. STOP, START and HELP keep their meaning and win:
// this runs only for messages they do not claim, and answers null for anything that is not a join
// or a confirmation (the caller then handles it as before).
//
// Idempotent per inbound MessageSid: Twilio retries a webhook we failed, so the work is keyed by the
// sid (the request row names it; confirming is a conditional update) and the webhook_events row
// that marks the message as handled is written last, with its event-log row.
import { and, eq, sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { doNotContact, keywords, pendingOptIns, sendingNumbers, tenants, webhookEvents } from '../db/schema';
import { isConfirmationReply, matchJoinKeyword } from '../domain/join-keywords';
import { classifyInbound } from '../domain/keywords';
import { confirmationRequestText, joinedText } from '../domain/opt-in-texts';
import { emitIfSubscribed } from '../integrations/subscribers';
import type { InboundInput, InboundOutcome } from '../webhooks/inbound';
import { confirmPending, pendingFor } from './confirm';
import { recordOptIn, SmsOptInConfirmations } from './confirmations';
import { completeJoin, ensureContact, type JoinEnv } from './join';

type Owner = { tenantId: string; numberId: string; name: string; senderName: string | null };

async function ownerOf(db: Db, to: string): Promise<Owner | null> {
  const [row] = await db
    .select({
      tenantId: sendingNumbers.tenantId,
      numberId: sendingNumbers.id,
      name: tenants.name,
      senderName: tenants.senderName,
    })
    .from(sendingNumbers)
    .innerJoin(tenants, eq(tenants.id, sendingNumbers.tenantId))
    .where(eq(sendingNumbers.phoneE164, to))
    .limit(1);
  return row ?? null;
}

async function alreadyHandled(db: Db, messageSid: string): Promise<boolean> {
  const [row] = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(eq(webhookEvents.providerEventId, messageSid))
    .limit(1);
  return row !== undefined;
}

/** Marks the message handled and logs it for the contact's timeline (one batch). */
async function markHandled(
  db: Db,
  o: Owner,
  input: InboundInput,
  log: { contactId: string | null; intent: string; keyword?: string | null; extra?: Record<string, unknown> },
  at: string,
) {
  const weId = uuidv7();
  await runBatch(db, [
    db
      .insert(webhookEvents)
      .values({
        id: weId,
        tenantId: o.tenantId,
        providerEventId: input.providerEventId,
        eventType: `inbound:${log.intent}`,
        payload: input.payload,
        processedAt: at,
      })
      .onConflictDoNothing({ target: webhookEvents.providerEventId }),
    sql`INSERT INTO events (id, tenant_id, contact_id, campaign_id, event_type, metadata, created_at)
        SELECT ${uuidv7()}, ${o.tenantId}, ${log.contactId}, NULL, 'REPLIED',
               ${JSON.stringify({
                 source: 'inbound_sms',
                 intent: log.intent,
                 keyword: log.keyword ?? null,
                 body: input.body,
                 from: input.from,
                 to: input.to,
                 message_sid: input.messageSid,
                 ...log.extra,
               })}, ${at}
          FROM webhook_events WHERE id = ${weId}`,
  ]);
}

const done = (reply: string | null, kind: InboundOutcome['kind'] = 'processed'): InboundOutcome => ({
  kind,
  intent: 'message',
  event: kind === 'processed' ? 'REPLIED' : null,
  reply,
});

export async function handleJoinOrConfirm(
  env: JoinEnv & Pick<Env, 'SEND_QUEUE'>,
  db: Db,
  input: InboundInput,
  now: Date = new Date(),
): Promise<InboundOutcome | null> {
  const { intent } = classifyInbound(input.body, input.optOutType);
  if (intent === 'opt_out' || intent === 'help') return null;
  const confirming = isConfirmationReply(input.body);
  if (intent === 'opt_in' && !confirming) return null;
  const owner = await ownerOf(db, input.to);
  if (!owner) return null;
  const at = now.toISOString();
  // Only a join or a confirmation reads more (a plain reply costs this path two queries).
  const dncOf = async () =>
    (
      await db
        .select({ id: doNotContact.id, reason: doNotContact.reason })
        .from(doNotContact)
        .where(and(eq(doNotContact.tenantId, owner.tenantId), eq(doNotContact.phoneE164, input.from)))
        .limit(1)
    )[0];

  if (confirming) {
    const pending = await pendingFor(db, owner.tenantId, input.from, now);
    // No request waiting: "YES" is START, "Y" a reply for a human (a replayed Y finds none either).
    if (!pending) return null;
    if (await alreadyHandled(db, input.providerEventId)) return done(null, 'replay');
    const dnc = await dncOf();
    const confirmed = await confirmPending(env, db, pending, {
      messageSid: input.messageSid,
      at: now,
      dnc: dnc ?? null,
    });
    if (!confirmed) return null;
    await markHandled(
      db,
      owner,
      input,
      { contactId: confirmed.contactId, intent: 'opt_in_confirmed', extra: { opt_in_id: pending.id } },
      at,
    );
    const reply = joinedText({ ...owner, appendOptOutFooter: true }, confirmed.keywordReply);
    return {
      kind: 'processed',
      intent: 'opt_in',
      event: confirmed.resubscribed ? 'RESUBSCRIBE' : 'REPLIED',
      reply,
    };
  }

  const list = await db
    .select({
      id: keywords.id,
      keyword: keywords.keyword,
      sendingNumberId: keywords.sendingNumberId,
      isActive: keywords.isActive,
      reply: keywords.reply,
      tagsAdd: keywords.tagsAdd,
      doubleOptIn: keywords.doubleOptIn,
    })
    .from(keywords)
    .where(and(eq(keywords.tenantId, owner.tenantId), eq(keywords.isActive, true)));
  const k = matchJoinKeyword(input.body, list, owner.numberId);
  if (!k) return null;
  if (await alreadyHandled(db, input.providerEventId)) return done(null, 'replay');
  const dnc = await dncOf();
  // Staff put this number on the list, or it complained: a keyword does not lift that.
  if (dnc && dnc.reason !== 'STOP') return null;

  const contact = await ensureContact(db, owner.tenantId, input.from, now);
  if (contact.created)
    await emitIfSubscribed(env, db, owner.tenantId, [
      {
        type: 'contact.created',
        at: now,
        data: {
          contact: {
            id: contact.id,
            phone_e164: input.from,
            consent_status: 'unknown',
            source: 'join_keyword',
            keyword_id: k.id,
          },
        },
      },
    ]);
  const request = {
    tenantId: owner.tenantId,
    phoneE164: input.from,
    at: now,
    source: 'keyword' as const,
    keywordId: k.id,
    inboundMessageSid: input.messageSid,
    sendingNumberId: owner.numberId,
  };
  // A retried webhook finds the request it recorded before.
  const [earlier] = await db
    .select({ id: pendingOptIns.id })
    .from(pendingOptIns)
    .where(
      and(eq(pendingOptIns.tenantId, owner.tenantId), eq(pendingOptIns.inboundMessageSid, input.messageSid)),
    )
    .limit(1);
  const log = { contactId: contact.id, keyword: k.keyword };

  if (k.doubleOptIn || dnc) {
    const pendingId = earlier?.id ?? (await recordOptIn(db, request, 'pending', { contactId: contact.id }));
    let reply: string | null = null;
    if (dnc) {
      // They opted out before and now ask again: the request to confirm is the answer to their own
      // message (the sender never texts a number on the list on its own).
      reply = confirmationRequestText(owner);
      await db
        .update(pendingOptIns)
        .set({ confirmationSentAt: at, statusReason: 're-request from do-not-contact', updatedAt: at })
        .where(and(eq(pendingOptIns.id, pendingId), eq(pendingOptIns.tenantId, owner.tenantId)));
    } else {
      await new SmsOptInConfirmations(env, db).sendConfirmation(pendingId, request);
    }
    await markHandled(
      db,
      owner,
      input,
      { ...log, intent: 'join', extra: { opt_in_id: pendingId, double_opt_in: true } },
      at,
    );
    return done(reply);
  }

  const optInId =
    earlier?.id ??
    (await recordOptIn(db, request, 'confirmed', {
      contactId: contact.id,
      confirmedAt: at,
      statusReason: 'single opt-in keyword',
    }));
  await completeJoin(env, db, {
    tenantId: owner.tenantId,
    phoneE164: input.from,
    source: {
      kind: 'keyword',
      keywordId: k.id,
      keyword: k.keyword,
      sendingNumberId: owner.numberId,
      tags: k.tagsAdd,
    },
    fields: {},
    optInId,
    messageSid: input.messageSid,
    at: now,
  });
  await markHandled(
    db,
    owner,
    input,
    { ...log, intent: 'join', extra: { opt_in_id: optInId, double_opt_in: false } },
    at,
  );
  return done(joinedText({ ...owner, appendOptOutFooter: true }, k.reply));
}
