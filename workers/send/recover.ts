// A job whose earlier attempt has no known outcome (the consumer died between calling the provider
// and recording the result): looked up at the provider instead of being sent again.
import { senderAddress } from './address';
import { ack, type BatchState, retryOrFail, type SendDeps, UNKNOWN_SETTLE_MS } from './batch';
import type { JobContext, Outcome } from './types';

/**
 * A job with an attempt but no provider id: an earlier consumer called (or was about to call)
 * the provider and did not record the result. Look the message up by To/From/body: found → it
 * was sent; not found after the attempt settled → free the attempt and send normally.
 * Returns null when the job should continue down the normal path.
 */
export async function resolveUnknownOutcome(
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
