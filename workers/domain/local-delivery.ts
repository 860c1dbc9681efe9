// Local-time delivery (issue 12, item 5), pure: "at 10:00 on 1 December in each recipient's own
// timezone". Wall-clock arithmetic goes through local-time.ts (Intl only, DST-safe).
//
// DST decisions (the same as the quiet hours'): a local time that does not exist on that day (the
// clock jumps over it when DST starts) is delivered at the jump, i.e. as soon as the local clock
// has passed it; a local time that occurs twice (DST ends) is delivered at its first occurrence
// still ahead.
import { addDays, localDate, localTimeInstants } from './local-time';
import { nextSendTime } from './quiet-hours';

export const IF_PASSED = ['next_day', 'skip'] as const;
export type IfPassed = (typeof IF_PASSED)[number];
export type SendAtLocal = { date: string; time: string; if_passed: IfPassed };

/** Skip reason counted when a recipient's local time had already passed (if_passed = skip). */
export const LOCAL_TIME_PASSED = 'local_time_passed';

export type LocalInstant = { kind: 'on_time' | 'next_day'; at: number } | { kind: 'skipped' };

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const YYYY_MM_DD = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDate(date: string): boolean {
  const m = YYYY_MM_DD.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === date;
}

function hhmm(time: string): { hh: number; mm: number } {
  const m = HH_MM.exec(time);
  if (!m) throw new RangeError(`Expected HH:MM, got ${time}`);
  return { hh: Number(m[1]), mm: Number(m[2]) };
}

/** The first instant on local `date` at which the clock in `tz` reads `time`, not before `notBefore`. */
function instantOn(date: string, time: string, tz: string, notBefore: number): number | null {
  const { hh, mm } = hhmm(time);
  const all = localTimeInstants(date, hh, mm, tz);
  return all.find((t) => t >= notBefore) ?? null;
}

/**
 * When a recipient in `tz` gets a message meant for `time` on `date`, judged at `now` (when the
 * fan-out decides): that instant if it is still ahead; else, with `next_day`, the same local time
 * on the next day it is still ahead (normally the day after); with `skip`, not at all.
 */
export function localSendInstant(
  date: string,
  time: string,
  tz: string,
  now: Date | number,
  ifPassed: IfPassed,
): LocalInstant {
  const t = typeof now === 'number' ? now : now.getTime();
  const first = instantOn(date, time, tz, t);
  if (first !== null) return { kind: 'on_time', at: first };
  if (ifPassed === 'skip') return { kind: 'skipped' };
  return { kind: 'next_day', at: nextLocalOccurrence(addDays(date, 1), time, tz, t) };
}

/** The first instant at or after `after`, on `from` or a later local day, at which the clock in `tz` reads `time`. */
export function nextLocalOccurrence(from: string, time: string, tz: string, after: Date | number): number {
  const t = typeof after === 'number' ? after : after.getTime();
  // Start no earlier than the local day `after` falls on: a date long past costs no loop.
  const today = localDate(t, tz);
  let day = today > from ? today : from;
  for (let i = 0; i < 4; i++, day = addDays(day, 1)) {
    const at = instantOn(day, time, tz, t);
    if (at !== null) return at;
  }
  // Unreachable for real zones (the time comes round within two days).
  throw new RangeError(`no ${time} in ${tz} after ${new Date(t).toISOString()}`);
}

/**
 * The earliest instant any place on Earth reaches local `date` (UTC+14, the Line Islands): when a
 * local-time campaign launched ahead of time starts its fan-out. From then on every recipient's
 * local time on `date` is still ahead, so none is judged "passed" merely for launching early, and
 * no job waits in the queue more than about two days.
 */
export function localFanoutStart(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) - 14 * 3_600_000);
}

/** The instant `at` moved out of the recipient's quiet hours (quiet hours always win). */
export function outsideQuietHours(at: number, tz: string, quietStart: string, quietEnd: string): number {
  return nextSendTime(new Date(at), tz, quietStart, quietEnd).getTime();
}

/**
 * Spreads the jobs planned for one instant at the senders' rate, continuing after `before` jobs
 * already planned there (earlier fan-out pages): the i-th job of an instant is due i / rate
 * seconds after it, so a whole time zone does not wake at one second and loop on number permits.
 * Returns each job's due instant (ms). No rate (no active sender yet): everyone at the instant.
 */
export function spreadDue(
  instants: readonly number[],
  ratePerSecond: number,
  before: ReadonlyMap<number, number>,
) {
  const seen = new Map<number, number>();
  return instants.map((at) => {
    const i = (before.get(at) ?? 0) + (seen.get(at) ?? 0);
    seen.set(at, (seen.get(at) ?? 0) + 1);
    return ratePerSecond > 0 ? at + Math.floor((i / ratePerSecond) * 1000) : at;
  });
}
