// Wires the send loop to the real world: D1, the two Durable Objects, Twilio over fetch, and the
// send queue. `processSendBatch` takes a clock so tests can pin "now" (quiet hours, DST).
import { z } from 'zod';
import {
  controlDb,
  movingRetryDelaySeconds,
  type Shard,
  shardOf,
  TenantMovingError,
  UnknownTenantError,
} from '../db/shards';
import type { DirectSendMessage } from '../direct/queue';
import { sendDirectBatch, settleDirectOutcomes } from '../direct/send';
import { D1SendStore } from './d1-store';
import { enqueueSendJobs, SendMessage } from './enqueue';
import { type JobMessage, runSendBatch, type SendDeps } from './loop';
import { tenantMessengers } from './messengers';
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
  // Messages name their tenant; the tenant's shard holds the job. One batch may span shards.
  // Campaign jobs ({jobId}) and direct messages ({messageId}: workers/direct/) share the queue.
  const byShard = new Map<string, { shard: Shard; messages: [Message<unknown>, SendMessage][] }>();
  const direct = new Map<
    string,
    { shard: Shard; items: { message: Message<unknown>; body: DirectSendMessage }[] }
  >();
  const shardByTenant = new Map<string, Promise<Shard | null | 'moving'>>();
  for (const m of batch.messages) {
    const directParsed = DirectMessage.safeParse(m.body);
    if (directParsed.success) {
      const { tenantId } = directParsed.data;
      if (!shardByTenant.has(tenantId)) shardByTenant.set(tenantId, locate(env, tenantId));
      const shard = await shardByTenant.get(tenantId);
      if (shard === 'moving') {
        m.retry({ delaySeconds: movingRetryDelaySeconds(m.attempts) });
        continue;
      }
      if (!shard) {
        m.ack();
        continue;
      }
      const group = direct.get(shard.name) ?? { shard, items: [] };
      group.items.push({ message: m, body: directParsed.data });
      direct.set(shard.name, group);
      continue;
    }
    const parsed = SendMessage.safeParse(m.body);
    if (!parsed.success) {
      console.error('send queue: unreadable message, dropped', JSON.stringify(m.body));
      m.ack();
      continue;
    }
    const { tenantId } = parsed.data;
    if (!shardByTenant.has(tenantId)) shardByTenant.set(tenantId, locate(env, tenantId));
    const shard = await shardByTenant.get(tenantId);
    if (shard === 'moving') {
      m.retry({ delaySeconds: movingRetryDelaySeconds(m.attempts) });
      continue;
    }
    if (!shard) {
      m.ack();
      continue;
    }
    const group = byShard.get(shard.name) ?? { shard, messages: [] };
    group.messages.push([m, parsed.data]);
    byShard.set(shard.name, group);
  }
  await Promise.all([
    ...[...byShard.values()].map((g) => processShardBatch(g.shard, g.messages, env, opts)),
    ...[...direct.values()].map((g) => processDirectBatch(g.shard, g.items, env, opts)),
  ]);
}

const DirectMessage = z.object({ messageId: z.string().min(1), tenantId: z.string().min(1) });

async function processDirectBatch(
  shard: Shard,
  items: { message: Message<unknown>; body: DirectSendMessage }[],
  env: Env,
  opts: SendOptions,
): Promise<void> {
  const clock = opts.clock ?? (() => new Date());
  const control = controlDb(env);
  const outcomes = await sendDirectBatch(
    {
      env,
      shard,
      control,
      permits: new DurableObjectPermits(env, new Map(), clock),
      messenger: opts.messenger ? () => opts.messenger as Messenger : tenantMessengers(env, control),
      clock,
    },
    items.map((i) => ({ body: i.body, attempts: i.message.attempts })),
  );
  await settleDirectOutcomes(env, shard.db, items, outcomes, clock());
}

/**
 * The tenant's shard; null (message dropped) for a tenant that no longer exists; 'moving' (the
 * message waits in the queue) while the tenant is being moved to another shard.
 */
async function locate(env: Env, tenantId: string): Promise<Shard | null | 'moving'> {
  try {
    return await shardOf(env, tenantId);
  } catch (err) {
    if (err instanceof TenantMovingError) return 'moving';
    if (err instanceof UnknownTenantError) {
      console.warn(`send queue: tenant ${tenantId} no longer exists, message dropped`);
      return null;
    }
    throw err;
  }
}

async function processShardBatch(
  shard: Shard,
  messages: [Message<unknown>, SendMessage][],
  env: Env,
  opts: SendOptions,
): Promise<void> {
  const db = shard.db;
  const clock = opts.clock ?? (() => new Date());
  const base = new D1SendStore(db, controlDb(env));
  const store = opts.store ? opts.store(bindStore(base)) : base;

  const byJob = new Map<string, Message<unknown>[]>();
  const tenantOf = new Map<string, string>();
  const jobs: JobMessage[] = [];
  for (const [m, body] of messages) {
    const list = byJob.get(body.jobId);
    // The same job twice in one batch (duplicate enqueue): process once, ack the copies.
    if (list) {
      list.push(m);
      continue;
    }
    byJob.set(body.jobId, [m]);
    tenantOf.set(body.jobId, body.tenantId);
    jobs.push({ jobId: body.jobId, attempts: m.attempts });
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
    messenger: opts.messenger ? () => opts.messenger as Messenger : tenantMessengers(env, controlDb(env)),
    permits: new DurableObjectPermits(env, pendingByTenant, clock),
    renderer: new CampaignRenderer(env, shard, clock),
    clock,
    random: opts.random,
  };
  const report = await runSendBatch(jobs, deps);

  const deferred: { jobId: string; tenantId: string; delaySeconds: number }[] = [];
  for (const [jobId, msgs] of byJob) {
    const outcome = report.outcomes.get(jobId) ?? { kind: 'ack' as const };
    const [first, ...copies] = msgs as [Message<unknown>, ...Message<unknown>[]];
    for (const c of copies) c.ack();
    if (outcome.kind === 'retry') first.retry({ delaySeconds: outcome.delaySeconds });
    else {
      if (outcome.kind === 'defer')
        deferred.push({ jobId, tenantId: tenantOf.get(jobId) as string, delaySeconds: outcome.delaySeconds });
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
