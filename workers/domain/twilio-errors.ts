// How the send path reacts to what Twilio answered. Pure so every branch is unit-tested.

export type TwilioFailure =
  | { kind: 'http'; httpStatus: number; code: number | null; message: string }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string };

export type Classified =
  /** Twilio refused for good: fail the job. `optOut` means the recipient had sent STOP (21610). */
  | { action: 'fail'; reason: string; code: string; optOut: boolean }
  /** Twilio certainly did not take the message: free the attempt and try again later. */
  | { action: 'retry'; reason: string; code: string }
  /** Twilio may have taken it (timeout, dropped connection, 5xx): never resend without looking it up. */
  | { action: 'unknown'; reason: string; code: string };

const PERMANENT: Record<number, string> = {
  21211: 'invalid_number',
  21612: 'unreachable_number',
  21614: 'not_mobile',
  21610: 'opted_out',
  21408: 'region_not_enabled',
  21606: 'invalid_from_number',
  21608: 'unverified_trial_number',
  21617: 'body_too_long',
  30007: 'carrier_filtered',
};

export function classifyTwilioFailure(f: TwilioFailure): Classified {
  if (f.kind === 'timeout') return { action: 'unknown', reason: 'provider_timeout', code: 'timeout' };
  if (f.kind === 'network') return { action: 'unknown', reason: 'provider_unreachable', code: 'network' };
  const code = f.code === null ? `http_${f.httpStatus}` : String(f.code);
  if (f.code !== null && PERMANENT[f.code]) {
    return { action: 'fail', reason: PERMANENT[f.code] as string, code, optOut: f.code === 21610 };
  }
  if (f.httpStatus === 429 || f.code === 20429)
    return { action: 'retry', reason: 'provider_rate_limited', code };
  if (f.httpStatus >= 500) return { action: 'unknown', reason: 'provider_error', code };
  // Any other 4xx (auth, bad request) will not fix itself by retrying the same request.
  return { action: 'fail', reason: 'provider_rejected', code, optOut: false };
}

/** Exponential backoff for delivery attempt n (1-based): 30 s, 60 s, 120 s ... capped at one hour. */
export function backoffSeconds(attempt: number, jitter = 0): number {
  const base = Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base + Math.max(0, Math.min(1, jitter)) * base * 0.2);
}
