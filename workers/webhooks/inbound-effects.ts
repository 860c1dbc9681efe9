// What follows an inbound message once it is recorded (issue 14): a STOP takes the person out of
// every flow at once and ends their pending opt-in requests; webhook events tell the tenant's
// endpoints (contact.opted_out, contact.opted_in, message.replied). Run after the message's own
// batch has committed; failures are logged, never undo the opt-out.
import { runBatch } from '../db/batch';
import type { Db } from '../db/client';
import { exitPhoneEnrolments } from '../flows/exits';
import { emitIfSubscribed } from '../integrations/subscribers';
import { expirePendingOnOptOut } from '../opt-in/confirm';
import { handleJoinOrConfirm } from '../opt-in/inbound';
import { handleInbound, type InboundInput, type InboundOutcome } from './inbound';

/**
 * One verified inbound message, live or replayed after a tenant move: join keywords and "Y"
 * confirmations first (STOP, START and HELP are never theirs), otherwise the opt-out keywords and
 * replies (handleInbound), then their effects. Returns the TwiML reply to give, if any.
 */
export async function processInbound(
  env: Env,
  db: Db,
  input: InboundInput,
): Promise<{ reply: string | null }> {
  const joined = await handleJoinOrConfirm(env, db, input);
  if (joined) return { reply: joined.reply };
  const outcome = await handleInbound(db, input);
  await afterInbound(env, db, input, outcome);
  return { reply: outcome.reply };
}

export async function afterInbound(
  env: Pick<Env, 'WEBHOOK_QUEUE'>,
  db: Db,
  input: InboundInput,
  outcome: InboundOutcome,
  now: Date = new Date(),
): Promise<void> {
  if (outcome.kind !== 'processed' || !outcome.tenantId) return;
  const tenantId = outcome.tenantId;
  const at = now.toISOString();
  const contact = { id: outcome.contactId ?? null, phone_e164: input.from };
  try {
    if (outcome.event === 'OPT_OUT') {
      await runBatch(db, [
        ...exitPhoneEnrolments(tenantId, input.from, 'opted_out', at),
        expirePendingOnOptOut(db, tenantId, input.from, at),
      ]);
    }
  } catch (err) {
    console.error('inbound opt-out: flows and pending requests not stopped', tenantId, err);
  }
  const base = { message_sid: input.messageSid, from: input.from, to: input.to };
  if (outcome.event === 'OPT_OUT')
    await emitIfSubscribed(env, db, tenantId, [
      {
        type: 'contact.opted_out',
        at: now,
        data: { contact, source: 'inbound_sms', keyword: input.body.trim().slice(0, 40), ...base },
      },
    ]);
  else if (outcome.event === 'RESUBSCRIBE')
    await emitIfSubscribed(env, db, tenantId, [
      {
        type: 'contact.opted_in',
        at: now,
        data: { contact, source: 'inbound_sms', keyword: input.body.trim().slice(0, 40), ...base },
      },
    ]);
  else if (outcome.event === 'REPLIED')
    await emitIfSubscribed(env, db, tenantId, [
      {
        type: 'message.replied',
        at: now,
        data: {
          message: { ...base, body: input.body, num_media: input.numMedia },
          contact,
          campaign_id: outcome.campaignId ?? null,
        },
      },
    ]);
}
