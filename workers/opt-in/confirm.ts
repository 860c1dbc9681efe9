// The "Y" that confirms a pending opt-in (issue 14). Consent is recorded only now, with its proof
// on the request row: the keyword or form (and its consent text version), when it was asked for
// (the keyword's inbound MessageSid, or the visitor's IP and user agent) and when and by which
// message it was confirmed. A number on do-not-contact that re-requested by keyword is taken off
// the list here (RESUBSCRIBE), because the person asked twice themselves; nothing else lifts it.
import { and, eq, sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { keywords, pendingOptIns, signupForms } from '../db/schema';
import { completeJoin, type JoinEnv, type Joined, type JoinSource } from './join';

export type PendingOptIn = typeof pendingOptIns.$inferSelect;

/** The newest request of this phone still waiting for its "Y" at `at`. */
export async function pendingFor(
  db: Db,
  tenantId: string,
  phoneE164: string,
  at: Date,
): Promise<PendingOptIn | null> {
  const [row] = await db
    .select()
    .from(pendingOptIns)
    .where(
      and(
        eq(pendingOptIns.tenantId, tenantId),
        eq(pendingOptIns.phoneE164, phoneE164),
        eq(pendingOptIns.status, 'pending'),
        sql`${pendingOptIns.expiresAt} > ${at.toISOString()}`,
      ),
    )
    .orderBy(sql`${pendingOptIns.requestedAt} DESC`)
    .limit(1);
  return row ?? null;
}

/** Where a request came from, with what joining adds (tags) and what the answer says. */
export async function joinSourceOf(
  db: Db,
  p: PendingOptIn,
): Promise<{ source: JoinSource; keywordReply: string | null }> {
  if (p.source === 'keyword') {
    const k = p.keywordId
      ? await db.query.keywords.findFirst({
          where: and(eq(keywords.id, p.keywordId), eq(keywords.tenantId, p.tenantId)),
        })
      : undefined;
    return {
      source: {
        kind: 'keyword',
        keywordId: p.keywordId ?? '',
        keyword: k?.keyword ?? 'keyword',
        sendingNumberId: p.sendingNumberId,
        tags: k?.tagsAdd ?? [],
      },
      keywordReply: k?.reply ?? null,
    };
  }
  const f = p.formId
    ? await db.query.signupForms.findFirst({
        where: and(eq(signupForms.id, p.formId), eq(signupForms.tenantId, p.tenantId)),
      })
    : undefined;
  return {
    source: {
      kind: 'form',
      formId: p.formId ?? '',
      formName: f?.name ?? 'signup form',
      consentVersion: p.consentVersion,
      tags: f?.tagsAdd ?? [],
    },
    keywordReply: null,
  };
}

export type Confirmed = Joined & { resubscribed: boolean; keywordReply: string | null };

/**
 * Confirms `p` with the inbound "Y" (`messageSid`); null when it may not be confirmed: a number on
 * do-not-contact by staff or a complaint, or one that opted out and asked through a form only.
 */
export async function confirmPending(
  env: JoinEnv,
  db: Db,
  p: PendingOptIn,
  c: { messageSid: string; at: Date; dnc: { id: string; reason: string } | null },
): Promise<Confirmed | null> {
  const at = c.at.toISOString();
  if (c.dnc && (c.dnc.reason !== 'STOP' || p.source !== 'keyword')) {
    await db
      .update(pendingOptIns)
      .set({ status: 'blocked', statusReason: 'do_not_contact', updatedAt: at })
      .where(and(eq(pendingOptIns.id, p.id), eq(pendingOptIns.status, 'pending')));
    return null;
  }
  const [claimed, , lifted] = await runBatch(db, [
    sql`UPDATE pending_opt_ins
           SET status = 'confirmed', confirmed_at = ${at}, confirmation_inbound_sid = ${c.messageSid}, updated_at = ${at}
         WHERE id = ${p.id} AND status = 'pending'
        RETURNING id`,
    // One "Y" answers the newest request; older ones of the same phone are done with.
    sql`UPDATE pending_opt_ins SET status = 'superseded', status_reason = ${`confirmed ${p.id}`}, updated_at = ${at}
         WHERE tenant_id = ${p.tenantId} AND phone_e164 = ${p.phoneE164} AND status = 'pending' AND id <> ${p.id}`,
    ...(c.dnc
      ? [
          sql`DELETE FROM do_not_contact
               WHERE tenant_id = ${p.tenantId} AND phone_e164 = ${p.phoneE164} AND reason = 'STOP'
                 AND EXISTS (SELECT 1 FROM pending_opt_ins WHERE id = ${p.id} AND confirmation_inbound_sid = ${c.messageSid})
              RETURNING id`,
        ]
      : []),
  ]);
  if (!claimed || claimed.rows.length === 0) return null; // confirmed meanwhile (a replay)
  const { source, keywordReply } = await joinSourceOf(db, p);
  const joined = await completeJoin(env, db, {
    tenantId: p.tenantId,
    phoneE164: p.phoneE164,
    source,
    fields: p.fields,
    optInId: p.id,
    messageSid: c.messageSid,
    at: c.at,
  });
  const resubscribed = (lifted?.rows.length ?? 0) > 0;
  await runBatch(db, [
    sql`UPDATE pending_opt_ins SET contact_id = ${joined.contactId} WHERE id = ${p.id}`,
    ...(resubscribed
      ? [
          sql`INSERT INTO events (id, tenant_id, contact_id, event_type, metadata, created_at)
              VALUES (${uuidv7(c.at.getTime())}, ${p.tenantId}, ${joined.contactId}, 'RESUBSCRIBE',
                      ${JSON.stringify({ source: 'inbound_sms', intent: 'opt_in_confirmed', opt_in_id: p.id, message_sid: c.messageSid })},
                      ${at})`,
          sql`INSERT INTO audit_log (id, tenant_id, action, resource_type, resource_id, metadata, created_at)
              VALUES (${uuidv7(c.at.getTime())}, ${p.tenantId}, 'do_not_contact.deleted', 'do_not_contact', ${c.dnc?.id ?? null},
                      ${JSON.stringify({ via: 'join_keyword', phone: p.phoneE164, reason: 'STOP', opt_in_id: p.id, message_sid: c.messageSid })},
                      ${at})`,
        ]
      : []),
  ]);
  return { ...joined, resubscribed, keywordReply };
}

/** A STOP ends every request of the phone still waiting for its "Y". */
export function expirePendingOnOptOut(db: Db, tenantId: string, phoneE164: string, at: string) {
  return db
    .update(pendingOptIns)
    .set({ status: 'expired', statusReason: 'opted_out', updatedAt: at })
    .where(
      and(
        eq(pendingOptIns.tenantId, tenantId),
        eq(pendingOptIns.phoneE164, phoneE164),
        eq(pendingOptIns.status, 'pending'),
      ),
    );
}
