// Sending direct messages (one person, outside a campaign: workers/direct/queue.ts), from the send
// queue, with a campaign message's guarantees: never to a number on do-not-contact, nothing while
// the tenant is paused, within the sender's limits (SendingNumber) and the budget (TenantGovernor),
// quiet hours for the kinds that are marketing, and the attempt recorded before the provider is
// called so a crash is resolved by a lookup, never a second SMS.
import { sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import type { Db } from '../db/client';
import { costPerPartCents } from '../db/costs';
import { addDoNotContactRow } from '../db/do-not-contact';
import type { DIRECT_KINDS } from '../db/schema';
import type { Shard } from '../db/shards';
import { stickyIndex } from '../domain/ab-split';
import { isQuietTime, nextSendTime } from '../domain/quiet-hours';
import { analyzeSms } from '../domain/sms-encoding';
import { backoffSeconds, classifyTwilioFailure } from '../domain/twilio-errors';
import { senderAddress, UNKNOWN_SETTLE_MS } from '../send/loop';
import type { Messenger, NumberRow, Permits, TenantRow } from '../send/types';
import { validityPeriodSeconds } from '../send/validity';
import { type DirectSendMessage, enqueueDirect } from './queue';

/** Jobs held by a limit or a quiet window this long at most per wait (Queues' delay cap). */
const MAX_DELAY_SECONDS = 12 * 3600;
export const DIRECT_MAX_RETRIES = 8;

export type DirectDeps = {
  env: Env;
  shard: Shard;
  control: Db;
  permits: Permits;
  messenger: (tenantId: string) => Messenger;
  clock: () => Date;
};

type Row = {
  id: string;
  tenant_id: string;
  kind: (typeof DIRECT_KINDS)[number];
  contact_id: string | null;
  to_phone: string;
  sending_number_id: string | null;
  body: string;
  media_url: string | null;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  status: string;
  provider_message_id: string | null;
  attempt_started_at: string | null;
  contact_tz: string | null;
  dnc: number;
  /** A flow message's enrolment: ok, paused (its flow is: hold it), ended (it left the flow: drop it). */
  flow_state: 'ok' | 'paused' | 'ended';
};

export type DirectOutcome =
  | { kind: 'ack' }
  | { kind: 'retry'; delaySeconds: number }
  | { kind: 'defer'; delaySeconds: number };

/** Processes one batch's direct messages (all on one shard); answers each queue message's outcome. */
export async function sendDirectBatch(
  deps: DirectDeps,
  items: { body: DirectSendMessage; attempts: number }[],
): Promise<Map<string, DirectOutcome>> {
  const out = new Map<string, DirectOutcome>();
  if (items.length === 0) return out;
  const { db } = deps.shard;
  const ids = JSON.stringify(items.map((i) => i.body.messageId));
  const [rowsResult, tenantResult, numberResult] = await runBatch(db, [
    sql`
      SELECT m.id, m.tenant_id, m.kind, m.contact_id, m.to_phone, m.sending_number_id, m.body, m.media_url,
             m.quiet_hours_start, m.quiet_hours_end, m.status, m.provider_message_id, m.attempt_started_at,
             (SELECT timezone FROM contacts WHERE id = m.contact_id) AS contact_tz,
             EXISTS (SELECT 1 FROM do_not_contact d WHERE d.tenant_id = m.tenant_id AND d.phone_e164 = m.to_phone) AS dnc,
             CASE WHEN m.kind <> 'flow' THEN 'ok' ELSE coalesce((
               SELECT CASE WHEN e.status = 'exited' THEN 'ended' WHEN f.is_active = 0 THEN 'paused' ELSE 'ok' END
                 FROM flow_enrolments e JOIN flows f ON f.id = e.flow_id
                WHERE e.id = json_extract(m.context, '$.enrolment_id')), 'ok') END AS flow_state
        FROM direct_messages m WHERE m.id IN (SELECT value FROM json_each(${ids}))`,
    sql`
      SELECT id, name, timezone, country, is_paused AS isPaused, allow_unknown_consent AS allowUnknownConsent,
             append_opt_out_footer AS appendOptOutFooter, daily_budget_cents AS dailyBudgetCents,
             monthly_budget_cents AS monthlyBudgetCents
        FROM tenants WHERE id IN (SELECT tenant_id FROM direct_messages WHERE id IN (SELECT value FROM json_each(${ids})))`,
    sql`
      SELECT id, tenant_id, kind, phone_e164, messaging_service_sid, sender_id, daily_limit, per_minute_limit,
             warmup_start_date, is_active
        FROM sending_numbers
       WHERE tenant_id IN (SELECT tenant_id FROM direct_messages WHERE id IN (SELECT value FROM json_each(${ids})))`,
  ]);
  const rows = (rowsResult?.rows ?? []) as Row[];
  type RawTenant = Omit<TenantRow, 'isPaused' | 'allowUnknownConsent' | 'appendOptOutFooter'> & {
    isPaused: number;
    allowUnknownConsent: number;
    appendOptOutFooter: number;
  };
  const tenantRows = (tenantResult?.rows ?? []) as RawTenant[];
  const numberRows = (numberResult?.rows ?? []) as {
    id: string;
    tenant_id: string;
    kind: NumberRow['kind'];
    phone_e164: string | null;
    messaging_service_sid: string | null;
    sender_id: string | null;
    daily_limit: number;
    per_minute_limit: number;
    warmup_start_date: string | null;
    is_active: number;
  }[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const tenants = new Map(
    tenantRows.map((t) => [
      t.id,
      {
        ...t,
        isPaused: Boolean(t.isPaused),
        allowUnknownConsent: Boolean(t.allowUnknownConsent),
        appendOptOutFooter: Boolean(t.appendOptOutFooter),
      } as TenantRow,
    ]),
  );
  const numbers: NumberRow[] = numberRows.map((n) => ({
    id: n.id,
    tenantId: n.tenant_id,
    kind: n.kind,
    phoneE164: n.phone_e164,
    messagingServiceSid: n.messaging_service_sid,
    senderId: n.sender_id,
    dailyLimit: n.daily_limit,
    perMinuteLimit: n.per_minute_limit,
    warmupStartDate: n.warmup_start_date,
    isActive: Boolean(n.is_active),
  }));
  // Two copies of one message in a batch (a re-queue racing its original) are one send.
  const unique = new Map(items.map((i) => [i.body.messageId, i]));
  for (const item of unique.values()) {
    const row = byId.get(item.body.messageId);
    const tenant = row ? tenants.get(row.tenant_id) : undefined;
    if (!row || !tenant) {
      out.set(item.body.messageId, { kind: 'ack' });
      continue;
    }
    try {
      out.set(row.id, await sendOne(deps, row, tenant, numbers, item.attempts));
    } catch (err) {
      console.error('direct message failed unexpectedly', row.id, err);
      out.set(row.id, { kind: 'retry', delaySeconds: backoffSeconds(item.attempts) });
    }
  }
  await deps.permits.settle();
  return out;
}

const ack: DirectOutcome = { kind: 'ack' };
const defer = (seconds: number): DirectOutcome => ({
  kind: 'defer',
  delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(seconds))),
});

async function fail(deps: DirectDeps, row: Row, reason: string, code: string | null = null, optOut = false) {
  const { db } = deps.shard;
  const at = deps.clock().toISOString();
  await runBatch(db, [
    sql`UPDATE direct_messages SET status = 'failed', failure_reason = ${reason}, error_code = ${code}, failed_at = ${at}
         WHERE id = ${row.id} AND status = 'queued'`,
    ...(optOut ? [addDoNotContactRow(db, row.tenant_id, row.to_phone, 'STOP', 'sms')] : []),
  ]);
}

async function markSent(deps: DirectDeps, row: Row, sid: string, parts: number, cost: number) {
  const { db } = deps.shard;
  const at = deps.clock().toISOString();
  await runBatch(db, [
    sql`UPDATE direct_messages
           SET status = CASE WHEN status = 'queued' THEN 'sent' ELSE status END,
               provider_message_id = coalesce(provider_message_id, ${sid}), sent_at = coalesce(sent_at, ${at}),
               parts = ${parts}, cost_cents = ${cost}, attempt_started_at = NULL
         WHERE id = ${row.id} AND (status = 'queued' OR provider_message_id = ${sid})`,
    // Marketing counts for suppression windows; a reply, a test or a confirmation does not.
    ...(row.kind === 'flow' && row.contact_id
      ? [sql`UPDATE contacts SET last_sent_at = ${at} WHERE id = ${row.contact_id}`]
      : []),
  ]);
}

function pickSender(row: Row, numbers: NumberRow[]): NumberRow | null {
  const mine = numbers.filter((n) => n.tenantId === row.tenant_id && n.isActive);
  if (row.sending_number_id) return mine.find((n) => n.id === row.sending_number_id) ?? null;
  // A person keeps hearing from the same sender (as in campaigns).
  if (mine.length === 0) return null;
  return mine[stickyIndex(row.contact_id ?? row.to_phone, mine.length)] ?? null;
}

async function sendOne(
  deps: DirectDeps,
  row: Row,
  tenant: TenantRow,
  numbers: NumberRow[],
  attempts: number,
): Promise<DirectOutcome> {
  const now = deps.clock();
  if (row.status !== 'queued') return ack;
  const number = pickSender(row, numbers);

  if (row.attempt_started_at !== null) {
    // An earlier consumer called (or was about to call) the provider: look before sending again.
    const started = Date.parse(row.attempt_started_at);
    const address = number ? senderAddress(number) : null;
    const found = await deps.messenger(tenant.id).find({
      to: row.to_phone,
      from: address && 'from' in address ? address.from : null,
      since: new Date(started - 5 * 60_000),
    });
    if (!found.ok) return { kind: 'retry', delaySeconds: backoffSeconds(attempts) };
    const match = found.messages.find((m) => m.to === row.to_phone && m.body === row.body);
    if (match) {
      await markSent(deps, row, match.sid, analyzeSms(row.body).segments, 0);
      return ack;
    }
    const settlesIn = started + UNKNOWN_SETTLE_MS - now.getTime();
    if (settlesIn > 0) return { kind: 'retry', delaySeconds: Math.ceil(settlesIn / 1000) + 5 };
    await deps.shard.db.run(
      sql`UPDATE direct_messages SET attempt_started_at = NULL WHERE id = ${row.id} AND provider_message_id IS NULL`,
    );
  }

  if (tenant.isPaused) {
    // The kill switch: automation waits for it to be lifted; a person's request fails, saying why.
    if (row.kind === 'flow') return defer(300);
    await fail(deps, row, 'tenant_paused');
    return ack;
  }
  if (row.dnc === 1) {
    await fail(deps, row, 'do_not_contact');
    return ack;
  }
  // A flow message goes only while its enrolment is in the flow, and waits while the flow is paused.
  if (row.flow_state === 'ended') {
    await fail(deps, row, 'left_flow');
    return ack;
  }
  if (row.flow_state === 'paused') return defer(300);
  if (row.quiet_hours_start && row.quiet_hours_end) {
    const tz = row.contact_tz ?? tenant.timezone;
    if (isQuietTime(now, tz, row.quiet_hours_start, row.quiet_hours_end)) {
      const opens = nextSendTime(now, tz, row.quiet_hours_start, row.quiet_hours_end);
      return defer((opens.getTime() - now.getTime()) / 1000);
    }
  }
  if (!number) {
    await fail(deps, row, row.sending_number_id ? 'sender_inactive' : 'no_active_sender');
    return ack;
  }
  const address = senderAddress(number);
  if (!address || (row.media_url && number.kind === 'alphanumeric')) {
    await fail(deps, row, address ? 'sender_cannot_send_mms' : 'sender_misconfigured');
    return ack;
  }

  const permit = await deps.permits.acquire(number, tenant, now);
  if (!permit.ok) return defer(permit.retryAfterSeconds);
  const release = () => deps.permits.releaseNumber(number, permit.grantedAt, deps.clock());

  const parts = analyzeSms(row.body).segments;
  const channel = row.media_url ? 'mms' : 'sms';
  const price = await costPerPartCents(deps.control, {
    tenantId: tenant.id,
    country: tenant.country,
    at: now,
    channel,
  });
  const hasBudget = tenant.dailyBudgetCents !== null || tenant.monthlyBudgetCents !== null;
  if (price === null && hasBudget) {
    await release();
    return defer(600);
  }
  const cost = channel === 'mms' ? (price ?? 0) : parts * (price ?? 0);
  const reserved = await deps.permits.reserve(tenant, cost, now);
  if (!reserved.ok) {
    await release();
    if (reserved.reason === 'paused') return row.kind === 'flow' ? defer(300) : ack;
    return defer(reserved.retryAfterSeconds);
  }

  // Recorded before the provider is called, and only if, at this instant, the number is not on
  // do-not-contact and the tenant not paused.
  const claimed = await deps.shard.db.all<{ id: string }>(sql`
    UPDATE direct_messages
       SET attempt_started_at = ${now.toISOString()}, attempt_count = attempt_count + 1,
           sending_number_id = ${number.id}, parts = ${parts}, cost_cents = ${cost}
     WHERE id = ${row.id} AND status = 'queued' AND attempt_started_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = ${row.tenant_id} AND is_paused = 1)
       AND NOT EXISTS (SELECT 1 FROM do_not_contact WHERE tenant_id = ${row.tenant_id} AND phone_e164 = ${row.to_phone})
       AND NOT EXISTS (SELECT 1 FROM flow_enrolments e JOIN flows f ON f.id = e.flow_id
                        WHERE e.id = json_extract(direct_messages.context, '$.enrolment_id')
                          AND (e.status = 'exited' OR f.is_active = 0))
    RETURNING id`);
  if (claimed.length === 0) {
    deps.permits.unreserve(tenant.id, cost);
    await release();
    return { kind: 'retry', delaySeconds: 1 }; // re-read: the redelivery says why (STOP, pause, sent)
  }

  const tz = row.contact_tz ?? tenant.timezone;
  const res = await deps.messenger(tenant.id).send({
    to: row.to_phone,
    ...address,
    body: row.body,
    ...(row.media_url ? { mediaUrl: row.media_url } : {}),
    ...(row.quiet_hours_start && row.quiet_hours_end
      ? { validityPeriodSeconds: validityPeriodSeconds(now, tz, row.quiet_hours_start, row.quiet_hours_end) }
      : {}),
    ref: { tenantId: tenant.id, messageId: row.id },
  });
  if (res.ok) {
    deps.permits.spend(tenant.id, cost);
    await markSent(deps, row, res.sid, res.segments ?? parts, cost);
    return ack;
  }
  const c = classifyTwilioFailure(res.failure);
  if (c.action === 'fail') {
    deps.permits.unreserve(tenant.id, cost);
    await fail(deps, row, c.reason, c.code, c.optOut);
    return ack;
  }
  if (c.action === 'retry') {
    deps.permits.unreserve(tenant.id, cost);
    await release();
    await deps.shard.db.run(
      sql`UPDATE direct_messages SET attempt_started_at = NULL WHERE id = ${row.id} AND provider_message_id IS NULL`,
    );
    if (attempts > DIRECT_MAX_RETRIES) {
      await fail(deps, row, c.reason, c.code);
      return ack;
    }
    return { kind: 'retry', delaySeconds: backoffSeconds(attempts) };
  }
  // Unknown: Twilio may have taken it. Keep the attempt: the redelivery looks it up first.
  deps.permits.spend(tenant.id, cost);
  return { kind: 'retry', delaySeconds: backoffSeconds(attempts) };
}

/**
 * Queue verdicts: waits go back as fresh delayed messages (they must not use up the retry budget).
 * Each wait is written down (`next_attempt_at`, one statement for the batch), so the cron can tell
 * a message that is waiting from one whose queue message was lost (workers/direct/requeue.ts).
 */
export async function settleDirectOutcomes(
  env: Env,
  db: Db,
  items: { message: Message<unknown>; body: DirectSendMessage }[],
  outcomes: Map<string, DirectOutcome>,
  now: Date,
): Promise<void> {
  const due: { id: string; at: string }[] = [];
  for (const { body } of items) {
    const o = outcomes.get(body.messageId);
    if (o && o.kind !== 'ack')
      due.push({ id: body.messageId, at: new Date(now.getTime() + o.delaySeconds * 1000).toISOString() });
  }
  if (due.length > 0)
    await db.run(sql`
      UPDATE direct_messages SET next_attempt_at = w.value ->> '$.at'
        FROM json_each(${JSON.stringify(due)}) AS w
       WHERE direct_messages.id = w.value ->> '$.id' AND direct_messages.status = 'queued'`);
  for (const { message, body } of items) {
    const o = outcomes.get(body.messageId) ?? ack;
    if (o.kind === 'retry') message.retry({ delaySeconds: o.delaySeconds });
    else {
      if (o.kind === 'defer') await enqueueDirect(env, body, o.delaySeconds);
      message.ack();
    }
  }
}
