import { and, eq, like, or, type SQL, sql } from 'drizzle-orm';
import { phoneSearch } from '../domain/phone';
import type { Db } from './client';
import { contacts, doNotContact, tenants } from './schema';

/** The country phone numbers are read in when they carry no `+` prefix (tenant setting, AU by default). */
export async function tenantCountry(db: Db, tenantId: string): Promise<string> {
  const [t] = await db.select({ country: tenants.country }).from(tenants).where(eq(tenants.id, tenantId));
  return t?.country ?? 'AU';
}

/** `LIKE` pattern that matches `text` literally anywhere (wildcards escaped with `\`). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

function likeEscaped(column: SQL | typeof contacts.email, text: string): SQL {
  return sql`${column} LIKE ${containsPattern(text)} ESCAPE '\\'`;
}

/**
 * A contacts search: phone in any common format (exact after normalising, or partial digits),
 * email, first or last name, or "first last".
 */
export function contactSearchCondition(search: string, country: string): SQL | undefined {
  const q = search.trim();
  if (q === '') return undefined;
  const terms: (SQL | undefined)[] = [];
  const phone = phoneSearch(q, country);
  if (phone) {
    if (phone.e164) terms.push(eq(contacts.phoneE164, phone.e164));
    for (const d of phone.digits) terms.push(like(contacts.phoneE164, `%${d}%`));
  }
  terms.push(
    likeEscaped(contacts.email, q),
    likeEscaped(sql`${contacts.firstName}`, q),
    likeEscaped(sql`${contacts.lastName}`, q),
    likeEscaped(sql`COALESCE(${contacts.firstName}, '') || ' ' || COALESCE(${contacts.lastName}, '')`, q),
  );
  return or(...terms);
}

/** Joins a contact to its do-not-contact entry (same tenant, same number). */
export const dncJoin = and(
  eq(doNotContact.tenantId, contacts.tenantId),
  eq(doNotContact.phoneE164, contacts.phoneE164),
);

/** Stands in for the phone number of an erased contact: unique per row, derived from nothing personal. */
export const erasedPhone = (contactId: string) => `erased:${contactId}`;
