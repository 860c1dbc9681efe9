// Fan-out consumer (ARCHITECTURE "The send path", step 1): one message = one page of the
// audience (keyset on contacts.id, walked through the (tenant_id, id) index without a sort). Each
// page evaluates eligibility and, in ONE D1 batch, inserts the send jobs (UNIQUE
// tenant+campaign+contact makes a re-run harmless) with each recipient's personal short link, and
// moves the campaign's cursor and counts. The job row is the message's record from here on (no
// QUEUED event row). Pacing: a page is about what the campaign's senders can send in the next few
// minutes, each job is enqueued with a delay to when its sender will have room, and the next page
// comes when this one is nearly sent (workers/domain/pacing.ts).
//
// Issue 12: an A/B campaign fans out twice over the same audience: phase 'test' writes jobs only
// for its test group (variants split by pickTemplate), phase 'winner' (after the cron picked the
// winner) only for everyone else, with the winner; a contact is in exactly one phase
// (workers/domain/ab-test.ts) and the UNIQUE job key holds it to one message anyway. A local-time
// campaign gives each job its recipient's instant (spread at the senders' rate) as `not_before` and
// as the queue delay; its pages follow each other at once, so "has 10:00 passed here?" is decided
// for the whole audience when it starts. Every page records what it planned (the delivery plan).
import { and, eq, inArray } from 'drizzle-orm';
import { audienceWhere, type CampaignAudience } from '../db/audience';
import { uuidv7 } from '../db/ids';
import { campaigns, messageTemplates, sendingNumbers, suppressionRules, tenants } from '../db/schema';
import {
  movingRetryDelaySeconds,
  type Shard,
  shardOf,
  TenantMovingError,
  UnknownTenantError,
} from '../db/shards';
import { pickTemplate, storedTemplateId } from '../domain/ab-split';
import { abPhaseOf } from '../domain/ab-test';
import {
  addToPlan,
  type PlanPhase,
  plannedCounts,
  plannedInstant,
  usableZone,
} from '../domain/delivery-plan';
import { addCounts, evaluateEligibility, suppressionCutoff } from '../domain/eligibility';
import { createLinkToken } from '../domain/link-token';
import { LOCAL_TIME_PASSED, spreadDue } from '../domain/local-delivery';
import { jobDelays, MAX_QUEUE_DELAY_SECONDS, nextPage, pageSize, sendRate } from '../domain/pacing';
import { backoffSeconds } from '../domain/twilio-errors';
import { SHORT_LINK_TTL_DAYS } from '../redirect/links';
import { completeCampaignIfDone } from '../send/d1-store';
import { enqueueFanout, enqueueSendJobs, FanoutMessage } from '../send/enqueue';
import { LEASE_GRACE_SECONDS } from '../send/loop';
import { usesLink } from '../send/render';

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

type PageRow = {
  id: string;
  phone_e164: string;
  timezone: string | null;
  created_at: string;
  consent_status: 'explicit' | 'implied' | 'unknown';
  erased_at: string | null;
  last_sent_at: string | null;
  dnc: number;
};

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
  // Which A/B phase this fan-out writes (null: no test). Waiting for the winner: nothing to write.
  const phase: PlanPhase = campaign.abTest ? (campaign.abPhase === 'winner' ? 'winner' : 'test') : null;
  if (campaign.abPhase === 'waiting') return;
  const winnerId = campaign.abWinnerTemplateId;
  if (phase === 'winner' && !winnerId) return;
  const [[tenant], rules, senders, templates] = await db.batch([
    db.select().from(tenants).where(eq(tenants.id, campaign.tenantId)),
    db.select().from(suppressionRules).where(eq(suppressionRules.tenantId, campaign.tenantId)),
    db
      .select({
        id: sendingNumbers.id,
        perMinuteLimit: sendingNumbers.perMinuteLimit,
        isActive: sendingNumbers.isActive,
      })
      .from(sendingNumbers)
      .where(eq(sendingNumbers.tenantId, campaign.tenantId)),
    db
      .select({ id: messageTemplates.id, body: messageTemplates.body })
      .from(messageTemplates)
      .where(
        and(
          eq(messageTemplates.tenantId, campaign.tenantId),
          inArray(messageTemplates.id, campaign.templateIds.length ? campaign.templateIds : ['']),
        ),
      ),
  ]);
  if (!tenant) return;
  const suppressedSince = suppressionCutoff(rules, now);
  const chosen = campaign.sendingNumberIds.length
    ? senders.filter((s) => campaign.sendingNumberIds.includes(s.id))
    : senders;
  const rate = sendRate(chosen);
  const size = pageSize(rate);
  // Templates with {{link}} get each recipient's personal link here, in the same batch as the job.
  const linked = new Set(
    campaign.targetUrl ? templates.filter((t) => usesLink(t.body)).map((t) => t.id) : [],
  );

  const query = audiencePageQuery(tenant.id, campaign.audience as CampaignAudience, msg.cursor, size);
  const page = await d1
    .prepare(query.sql)
    .bind(...query.params)
    .all<PageRow>();
  const rows = page.results;

  // "Has the local time passed?" is judged at the start for every page and both phases alike, so
  // a redelivered or late page decides what the first run decided.
  const startedAt = campaign.startedAt ?? at;
  const startedMs = Date.parse(startedAt);
  const decidedAt = (campaign.abResult as { decided_at?: string } | null)?.decided_at;
  const decidedMs = decidedAt ? Date.parse(decidedAt) : null;
  const local = campaign.sendAtLocal;
  const timing = {
    sendAtLocal: local,
    quietStart: campaign.quietHoursStart,
    quietEnd: campaign.quietHoursEnd,
  };
  const share = campaign.abTest?.test_share_percent ?? 0;

  const skipped: Record<string, number> = {};
  const eligible: { contactId: string; templateId: string; instant: number; tz: string }[] = [];
  let counted = 0;
  const byZone = new Map<string, ReturnType<typeof plannedInstant>>();
  for (const r of rows) {
    // The other phase's contacts are not this fan-out's (nor counted by it).
    if (
      phase !== null &&
      abPhaseOf(campaign.id, { id: r.id, createdAt: r.created_at }, startedAt, share) !== phase
    )
      continue;
    counted += 1;
    const v = evaluateEligibility({
      phoneE164: r.phone_e164,
      consentStatus: r.consent_status,
      erasedAt: r.erased_at,
      lastSentAt: r.last_sent_at,
      onDoNotContact: r.dnc === 1,
      allowUnknownConsent: tenant.allowUnknownConsent,
      suppressedSince,
    });
    if (!v.eligible) {
      skipped[v.reason] = (skipped[v.reason] ?? 0) + 1;
      continue;
    }
    const tz = usableZone(r.timezone, tenant.timezone);
    // The same for everyone in a zone: worked out once per zone and page (Intl is not free).
    let planned = byZone.get(tz);
    if (!planned) {
      planned = plannedInstant(timing, tz, phase, startedMs, decidedMs);
      byZone.set(tz, planned);
    }
    if (planned.kind === 'skipped') {
      skipped[LOCAL_TIME_PASSED] = (skipped[LOCAL_TIME_PASSED] ?? 0) + 1;
      continue;
    }
    eligible.push({
      contactId: r.id,
      templateId:
        phase === 'winner' ? (winnerId as string) : pickTemplate(campaign.id, r.id, campaign.templateIds),
      instant: planned.at,
      tz,
    });
  }
  const startDelay = msg.startDelay ?? 0;
  // Local time: each job is due at its instant plus its place in that instant's spread (the recorded
  // plan says how many earlier pages put there). Otherwise the usual pacing from now.
  const due = local
    ? spreadDue(
        eligible.map((e) => e.instant),
        rate,
        plannedCounts(campaign.deliveryPlan ?? {}, phase),
      )
    : null;
  const paced = local ? [] : jobDelays(eligible.length, rate, startDelay);
  const expiresAt = new Date(now.getTime() + SHORT_LINK_TTL_DAYS * 86_400_000).toISOString();
  const jobs = await Promise.all(
    eligible.map(async (e, i) => {
      const dueMs = due?.[i];
      const wait =
        dueMs === undefined ? (paced[i] ?? 0) : Math.max(0, Math.ceil((dueMs - now.getTime()) / 1000));
      return {
        id: uuidv7(now.getTime()),
        c: e.contactId,
        t: storedTemplateId(campaign.templateIds, e.templateId),
        d: Math.min(MAX_QUEUE_DELAY_SECONDS, wait),
        nb: dueMs === undefined ? null : new Date(dueMs).toISOString(),
        // A lost queue message is noticed (cron) only after it was due and a grace period (a wait
        // past the queue's longest delay hops through the send loop without a lease write).
        l: new Date(now.getTime() + (wait + LEASE_GRACE_SECONDS) * 1000).toISOString(),
        k: linked.has(e.templateId)
          ? await createLinkToken(env.LINK_SECRET, shard.index, campaign.id, e.contactId)
          : null,
        s: uuidv7(now.getTime()),
      };
    }),
  );
  const last = rows.length === size ? (rows[rows.length - 1] as PageRow).id : null;
  const newCursor = last ?? rows[rows.length - 1]?.id ?? msg.cursor;
  const jobsJson = JSON.stringify(jobs);

  const [inserted, , advanced] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, status, queued_at, lease_until, not_before)
         SELECT json_extract(value, '$.id'), ?1, ?2, json_extract(value, '$.c'), json_extract(value, '$.t'), 'queued', ?3,
                json_extract(value, '$.l'), json_extract(value, '$.nb')
           FROM json_each(?4) WHERE true
         ON CONFLICT (tenant_id, campaign_id, contact_id) DO NOTHING
         RETURNING id`,
      )
      .bind(tenant.id, campaign.id, at, jobsJson),
    // The personal links, created with the jobs (a re-run's identical token is a no-op). A token
    // taken by another recipient (a nonce collision, rare) is skipped: the render finds no link for
    // that recipient and creates one at the next attempt (workers/redirect/links.ts).
    d1
      .prepare(
        `INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, created_at, expires_at)
         SELECT json_extract(value, '$.s'), ?1, ?2, json_extract(value, '$.c'), json_extract(value, '$.k'), ?3, ?4
           FROM json_each(?5) WHERE json_extract(value, '$.k') IS NOT NULL
         ON CONFLICT (token) DO NOTHING`,
      )
      .bind(tenant.id, campaign.id, at, expiresAt, jobsJson),
    // Counts move only with the cursor, so a redelivered page is never counted twice.
    d1
      .prepare(
        `UPDATE campaigns
            SET fanout_cursor = ?1, skipped_counts = ?2, audience_count = coalesce(audience_count, 0) + ?3,
                status = CASE WHEN status = 'queued' THEN 'running' ELSE status END,
                started_at = coalesce(started_at, ?4), fanout_done_at = ?5, updated_at = ?4,
                delivery_plan = ?8,
                ab_phase = CASE WHEN ab_test IS NOT NULL THEN coalesce(ab_phase, 'test') ELSE ab_phase END
          WHERE id = ?6 AND fanout_cursor IS ?7 AND status IN ('queued', 'running', 'paused')
          RETURNING id`,
      )
      .bind(
        newCursor,
        JSON.stringify(addCounts(campaign.skippedCounts, skipped)),
        counted,
        at,
        last === null ? at : null,
        campaign.id,
        msg.cursor,
        JSON.stringify(
          addToPlan(
            campaign.deliveryPlan ?? {},
            eligible.map((e) => ({ at: e.instant, tz: e.tz, phase })),
          ),
        ),
      ),
  ]);
  const insertedIds = new Set(((inserted?.results ?? []) as { id: string }[]).map((r) => r.id));
  const wonCursor = (advanced?.results ?? []).length === 1;

  let toSend = jobs.filter((j) => insertedIds.has(j.id)).map((j) => ({ jobId: j.id, delaySeconds: j.d }));
  if (!wonCursor) {
    // Either a redelivery of this very page (the cursor already moved to where we would move it:
    // the first run may have died before enqueueing) or a stale duplicate chain (stop it).
    const fresh = await db.query.campaigns.findFirst({ where: eq(campaigns.id, campaign.id) });
    if (!fresh || fresh.fanoutCursor !== newCursor) return;
    const existing = await d1
      .prepare(
        `SELECT id, not_before FROM send_jobs
          WHERE tenant_id = ?1 AND campaign_id = ?2 AND status = 'queued'
            AND contact_id IN (SELECT json_extract(value, '$.c') FROM json_each(?3))`,
      )
      .bind(tenant.id, campaign.id, jobsJson)
      .all<{ id: string; not_before: string | null }>();
    const again = jobDelays(existing.results.length, rate, startDelay);
    toSend = existing.results.map((r, i) => ({
      jobId: r.id,
      delaySeconds:
        r.not_before === null
          ? (again[i] ?? 0)
          : Math.min(
              MAX_QUEUE_DELAY_SECONDS,
              Math.max(0, Math.ceil((Date.parse(r.not_before) - now.getTime()) / 1000)),
            ),
    }));
    if (fresh.status !== 'queued' && fresh.status !== 'running') return;
  }
  await enqueueSendJobs(
    env.SEND_QUEUE,
    toSend.map((j) => ({ ...j, tenantId: tenant.id })),
  );
  if (last !== null) {
    // Local time: the jobs wait in the queue for their instants, so the next page comes at once.
    const next = local ? { delaySeconds: 0, startDelay: 0 } : nextPage(eligible.length, rate, startDelay);
    await enqueueFanout(
      env.FANOUT_QUEUE,
      { campaignId: campaign.id, tenantId: tenant.id, cursor: last, startDelay: next.startDelay },
      next.delaySeconds,
    );
  } else await completeCampaignIfDone(db, campaign.id, now);
}

/**
 * One page of the audience after `cursor`: a keyset walk of contacts (tenant_id, id), so no page
 * sorts the tenant's contacts (test/platform/fanout-plan.test.ts checks the query plan).
 * INDEXED BY pins the walk: with ANALYZE statistics a selective filter (a click window) would lead
 * the planner to another index plus a sort of every match on every page, quadratic in the audience.
 */
export function audiencePageQuery(
  tenantId: string,
  audience: CampaignAudience,
  cursor: string | null,
  size: number,
): { sql: string; params: unknown[] } {
  const where = audienceWhere(tenantId, audience);
  return {
    sql: `SELECT c.id, c.phone_e164, c.timezone, c.created_at, c.consent_status, c.erased_at, c.last_sent_at,
              EXISTS (SELECT 1 FROM do_not_contact d WHERE d.tenant_id = c.tenant_id AND d.phone_e164 = c.phone_e164) AS dnc
         FROM contacts c INDEXED BY contacts_tenant_id_idx
        WHERE ${where.clause} AND c.id > ?${where.params.length + 1}
        ORDER BY c.id LIMIT ?${where.params.length + 2}`,
    params: [...where.params, cursor ?? '', size],
  };
}
