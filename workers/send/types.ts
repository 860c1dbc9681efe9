// The send loop's seams (listmonk style): a store that loads and records jobs, a messenger that
// talks to the SMS provider, permits (budget + number limits) and a renderer. The loop itself
// (loop.ts) only decides; tests and the benchmark drive it with the real D1/DO/fetch adapters.
import type { TwilioFailure } from '../domain/twilio-errors';
import type { FoundMessage, OutgoingSms } from '../providers/twilio';

export type JobRow = {
  id: string;
  tenantId: string;
  campaignId: string;
  contactId: string;
  templateId: string | null;
  sendingNumberId: string | null;
  status: 'queued' | 'sent' | 'delivered' | 'failed';
  body: string | null;
  parts: number | null;
  costCents: number | null;
  providerMessageId: string | null;
  attemptCount: number;
  attemptStartedAt: string | null;
  leaseUntil: string | null;
  /** Not sent before this instant (local-time delivery); null = as soon as it comes up. */
  notBefore: string | null;
};

export type ContactRow = {
  id: string;
  phoneE164: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  timezone: string | null;
  customFields: Record<string, string>;
  consentStatus: 'explicit' | 'implied' | 'unknown';
  erasedAt: string | null;
  lastSentAt: string | null;
};

export type CampaignRow = {
  id: string;
  tenantId: string;
  status: 'draft' | 'queued' | 'running' | 'paused' | 'completed';
  quietHoursStart: string;
  quietHoursEnd: string;
  targetUrl: string | null;
  utmParams: Record<string, string> | null;
  sendingNumberIds: string[];
};

export type TenantRow = {
  id: string;
  name: string;
  timezone: string;
  country: string;
  isPaused: boolean;
  allowUnknownConsent: boolean;
  appendOptOutFooter: boolean;
  dailyBudgetCents: number | null;
  monthlyBudgetCents: number | null;
};

/** A sender of any kind (issue 10): a phone number, a Messaging Service or an alphanumeric ID. */
export type NumberRow = {
  id: string;
  tenantId: string;
  kind: 'phone' | 'messaging_service' | 'alphanumeric';
  /** kind phone */
  phoneE164: string | null;
  /** kind messaging_service: Twilio picks the number from the service */
  messagingServiceSid: string | null;
  /** kind alphanumeric: the name recipients see */
  senderId: string | null;
  dailyLimit: number;
  perMinuteLimit: number;
  warmupStartDate: string | null;
  isActive: boolean;
};

/** Everything one job needs, loaded for the whole batch in a few queries. */
export type JobContext = {
  job: JobRow;
  contact: ContactRow;
  campaign: CampaignRow;
  tenant: TenantRow;
  templateBody: string | null;
  /** The template's image (issue 14): the message goes out as an MMS, priced per message. */
  mediaUrl: string | null;
  /** The recipient's personal short-link token, created by the fan-out (null: none yet). */
  linkToken: string | null;
  onDoNotContact: boolean;
  suppressedSince: string | null;
  /** The numbers this campaign may send from (its own list, else the tenant's active numbers). */
  numbers: NumberRow[];
};

export type Attempt = { sendingNumberId: string; body: string; parts: number; costCents: number };

/** A job ready to go: its attempt is recorded (claimed) for the whole batch in one statement. */
export type ClaimRequest = { ctx: JobContext; attempt: Attempt };

export type SentItem = {
  ctx: JobContext;
  sid: string;
  parts: number | null;
  costCents: number | null;
  at: Date;
};

export type Failure = { reason: string; code?: string | null; optOut?: boolean; detail?: string };

/** Why a claim was refused, re-read from the database. */
export type ClaimRefusal = 'not_queued' | 'campaign_not_running' | 'tenant_paused' | 'do_not_contact';

export interface SendStore {
  load(jobIds: string[], now: Date): Promise<Map<string, JobContext>>;
  /**
   * Records the attempts before the provider is called, for a whole batch in one statement; per
   * job, true or why it may not be sent now.
   */
  claim(requests: ClaimRequest[], now: Date): Promise<Map<string, true | ClaimRefusal>>;
  /** Frees an attempt the provider certainly did not take, so a later delivery may try again. */
  releaseClaim(jobId: string): Promise<void>;
  /**
   * Records accepted messages (job sent + SENT event + contact.last_sent_at), for a whole batch in
   * one transaction. Their attempts are already recorded, so if this fails the next delivery
   * finds them at the provider instead of sending again.
   */
  markSent(items: SentItem[]): Promise<void>;
  markFailed(ctx: JobContext, f: Failure, now: Date): Promise<void>;
  /** Jobs whose queue message was acknowledged without a follow-up: lease null, or a new lease. */
  setLeases(leases: { jobId: string; leaseUntil: string | null }[]): Promise<void>;
  setCampaignReason(campaignId: string, reason: string | null): Promise<void>;
  /** Pauses the campaign when its failure rate passes the threshold. */
  guardFailureRate(campaignId: string, now: Date): Promise<void>;
  /** Completes the campaign when its fan-out finished and no job is left queued. */
  completeIfDone(campaignId: string, now: Date): Promise<void>;
  /** The price of one SMS part, or of one whole MMS on the `mms` channel; null when none is set. */
  costPerPartCents(tenant: TenantRow, now: Date, channel?: 'sms' | 'mms'): Promise<number | null>;
}

export type ProviderSend =
  | { ok: true; sid: string; segments: number | null }
  | { ok: false; failure: TwilioFailure };

export interface Messenger {
  /** `from` (a number or an alphanumeric ID) or `messagingServiceSid`; `ref` goes on the callback URL. */
  send(msg: OutgoingSms): Promise<ProviderSend>;
  /** Messages to `to` (from `from`, when the sender has a fixed address), created since `since`. */
  find(q: {
    to: string;
    from: string | null;
    since: Date;
  }): Promise<{ ok: true; messages: FoundMessage[] } | { ok: false; failure: TwilioFailure }>;
}

export type Denied = { ok: false; reason: string; retryAfterSeconds: number };

export interface Permits {
  /** Reserves budget for `cents`; the loop settles once per batch. */
  reserve(tenant: TenantRow, cents: number, now: Date): Promise<{ ok: true } | Denied>;
  /** Gives back budget reserved for a message that was not sent. */
  unreserve(tenantId: string, cents: number): void;
  /** Marks reserved budget as spent. */
  spend(tenantId: string, cents: number): void;
  acquire(number: NumberRow, tenant: TenantRow, now: Date): Promise<{ ok: true; grantedAt: number } | Denied>;
  /** Hands this job's own number permit back when the message was not sent after all. */
  releaseNumber(number: NumberRow, grantedAt: number, now: Date): Promise<void>;
  settle(): Promise<void>;
}

export interface Renderer {
  /**
   * The final text (template + contact variables + personal links + the opt-out footer that suits
   * the sender it goes out from) and its parts.
   */
  render(ctx: JobContext, sender: NumberRow): Promise<{ body: string; parts: number }>;
}

export type Clock = () => Date;

/** What to do with the queue message of one job. */
export type Outcome =
  | { kind: 'ack' }
  /** Ack now, enqueue a fresh message later (waits that must not use up the retry budget). */
  | { kind: 'defer'; delaySeconds: number }
  /** Let the queue redeliver (counts against max_retries; the last one lands in the DLQ). */
  | { kind: 'retry'; delaySeconds: number };
