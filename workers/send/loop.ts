// The send loop (ARCHITECTURE "The send path", step 2): decides, per job, whether to send now,
// wait, retry or give up, and records the attempt BEFORE calling the provider so that a crash
// between "provider accepted" and "marked sent" is resolved by a lookup, never by a blind resend.
import { stickyIndex } from '../domain/ab-split';
import { evaluateEligibility } from '../domain/eligibility';
import { messageCostOnChannel } from '../domain/mms';
import { isQuietTime, nextSendTime } from '../domain/quiet-hours';
import { backoffSeconds, classifyTwilioFailure } from '../domain/twilio-errors';
import type {
  Clock,
  Denied,
  JobContext,
  Messenger,
  NumberRow,
  Outcome,
  Permits,
  Renderer,
  SendStore,
  SentItem,
} from './types';
import { validityPeriodSeconds } from './validity';

/** Matches `max_retries` of the sms-send consumer in wrangler.toml. */
export const SEND_MAX_RETRIES = 8;
/** Cloudflare Queues' longest delivery delay; longer waits are re-enqueued in steps. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 3600;
/** A queued job whose message has not come back this long after it was due is re-enqueued by cron. */
export const LEASE_GRACE_SECONDS = 600;
/**
 * An attempt younger than this is not judged by a lookup yet: the first consumer may still be
 * working (a batch records its sends at the end; 50 jobs, 16 at a time, 10 s Twilio timeout).
 */
export const UNKNOWN_SETTLE_MS = 180_000;
/** Jobs of one batch in flight at once: each waits mostly on the Durable Objects and Twilio. */
const CONCURRENCY = 16;

export type SendDeps = {
  store: SendStore;
  /** The provider client for a tenant (its own Twilio account, else the platform's). */
  messenger: (tenantId: string) => Messenger;
  permits: Permits;
  renderer: Renderer;
  clock: Clock;
  /** 0..1 randomness for jitter; tests pin it. */
  random?: () => number;
};

export type JobMessage = { jobId: string; attempts: number };

export type BatchReport = {
  outcomes: Map<string, Outcome>;
  /** Leases to write for jobs left queued (null = no message in flight). */
  leases: { jobId: string; leaseUntil: string | null }[];
  reasons: Map<string, string>;
  touchedCampaigns: Set<string>;
  failedCampaigns: Set<string>;
  sentCampaigns: Set<string>;
};

type BatchState = BatchReport & {
  /** Accepted by the provider; recorded together when the batch's jobs are done. */
  sent: SentItem[];
  exhausted: Map<string, { until: number; denied: Denied }>;
  costs: Map<string, Promise<number | null>>;
};

const BLOCKING_REASONS = {
  paused: 'tenant paused',
  daily_budget: 'daily budget reached',
  monthly_budget: 'monthly budget reached',
} as const;

/** A job that passed every check and holds its number permit and budget, waiting for the batch claim. */
type Ready = {
  ctx: JobContext;
  attempts: number;
  number: NumberRow;
  grantedAt: number;
  body: string;
  parts: number;
  cost: number;
};

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

const ack: Outcome = { kind: 'ack' };

function park(ctx: JobContext, st: BatchState, reason?: string): Outcome {
  st.leases.push({ jobId: ctx.job.id, leaseUntil: null });
  if (reason) st.reasons.set(ctx.campaign.id, reason);
  return ack;
}

function defer(seconds: number, deps: SendDeps): Outcome {
  // Long waits (quiet hours, budgets) get up to 5 s of jitter so a whole campaign does not wake in
  // one burst; short limiter waits get none, so a number's next window is used from its first second.
  const jitter = seconds >= 300 ? Math.floor((deps.random ?? Math.random)() * 5) : 0;
  return {
    kind: 'defer',
    delaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, Math.ceil(seconds) + jitter)),
  };
}

async function retryOrFail(ctx: JobContext, attempts: number, reason: string, code: string, deps: SendDeps) {
  if (attempts > SEND_MAX_RETRIES) {
    // Last delivery: the job fails for good and the retry below moves the message to the DLQ.
    await deps.store.markFailed(ctx, { reason, code }, deps.clock());
    return { kind: 'retry', delaySeconds: 0 } as const;
  }
  return { kind: 'retry', delaySeconds: backoffSeconds(attempts, (deps.random ?? Math.random)()) } as const;
}

/** What a sender sends as: a number or an alphanumeric ID (`from`), or a Messaging Service. */
export function senderAddress(n: NumberRow): { from: string } | { messagingServiceSid: string } | null {
  if (n.kind === 'messaging_service')
    return n.messagingServiceSid ? { messagingServiceSid: n.messagingServiceSid } : null;
  const from = n.kind === 'alphanumeric' ? n.senderId : n.phoneE164;
  return from ? { from } : null;
}

/**
 * Decides one job up to the claim: every check, then the number permit (first: a job held by a
 * limit costs no render and no budget call), the render, the price and the budget reservation.
 */
async function prepareJob(
  ctx: JobContext,
  attempts: number,
  deps: SendDeps,
  st: BatchState,
): Promise<Ready | { outcome: Outcome }> {
  const { job, campaign, tenant, contact, store } = { ...ctx, store: deps.store };
  const now = deps.clock();
  const done = (outcome: Outcome) => ({ outcome });
  if (job.status !== 'queued') return done(ack); // redelivery of a finished job

  if (job.attemptStartedAt !== null) {
    const resolved = await resolveUnknownOutcome(ctx, attempts, deps, st);
    if (resolved) return done(resolved);
  }

  if (campaign.status === 'completed') {
    await store.markFailed(ctx, { reason: 'cancelled' }, now);
    return done(ack);
  }
  // Paused (or not started): drop the message; resume / the cron re-enqueue parked jobs.
  if (campaign.status !== 'running') return done(park(ctx, st));
  if (tenant.isPaused) return done(park(ctx, st, BLOCKING_REASONS.paused));
  // Local-time delivery: early (a wait longer than the queue's longest delay, or re-enqueued by a
  // resume) → back to the queue until its instant, to the second (its place in the spread).
  if (job.notBefore !== null && job.notBefore > now.toISOString()) {
    const wait = Math.ceil((Date.parse(job.notBefore) - now.getTime()) / 1000);
    return done({ kind: 'defer', delaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, wait)) });
  }

  const verdict = evaluateEligibility({
    phoneE164: contact.phoneE164,
    consentStatus: contact.consentStatus,
    erasedAt: contact.erasedAt,
    lastSentAt: contact.lastSentAt,
    onDoNotContact: ctx.onDoNotContact,
    allowUnknownConsent: tenant.allowUnknownConsent,
    suppressedSince: ctx.suppressedSince,
  });
  if (!verdict.eligible) {
    await store.markFailed(ctx, { reason: verdict.reason }, now);
    return done(ack);
  }

  const tz = contact.timezone ?? tenant.timezone;
  if (isQuietTime(now, tz, campaign.quietHoursStart, campaign.quietHoursEnd)) {
    const opens = nextSendTime(now, tz, campaign.quietHoursStart, campaign.quietHoursEnd);
    return done(defer((opens.getTime() - now.getTime()) / 1000, deps));
  }

  if (ctx.templateBody === null) {
    await store.markFailed(ctx, { reason: 'template_missing' }, now);
    return done(ack);
  }

  const picked = await pickNumber(ctx, deps, st, now);
  if (!picked.ok) {
    if (picked.reason === 'no_number') st.reasons.set(campaign.id, 'no active sending number');
    return done(defer(picked.retryAfterSeconds, deps));
  }
  const release = () => deps.permits.releaseNumber(picked.number, picked.grantedAt, deps.clock());

  if (ctx.mediaUrl && picked.number.kind === 'alphanumeric') {
    // Launch refuses this; a sender changed since then. An alphanumeric ID cannot send MMS.
    await release();
    await store.markFailed(ctx, { reason: 'sender_cannot_send_mms' }, now);
    return done(ack);
  }
  const { body, parts } = await deps.renderer.render(ctx, picked.number);
  // An MMS (a template with an image) costs one MMS price, whatever the length of its text.
  const channel = ctx.mediaUrl ? 'mms' : 'sms';
  const priceKey = `${tenant.id}:${channel}`;
  let price = st.costs.get(priceKey);
  if (!price) {
    price = store.costPerPartCents(tenant, now, channel);
    st.costs.set(priceKey, price);
  }
  const priceCents = await price;
  const hasBudget = tenant.dailyBudgetCents !== null || tenant.monthlyBudgetCents !== null;
  if (priceCents === null && hasBudget) {
    // Without a price the budget cannot be enforced, so a budgeted tenant does not send.
    await release();
    st.reasons.set(campaign.id, `no ${channel.toUpperCase()} cost configured for ${tenant.country}`);
    return done(defer(600, deps));
  }
  const cost = messageCostOnChannel(channel, parts, priceCents ?? 0);

  const reserved = await deps.permits.reserve(tenant, cost, now);
  if (!reserved.ok) {
    await release();
    if (reserved.reason === 'paused') return done(park(ctx, st, BLOCKING_REASONS.paused));
    st.reasons.set(
      campaign.id,
      BLOCKING_REASONS[reserved.reason as keyof typeof BLOCKING_REASONS] ?? `budget: ${reserved.reason}`,
    );
    return done(defer(reserved.retryAfterSeconds, deps));
  }
  return { ctx, attempts, number: picked.number, grantedAt: picked.grantedAt, body, parts, cost };
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

/**
 * A job with an attempt but no provider id: an earlier consumer called (or was about to call)
 * the provider and did not record the result. Look the message up by To/From/body: found → it
 * was sent; not found after the attempt settled → free the attempt and send normally.
 * Returns null when the job should continue down the normal path.
 */
async function resolveUnknownOutcome(
  ctx: JobContext,
  attempts: number,
  deps: SendDeps,
  st: BatchState,
): Promise<Outcome | null> {
  const { job, contact } = ctx;
  const now = deps.clock();
  const started = Date.parse(job.attemptStartedAt as string);
  const number = ctx.numbers.find((n) => n.id === job.sendingNumberId);
  if (!number || job.body === null) {
    await deps.store.markFailed(ctx, { reason: 'outcome_unknown' }, now);
    return ack;
  }
  const address = senderAddress(number);
  const from = address && 'from' in address ? address.from : null;
  const found = await deps.messenger(ctx.tenant.id).find({
    to: contact.phoneE164,
    from,
    since: new Date(started - 5 * 60_000),
  });
  if (!found.ok) return retryOrFail(ctx, attempts, 'outcome_unknown', 'lookup_failed', deps);
  const match = found.messages.find(
    (m) =>
      m.to === contact.phoneE164 &&
      (from === null || m.from === from) &&
      m.body === job.body &&
      (m.dateCreated === null || Date.parse(m.dateCreated) >= started - 120_000),
  );
  if (match) {
    const cost = job.costCents ?? 0;
    // The earlier consumer's reservation died with it; charge the budget for what was sent.
    if (cost > 0) {
      const r = await deps.permits.reserve(ctx.tenant, cost, now);
      if (r.ok) deps.permits.spend(ctx.tenant.id, cost);
    }
    st.sent.push({ ctx, sid: match.sid, parts: job.parts, costCents: cost, at: now });
    return ack;
  }
  const settlesIn = started + UNKNOWN_SETTLE_MS - now.getTime();
  // Come back once, when the attempt has settled, rather than spend a retry every minute.
  if (settlesIn > 0) return { kind: 'retry', delaySeconds: Math.ceil(settlesIn / 1000) + 5 };
  await deps.store.releaseClaim(job.id);
  return null;
}

async function pickNumber(
  ctx: JobContext,
  deps: SendDeps,
  st: BatchState,
  now: Date,
): Promise<{ ok: true; number: NumberRow; grantedAt: number } | Denied> {
  const byId = new Map(ctx.numbers.map((n) => [n.id, n]));
  const ids =
    ctx.campaign.sendingNumberIds.length > 0 ? ctx.campaign.sendingNumberIds : ctx.numbers.map((n) => n.id);
  const candidates = ids.map((id) => byId.get(id)).filter((n): n is NumberRow => n?.isActive === true);
  if (candidates.length === 0) return { ok: false, reason: 'no_number', retryAfterSeconds: 300 };
  const start = stickyIndex(ctx.contact.id, candidates.length);
  let soonest: Denied | null = null;
  for (let i = 0; i < candidates.length; i++) {
    const n = candidates[(start + i) % candidates.length] as NumberRow;
    const known = st.exhausted.get(n.id);
    let denied: Denied;
    if (known && known.until > now.getTime()) {
      denied = known.denied;
    } else {
      const r = await deps.permits.acquire(n, ctx.tenant, now);
      if (r.ok) return { ok: true, number: n, grantedAt: r.grantedAt };
      denied = r;
      st.exhausted.set(n.id, { until: now.getTime() + r.retryAfterSeconds * 1000, denied: r });
    }
    if (!soonest || denied.retryAfterSeconds < soonest.retryAfterSeconds) soonest = denied;
  }
  return soonest as Denied;
}
