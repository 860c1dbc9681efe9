import { lt } from 'drizzle-orm';
import { getDb } from '../db/client';
import { magicTokens, rateLimits, sessions } from '../db/schema';
import { expireOptIns, sweepWebhooks } from '../integrations/sweeper';
import { startDueCampaigns } from './campaigns';
import { watchImports } from './imports';
import { expireLinks } from './links';
import { reconcileMessages } from './reconcile';

/** Every minute. Each job is independent: one failing never stops the others. */
export async function runCron(env: Env, now: Date): Promise<void> {
  const jobs: [string, () => Promise<unknown>][] = [
    ['housekeeping', () => housekeeping(env, now)],
    ['campaigns', () => startDueCampaigns(env, now)],
    ['imports', () => watchImports(env, now)],
    ['links', () => expireLinks(env, now)],
    ['reconcile', () => reconcileMessages(env, now)],
    ['webhooks', () => sweepWebhooks(env, now)],
    ['opt-ins', () => expireOptIns(env, now)],
  ];
  const results = await Promise.allSettled(jobs.map(([, run]) => run()));
  results.forEach((r, i) => {
    if (r.status === 'rejected') console.error(`cron job ${jobs[i]?.[0]} failed`, r.reason);
  });
}

async function housekeeping(env: Env, now: Date) {
  const db = getDb(env.DB);
  const iso = now.toISOString();
  const dayAgo = new Date(now.getTime() - 24 * 3600 * 1000).toISOString();
  await db.batch([
    db.delete(magicTokens).where(lt(magicTokens.expiresAt, dayAgo)),
    db.delete(sessions).where(lt(sessions.expiresAt, iso)),
    db.delete(rateLimits).where(lt(rateLimits.windowStart, Math.floor(now.getTime() / 1000) - 86400)),
  ]);
}
