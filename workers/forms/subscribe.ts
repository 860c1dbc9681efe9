// A signup form without double opt-in: the visitor's tick is the consent. The opt-in row records
// the proof as confirmed, and the join happens at once (workers/opt-in/join.ts: the contact with
// explicit consent, the form's tags, contact.created / contact.opted_in, the form's flows).
import type { Db } from '../db/client';
import type { FormField, signupForms } from '../db/schema';
import { recordOptIn } from '../opt-in/confirmations';
import { completeJoin, type JoinEnv } from '../opt-in/join';

type Form = typeof signupForms.$inferSelect;

export async function subscribeNow(
  env: JoinEnv,
  db: Db,
  p: {
    tenantId: string;
    form: Form;
    consentVersion: number;
    phoneE164: string;
    fields: Partial<Record<FormField, string>>;
    ip: string | null;
    userAgent: string | null;
    at: Date;
  },
): Promise<void> {
  const optInId = await recordOptIn(
    db,
    {
      tenantId: p.tenantId,
      phoneE164: p.phoneE164,
      at: p.at,
      source: 'form',
      formId: p.form.id,
      consentVersion: p.consentVersion,
      ip: p.ip,
      userAgent: p.userAgent,
      fields: p.fields,
    },
    'confirmed',
    { confirmedAt: p.at.toISOString(), statusReason: 'single opt-in form' },
  );
  const joined = await completeJoin(env, db, {
    tenantId: p.tenantId,
    phoneE164: p.phoneE164,
    source: {
      kind: 'form',
      formId: p.form.id,
      formName: p.form.name,
      consentVersion: p.consentVersion,
      tags: p.form.tagsAdd,
    },
    fields: p.fields,
    optInId,
    messageSid: null,
    at: p.at,
  });
  await db.$client
    .prepare('UPDATE pending_opt_ins SET contact_id = ?1 WHERE id = ?2')
    .bind(joined.contactId, optInId)
    .run();
}
