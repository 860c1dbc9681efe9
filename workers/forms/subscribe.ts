// A signup form without double opt-in: the visitor's tick is the consent. The contact is created
// (or its consent made explicit) at once, and the opt-in row records the proof as confirmed.
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { auditLog, contacts, type FormField, type signupForms } from '../db/schema';
import { emitEvent } from '../integrations/events';
import { recordOptIn } from '../opt-in/confirmations';

type Form = typeof signupForms.$inferSelect;

export async function subscribeNow(
  env: Pick<Env, 'CONTROL_DB' | 'WEBHOOK_QUEUE'>,
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
  const at = p.at.toISOString();
  const consent = {
    consentStatus: 'explicit' as const,
    consentSource: `signup form: ${p.form.name}`.slice(0, 200),
    consentTimestamp: at,
  };
  const given = {
    ...(p.fields.first_name ? { firstName: p.fields.first_name } : {}),
    ...(p.fields.last_name ? { lastName: p.fields.last_name } : {}),
    ...(p.fields.email ? { email: p.fields.email.toLowerCase() } : {}),
  };
  const existing = await db.query.contacts.findFirst({
    where: and(
      eq(contacts.tenantId, p.tenantId),
      eq(contacts.phoneE164, p.phoneE164),
      isNull(contacts.erasedAt),
    ),
  });
  const contactId = existing?.id ?? uuidv7(p.at.getTime());
  if (existing) {
    await db
      .update(contacts)
      .set({ ...consent, ...given, updatedAt: at })
      .where(and(eq(contacts.id, existing.id), eq(contacts.tenantId, p.tenantId)));
  } else {
    await db
      .insert(contacts)
      .values({ id: contactId, tenantId: p.tenantId, phoneE164: p.phoneE164, ...consent, ...given })
      .onConflictDoNothing();
  }
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
    { contactId, confirmedAt: at, statusReason: 'single opt-in form' },
  );
  await db.insert(auditLog).values({
    id: uuidv7(),
    tenantId: p.tenantId,
    userId: null,
    action: existing ? 'contact.consent_changed' : 'contact.created',
    resourceType: 'contact',
    resourceId: contactId,
    metadata: {
      via: 'signup_form',
      form_id: p.form.id,
      opt_in_id: optInId,
      consent: { from: existing?.consentStatus ?? null, to: 'explicit', version: p.consentVersion },
    },
  });
  if (!existing) {
    try {
      await emitEvent(env, p.tenantId, 'contact.created', {
        contact: {
          id: contactId,
          phone_e164: p.phoneE164,
          consent_status: 'explicit',
          source: 'signup_form',
          form_id: p.form.id,
        },
      });
    } catch (err) {
      console.error('contact.created not emitted', contactId, err);
    }
  }
}
