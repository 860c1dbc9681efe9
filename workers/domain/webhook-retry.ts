// When a failed webhook delivery is tried again, and when an endpoint is given up on. Pure.
//
// Exponential backoff from 30 s, doubling to a 4 h cap, with ±10% jitter so deliveries that failed
// together (an endpoint's outage) do not all come back in the same second. Retries stop 24 h after
// the event: a final attempt lands on the 24 h mark, then the delivery is failed. About 15 attempts.

export const RETRY_WINDOW_MS = 24 * 3600 * 1000;
export const FIRST_RETRY_S = 30;
export const MAX_RETRY_S = 4 * 3600;
/** A delivery attempt gives up on a receiver after this long (counts as a failure). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Bytes of the receiver's answer kept in the delivery log. */
export const RESPONSE_SNIPPET_BYTES = 1024;
/** Attempts kept per delivery for the log (the count itself is never capped). */
export const ATTEMPT_HISTORY = 20;

/** The pause after the n-th failed attempt (n ≥ 1), before jitter. */
export function backoffSeconds(failedAttempts: number): number {
  const n = Math.max(1, Math.floor(failedAttempts));
  return Math.min(FIRST_RETRY_S * 2 ** Math.min(n - 1, 30), MAX_RETRY_S);
}

/**
 * When to try again after `failedAttempts` failures, or null when the 24 h window is over.
 * `random` in [0, 1) spreads the delay by ±10%.
 */
export function nextAttemptAt(
  createdAtMs: number,
  failedAttempts: number,
  nowMs: number,
  random: () => number = Math.random,
): number | null {
  const deadline = createdAtMs + RETRY_WINDOW_MS;
  if (nowMs >= deadline) return null;
  const delayMs = backoffSeconds(failedAttempts) * 1000 * (0.9 + 0.2 * random());
  return Math.min(nowMs + Math.round(delayMs), deadline);
}

/** 2xx is success; anything else, a timeout or a refused connection, is a failure to retry. */
export function isSuccess(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}

/**
 * An endpoint is disabled when a delivery has exhausted its 24 h of retries and nothing has
 * succeeded since the endpoint started failing at least 24 h ago: every attempt for a day failed.
 * A flaky endpoint that answers now and then resets `failingSince` and stays on.
 */
export function shouldDisable(failingSinceMs: number | null, nowMs: number): boolean {
  return failingSinceMs !== null && nowMs - failingSinceMs >= RETRY_WINDOW_MS;
}
