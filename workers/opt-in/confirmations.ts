// Double opt-in requests from signup forms and join keywords (issue 14).
//
// A request is recorded as a pending opt-in (the consent proof: source, consent text version, time,
// IP and user agent, or the inbound MessageSid) and the person is texted "Reply Y to confirm";
// the "Y" within 24 h confirms it. THIS BRANCH RECORDS ONLY: `RecordOnlyOptInConfirmations` writes
// the pending row and sends nothing (`confirmationSent: false`). The send path's one-message
// facility (second wave) replaces `optInConfirmationsFor` with an implementation that also sends
// the confirmation SMS (and sets `confirmation_sent_at` / `confirmation_message_sid`).
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { type FormField, type OptInStatus, pendingOptIns } from '../db/schema';

/** How long a confirmation can take. */
export const OPT_IN_TTL_MS = 24 * 3600 * 1000;

export type OptInRequest = {
  tenantId: string;
  phoneE164: string;
  at: Date;
} & (
  | { source: 'form'; formId: string; consentVersion: number; ip: string | null; userAgent: string | null }
  | { source: 'keyword'; keywordId: string; inboundMessageSid: string; sendingNumberId: string | null }
) & {
    /** Optional details given with the request (form fields), applied to the contact on confirmation. */
    fields?: Partial<Record<FormField, string>>;
  };

export type OptInRequestResult = { pendingOptInId: string; confirmationSent: boolean };

export interface OptInConfirmations {
  /**
   * Records the request (earlier pending requests of the same phone from the same form or keyword
   * are superseded) and texts the person to confirm. Never called for a number on do-not-contact
   * from a form: that person must ask again by keyword first.
   */
  request(req: OptInRequest): Promise<OptInRequestResult>;
}

/** Writes a request row in the given state; the single place that knows its columns. */
export async function recordOptIn(
  db: Db,
  req: OptInRequest,
  status: OptInStatus,
  extra: { statusReason?: string; contactId?: string; confirmedAt?: string } = {},
): Promise<string> {
  const id = uuidv7(req.at.getTime());
  const at = req.at.toISOString();
  const sameSource =
    req.source === 'form' ? eq(pendingOptIns.formId, req.formId) : eq(pendingOptIns.keywordId, req.keywordId);
  await db.batch([
    db
      .update(pendingOptIns)
      .set({ status: 'superseded', statusReason: `replaced by ${id}`, updatedAt: at })
      .where(
        and(
          eq(pendingOptIns.tenantId, req.tenantId),
          eq(pendingOptIns.phoneE164, req.phoneE164),
          eq(pendingOptIns.status, 'pending'),
          sameSource,
        ),
      ),
    db.insert(pendingOptIns).values({
      id,
      tenantId: req.tenantId,
      phoneE164: req.phoneE164,
      source: req.source,
      formId: req.source === 'form' ? req.formId : null,
      consentVersion: req.source === 'form' ? req.consentVersion : null,
      keywordId: req.source === 'keyword' ? req.keywordId : null,
      inboundMessageSid: req.source === 'keyword' ? req.inboundMessageSid : null,
      sendingNumberId: req.source === 'keyword' ? req.sendingNumberId : null,
      ip: req.source === 'form' ? req.ip : null,
      userAgent: req.source === 'form' ? (req.userAgent?.slice(0, 500) ?? null) : null,
      fields: req.fields ?? {},
      status,
      statusReason: extra.statusReason ?? null,
      contactId: extra.contactId ?? null,
      confirmedAt: extra.confirmedAt ?? null,
      requestedAt: at,
      expiresAt: new Date(req.at.getTime() + OPT_IN_TTL_MS).toISOString(),
      updatedAt: at,
    }),
  ]);
  return id;
}

/** This branch's implementation: records the pending opt-in, sends nothing (see the header). */
export class RecordOnlyOptInConfirmations implements OptInConfirmations {
  constructor(private readonly db: Db) {}

  async request(req: OptInRequest): Promise<OptInRequestResult> {
    return { pendingOptInId: await recordOptIn(this.db, req, 'pending'), confirmationSent: false };
  }
}

/** The seam: which implementation the form (and later the keyword handler) uses. */
export function optInConfirmationsFor(env: Pick<Env, 'CONTROL_DB'>, db: Db): OptInConfirmations {
  void env;
  return new RecordOnlyOptInConfirmations(db);
}
