// Double opt-in requests from signup forms and join keywords (issue 14).
//
// A request is recorded as a pending opt-in (the consent proof: source, consent text version, time,
// IP and user agent, or the inbound MessageSid) and the person is texted "Reply Y to confirm" as a
// direct message (kind `confirmation`, keyed by the request, so asking twice texts once). The "Y"
// within 24 h confirms it (workers/opt-in/confirm.ts). A number on do-not-contact is never texted
// from here: a form leaves its request `blocked`; a keyword re-request is answered in the reply
// to the person's own message (workers/opt-in/inbound.ts).
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { type FormField, type OptInStatus, pendingOptIns, sendingNumbers, tenants } from '../db/schema';
import { queueDirectMessage } from '../direct/queue';
import { confirmationRequestText } from '../domain/opt-in-texts';

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

/** The sender a form's confirmation goes from: one that can receive the "Y" (never an alphanumeric ID). */
async function replyableSender(db: Db, tenantId: string): Promise<string | null> {
  const [n] = await db
    .select({ id: sendingNumbers.id })
    .from(sendingNumbers)
    .where(
      and(
        eq(sendingNumbers.tenantId, tenantId),
        eq(sendingNumbers.isActive, true),
        inArray(sendingNumbers.kind, ['phone', 'messaging_service']),
      ),
    )
    .orderBy(asc(sendingNumbers.createdAt))
    .limit(1);
  return n?.id ?? null;
}

/** Records the request and queues its "Reply Y to confirm" text. */
export class SmsOptInConfirmations implements OptInConfirmations {
  constructor(
    private readonly env: Pick<Env, 'SEND_QUEUE'>,
    private readonly db: Db,
  ) {}

  async request(req: OptInRequest): Promise<OptInRequestResult> {
    const pendingOptInId = await recordOptIn(this.db, req, 'pending');
    return { pendingOptInId, confirmationSent: await this.sendConfirmation(pendingOptInId, req) };
  }

  /** Queues the text for a recorded request (once per request); false when no sender can take the "Y". */
  async sendConfirmation(pendingOptInId: string, req: OptInRequest): Promise<boolean> {
    const { db } = this;
    const [tenant] = await db
      .select({ name: tenants.name, senderName: tenants.senderName })
      .from(tenants)
      .where(eq(tenants.id, req.tenantId));
    const from =
      (req.source === 'keyword' ? req.sendingNumberId : null) ?? (await replyableSender(db, req.tenantId));
    if (!tenant || !from) {
      await db
        .update(pendingOptIns)
        .set({ statusReason: 'no sender can receive the reply', updatedAt: req.at.toISOString() })
        .where(and(eq(pendingOptIns.id, pendingOptInId), eq(pendingOptIns.tenantId, req.tenantId)));
      return false;
    }
    const message = await queueDirectMessage(
      this.env,
      db,
      {
        tenantId: req.tenantId,
        kind: 'confirmation',
        dedupeKey: `optin:${pendingOptInId}`,
        toPhone: req.phoneE164,
        sendingNumberId: from,
        body: confirmationRequestText(tenant),
        context: { pending_opt_in_id: pendingOptInId, source: req.source },
      },
      req.at,
    );
    await db
      .update(pendingOptIns)
      .set({
        confirmationMessageId: message.id,
        confirmationSentAt: req.at.toISOString(),
        sendingNumberId: from,
        updatedAt: req.at.toISOString(),
      })
      .where(and(eq(pendingOptIns.id, pendingOptInId), eq(pendingOptIns.tenantId, req.tenantId)));
    return true;
  }
}

/** The seam: what forms and keywords use to ask for a confirmation. */
export function optInConfirmationsFor(env: Pick<Env, 'SEND_QUEUE'>, db: Db): OptInConfirmations {
  return new SmsOptInConfirmations(env, db);
}
