import { offsetMs } from '../domain/local-time';
import { isQuietTime } from '../domain/quiet-hours';

/** Twilio's own ceiling for ValidityPeriod is 36000 s; ours is shorter so stale texts die sooner. */
export const MAX_VALIDITY_SECONDS = 14_400;
const STEP_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

/**
 * Seconds from `now` until the recipient's quiet window starts (capped at 4 h), for Twilio's
 * ValidityPeriod: a message stuck in the carrier queue expires rather than arrive at night.
 * Computed from the local clock when the zone's offset is the same now and 4 h later (no DST change
 * in between: one offset lookup each end, the common case on the send path); otherwise found by
 * `scanValiditySeconds`.
 */
export function validityPeriodSeconds(now: Date, tz: string, start: string, end: string): number {
  const t0 = now.getTime();
  const limit = t0 + MAX_VALIDITY_SECONDS * 1000;
  const offset = offsetMs(t0, tz);
  if (offset !== offsetMs(limit, tz) || isQuietTime(now, tz, start, end)) {
    return scanValiditySeconds(now, tz, start, end);
  }
  if (start === end) return MAX_VALIDITY_SECONDS; // no quiet window
  const [h = 0, m = 0] = start.split(':').map(Number);
  const localOfDay = (((t0 + offset) % DAY_MS) + DAY_MS) % DAY_MS;
  let until = (h * 60 + m) * 60_000 - localOfDay;
  if (until <= 0) until += DAY_MS;
  return until >= MAX_VALIDITY_SECONDS * 1000 ? MAX_VALIDITY_SECONDS : Math.max(1, Math.ceil(until / 1000));
}

/**
 * The same by probing the quiet window in 15-minute steps, then bisecting the step where quiet
 * begins (to the second): right across DST changes, at about 35 time-zone conversions.
 */
export function scanValiditySeconds(now: Date, tz: string, start: string, end: string): number {
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
