// contacts.last_human_click_at and contacts.last_reply_at: the person's latest human click and
// latest inbound message, so segments can ask "clicked within 30 days" through an index instead of
// scanning events. The click recorder moves last_human_click_at in its batch
// (workers/redirect/clicks.ts); the inbound webhook calls `touchContactActivity`.
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
