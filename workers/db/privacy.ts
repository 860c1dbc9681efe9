// Personal data outside the contacts table (issue 9): what a contact's erasure and the retention
// cron remove from Twilio's stored webhook payloads, inbound messages and expired short links.
import { and, eq, isNull, ne, type SQL, sql } from 'drizzle-orm';
import type { Db } from './client';
import { conversations, directMessages, events, webhookEvents } from './schema';

/**
 * The keys of a Twilio webhook payload that say what happened without saying to whom: the
 * message and account ids, statuses, error code, segment and media counts. Everything else
 * (From, To, Body, FromCity and the other geography, MediaUrl0.., ProfileName, WaId, ...) goes.
 */
export const KEPT_PAYLOAD_KEYS = [
  'MessageSid',
  'SmsSid',
  'SmsMessageSid',
  'AccountSid',
  'MessagingServiceSid',
  'MessageStatus',
  'SmsStatus',
  'ErrorCode',
  'NumSegments',
  'NumMedia',
  'OptOutType',
  'ApiVersion',
] as const;

/**
 * `webhook_events.payload` cut down to KEPT_PAYLOAD_KEYS, in SQL. json_patch drops the keys whose
 * value is null (RFC 7396), so a key the payload never had does not appear as null.
 */
export const scrubbedPayload: SQL = sql.raw(
  `json_patch('{}', json_object(${KEPT_PAYLOAD_KEYS.map((k) => `'${k}', json_extract(payload, '$.${k}')`).join(', ')}))`,
);

/** The payload keys of an inbound SMS or status callback that hold the person's phone. */
const mentionsPhone = (phone: string) =>
  sql`(json_extract(${webhookEvents.payload}, '$.From') = ${phone} OR json_extract(${webhookEvents.payload}, '$.To') = ${phone})`;

/**
 * The statements that remove a person's phone number and message bodies from the logs of their
 * tenant; run them in the same batch as the contact's erasure, before the phone is gone.
 * - webhook payloads naming the phone (inbound SMS From, status callback To) keep only
 *   KEPT_PAYLOAD_KEYS (the row stays: its provider_event_id is the replay guard);
 * - inbound messages logged before the person was a contact (REPLIED / OPT_OUT / RESUBSCRIBE
 *   events with no contact) lose body and numbers, as the contact's own events already do;
 * - their conversation thread's state (number, latest message) is deleted, and the words of the
 *   replies and tests sent to them, and of tests rendered with their data, are removed.
 */
export function eraseFromLogs(
  db: Db,
  tenantId: string,
  phone: string,
  now: string,
  /** The contact being erased: tests rendered with their data (to a test number) lose their words too. */
  contactId?: string,
) {
  return [
    db
      .update(webhookEvents)
      .set({ payload: sql`${scrubbedPayload}`, payloadScrubbedAt: now })
      .where(
        and(
          eq(webhookEvents.tenantId, tenantId),
          isNull(webhookEvents.payloadScrubbedAt),
          mentionsPhone(phone),
        ),
      ),
    db
      .update(events)
      .set({ metadata: sql`json_remove(${events.metadata}, '$.body', '$.from', '$.to', '$.phone')` })
      .where(
        and(
          isNull(events.contactId),
          eq(events.tenantId, tenantId),
          sql`json_extract(${events.metadata}, '$.from') = ${phone}`,
        ),
      ),
    // Their conversation thread (issue 12): its state holds the number and the latest message; the
    // words of replies and tests sent to them (one still queued keeps its body until it is sent).
    db
      .delete(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.phoneE164, phone))),
    db
      .update(directMessages)
      .set({ body: '' })
      .where(
        and(
          eq(directMessages.tenantId, tenantId),
          ne(directMessages.status, 'queued'),
          contactId
            ? sql`(${directMessages.toPhone} = ${phone} OR ${directMessages.dedupeKey} IN (
                SELECT dedupe_key FROM test_sends WHERE contact_id = ${contactId} AND tenant_id = ${tenantId}))`
            : eq(directMessages.toPhone, phone),
        ),
      ),
  ] as const;
}

/**
 * The phone of each tenant's stand-in contact for expired short links past retention: an erased
 * contact row ("nobody in particular") that keeps short_links.contact_id NOT NULL and its foreign
 * key intact. Hidden like every erased contact; unique per tenant; never a real E.164 number.
 */
export const ERASED_LINKS_PHONE = 'erased:expired-links';
