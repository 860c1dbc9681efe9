// The nightly window in which nothing is sent, judged by the recipient's wall clock.
// start..end is half-open [start, end): at `end` sending may resume. A window whose start is
// later than its end wraps midnight (20:00 → 09:00). start == end means no quiet hours at all
// (an empty window, not a 24-hour one: a campaign that must never send is paused instead).
import { addDays, localDate, localMinuteOfDay, localTimeInstants } from './local-time';

function minutes(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`Expected HH:MM, got ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function inWindow(minuteOfDay: number, start: number, end: number): boolean {
  if (start === end) return false;
  if (start < end) return minuteOfDay >= start && minuteOfDay < end;
  return minuteOfDay >= start || minuteOfDay < end;
}

/** Is `at` inside the quiet window in `timeZone`? */
export function isQuietTime(at: Date, timeZone: string, start: string, end: string): boolean {
  return inWindow(localMinuteOfDay(at, timeZone), minutes(start), minutes(end));
}

/**
 * The first instant at or after `at` outside the quiet window: `at` itself when it is not quiet,
 * else the next time the local clock reads `end` (when `end` is skipped by a DST jump, the
 * instant of the jump; when it occurs twice, the first occurrence that is really outside).
 */
export function nextSendTime(at: Date, timeZone: string, start: string, end: string): Date {
  const s = minutes(start);
  const e = minutes(end);
  if (!inWindow(localMinuteOfDay(at, timeZone), s, e)) return at;
  const today = localDate(at, timeZone);
  for (let d = 0; d <= 2; d++) {
    for (const t of localTimeInstants(addDays(today, d), Math.floor(e / 60), e % 60, timeZone)) {
      if (t > at.getTime() && !inWindow(localMinuteOfDay(t, timeZone), s, e)) return new Date(t);
    }
  }
  // Unreachable for real zones (the end time comes round within two days); fail safe: a day later.
  return new Date(at.getTime() + 86_400_000);
}
