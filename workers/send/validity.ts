import { isQuietTime } from '../domain/quiet-hours';

/** Twilio's own ceiling for ValidityPeriod is 36000 s; ours is shorter so stale texts die sooner. */
export const MAX_VALIDITY_SECONDS = 14_400;
const STEP_MS = 15 * 60_000;

/**
 * Seconds from `now` until the recipient's quiet window starts (capped at 4 h), for Twilio's
 * ValidityPeriod: a message stuck in the carrier queue expires rather than arrive at night.
 * Scans in 15-minute steps, then bisects the step where quiet begins (to the second).
 */
export function validityPeriodSeconds(now: Date, tz: string, start: string, end: string): number {
  const t0 = now.getTime();
  const limit = t0 + MAX_VALIDITY_SECONDS * 1000;
  let prev = t0;
  for (let t = t0 + STEP_MS; t <= limit + STEP_MS; t += STEP_MS) {
    const probe = Math.min(t, limit);
    if (isQuietTime(new Date(probe), tz, start, end)) {
      let lo = prev;
      let hi = probe;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2);
        if (isQuietTime(new Date(mid), tz, start, end)) hi = mid;
        else lo = mid;
      }
      return Math.max(1, Math.floor((hi - t0) / 1000));
    }
    if (probe === limit) break;
    prev = probe;
  }
  return MAX_VALIDITY_SECONDS;
}
