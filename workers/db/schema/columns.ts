// Column helpers shared by every table of the schema (not exported from the barrel).
import { sql } from 'drizzle-orm';
import { customType, integer, text } from 'drizzle-orm/sqlite-core';

export const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;
export const id = () => text('id').primaryKey();
export const createdAt = () => text('created_at').notNull().default(now);
export const updatedAt = () => text('updated_at').notNull().default(now);
export const bool = (name: string) => integer(name, { mode: 'boolean' });

/** SQL `col IN ('a','b')` for a CHECK constraint from a readonly list of literals. */
export function oneOf(column: string, values: readonly string[]) {
  return sql.raw(`"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`);
}
export function isBool(column: string) {
  return sql.raw(`"${column}" IN (0, 1)`);
}

/** Text compared without regard to ASCII case (`VIP` = `vip`) by `=`, `IN`, UNIQUE and indexes alike. */
export const textNoCase = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE NOCASE',
});
