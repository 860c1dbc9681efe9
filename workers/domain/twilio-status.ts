// Twilio message statuses → send job states. Pure: no I/O.
// Jobs only move forward: queued < sent < delivered | failed. Twilio's callbacks arrive out of
// order and more than once, so every transition is decided from (current, incoming) alone.
//
// delivered vs failed: both are final, but Twilio's delivery receipt is the carrier's last word,
// so a `delivered` that arrives after `failed`/`undelivered` wins (a handset that came back into
// coverage); a `failed` after `delivered` never downgrades it.
import type { JobStatus } from '../db/schema';

export const TWILIO_STATUSES = [
  'accepted',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'partially_delivered',
  'undelivered',
  'failed',
  'canceled',
  'receiving',
  'received',
] as const;
export type TwilioStatus = (typeof TWILIO_STATUSES)[number];

/** The job state a Twilio status means; null for statuses that say nothing about an outbound job. */
export function jobStatusFor(twilioStatus: string): JobStatus | null {
  switch (twilioStatus.toLowerCase()) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
      return 'queued';
    case 'sending':
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
    // some segments arrived: the person got the message, even if truncated
    case 'partially_delivered':
      return 'delivered';
    case 'undelivered':
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return null;
  }
}

/** For each target state, the states a job may be in to move there. */
export const ALLOWED_FROM: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: [],
  sent: ['queued'],
  delivered: ['queued', 'sent', 'failed'],
  failed: ['queued', 'sent'],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}

export const isFinal = (s: JobStatus) => s === 'delivered' || s === 'failed';

/** The job's state after a callback: the incoming one when it is a move forward, else unchanged. */
export function nextJobStatus(current: JobStatus, twilioStatus: string): JobStatus {
  const target = jobStatusFor(twilioStatus);
  return target && canTransition(current, target) ? target : current;
}

/**
 * Twilio does not charge for `failed` (never left Twilio) or `canceled` messages, so their
 * reserved cost goes back to the tenant's budget. `undelivered` reached the carrier and is billed.
 */
export function isUncharged(twilioStatus: string): boolean {
  const s = twilioStatus.toLowerCase();
  return s === 'failed' || s === 'canceled';
}

/** Twilio error codes a campaign manager meets most, in words (https://www.twilio.com/docs/api/errors). */
const ERROR_REASONS: Record<string, string> = {
  '21211': "Invalid 'To' phone number",
  '21408': 'Sending to this region is not enabled',
  '21610': 'Recipient has unsubscribed (replied STOP)',
  '21612': 'Number is not reachable via SMS',
  '21614': 'Not a valid mobile number',
  '21617': 'Message body exceeds the 1600 character limit',
  '21635': 'Number is a landline',
  '30001': 'Queue overflow',
  '30002': 'Account suspended',
  '30003': 'Unreachable destination handset',
  '30004': 'Message blocked',
  '30005': 'Unknown destination handset',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Message filtered by the carrier',
  '30008': 'Unknown error',
  '30009': 'Missing segment',
  '30010': 'Message price exceeds max price',
  '30017': 'Carrier network congestion',
  '30022': 'A2P 10DLC rate limit exceeded',
  '30023': 'A2P 10DLC daily cap reached',
  '30024': 'Numeric sender ID not provisioned on the carrier',
  '30032': 'Toll-free number not verified',
  '30034': 'Message from an unregistered A2P 10DLC number',
  '30410': 'Provider timeout',
  '30450': 'Blocked by SMS pumping protection',
};

/** `'30003: Unreachable destination handset'`; a readable fallback when the code is unknown or absent. */
export function failureReason(errorCode: string | number | null | undefined, twilioStatus: string): string {
  const code = errorCode === null || errorCode === undefined ? '' : String(errorCode).trim();
  if (code && code !== '0') return `${code}: ${ERROR_REASONS[code] ?? `Twilio error ${code}`}`;
  const s = twilioStatus.toLowerCase();
  if (s === 'canceled') return 'Canceled before sending';
  if (s === 'undelivered') return 'Undelivered (no error code from the carrier)';
  return 'Failed (no error code from Twilio)';
}
