// The send loop (ARCHITECTURE "The send path", step 2): decides, per job, whether to send now,
// wait, retry or give up, and records the attempt BEFORE calling the provider so that a crash
// between "provider accepted" and "marked sent" is resolved by a lookup, never by a blind resend.
// The batch half lives here: claim the ready jobs a chunk at a time, call the provider, record the
// sends together. The per-job checks are in prepare.ts, the crash recovery in recover.ts.
import { backoffSeconds, classifyTwilioFailure } from '../domain/twilio-errors';
import { senderAddress } from './address';
import {
  ack,
  type BatchReport,
  type BatchState,
  BLOCKING_REASONS,
  type JobMessage,
  LEASE_GRACE_SECONDS,
  park,
  type Ready,
  retryOrFail,
  type SendDeps,
} from './batch';
import { prepareJob } from './prepare';
import type { JobContext, Outcome } from './types';
import { validityPeriodSeconds } from './validity';

export { senderAddress } from './address';
export {
  type BatchReport,
  type JobMessage,
  LEASE_GRACE_SECONDS,
  MAX_QUEUE_DELAY_SECONDS,
  SEND_MAX_RETRIES,
  type SendDeps,
  UNKNOWN_SETTLE_MS,
} from './batch';

/** Jobs of one batch in flight at once: each waits mostly on the Durable Objects and Twilio. */
const CONCURRENCY = 16;

/**
 * Runs a batch as a pipeline: every job is decided (a few at a time: checks, then the number
 * permit, the render and the budget), the ready ones are claimed a chunk at a time (ONE statement
 * per chunk) and sent, and all are recorded together. Reports what to do with each queue message.
 */
export async function runSendBatch(messages: JobMessage[], deps: SendDeps): Promise<BatchReport> {
  const st: BatchState = {
    outcomes: new Map(),
    leases: [],
    reasons: new Map(),
    touchedCampaigns: new Set(),
    failedCampaigns: new Set(),
    sentCampaigns: new Set(),
    sent: [],
    exhausted: new Map(),
    costs: new Map(),
  };
  const contexts = await deps.store.load(
    messages.map((m) => m.jobId),
    deps.clock(),
  );
  const ready: Ready[] = [];
  const settle = (ctx: JobContext, outcome: Outcome) => {
    st.outcomes.set(ctx.job.id, outcome);
    if (outcome.kind !== 'ack') leaseFor(ctx, outcome.delaySeconds, deps.clock(), st);
  };
  try {
    await inParallel(messages, async (m) => {
      const ctx = contexts.get(m.jobId);
      if (!ctx) {
        st.outcomes.set(m.jobId, { kind: 'ack' });
        return;
      }
      st.touchedCampaigns.add(ctx.campaign.id);
      try {
        const decided = await prepareJob(ctx, m.attempts, deps, st);
        if ('outcome' in decided) settle(ctx, decided.outcome);
        else ready.push(decided);
      } catch (err) {
        // One broken job must not hold back the batch; the queue redelivers it with backoff.
        console.error('send job failed unexpectedly', m.jobId, err);
        settle(ctx, { kind: 'retry', delaySeconds: backoffSeconds(m.attempts) });
      }
    });

    // Claimed and sent a chunk at a time: a kill switch or a STOP that lands meanwhile stops the
    // next chunk at its claim, so at most one chunk goes out after it (as with per-job claims).
    for (let i = 0; i < ready.length; i += CONCURRENCY) {
      const claimed = await claimReady(ready.slice(i, i + CONCURRENCY), deps, st, settle);
      await inParallel(claimed, async (r) => {
        try {
          settle(r.ctx, await sendReady(r, deps, st));
        } catch (err) {
          console.error('send job failed unexpectedly', r.ctx.job.id, err);
          settle(r.ctx, { kind: 'retry', delaySeconds: backoffSeconds(r.attempts) });
        }
      });
    }

    try {
      await deps.store.markSent(st.sent);
      for (const s of st.sent) st.sentCampaigns.add(s.ctx.campaign.id);
    } catch (err) {
      // Their attempts are recorded: the redelivery looks each one up instead of resending.
      console.error('recording sent messages failed', err);
      const attemptsById = new Map(messages.map((m) => [m.jobId, m.attempts]));
      for (const s of st.sent) {
        st.outcomes.set(s.ctx.job.id, {
          kind: 'retry',
          delaySeconds: backoffSeconds(attemptsById.get(s.ctx.job.id) ?? 1),
        });
      }
    }
  } finally {
    await deps.permits.settle();
  }
  return st;
}

/** Runs `work` over `items`, at most CONCURRENCY at a time. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

function leaseFor(ctx: JobContext, delaySeconds: number, now: Date, st: BatchState) {
  const due = new Date(now.getTime() + delaySeconds * 1000).toISOString();
  // Only write when the current lease would run out before the message is back (saves writes).
  if (ctx.job.leaseUntil !== null && ctx.job.leaseUntil > due) return;
  st.leases.push({
    jobId: ctx.job.id,
    leaseUntil: new Date(now.getTime() + (delaySeconds + LEASE_GRACE_SECONDS) * 1000).toISOString(),
  });
}

/** Claims every ready job in one statement; the refused ones give their permit and budget back. */
async function claimReady(
  ready: Ready[],
  deps: SendDeps,
  st: BatchState,
  settle: (ctx: JobContext, outcome: Outcome) => void,
): Promise<Ready[]> {
  if (ready.length === 0) return [];
  const now = deps.clock();
  const verdicts = await deps.store.claim(
    ready.map((r) => ({
      ctx: r.ctx,
      attempt: { sendingNumberId: r.number.id, body: r.body, parts: r.parts, costCents: r.cost },
    })),
    now,
  );
  const claimed: Ready[] = [];
  for (const r of ready) {
    const v = verdicts.get(r.ctx.job.id) ?? 'not_queued';
    if (v === true) {
      claimed.push(r);
      continue;
    }
    deps.permits.unreserve(r.ctx.tenant.id, r.cost);
    await deps.permits.releaseNumber(r.number, r.grantedAt, now);
    if (v === 'do_not_contact') {
      await deps.store.markFailed(r.ctx, { reason: 'do_not_contact' }, now);
      settle(r.ctx, ack);
    } else if (v === 'tenant_paused') settle(r.ctx, park(r.ctx, st, BLOCKING_REASONS.paused));
    else if (v === 'campaign_not_running') settle(r.ctx, park(r.ctx, st));
    else settle(r.ctx, ack);
  }
  return claimed;
}

/** Calls the provider for a claimed job and decides what its outcome means. */
async function sendReady(r: Ready, deps: SendDeps, st: BatchState): Promise<Outcome> {
  const { ctx, number, cost, attempts } = r;
  const { job, campaign, tenant, contact } = ctx;
  const now = deps.clock();
  const address = senderAddress(number);
  if (!address) {
    deps.permits.unreserve(tenant.id, cost);
    await deps.store.markFailed(ctx, { reason: 'sender_misconfigured' }, now);
    return ack;
  }
  const tz = contact.timezone ?? tenant.timezone;
  const res = await deps.messenger(tenant.id).send({
    to: contact.phoneE164,
    ...address,
    body: r.body,
    ...(ctx.mediaUrl ? { mediaUrl: ctx.mediaUrl } : {}),
    validityPeriodSeconds: validityPeriodSeconds(now, tz, campaign.quietHoursStart, campaign.quietHoursEnd),
    ref: { tenantId: tenant.id, jobId: job.id },
  });
  if (res.ok) {
    deps.permits.spend(tenant.id, cost);
    st.sent.push({ ctx, sid: res.sid, parts: res.segments ?? r.parts, costCents: cost, at: deps.clock() });
    return ack;
  }
  const c = classifyTwilioFailure(res.failure);
  if (c.action === 'fail') {
    deps.permits.unreserve(tenant.id, cost);
    await deps.store.markFailed(ctx, { reason: c.reason, code: c.code, optOut: c.optOut }, deps.clock());
    st.failedCampaigns.add(campaign.id);
    return ack;
  }
  if (c.action === 'retry') {
    deps.permits.unreserve(tenant.id, cost);
    await deps.permits.releaseNumber(number, r.grantedAt, now);
    await deps.store.releaseClaim(job.id);
    return retryOrFail(ctx, attempts, c.reason, c.code, deps);
  }
  // Unknown: the provider may have taken it. Count the money as spent (never under-count a
  // budget) and keep the attempt; the next delivery looks the message up before anything else.
  deps.permits.spend(tenant.id, cost);
  return retryOrFail(ctx, attempts, 'outcome_unknown', c.code, deps);
}
