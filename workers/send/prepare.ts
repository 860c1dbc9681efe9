// The per-job half of the send loop: every check a job must pass before it is claimed (status,
// pause, local time, eligibility, quiet hours, template), then the number permit, the render, the
// price and the budget reservation.
import { stickyIndex } from '../domain/ab-split';
import { evaluateEligibility } from '../domain/eligibility';
import { messageCostOnChannel } from '../domain/mms';
import { isQuietTime, nextSendTime } from '../domain/quiet-hours';
import {
  ack,
  type BatchState,
  BLOCKING_REASONS,
  defer,
  MAX_QUEUE_DELAY_SECONDS,
  park,
  type Ready,
  type SendDeps,
} from './batch';
import { resolveUnknownOutcome } from './recover';
import type { Denied, JobContext, NumberRow, Outcome } from './types';

/**
 * Decides one job up to the claim: every check, then the number permit (first: a job held by a
 * limit costs no render and no budget call), the render, the price and the budget reservation.
 */
export async function prepareJob(
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
