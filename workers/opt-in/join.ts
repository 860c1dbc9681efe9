// Joining the list (issue 14): what happens once consent is given, by a confirmed double opt-in
// or a single opt-in keyword or form. The contact is created or updated with explicit consent and
// its source, the keyword's or form's tags are added, the change is audited, the webhook events
// go out (contact.created for a new contact, contact.opted_in), and the flows this join (and each
// tag it added) starts are entered.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { auditLog, contacts, type FormField } from '../db/schema';
import { MAX_TAGS_PER_CONTACT, tagKey } from '../domain/tags';
import { enrolOnTrigger, type Trigger } from '../flows/enrol';
import type { WebhookEvent } from '../integrations/events';
import { emitIfSubscribed } from '../integrations/subscribers';

export type JoinEnv = Pick<Env, 'WEBHOOK_QUEUE' | 'FLOW_RUNNER'>;

export type JoinSource =
  | { kind: 'keyword'; keywordId: string; keyword: string; sendingNumberId: string | null; tags: string[] }
  | { kind: 'form'; formId: string; formName: string; consentVersion: number | null; tags: string[] };

export type Joined = { contactId: string; created: boolean; addedTags: string[] };

/** Adds tags the contact lacks (case-insensitively), within the per-contact limit; answers which. */
export async function addContactTags(
  db: Db,
  tenantId: string,
  contactId: string,
  tags: readonly string[],
  at: string,
): Promise<string[]> {
  if (tags.length === 0) return [];
  const d1 = db.$client;
  const had = await d1
    .prepare('SELECT tag FROM contact_tags WHERE tenant_id = ?1 AND contact_id = ?2')
    .bind(tenantId, contactId)
    .all<{ tag: string }>();
  const have = new Set(had.results.map((r) => tagKey(r.tag)));
  const room = Math.max(0, MAX_TAGS_PER_CONTACT - have.size);
  const wanted = tags.filter(
    (t, i) => !have.has(tagKey(t)) && tags.findIndex((u) => tagKey(u) === tagKey(t)) === i,
  );
  const add = wanted.slice(0, room);
  if (add.length === 0) return [];
  const inserted = await d1
    .prepare(
      `INSERT INTO contact_tags (tenant_id, contact_id, tag, created_at)
       SELECT ?1, ?2, value, ?4 FROM json_each(?3) WHERE true
       ON CONFLICT (tenant_id, contact_id, tag) DO NOTHING
       RETURNING tag`,
    )
    .bind(tenantId, contactId, JSON.stringify(add), at)
    .all<{ tag: string }>();
  return inserted.results.map((r) => r.tag);
}

function consentSource(s: JoinSource): string {
  return (s.kind === 'keyword' ? `keyword ${s.keyword}` : `signup form: ${s.formName}`).slice(0, 200);
}

export async function completeJoin(
  env: JoinEnv,
  db: Db,
  p: {
    tenantId: string;
    phoneE164: string;
    source: JoinSource;
    fields: Partial<Record<FormField, string>>;
    optInId: string;
    /** The inbound message that gave consent (a "Y", or a single opt-in keyword). */
    messageSid: string | null;
    at: Date;
  },
): Promise<Joined> {
  const at = p.at.toISOString();
  const consent = {
    consentStatus: 'explicit' as const,
    consentSource: consentSource(p.source),
    consentTimestamp: at,
  };
  const given = {
    ...(p.fields.first_name ? { firstName: p.fields.first_name } : {}),
    ...(p.fields.last_name ? { lastName: p.fields.last_name } : {}),
    ...(p.fields.email ? { email: p.fields.email.toLowerCase() } : {}),
  };
  const existing = await db.query.contacts.findFirst({
    columns: { id: true, consentStatus: true },
    where: and(
      eq(contacts.tenantId, p.tenantId),
      eq(contacts.phoneE164, p.phoneE164),
      isNull(contacts.erasedAt),
    ),
  });
  let contactId = existing?.id ?? uuidv7(p.at.getTime());
  let created = false;
  if (existing) {
    await db
      .update(contacts)
      .set({ ...consent, ...given, updatedAt: at })
      .where(and(eq(contacts.id, existing.id), eq(contacts.tenantId, p.tenantId)));
  } else {
    const rows = await db
      .insert(contacts)
      .values({ id: contactId, tenantId: p.tenantId, phoneE164: p.phoneE164, ...consent, ...given })
      .onConflictDoUpdate({
        target: [contacts.tenantId, contacts.phoneE164],
        set: { ...consent, ...given, updatedAt: at },
      })
      .returning({ id: contacts.id, createdAt: contacts.createdAt });
    contactId = rows[0]?.id ?? contactId;
    created = rows[0]?.id === contactId;
  }
  const addedTags = await addContactTags(db, p.tenantId, contactId, p.source.tags, at);
  const via = p.source.kind === 'keyword' ? 'join_keyword' : 'signup_form';
  const ref = p.source.kind === 'keyword' ? { keyword_id: p.source.keywordId } : { form_id: p.source.formId };
  await db.insert(auditLog).values({
    id: uuidv7(),
    tenantId: p.tenantId,
    userId: null,
    action: created ? 'contact.created' : 'contact.consent_changed',
    resourceType: 'contact',
    resourceId: contactId,
    metadata: {
      via,
      ...ref,
      opt_in_id: p.optInId,
      message_sid: p.messageSid,
      consent: { from: existing?.consentStatus ?? null, to: 'explicit' },
      tags_added: addedTags,
    },
  });

  const contact = { id: contactId, phone_e164: p.phoneE164, consent_status: 'explicit' };
  const events: WebhookEvent[] = [];
  if (created)
    events.push({
      type: 'contact.created',
      at: p.at,
      data: { contact: { ...contact, source: via, ...ref } },
    });
  events.push({
    type: 'contact.opted_in',
    at: p.at,
    data: { contact, source: via, ...ref, opt_in_id: p.optInId, message_sid: p.messageSid, opted_in_at: at },
  });
  await emitIfSubscribed(env, db, p.tenantId, events);

  const triggers: Trigger[] = [
    p.source.kind === 'keyword'
      ? { type: 'keyword', keywordId: p.source.keywordId, sendingNumberId: p.source.sendingNumberId }
      : { type: 'form', formId: p.source.formId },
    { type: 'tag_added', tags: addedTags },
  ];
  for (const trigger of triggers)
    await enrolOnTrigger(env, db, { tenantId: p.tenantId, contactId, trigger, now: p.at });
  return { contactId, created, addedTags };
}

/** A contact for someone who texted a join keyword: created without consent if new (consent comes with the "Y"). */
export async function ensureContact(
  db: Db,
  tenantId: string,
  phoneE164: string,
  at: Date,
): Promise<{ id: string; created: boolean }> {
  const id = uuidv7(at.getTime());
  const rows = await db.all<{ id: string }>(sql`
    INSERT INTO contacts (id, tenant_id, phone_e164, consent_status, created_at, updated_at)
    VALUES (${id}, ${tenantId}, ${phoneE164}, 'unknown', ${at.toISOString()}, ${at.toISOString()})
    ON CONFLICT (tenant_id, phone_e164) DO NOTHING
    RETURNING id`);
  if (rows[0]) return { id: rows[0].id, created: true };
  const [found] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneE164, phoneE164)));
  if (!found) throw new Error('contact vanished between insert and read');
  return { id: found.id, created: false };
}
