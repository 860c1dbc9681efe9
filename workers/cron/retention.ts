// Retention (issue 9): every minute, at most RETENTION_BATCH rows per rule and database, so a
// backlog (the first run on an old deployment) drains over a few ticks instead of one long one.
// Control database: expired magic tokens and sessions, old login rate-limit windows, resolved dead
// letters. Every shard: webhook payloads past their days keep only non-personal keys; expired short
// links past theirs lose their target and their person (the row and its counters stay).
import { sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { ERASED_LINKS_PHONE, scrubbedPayload } from '../db/privacy';
import { controlDb, shards } from '../db/shards';
import {
  daysBefore,
  opsSettings,
  type RetentionSettings,
  uuidv7LowerBound,
} from '../domain/retention-settings';
import { SHORT_LINK_TTL_DAYS } from '../redirect/links';

export const RETENTION_BATCH = 500;
/** Login rate-limit windows are 15 minutes; a day-old one is history (not a setting). */
const RATE_LIMIT_KEEP_SECONDS = 86_400;

export type RetentionReport = {
  magic_tokens_deleted: number;
  sessions_deleted: number;
  rate_limits_deleted: number;
  dead_letters_deleted: number;
  webhook_payloads_scrubbed: number;
  short_links_cleared: number;
};

async function controlRules(db: Db, s: RetentionSettings, now: Date, batch: number) {
  const [tokens, sessions, limits, letters] = await runBatch(db, [
    sql`DELETE FROM magic_tokens WHERE id IN (
      SELECT id FROM magic_tokens WHERE expires_at < ${daysBefore(now, s.magicTokenDays)} LIMIT ${batch})`,
    sql`DELETE FROM sessions WHERE id IN (
      SELECT id FROM sessions WHERE expires_at < ${daysBefore(now, s.sessionDays)} LIMIT ${batch})`,
    sql`DELETE FROM rate_limits WHERE key IN (
      SELECT key FROM rate_limits WHERE window_start < ${Math.floor(now.getTime() / 1000) - RATE_LIMIT_KEEP_SECONDS}
      LIMIT ${batch})`,
    // Pending letters are never deleted: they wait for an admin's decision.
    sql`DELETE FROM dead_letters WHERE id IN (
      SELECT id FROM dead_letters WHERE status IN ('retried', 'discarded')
         AND resolved_at < ${daysBefore(now, s.deadLetterDays)} LIMIT ${batch})`,
  ]);
  return {
    magic_tokens_deleted: tokens?.changes ?? 0,
    sessions_deleted: sessions?.changes ?? 0,
    rate_limits_deleted: limits?.changes ?? 0,
    dead_letters_deleted: letters?.changes ?? 0,
  };
}

/**
 * Webhook rows stay (provider_event_id is the replay guard: a captured START replayed later must
 * still be recognised); their payload keeps only what says what happened, not to whom. The id is
 * a UUIDv7, so "older than N days" is an id range, walked through the partial index of payloads
 * not yet scrubbed.
 */
async function scrubWebhookPayloads(db: Db, days: number, now: Date, batch: number): Promise<number> {
  const [r] = await runBatch(db, [
    sql`
    UPDATE webhook_events SET payload = ${scrubbedPayload}, payload_scrubbed_at = ${now.toISOString()}
     WHERE id IN (SELECT id FROM webhook_events
                   WHERE payload_scrubbed_at IS NULL AND id < ${uuidv7LowerBound(new Date(now.getTime() - days * 86_400_000))}
                   ORDER BY id LIMIT ${batch})`,
  ]);
  return r?.changes ?? 0;
}

/**
 * Expired links answer their 410 page and never redirect again, but still count in the campaign
 * report: after the retention days the row keeps its counters and loses where it went and whose
 * it was (contact_id moves to the tenant's ERASED_LINKS_PHONE stand-in, so the NOT NULL foreign
 * key of the ERD holds).
 */
async function clearExpiredLinks(db: Db, days: number, now: Date, batch: number): Promise<number> {
  const cutoff = daysBefore(now, days);
  // Campaign by campaign (through short_links' campaign index), never a scan of every link: a
  // campaign whose links may be due is one started before the cutoff less a link's lifetime.
  const startedBefore = daysBefore(new Date(cutoff), SHORT_LINK_TTL_DAYS);
  const due = await db.all<{ id: string; tenant_id: string }>(sql`
    SELECT id, tenant_id FROM campaigns
     WHERE links_retired_at IS NULL AND started_at IS NOT NULL AND started_at < ${startedBefore}
     ORDER BY started_at LIMIT 20`);
  if (due.length === 0) return 0;
  const at = now.toISOString();
  const standIn = (tenantId: string) =>
    sql`(SELECT c.id FROM contacts c WHERE c.tenant_id = ${tenantId} AND c.phone_e164 = ${ERASED_LINKS_PHONE})`;
  let cleared = 0;
  for (const c of due) {
    if (cleared >= batch) break;
    const results = await runBatch(db, [
      sql`INSERT INTO contacts (id, tenant_id, phone_e164, consent_status, erased_at, created_at, updated_at)
          VALUES (${uuidv7(now.getTime())}, ${c.tenant_id}, ${ERASED_LINKS_PHONE}, 'unknown', ${at}, ${at}, ${at})
          ON CONFLICT (tenant_id, phone_e164) DO NOTHING`,
      sql`UPDATE short_links SET target_url = '', recent_clicks = NULL, contact_id = ${standIn(c.tenant_id)}
           WHERE id IN (SELECT id FROM short_links
                         WHERE campaign_id = ${c.id} AND target_url IS NOT '' AND expires_at < ${cutoff}
                         LIMIT ${batch - cleared})`,
      // Done with this campaign once none of its links holds a target any more ('' = cleared; NULL,
      // the campaign's target, still counts as one).
      sql`UPDATE campaigns SET links_retired_at = ${at}
           WHERE id = ${c.id}
             AND NOT EXISTS (SELECT 1 FROM short_links WHERE campaign_id = ${c.id} AND target_url IS NOT '')`,
    ]);
    cleared += results[1]?.changes ?? 0;
  }
  return cleared;
}

/** One tick of retention over the control database and every shard; returns the rows it touched. */
export async function enforceRetention(
  env: Env,
  now: Date,
  batch: number = RETENTION_BATCH,
): Promise<RetentionReport> {
  const { settings } = opsSettings(env as unknown as Record<string, unknown>);
  const report: RetentionReport = {
    ...(await controlRules(controlDb(env), settings, now, batch)),
    webhook_payloads_scrubbed: 0,
    short_links_cleared: 0,
  };
  for (const shard of shards(env)) {
    report.webhook_payloads_scrubbed += await scrubWebhookPayloads(
      shard.db,
      settings.webhookPayloadDays,
      now,
      batch,
    );
    report.short_links_cleared += await clearExpiredLinks(shard.db, settings.shortLinkDays, now, batch);
  }
  return report;
}
