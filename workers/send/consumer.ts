// Wires the send loop to the real world: D1, the two Durable Objects, Twilio over fetch, and the
// send queue. `processSendBatch` takes a clock so tests can pin "now" (quiet hours, DST).
import { getDb } from '../db/client';
import { TwilioClient, twilioConfigFromEnv } from '../providers/twilio';
import { D1SendStore } from './d1-store';
import { enqueueSendJobs, SendMessage } from './enqueue';
import { type JobMessage, runSendBatch, type SendDeps } from './loop';
import { DurableObjectPermits } from './permits';
import { CampaignRenderer } from './render';
import type { Clock, Messenger, SendStore } from './types';

export type SendOptions = {
  clock?: Clock;
  random?: () => number;
  /** Test seams: wrap or replace the store / messenger (e.g. to simulate a crash). */
  store?: (base: SendStore) => SendStore;
  messenger?: Messenger;
};

export async function processSendBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  opts: SendOptions = {},
): Promise<void> {
  const db = getDb(env.DB);
  const clock = opts.clock ?? (() => new Date());
  const base = new D1SendStore(db);
  const store = opts.store ? opts.store(bindStore(base)) : base;

  const byJob = new Map<string, Message<unknown>[]>();
  const jobs: JobMessage[] = [];
  for (const m of batch.messages) {
    const parsed = SendMessage.safeParse(m.body);
    if (!parsed.success) {
      console.error('send queue: unreadable message, dropped', JSON.stringify(m.body));
      m.ack();
      continue;
    }
    const list = byJob.get(parsed.data.jobId);
    // The same job twice in one batch (duplicate enqueue): process once, ack the copies.
    if (list) {
      list.push(m);
      continue;
    }
    byJob.set(parsed.data.jobId, [m]);
    jobs.push({ jobId: parsed.data.jobId, attempts: m.attempts });
  }
  if (jobs.length === 0) return;

  const contexts = await base.load(
    jobs.map((j) => j.jobId),
    clock(),
  );
  const pendingByTenant = new Map<string, number>();
  for (const ctx of contexts.values()) {
    pendingByTenant.set(ctx.tenant.id, (pendingByTenant.get(ctx.tenant.id) ?? 0) + 1);
  }
  const deps: SendDeps = {
    store: { ...bindStore(store), load: async () => contexts },
    messenger: opts.messenger ?? new TwilioClient(twilioConfigFromEnv(env)),
    permits: new DurableObjectPermits(env, pendingByTenant, clock),
    renderer: new CampaignRenderer(env, db, clock),
    clock,
    random: opts.random,
  };
  const report = await runSendBatch(jobs, deps);

  const deferred: { jobId: string; delaySeconds: number }[] = [];
  for (const [jobId, msgs] of byJob) {
    const outcome = report.outcomes.get(jobId) ?? { kind: 'ack' as const };
    const [first, ...copies] = msgs as [Message<unknown>, ...Message<unknown>[]];
    for (const c of copies) c.ack();
    if (outcome.kind === 'retry') first.retry({ delaySeconds: outcome.delaySeconds });
    else {
      if (outcome.kind === 'defer') deferred.push({ jobId, delaySeconds: outcome.delaySeconds });
      first.ack();
    }
  }
  // Waits go back as fresh messages: they must not use up the retry budget meant for failures.
  await enqueueSendJobs(env.SEND_QUEUE, deferred);
  await store.setLeases(report.leases);
  const now = clock();
  for (const [campaignId, reason] of report.reasons) await store.setCampaignReason(campaignId, reason);
  for (const campaignId of report.sentCampaigns) {
    if (!report.reasons.has(campaignId)) await store.setCampaignReason(campaignId, null);
  }
  for (const campaignId of report.failedCampaigns) await store.guardFailureRate(campaignId, now);
  for (const campaignId of report.touchedCampaigns) await store.completeIfDone(campaignId, now);
}

/** Class methods lose `this` when spread; bind them so the store can be partially overridden. */
function bindStore(s: SendStore): SendStore {
  return {
    load: s.load.bind(s),
    claim: s.claim.bind(s),
    releaseClaim: s.releaseClaim.bind(s),
    markSent: s.markSent.bind(s),
    markFailed: s.markFailed.bind(s),
    setLeases: s.setLeases.bind(s),
    setCampaignReason: s.setCampaignReason.bind(s),
    guardFailureRate: s.guardFailureRate.bind(s),
    completeIfDone: s.completeIfDone.bind(s),
    costPerPartCents: s.costPerPartCents.bind(s),
  };
}
