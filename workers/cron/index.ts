import { sql } from 'drizzle-orm';
import { getDb } from '../db/client';

/** Every minute: housekeeping that keeps tables small and nothing stuck. */
export async function runCron(env: Env, now: Date): Promise<void> {
  const db = getDb(env.DB);
  const iso = now.toISOString();
  const dayAgo = new Date(now.getTime() - 24 * 3600 * 1000).toISOString();
  await db.batch([
    db.run(sql`DELETE FROM magic_tokens WHERE expires_at < ${dayAgo}`),
    db.run(sql`DELETE FROM sessions WHERE expires_at < ${iso}`),
    db.run(sql`DELETE FROM rate_limits WHERE window_start < ${Math.floor(now.getTime() / 1000) - 86400}`),
  ]);
}
