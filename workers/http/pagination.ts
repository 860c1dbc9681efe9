import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/client';
import { base64url, fromBase64url } from '../lib/crypto';
import { ApiError } from './errors';

/**
 * Cursors are opaque to clients: base64url of the last row's sort key. Lists sort by id
 * descending (UUIDv7, so newest first) unless a route says otherwise.
 */
export function encodeCursor(key: string): string {
  return base64url(new TextEncoder().encode(key));
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const bytes = fromBase64url(cursor);
  if (!bytes) throw new ApiError('BAD_REQUEST', 'The cursor is not one this API issued.');
  return new TextDecoder().decode(bytes);
}

/** Fetch `limit + 1` rows, then call this: it trims the extra row and says where to go next. */
export function paginate<T>(rows: T[], limit: number, keyOf: (row: T) => string) {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return { data, next_cursor: hasMore && last ? encodeCursor(keyOf(last)) : null };
}

/** A tenant-owned table keyed by UUIDv7 `id`: what `newestFirst` can list. */
type TenantTable = SQLiteTable & { id: SQLiteColumn; tenantId: SQLiteColumn };

/**
 * One page of a tenant's rows, newest first (keyset on the UUIDv7 id), with optional filters.
 * The tenant filter is always applied: a list can never show another tenant's rows.
 */
export async function newestFirst<T extends TenantTable>(
  db: Db,
  table: T,
  q: { tenantId: string; cursor?: string; limit: number },
  ...filters: (SQL | undefined)[]
): Promise<{ data: T['$inferSelect'][]; next_cursor: string | null }> {
  const after = decodeCursor(q.cursor);
  const rows = (await db
    .select()
    .from(table as SQLiteTable)
    .where(and(eq(table.tenantId, q.tenantId), ...filters, after ? lt(table.id, after) : undefined))
    .orderBy(desc(table.id))
    .limit(q.limit + 1)) as T['$inferSelect'][];
  return paginate(rows, q.limit, (r) => (r as { id: string }).id);
}
