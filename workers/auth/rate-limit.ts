import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

/**
 * Fixed-window counter in D1: one atomic upsert per attempt. Returns false once `key` has been
 * used more than `limit` times in the current window.
 */
export async function allowAttempt(
  db: Db,
  key: string,
  limit: number,
  windowSeconds: number,
): Promise<boolean> {
  const windowStart = Math.floor(Date.now() / 1000 / windowSeconds) * windowSeconds;
  const rows = await db.all<{ count: number }>(sql`
    INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${windowStart}, 1)
    ON CONFLICT(key) DO UPDATE SET
      count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
      window_start = excluded.window_start
    RETURNING count`);
  return (rows[0]?.count ?? 0) <= limit;
}
