// Warm-up: a new number ramps up its daily volume so carriers learn it is not a spammer.

/** Messages allowed on day 0, 1, … 6 after `warmup_start_date` (industry practice); later days use the number's daily limit. */
export const WARMUP_CURVE = [100, 250, 500, 750, 1500, 2250, 3000] as const;

/**
 * Messages the number may send on local date `today`.
 * - no warm-up start date: the daily limit;
 * - a start date in the future: 0 (the number is not ready yet; sending at full volume before
 *   its warm-up would defeat it, so it waits);
 * - day n of the curve: min(curve[n], dailyLimit); after the curve: dailyLimit.
 */
export function warmupAllowance(warmupStartDate: string | null, today: string, dailyLimit: number): number {
  const limit = Math.max(0, Math.floor(dailyLimit));
  if (!warmupStartDate) return limit;
  const days = daysFrom(warmupStartDate, today);
  if (days < 0) return 0;
  const step = WARMUP_CURVE[days];
  return step === undefined ? limit : Math.min(step, limit);
}

function daysFrom(from: string, to: string): number {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(a) || Number.isNaN(b))
    throw new RangeError(`Expected YYYY-MM-DD dates, got ${from} and ${to}`);
  return Math.round((b - a) / 86_400_000);
}
