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
