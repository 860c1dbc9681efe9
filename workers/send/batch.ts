// What the parts of the send loop share: its limits, its dependencies, the state of one batch and
// the outcomes a job can get (ack, park, defer, retry).
import { backoffSeconds } from '../domain/twilio-errors';
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

export type BatchState = BatchReport & {
  /** Accepted by the provider; recorded together when the batch's jobs are done. */
  sent: SentItem[];
  exhausted: Map<string, { until: number; denied: Denied }>;
  costs: Map<string, Promise<number | null>>;
};

export const BLOCKING_REASONS = {
  paused: 'tenant paused',
  daily_budget: 'daily budget reached',
  monthly_budget: 'monthly budget reached',
} as const;

/** A job that passed every check and holds its number permit and budget, waiting for the batch claim. */
export type Ready = {
  ctx: JobContext;
  attempts: number;
  number: NumberRow;
  grantedAt: number;
  body: string;
  parts: number;
  cost: number;
};

export const ack: Outcome = { kind: 'ack' };

export function park(ctx: JobContext, st: BatchState, reason?: string): Outcome {
  st.leases.push({ jobId: ctx.job.id, leaseUntil: null });
  if (reason) st.reasons.set(ctx.campaign.id, reason);
  return ack;
}

export function defer(seconds: number, deps: SendDeps): Outcome {
  // Long waits (quiet hours, budgets) get up to 5 s of jitter so a whole campaign does not wake in
  // one burst; short limiter waits get none, so a number's next window is used from its first second.
  const jitter = seconds >= 300 ? Math.floor((deps.random ?? Math.random)() * 5) : 0;
  return {
    kind: 'defer',
    delaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, Math.ceil(seconds) + jitter)),
  };
}

export async function retryOrFail(
  ctx: JobContext,
  attempts: number,
  reason: string,
  code: string,
  deps: SendDeps,
) {
  if (attempts > SEND_MAX_RETRIES) {
    // Last delivery: the job fails for good and the retry below moves the message to the DLQ.
    await deps.store.markFailed(ctx, { reason, code }, deps.clock());
    return { kind: 'retry', delaySeconds: 0 } as const;
  }
  return { kind: 'retry', delaySeconds: backoffSeconds(attempts, (deps.random ?? Math.random)()) } as const;
}
