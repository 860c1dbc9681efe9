// A conversation's messages (issue 12), merged in time order from where each one is recorded:
// what the person texted us (inbound events, by contact, and by number for messages sent before
// they were a contact or from a sender who is none), our campaign messages (send jobs, with the
// rendered body once sent) and our one-to-one messages (direct messages: replies, tests,
// confirmations, flow steps). Every branch reaches its rows through an index.
import { sql } from 'drizzle-orm';
import type { Db } from './client';

export type ThreadMessageRow = {
  id: string;
  direction: 'inbound' | 'outbound';
  /** Inbound: REPLIED / OPT_OUT / RESUBSCRIBE; outbound: campaign, reply, test, confirmation, flow, verification. */
  kind: string;
  at: string;
  body: string | null;
  from_phone: string | null;
  to_phone: string | null;
  status: string;
  intent: string | null;
  campaign_id: string | null;
  campaign_name: string | null;
  parts: number | null;
  cost_cents: number | null;
  failure_reason: string | null;
  sent_by_id: string | null;
  sent_by_email: string | null;
  queued_at: string | null;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
};

const INBOUND_TYPES = sql.raw(`('REPLIED', 'OPT_OUT', 'RESUBSCRIBE')`);

const inboundColumns = sql.raw(`
  e.id, 'inbound' AS direction, e.event_type AS kind, e.created_at AS at,
  json_extract(e.metadata, '$.body') AS body, json_extract(e.metadata, '$.from') AS from_phone,
  json_extract(e.metadata, '$.to') AS to_phone, 'received' AS status,
  json_extract(e.metadata, '$.intent') AS intent, e.campaign_id, NULL AS parts, NULL AS cost_cents,
  NULL AS failure_reason, NULL AS created_by, NULL AS queued_at, NULL AS sent_at, NULL AS delivered_at,
  NULL AS failed_at`);

const directColumns = sql.raw(`
  d.id, 'outbound' AS direction, d.kind, coalesce(d.sent_at, d.queued_at) AS at, d.body,
  (SELECT phone_e164 FROM sending_numbers WHERE id = d.sending_number_id) AS from_phone, d.to_phone,
  d.status, NULL AS intent, json_extract(d.context, '$.campaignId') AS campaign_id, d.parts, d.cost_cents,
  d.failure_reason, d.created_by, d.queued_at, d.sent_at, d.delivered_at, d.failed_at`);

/**
 * Up to `limit` messages of the thread, newest first, older than `before` (a previous page's last
 * message) when given. `contactId` null: a sender who is not a contact (only their number).
 */
export async function threadMessages(
  db: Db,
  p: {
    tenantId: string;
    phone: string;
    contactId: string | null;
    limit: number;
    before?: { at: string; id: string } | null;
  },
): Promise<ThreadMessageRow[]> {
  const t = p.tenantId;
  const contact = p.contactId;
  const byContact = contact
    ? sql`
      UNION ALL
      SELECT ${inboundColumns} FROM events e
       WHERE e.contact_id = ${contact} AND e.tenant_id = ${t} AND e.event_type IN ${INBOUND_TYPES}
         AND json_extract(e.metadata, '$.source') = 'inbound_sms'
      UNION ALL
      SELECT j.id, 'outbound' AS direction, 'campaign' AS kind, coalesce(j.sent_at, j.queued_at) AS at, j.body,
             (SELECT phone_e164 FROM sending_numbers WHERE id = j.sending_number_id) AS from_phone,
             ${p.phone} AS to_phone, j.status, NULL AS intent, j.campaign_id, j.parts, j.cost_cents,
             j.failure_reason, NULL AS created_by, j.queued_at, j.sent_at, j.delivered_at, j.failed_at
        FROM send_jobs j WHERE j.contact_id = ${contact} AND j.tenant_id = ${t}
      UNION ALL
      SELECT ${directColumns} FROM direct_messages d WHERE d.contact_id = ${contact} AND d.tenant_id = ${t}`
    : sql``;
  const before = p.before
    ? sql`WHERE m.at < ${p.before.at} OR (m.at = ${p.before.at} AND m.id < ${p.before.id})`
    : sql``;
  return db.all<ThreadMessageRow>(sql`
    SELECT m.id, m.direction, m.kind, m.at, m.body, m.from_phone, m.to_phone, m.status, m.intent,
           m.campaign_id, c.name AS campaign_name, m.parts, m.cost_cents, m.failure_reason,
           u.id AS sent_by_id, u.email AS sent_by_email, m.queued_at, m.sent_at, m.delivered_at, m.failed_at
      FROM (
        -- by number: inbound from before they were a contact (partial index events_inbound_unknown_from_idx)
        SELECT ${inboundColumns} FROM events e
         WHERE e.tenant_id = ${t} AND (e.metadata ->> '$.from') = ${p.phone}
           AND e.contact_id IS NULL AND e.event_type IN ${INBOUND_TYPES}
        UNION ALL
        SELECT ${directColumns} FROM direct_messages d
         WHERE d.tenant_id = ${t} AND d.to_phone = ${p.phone} AND d.contact_id IS NULL
        ${byContact}
      ) m
      LEFT JOIN campaigns c ON c.id = m.campaign_id AND c.tenant_id = ${t}
      LEFT JOIN users u ON u.id = m.created_by AND u.tenant_id = ${t}
      ${before}
     ORDER BY m.at DESC, m.id DESC
     LIMIT ${p.limit}`);
}

/** One of our direct messages as the thread shows it (the answer to a reply request). */
export async function directThreadMessage(
  db: Db,
  tenantId: string,
  id: string,
): Promise<ThreadMessageRow | null> {
  const [row] = await db.all<ThreadMessageRow>(sql`
    SELECT m.id, m.direction, m.kind, m.at, m.body, m.from_phone, m.to_phone, m.status, m.intent,
           m.campaign_id, c.name AS campaign_name, m.parts, m.cost_cents, m.failure_reason,
           u.id AS sent_by_id, u.email AS sent_by_email, m.queued_at, m.sent_at, m.delivered_at, m.failed_at
      FROM (SELECT ${directColumns} FROM direct_messages d WHERE d.id = ${id} AND d.tenant_id = ${tenantId}) m
      LEFT JOIN campaigns c ON c.id = m.campaign_id AND c.tenant_id = ${tenantId}
      LEFT JOIN users u ON u.id = m.created_by AND u.tenant_id = ${tenantId}`);
  return row ?? null;
}
