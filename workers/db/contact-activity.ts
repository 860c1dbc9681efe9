// contacts.last_human_click_at and contacts.last_reply_at: the person's latest human click and
// latest inbound message, so segments can ask "clicked within 30 days" through an index instead of
// scanning events. The click recorder and the inbound webhook call `touchContactActivity` in the
// same batch as the event they record; `backfillContactActivity` fills both from the events of
// data recorded before these columns existed.
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from './client';
import { contacts } from './schema';

export type ContactActivity = { humanClickAt?: string; replyAt?: string };

/**
 * Moves the contact's activity timestamps forward (never back: a late-recorded older event leaves
 * a newer value alone). Awaitable, or put it in a `db.batch([...])` with the event it reflects.
 */
export function touchContactActivity(
  db: Db,
  tenantId: string,
  contactId: string,
  a: ContactActivity,
  /** Extra condition, e.g. a webhook's replay guard: a replayed message must not move the time. */
  guard?: SQL,
) {
  const later = (column: SQLiteColumn, at: string | undefined) =>
    at === undefined
      ? undefined
      : sql`CASE WHEN ${column} IS NULL OR ${column} < ${at} THEN ${at} ELSE ${column} END`;
  return db
    .update(contacts)
    .set({
      lastHumanClickAt: later(contacts.lastHumanClickAt, a.humanClickAt),
      lastReplyAt: later(contacts.lastReplyAt, a.replyAt),
    })
    .where(and(eq(contacts.id, contactId), eq(contacts.tenantId, tenantId), guard));
}

// One statement per column per tenant: the correlated max() per contact uses events_contact_id_idx,
// and only contacts that have such an event are visited.
const BACKFILL_CLICKS = `
UPDATE contacts SET last_human_click_at = (
  SELECT max(e.created_at) FROM events e
   WHERE e.contact_id = contacts.id AND e.tenant_id = contacts.tenant_id
     AND e.event_type = 'CLICKED' AND json_extract(e.metadata, '$.human') = 1)
 WHERE tenant_id = ?1 AND id IN (
  SELECT contact_id FROM events WHERE tenant_id = ?1 AND event_type = 'CLICKED'
     AND json_extract(metadata, '$.human') = 1 AND contact_id IS NOT NULL)`;

const BACKFILL_REPLIES = `
UPDATE contacts SET last_reply_at = (
  SELECT max(e.created_at) FROM events e
   WHERE e.contact_id = contacts.id AND e.tenant_id = contacts.tenant_id AND e.event_type = 'REPLIED')
 WHERE tenant_id = ?1 AND id IN (
  SELECT contact_id FROM events WHERE tenant_id = ?1 AND event_type = 'REPLIED' AND contact_id IS NOT NULL)`;

/** One-off: sets both columns from a tenant's events (idempotent; run it per tenant on its shard). */
export async function backfillContactActivity(d1: D1Database, tenantId: string): Promise<void> {
  await d1.batch([d1.prepare(BACKFILL_CLICKS).bind(tenantId), d1.prepare(BACKFILL_REPLIES).bind(tenantId)]);
}
