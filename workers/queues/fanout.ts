// Fan-out consumer (ARCHITECTURE "The send path", step 1): one message = one page of the
// audience (keyset on contacts.id). Each page evaluates eligibility, inserts send_jobs (UNIQUE
// tenant+campaign+contact makes a re-run harmless), writes QUEUED events for new rows only,
// counts the skipped, enqueues the new job ids and then the next page.
import { and, eq } from 'drizzle-orm';
import { uuidv7 } from '../db/ids';
import { campaigns, suppressionRules, tenants } from '../db/schema';
import {
  movingRetryDelaySeconds,
  type Shard,
  shardOf,
  TenantMovingError,
  UnknownTenantError,
} from '../db/shards';
import { pickTemplate } from '../domain/ab-split';
import { addCounts, evaluateEligibility, suppressionCutoff } from '../domain/eligibility';
import { backoffSeconds } from '../domain/twilio-errors';
import { completeCampaignIfDone } from '../send/d1-store';
import { enqueueFanout, enqueueSendJobs, FanoutMessage } from '../send/enqueue';
import { LEASE_GRACE_SECONDS } from '../send/loop';

export const FANOUT_PAGE_SIZE = 500;

export async function consumeFanoutBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  void ctx;
  for (const m of batch.messages) {
    const parsed = FanoutMessage.safeParse(m.body);
    if (!parsed.success) {
      console.error('fanout queue: unreadable message, dropped', JSON.stringify(m.body));
      m.ack();
      continue;
    }
    try {
      await fanoutPage(env, parsed.data, new Date());
      m.ack();
    } catch (err) {
      if (err instanceof TenantMovingError) {
        m.retry({ delaySeconds: movingRetryDelaySeconds(m.attempts) });
        continue;
      }
      console.error('fanout page failed', parsed.data, err);
      m.retry({ delaySeconds: backoffSeconds(m.attempts) });
    }
  }
}

type AudienceFilter = { import_batch_id?: string; custom_field?: { key: string; value: string } };

type PageRow = {
  id: string;
  phone_e164: string;
  consent_status: 'explicit' | 'implied' | 'unknown';
  erased_at: string | null;
  last_sent_at: string | null;
  dnc: number;
};

/**
 * The audience as SQL: the tenant's contacts (not erased) narrowed by the campaign's filter.
 * Placeholders are numbered from `first` so callers can put their own parameters around it.
 */
export function audienceWhere(
  tenantId: string,
  audience: AudienceFilter,
  first = 1,
): { clause: string; params: unknown[] } {
  const params: unknown[] = [tenantId];
  const p = () => `?${first + params.length - 1}`;
  const parts = [`c.tenant_id = ${p()}`, 'c.erased_at IS NULL'];
  if (audience.import_batch_id) {
    params.push(audience.import_batch_id);
    parts.push(`c.import_batch_id = ${p()}`);
  }
  if (audience.custom_field) {
    params.push(`$."${audience.custom_field.key}"`);
    const path = p();
    params.push(audience.custom_field.value);
    parts.push(`json_extract(c.custom_fields, ${path}) = ${p()}`);
  }
  return { clause: parts.join(' AND '), params };
}

/** Processes one page; exported so tests and the cron can drive it directly. */
export async function fanoutPage(env: Env, msg: FanoutMessage, now: Date): Promise<void> {
  let shard: Shard;
  try {
    shard = await shardOf(env, msg.tenantId);
  } catch (err) {
    if (err instanceof UnknownTenantError) return; // the tenant was deleted: nothing to fan out
    throw err;
  }
  const { db, d1 } = shard;
  const at = now.toISOString();
  const campaign = await db.query.campaigns.findFirst({
    where: and(eq(campaigns.id, msg.campaignId), eq(campaigns.tenantId, msg.tenantId)),
  });
  // Paused: resume re-kicks the fan-out from its cursor. Completed/cancelled: nothing to do.
  if (!campaign || (campaign.status !== 'queued' && campaign.status !== 'running')) return;
  if (campaign.fanoutDoneAt !== null) return;
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, campaign.tenantId) });
  if (!tenant) return;
  const rules = await db.select().from(suppressionRules).where(eq(suppressionRules.tenantId, tenant.id));
  const suppressedSince = suppressionCutoff(rules, now);

  const where = audienceWhere(tenant.id, campaign.audience as AudienceFilter);
  const page = await d1
    .prepare(
      `SELECT c.id, c.phone_e164, c.consent_status, c.erased_at, c.last_sent_at,
            EXISTS (SELECT 1 FROM do_not_contact d WHERE d.tenant_id = c.tenant_id AND d.phone_e164 = c.phone_e164) AS dnc
       FROM contacts c
      WHERE ${where.clause} AND c.id > ?${where.params.length + 1}
      ORDER BY c.id LIMIT ?${where.params.length + 2}`,
    )
    .bind(...where.params, msg.cursor ?? '', FANOUT_PAGE_SIZE)
    .all<PageRow>();
  const rows = page.results;

  const skipped: Record<string, number> = {};
  const jobs: { id: string; e: string; c: string; t: string }[] = [];
  for (const r of rows) {
    const v = evaluateEligibility({
      phoneE164: r.phone_e164,
      consentStatus: r.consent_status,
      erasedAt: r.erased_at,
      lastSentAt: r.last_sent_at,
      onDoNotContact: r.dnc === 1,
      allowUnknownConsent: tenant.allowUnknownConsent,
      suppressedSince,
    });
    if (!v.eligible) skipped[v.reason] = (skipped[v.reason] ?? 0) + 1;
    else
      jobs.push({
        id: uuidv7(),
        e: uuidv7(),
        c: r.id,
        t: pickTemplate(campaign.id, r.id, campaign.templateIds),
      });
  }
  const last = rows.length === FANOUT_PAGE_SIZE ? (rows[rows.length - 1] as PageRow).id : null;
  const newCursor = last ?? rows[rows.length - 1]?.id ?? msg.cursor;
  const lease = new Date(now.getTime() + LEASE_GRACE_SECONDS * 1000).toISOString();
  const jobsJson = JSON.stringify(jobs);

  const [inserted, , advanced] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, status, queued_at, lease_until)
       SELECT json_extract(value, '$.id'), ?1, ?2, json_extract(value, '$.c'), json_extract(value, '$.t'), 'queued', ?3, ?4
         FROM json_each(?5) WHERE true
       ON CONFLICT (tenant_id, campaign_id, contact_id) DO NOTHING
       RETURNING id`,
      )
      .bind(tenant.id, campaign.id, at, lease, jobsJson),
    // Events only for rows this run inserted: a re-run's fresh ids do not exist in send_jobs.
    d1
      .prepare(
        `INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at)
       SELECT json_extract(value, '$.e'), ?1, json_extract(value, '$.c'), ?2, json_extract(value, '$.id'), 'QUEUED',
              json_object('template_id', json_extract(value, '$.t')), ?3
         FROM json_each(?4)
        WHERE EXISTS (SELECT 1 FROM send_jobs s WHERE s.id = json_extract(value, '$.id'))`,
      )
      .bind(tenant.id, campaign.id, at, jobsJson),
    // Counts move only with the cursor, so a redelivered page is never counted twice.
    d1
      .prepare(
        `UPDATE campaigns
          SET fanout_cursor = ?1, skipped_counts = ?2, audience_count = coalesce(audience_count, 0) + ?3,
              status = CASE WHEN status = 'queued' THEN 'running' ELSE status END,
              started_at = coalesce(started_at, ?4), fanout_done_at = ?5, updated_at = ?4
        WHERE id = ?6 AND fanout_cursor IS ?7 AND status IN ('queued', 'running', 'paused')
        RETURNING id`,
      )
      .bind(
        newCursor,
        JSON.stringify(addCounts(campaign.skippedCounts, skipped)),
        rows.length,
        at,
        last === null ? at : null,
        campaign.id,
        msg.cursor,
      ),
  ]);
  const insertedIds = ((inserted?.results ?? []) as { id: string }[]).map((r) => r.id);
  const wonCursor = (advanced?.results ?? []).length === 1;

  let toSend = insertedIds;
  if (!wonCursor) {
    // Either a redelivery of this very page (the cursor already moved to where we would move it:
    // the first run may have died before enqueueing) or a stale duplicate chain (stop it).
    const fresh = await db.query.campaigns.findFirst({ where: eq(campaigns.id, campaign.id) });
    if (!fresh || fresh.fanoutCursor !== newCursor) return;
    const existing = await d1
      .prepare(
        `SELECT id FROM send_jobs
        WHERE campaign_id = ?1 AND status = 'queued'
          AND contact_id IN (SELECT json_extract(value, '$.c') FROM json_each(?2))`,
      )
      .bind(campaign.id, jobsJson)
      .all<{ id: string }>();
    toSend = existing.results.map((r) => r.id);
    if (fresh.status !== 'queued' && fresh.status !== 'running') return;
  }
  await enqueueSendJobs(
    env.SEND_QUEUE,
    toSend.map((jobId) => ({ jobId, tenantId: tenant.id })),
  );
  if (last !== null)
    await enqueueFanout(env.FANOUT_QUEUE, { campaignId: campaign.id, tenantId: tenant.id, cursor: last });
  else await completeCampaignIfDone(db, campaign.id, now);
}
