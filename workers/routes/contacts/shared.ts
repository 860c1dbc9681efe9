// Lookups and errors the contact routes share.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { dncJoin } from '../../db/contacts';
import { contacts, doNotContact } from '../../db/schema';
import { tagsOf } from '../../db/tags';
import { ApiError, notFound } from '../../http/errors';

export const selectWithDnc = (db: Db) =>
  db
    .select({ contact: contacts, reason: doNotContact.reason, createdAt: doNotContact.createdAt })
    .from(contacts)
    .leftJoin(doNotContact, dncJoin);

export async function findContact(db: Db, tenantId: string, id: string) {
  const [row] = await selectWithDnc(db)
    .where(and(eq(contacts.id, id), eq(contacts.tenantId, tenantId)))
    .limit(1);
  if (!row) throw notFound('Contact');
  const tags = (await tagsOf(db.$client, tenantId, [id])).get(id) ?? [];
  return { ...row, tags };
}

export function invalidPhone(reason: string): ApiError {
  return new ApiError('VALIDATION', `The phone number is not usable: ${reason}.`, {
    errors: [{ path: 'phone', message: reason }],
  });
}

export function duplicatePhone(existingId: string): ApiError {
  return new ApiError('CONFLICT', 'A contact with this phone number already exists.', {
    extra: { existing_contact_id: existingId },
  });
}

export async function contactIdByPhone(db: Db, tenantId: string, phoneE164: string) {
  const [row] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneE164, phoneE164)))
    .limit(1);
  return row?.id ?? null;
}

export const isUniqueViolation = (err: unknown) => String(err).includes('UNIQUE constraint failed');
