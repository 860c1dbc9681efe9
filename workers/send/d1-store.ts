// The send loop's store over D1. Reads a whole batch in two round trips; every write that must
// not be half-done (job + event + contact) goes in one db.batch (a transaction).
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { costPerPartCents } from '../db/costs';
import { addDoNotContactRow } from '../db/do-not-contact';
import { eventRow } from '../db/events';
import {
  campaigns,
  contacts,
  doNotContact,
  messageTemplates,
  sendingNumbers,
  sendJobs,
  suppressionRules,
  tenants,
} from '../db/schema';
import { suppressionCutoff } from '../domain/eligibility';
import type { Attempt, ClaimRefusal, Failure, JobContext, SendStore, SentItem, TenantRow } from './types';

/** D1 allows 100 bound parameters per statement. */
const CHUNK = 90;

function chunks<T>(xs: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Failure rate guard: above this share of failed attempts, after enough attempts, pause. */
export const FAILURE_RATE_THRESHOLD = 0.2;
export const FAILURE_RATE_MIN_ATTEMPTS = 50;

export class D1SendStore implements SendStore {
  /** `db`: the shard holding the batch's jobs; `control`: prices. */
  constructor(
    private readonly db: Db,
    private readonly control: Db,
  ) {}

  async load(jobIds: string[], now: Date): Promise<Map<string, JobContext>> {
    const db = this.db;
    const ids = [...new Set(jobIds)];
    const jobs = (
      await Promise.all(chunks(ids).map((c) => db.select().from(sendJobs).where(inArray(sendJobs.id, c))))
    ).flat();
    const out = new Map<string, JobContext>();
    if (jobs.length === 0) return out;
    const contactIds = [...new Set(jobs.map((j) => j.contactId))];
    const campaignIds = [...new Set(jobs.map((j) => j.campaignId))];
    const tenantIds = [...new Set(jobs.map((j) => j.tenantId))];
    const templateIds = [...new Set(jobs.map((j) => j.templateId).filter((t): t is string => t !== null))];

    const [contactRows, campaignRows, tenantRows, templateRows, ruleRows, numberRows] = await Promise.all([
      Promise.all(
        chunks(contactIds).map((c) => db.select().from(contacts).where(inArray(contacts.id, c))),
      ).then((r) => r.flat()),
      db.select().from(campaigns).where(inArray(campaigns.id, campaignIds)),
      db.select().from(tenants).where(inArray(tenants.id, tenantIds)),
      templateIds.length
        ? db.select().from(messageTemplates).where(inArray(messageTemplates.id, templateIds))
        : Promise.resolve([]),
      db.select().from(suppressionRules).where(inArray(suppressionRules.tenantId, tenantIds)),
      db.select().from(sendingNumbers).where(inArray(sendingNumbers.tenantId, tenantIds)),
    ]);
    const contactById = new Map(contactRows.map((c) => [c.id, c]));
    const dnc = new Set<string>();
    for (const tenantId of tenantIds) {
      const phones = [
        ...new Set(
          jobs
            .filter((j) => j.tenantId === tenantId)
            .map((j) => contactById.get(j.contactId)?.phoneE164)
            .filter((p): p is string => p !== undefined),
        ),
      ];
      for (const c of chunks(phones)) {
        const rows = await db
          .select({ phone: doNotContact.phoneE164 })
          .from(doNotContact)
          .where(and(eq(doNotContact.tenantId, tenantId), inArray(doNotContact.phoneE164, c)));
        for (const r of rows) dnc.add(`${tenantId}:${r.phone}`);
      }
    }
    const campaignById = new Map(campaignRows.map((c) => [c.id, c]));
    const tenantById = new Map(tenantRows.map((t) => [t.id, t]));
    const templateById = new Map(templateRows.map((t) => [t.id, t]));

    for (const j of jobs) {
      const contact = contactById.get(j.contactId);
      const campaign = campaignById.get(j.campaignId);
      const tenant = tenantById.get(j.tenantId);
      if (!contact || !campaign || !tenant) continue;
      const template = j.templateId ? templateById.get(j.templateId) : undefined;
      out.set(j.id, {
        job: {
          id: j.id,
          tenantId: j.tenantId,
          campaignId: j.campaignId,
          contactId: j.contactId,
          templateId: j.templateId,
          sendingNumberId: j.sendingNumberId,
          status: j.status,
          body: j.body,
          parts: j.parts,
          costCents: j.costCents,
          providerMessageId: j.providerMessageId,
          attemptCount: j.attemptCount,
          attemptStartedAt: j.attemptStartedAt,
          leaseUntil: j.leaseUntil,
        },
        contact: {
          id: contact.id,
          phoneE164: contact.phoneE164,
          firstName: contact.firstName,
          lastName: contact.lastName,
          email: contact.email,
          timezone: contact.timezone,
          customFields: contact.customFields,
          consentStatus: contact.consentStatus,
          erasedAt: contact.erasedAt,
          lastSentAt: contact.lastSentAt,
        },
        campaign: {
          id: campaign.id,
          tenantId: campaign.tenantId,
          status: campaign.status,
          quietHoursStart: campaign.quietHoursStart,
          quietHoursEnd: campaign.quietHoursEnd,
          targetUrl: campaign.targetUrl,
          utmParams: campaign.utmParams,
          sendingNumberIds: campaign.sendingNumberIds,
        },
        tenant: {
          id: tenant.id,
          name: tenant.name,
          timezone: tenant.timezone,
          country: tenant.country,
          isPaused: tenant.isPaused,
          allowUnknownConsent: tenant.allowUnknownConsent,
          appendOptOutFooter: tenant.appendOptOutFooter,
          dailyBudgetCents: tenant.dailyBudgetCents,
          monthlyBudgetCents: tenant.monthlyBudgetCents,
        },
        templateBody: template && template.tenantId === j.tenantId ? template.body : null,
        onDoNotContact: dnc.has(`${j.tenantId}:${contact.phoneE164}`),
        suppressedSince: suppressionCutoff(
          ruleRows.filter((r) => r.tenantId === j.tenantId),
          now,
        ),
        // Phone senders only until the send path learns the other kinds (issue 10, second part).
        numbers: numberRows.filter(
          (n): n is typeof n & { phoneE164: string } => n.tenantId === j.tenantId && n.phoneE164 !== null,
        ),
      });
    }
    return out;
  }

  async claim(ctx: JobContext, a: Attempt, now: Date): Promise<true | ClaimRefusal> {
    const { job, contact } = ctx;
    // One statement: the attempt is recorded only if, at this instant, the job is still unsent,
    // the campaign running, the tenant not paused and the number not on do-not-contact.
    const rows = await this.db.all<{ id: string }>(sql`
      UPDATE send_jobs
         SET attempt_started_at = ${now.toISOString()}, attempt_count = attempt_count + 1,
             sending_number_id = ${a.sendingNumberId}, body = ${a.body}, parts = ${a.parts},
             cost_cents = ${a.costCents}
       WHERE id = ${job.id} AND status = 'queued' AND attempt_started_at IS NULL
         AND EXISTS (SELECT 1 FROM campaigns WHERE id = ${job.campaignId} AND status = 'running')
         AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = ${job.tenantId} AND is_paused = 1)
         AND NOT EXISTS (SELECT 1 FROM do_not_contact
                          WHERE tenant_id = ${job.tenantId} AND phone_e164 = ${contact.phoneE164})
      RETURNING id`);
    if (rows.length === 1) return true;
    const [why] = await this.db.all<{
      status: string;
      started: string | null;
      cs: string;
      paused: number;
      dnc: number;
    }>(sql`
      SELECT j.status AS status, j.attempt_started_at AS started,
             (SELECT status FROM campaigns WHERE id = j.campaign_id) AS cs,
             (SELECT is_paused FROM tenants WHERE id = j.tenant_id) AS paused,
             EXISTS (SELECT 1 FROM do_not_contact WHERE tenant_id = j.tenant_id AND phone_e164 = ${contact.phoneE164}) AS dnc
        FROM send_jobs j WHERE j.id = ${job.id}`);
    if (why?.status !== 'queued' || why.started !== null) return 'not_queued';
    if (why.dnc) return 'do_not_contact';
    if (why.paused) return 'tenant_paused';
    return 'campaign_not_running';
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

  async markSent(items: SentItem[]): Promise<void> {
    if (items.length === 0) return;
    const db = this.db;
    const stmts = items.flatMap(({ ctx: { job }, sid, parts, costCents, at }) => {
      const iso = at.toISOString();
      return [
        db
          .update(sendJobs)
          .set({
            status: 'sent',
            providerMessageId: sid,
            sentAt: iso,
            parts: parts ?? sql`${sendJobs.parts}`,
            costCents: costCents ?? sql`${sendJobs.costCents}`,
            errorCode: null,
            leaseUntil: null,
          })
          .where(and(eq(sendJobs.id, job.id), eq(sendJobs.status, 'queued'))),
        eventRow(db, {
          tenantId: job.tenantId,
          eventType: 'SENT',
          contactId: job.contactId,
          campaignId: job.campaignId,
          sendJobId: job.id,
          metadata: { provider_message_id: sid, parts, cost_cents: costCents },
          createdAt: iso,
        }).onConflictDoNothing(),
        db.update(contacts).set({ lastSentAt: iso }).where(eq(contacts.id, job.contactId)),
      ];
    });
    await db.batch(stmts as [(typeof stmts)[0], ...typeof stmts]);
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
      await db.batch([update, event, addDoNotContactRow(db, job.tenantId, ctx.contact.phoneE164, 'STOP')]);
    } else {
      await db.batch([update, event]);
    }
  }

  async setLeases(leases: { jobId: string; leaseUntil: string | null }[]): Promise<void> {
    if (leases.length === 0) return;
    const db = this.db;
    const stmts = leases.map((l) =>
      db
        .update(sendJobs)
        .set({ leaseUntil: l.leaseUntil })
        .where(and(eq(sendJobs.id, l.jobId), eq(sendJobs.status, 'queued'))),
    );
    for (const c of chunks(stmts, 50)) await db.batch(c as [(typeof c)[0], ...typeof c]);
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

  async costPerPartCents(tenant: TenantRow, now: Date): Promise<number | null> {
    return costPerPartCents(this.control, { tenantId: tenant.id, country: tenant.country, at: now });
  }
}

/** running → completed once the fan-out has finished and no job is left queued. */
export async function completeCampaignIfDone(db: Db, campaignId: string, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const rows = await db.all<{ id: string }>(sql`
    UPDATE campaigns SET status = 'completed', completed_at = ${at}, updated_at = ${at}, status_reason = NULL
     WHERE id = ${campaignId} AND status = 'running' AND fanout_done_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM send_jobs WHERE campaign_id = ${campaignId} AND status = 'queued')
    RETURNING id`);
  return rows.length > 0;
}
