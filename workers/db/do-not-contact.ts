import { and, eq } from 'drizzle-orm';
import type { Db } from './client';
import { uuidv7 } from './ids';
import { type DncReason, type DncSource, doNotContact } from './schema';

/** The send path's check: true when this tenant must never text this E.164 number. */
export async function isDoNotContact(db: Db, tenantId: string, phoneE164: string): Promise<boolean> {
  const [row] = await db
    .select({ id: doNotContact.id })
    .from(doNotContact)
    .where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, phoneE164)))
    .limit(1);
  return row !== undefined;
}

/** Adds the number (idempotent: an existing entry keeps its original reason, source and date). */
export function addDoNotContactRow(
  db: Db,
  tenantId: string,
  phoneE164: string,
  reason: DncReason,
  source: DncSource | null = null,
) {
  return db
    .insert(doNotContact)
    .values({ id: uuidv7(), tenantId, phoneE164, reason, source })
    .onConflictDoNothing({ target: [doNotContact.tenantId, doNotContact.phoneE164] });
}

export function removeDoNotContactRow(db: Db, tenantId: string, phoneE164: string) {
  return db
    .delete(doNotContact)
    .where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, phoneE164)))
    .returning();
}
