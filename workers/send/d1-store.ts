// The send loop's store over the tenant's shard. Per batch of jobs: one round trip to load, one
// statement to claim every ready job, one round trip (two statements) to record what was sent;
// json_each carries the batch's values, so the statement count does not grow with the batch.
import { and, eq, sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import type { Db } from '../db/client';
import { costPerPartCents } from '../db/costs';
import { addDoNotContactRow } from '../db/do-not-contact';
import { eventRow } from '../db/events';
import { campaigns, sendJobs } from '../db/schema';
import { loadJobContexts } from './d1-load';
import type {
  ClaimRefusal,
  ClaimRequest,
  Failure,
  JobContext,
  SendStore,
  SentItem,
  TenantRow,
} from './types';

/** Failure rate guard: above this share of failed attempts, after enough attempts, pause. */
export const FAILURE_RATE_THRESHOLD = 0.2;
export const FAILURE_RATE_MIN_ATTEMPTS = 50;

export class D1SendStore implements SendStore {
  /** `db`: the shard holding the batch's jobs; `control`: prices. */
  constructor(
    private readonly db: Db,
    private readonly control: Db,
  ) {}

  /** Everything the batch needs in one round trip (workers/send/d1-load.ts). */
  load(jobIds: string[], now: Date): Promise<Map<string, JobContext>> {
    return loadJobContexts(this.db, jobIds, now);
  }

  async claim(requests: ClaimRequest[], now: Date): Promise<Map<string, true | ClaimRefusal>> {
    const out = new Map<string, true | ClaimRefusal>();
    if (requests.length === 0) return out;
    const attempts = JSON.stringify(
      requests.map(({ ctx, attempt }) => ({
        id: ctx.job.id,
        n: attempt.sendingNumberId,
        b: attempt.body,
        p: attempt.parts,
        c: attempt.costCents,
        to: ctx.contact.phoneE164,
      })),
    );
    // One statement for the batch: each attempt is recorded only if, at this instant, its job is
    // still unsent, its campaign running, its tenant not paused and its number not on do-not-contact.
    const claimed = await this.db.all<{ id: string }>(sql`
      UPDATE send_jobs
         SET attempt_started_at = ${now.toISOString()}, attempt_count = attempt_count + 1,
             sending_number_id = json_extract(a.value, '$.n'), body = json_extract(a.value, '$.b'),
             parts = json_extract(a.value, '$.p'), cost_cents = json_extract(a.value, '$.c')
        FROM json_each(${attempts}) AS a
       WHERE send_jobs.id = json_extract(a.value, '$.id')
         AND send_jobs.status = 'queued' AND send_jobs.attempt_started_at IS NULL
         AND EXISTS (SELECT 1 FROM campaigns WHERE id = send_jobs.campaign_id AND status = 'running')
         AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = send_jobs.tenant_id AND is_paused = 1)
         AND NOT EXISTS (SELECT 1 FROM do_not_contact
                          WHERE tenant_id = send_jobs.tenant_id AND phone_e164 = json_extract(a.value, '$.to'))
      RETURNING send_jobs.id AS id`);
    for (const r of claimed) out.set(r.id, true);
    const refused = requests.filter((r) => !out.has(r.ctx.job.id));
    if (refused.length === 0) return out;
    // Why, re-read for the few that were refused (a STOP, a pause or a redelivery meanwhile).
    const why = await this.db.all<{
      id: string;
      status: string;
      started: string | null;
      cs: string;
      paused: number;
      dnc: number;
    }>(sql`
      SELECT j.id AS id, j.status AS status, j.attempt_started_at AS started,
             (SELECT status FROM campaigns WHERE id = j.campaign_id) AS cs,
             (SELECT is_paused FROM tenants WHERE id = j.tenant_id) AS paused,
             EXISTS (SELECT 1 FROM do_not_contact
                      WHERE tenant_id = j.tenant_id AND phone_e164 = json_extract(a.value, '$.to')) AS dnc
        FROM json_each(${attempts}) AS a JOIN send_jobs j ON j.id = json_extract(a.value, '$.id')
       WHERE j.id IN (SELECT value FROM json_each(${JSON.stringify(refused.map((r) => r.ctx.job.id))}))`);
    const byId = new Map(why.map((w) => [w.id, w]));
    for (const r of refused) {
      const w = byId.get(r.ctx.job.id);
      out.set(
        r.ctx.job.id,
        w?.status !== 'queued' || w.started !== null
          ? 'not_queued'
          : w.dnc
            ? 'do_not_contact'
            : w.paused
              ? 'tenant_paused'
              : 'campaign_not_running',
      );
    }
    return out;
  }

  async releaseClaim(jobId: string): Promise<void> {
    await this.db
      .update(sendJobs)
      .set({ attemptStartedAt: null })
      .where(
        and(
          eq(sendJobs.id, jobId),
          eq(sendJobs.status, 'queued'),
          sql`${sendJobs.providerMessageId} IS NULL`,
        ),
      );
  }

  /**
   * Records accepted messages for the whole batch: two statements, one round trip. The job row is
   * the message's record (no SENT event row). A status callback may have beaten us (it already
   * moved the job on and recorded the sid): the job keeps its state, and gains parts and cost.
   */
  async markSent(items: SentItem[]): Promise<void> {
    if (items.length === 0) return;
    const sent = JSON.stringify(
      items.map(({ ctx: { job }, sid, parts, costCents, at }) => ({
        id: job.id,
        c: job.contactId,
        sid,
        p: parts,
        k: costCents,
        at: at.toISOString(),
      })),
    );
    await runBatch(this.db, [
      sql`
        UPDATE send_jobs
           SET status = CASE WHEN status = 'queued' THEN 'sent' ELSE status END,
               provider_message_id = coalesce(provider_message_id, json_extract(s.value, '$.sid')),
               sent_at = coalesce(sent_at, json_extract(s.value, '$.at')),
               parts = coalesce(json_extract(s.value, '$.p'), parts),
               cost_cents = coalesce(json_extract(s.value, '$.k'), cost_cents),
               error_code = NULL, lease_until = NULL,
               -- the attempt's marker is done once the provider id is recorded (its bytes too)
               attempt_started_at = NULL
          FROM json_each(${sent}) AS s
         WHERE send_jobs.id = json_extract(s.value, '$.id')
           AND (send_jobs.status = 'queued' OR send_jobs.provider_message_id = json_extract(s.value, '$.sid'))`,
      sql`
        UPDATE contacts SET last_sent_at = json_extract(s.value, '$.at')
          FROM json_each(${sent}) AS s
         WHERE contacts.id = json_extract(s.value, '$.c')
           AND (contacts.last_sent_at IS NULL OR contacts.last_sent_at < json_extract(s.value, '$.at'))`,
    ]);
  }

  async markFailed(ctx: JobContext, f: Failure, now: Date): Promise<void> {
    const db = this.db;
    const at = now.toISOString();
    const { job } = ctx;
    const update = db
      .update(sendJobs)
      .set({
        status: 'failed',
        failureReason: f.reason,
        errorCode: f.code ?? null,
        failedAt: at,
        leaseUntil: null,
      })
      .where(and(eq(sendJobs.id, job.id), eq(sendJobs.status, 'queued')));
    const event = eventRow(db, {
      tenantId: job.tenantId,
      eventType: 'FAILED',
      contactId: job.contactId,
      campaignId: job.campaignId,
      sendJobId: job.id,
      metadata: { reason: f.reason, ...(f.code ? { error_code: f.code } : {}) },
      createdAt: at,
    });
    if (f.optOut) {
      // 21610: the carrier knows this person replied STOP; never text them again.
      await db.batch([
        update,
        event,
        addDoNotContactRow(db, job.tenantId, ctx.contact.phoneE164, 'STOP', 'sms'),
      ]);
    } else {
      await db.batch([update, event]);
    }
  }

  async setLeases(leases: { jobId: string; leaseUntil: string | null }[]): Promise<void> {
    if (leases.length === 0) return;
    const rows = JSON.stringify(leases.map((l) => ({ id: l.jobId, l: l.leaseUntil })));
    await this.db.run(sql`
      UPDATE send_jobs SET lease_until = json_extract(x.value, '$.l')
        FROM json_each(${rows}) AS x
       WHERE send_jobs.id = json_extract(x.value, '$.id') AND send_jobs.status = 'queued'`);
  }

  async setCampaignReason(campaignId: string, reason: string | null): Promise<void> {
    await this.db
      .update(campaigns)
      .set({ statusReason: reason })
      .where(
        and(
          eq(campaigns.id, campaignId),
          eq(campaigns.status, 'running'),
          reason === null
            ? sql`${campaigns.statusReason} IS NOT NULL`
            : sql`coalesce(${campaigns.statusReason}, '') <> ${reason}`,
        ),
      );
  }

  async guardFailureRate(campaignId: string, now: Date): Promise<void> {
    const [row] = await this.db.all<{ attempted: number; failed: number }>(sql`
      SELECT count(*) AS attempted,
             sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
        FROM send_jobs WHERE campaign_id = ${campaignId} AND attempt_count > 0`);
    if (!row || row.attempted < FAILURE_RATE_MIN_ATTEMPTS) return;
    const rate = (row.failed ?? 0) / row.attempted;
    if (rate <= FAILURE_RATE_THRESHOLD) return;
    const reason = `failure rate ${Math.round(rate * 100)}% > ${Math.round(FAILURE_RATE_THRESHOLD * 100)}%: paused automatically`;
    await this.db
      .update(campaigns)
      .set({ status: 'paused', statusReason: reason, updatedAt: now.toISOString() })
      .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, 'running')));
  }

  async completeIfDone(campaignId: string, now: Date): Promise<void> {
    await completeCampaignIfDone(this.db, campaignId, now);
  }

  async costPerPartCents(
    tenant: TenantRow,
    now: Date,
    channel: 'sms' | 'mms' = 'sms',
  ): Promise<number | null> {
    return costPerPartCents(this.control, { tenantId: tenant.id, country: tenant.country, at: now, channel });
  }
}

/**
 * running → completed once the fan-out has finished and no job is left queued. An A/B test's
 * campaign is not done after its test phase: the winner still has to go to the rest (issue 12).
 */
export async function completeCampaignIfDone(db: Db, campaignId: string, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const rows = await db.all<{ id: string }>(sql`
    UPDATE campaigns SET status = 'completed', completed_at = ${at}, updated_at = ${at}, status_reason = NULL
     WHERE id = ${campaignId} AND status = 'running' AND fanout_done_at IS NOT NULL
       AND (ab_phase IS NULL OR ab_phase = 'winner')
       AND NOT EXISTS (SELECT 1 FROM send_jobs WHERE campaign_id = ${campaignId} AND status = 'queued')
    RETURNING id`);
  return rows.length > 0;
}
