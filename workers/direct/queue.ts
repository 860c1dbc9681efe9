// Asking for one message to one person (workers/direct/send.ts sends it): a row keyed by
// (tenant, dedupe key) and a message on the send queue. Asking twice with the same key sends once.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { type DirectKind, directMessages } from '../db/schema';

export type DirectRequest = {
  tenantId: string;
  kind: DirectKind;
  /** At most one SMS per key: a reply request id, `flow:<enrolment>:<step>`, `optin:<pending id>`… */
  dedupeKey: string;
  toPhone: string;
  contactId?: string | null;
  sendingNumberId?: string | null;
  body: string;
  mediaUrl?: string | null;
  /** Marketing (flows) waits out quiet hours in the recipient's zone; replies, tests and confirmations do not. */
  quietHours?: { start: string; end: string } | null;
  createdBy?: string | null;
  context?: Record<string, unknown>;
};

export type DirectSendMessage = { messageId: string; tenantId: string };

/** The row, created once per key, and whether this call created it (and queued it). */
export async function queueDirectMessage(
  env: Pick<Env, 'SEND_QUEUE'>,
  db: Db,
  r: DirectRequest,
  now = new Date(),
): Promise<{ id: string; created: boolean }> {
  const id = uuidv7(now.getTime());
  const inserted = await db
    .insert(directMessages)
    .values({
      id,
      tenantId: r.tenantId,
      kind: r.kind,
      dedupeKey: r.dedupeKey,
      contactId: r.contactId ?? null,
      toPhone: r.toPhone,
      sendingNumberId: r.sendingNumberId ?? null,
      body: r.body,
      mediaUrl: r.mediaUrl ?? null,
      quietHoursStart: r.quietHours?.start ?? null,
      quietHoursEnd: r.quietHours?.end ?? null,
      createdBy: r.createdBy ?? null,
      context: r.context ?? {},
      queuedAt: now.toISOString(),
      nextAttemptAt: now.toISOString(),
    })
    .onConflictDoNothing({ target: [directMessages.tenantId, directMessages.dedupeKey] })
    .returning({ id: directMessages.id });
  if (inserted.length === 0) {
    const [existing] = await db
      .select({ id: directMessages.id, status: directMessages.status })
      .from(directMessages)
      .where(and(eq(directMessages.tenantId, r.tenantId), eq(directMessages.dedupeKey, r.dedupeKey)));
    if (!existing) throw new Error('direct message vanished between insert and read');
    // Still queued: its queue message may have been lost; another copy is harmless (claimed once).
    if (existing.status === 'queued')
      await enqueueDirect(env, { messageId: existing.id, tenantId: r.tenantId });
    return { id: existing.id, created: false };
  }
  await enqueueDirect(env, { messageId: id, tenantId: r.tenantId });
  return { id, created: true };
}

export async function enqueueDirect(
  env: Pick<Env, 'SEND_QUEUE'>,
  msg: DirectSendMessage,
  delaySeconds = 0,
): Promise<void> {
  await env.SEND_QUEUE.send(msg, delaySeconds > 0 ? { delaySeconds } : undefined);
}
