// Wall-clock arithmetic in IANA time zones with Intl.DateTimeFormat only (no library).
// Instants are epoch milliseconds or Dates; local dates are 'YYYY-MM-DD' strings.

export type LocalParts = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};

const formatters = new Map<string, Intl.DateTimeFormat>();

// Creating a DateTimeFormat is expensive; the send path asks for the same few zones repeatedly.
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const ms = (at: Date | number) => (typeof at === 'number' ? at : at.getTime());

/** The wall-clock fields of `at` in `timeZone`. */
export function localParts(at: Date | number, timeZone: string): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms(at)))) {
    if (p.type in out) out[p.type as keyof LocalParts] = Number(p.value);
  }
  // Some engines print midnight as 24 even with h23.
  if (out.hour === 24) out.hour = 0;
  return out;
}

/** The zone's offset from UTC at `at`, in milliseconds (Sydney in winter: +10 h). */
export function offsetMs(at: Date | number, timeZone: string): number {
  const t = Math.floor(ms(at) / 1000) * 1000;
  const p = localParts(t, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - t;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** 'YYYY-MM-DD' of `at` in `timeZone`. */
export function localDate(at: Date | number, timeZone: string): string {
  const p = localParts(at, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** 'YYYY-MM' of `at` in `timeZone`. */
export function localMonth(at: Date | number, timeZone: string): string {
  return localDate(at, timeZone).slice(0, 7);
}

/** Minutes since local midnight (0..1439) of `at` in `timeZone`. */
export function localMinuteOfDay(at: Date | number, timeZone: string): number {
  const p = localParts(at, timeZone);
  return p.hour * 60 + p.minute;
}

function parseDate(date: string): { y: number; m: number; d: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`Expected YYYY-MM-DD, got ${date}`);
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const { y, m, d } = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = parseDate(from);
  const b = parseDate(to);
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000);
}

/**
 * Every instant at which the wall clock in `timeZone` reads `date` `hh:mm`, earliest first.
 * Two instants when the time repeats (DST ends); when it does not exist (DST starts), the
 * single instant the clock jumps past it, i.e. the first instant whose local time is later.
 */
export function localTimeInstants(date: string, hh: number, mm: number, timeZone: string): number[] {
  const { y, m, d } = parseDate(date);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // Offsets a day either side bracket any transition near this wall time.
  const offsets = [
    ...new Set([offsetMs(wall - 86_400_000, timeZone), offsetMs(wall + 86_400_000, timeZone)]),
  ];
  const valid = offsets
    .map((o) => wall - o)
    .filter((t) => t + offsetMs(t, timeZone) === wall)
    .sort((a, b) => a - b);
  if (valid.length > 0) return [...new Set(valid)];
  // In a gap: binary-search the transition, where local time first passes the wall time.
  const candidates = offsets.map((o) => wall - o);
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2 / 1000) * 1000;
    if (mid + offsetMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return [hi];
}

/** The first instant of local `date` (local midnight, or when the day starts if midnight is skipped). */
export function startOfLocalDay(date: string, timeZone: string): number {
  return localTimeInstants(date, 0, 0, timeZone)[0] as number;
}

/** The next local midnight after `at`: when a daily counter resets. */
export function nextLocalMidnight(at: Date | number, timeZone: string): number {
  return startOfLocalDay(addDays(localDate(at, timeZone), 1), timeZone);
}

/** The start of the next local month after `at`: when a monthly counter resets. */
export function nextLocalMonthStart(at: Date | number, timeZone: string): number {
  const { y, m } = parseDate(localDate(at, timeZone));
  const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  return startOfLocalDay(next, timeZone);
}
