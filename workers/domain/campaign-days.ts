// The daily roll-up of a campaign (issue 11, storage lifecycle): its per-message counts folded into
// the days of the tenant's time zone, and those days turned back into the chart's slot counts. Pure:
// the archiver feeds it the same 15-minute slots the report chart is drawn from, so a chart in day
// buckets is the same before and after the detail rows are gone.
import { bucketStart, type SlotCount } from './event-log';

/** What one day of a campaign holds (campaign_daily_stats). */
export type DayTotals = {
  /** The local date, YYYY-MM-DD. */
  day: string;
  /** That date's local midnight, ISO-8601 UTC. */
  startsAt: string;
  sent: number;
  delivered: number;
  failed: number;
  clicks: number;
  humanClicks: number;
  replies: number;
  optOuts: number;
  costCents: number;
};

/**
 * Slot types the roll-up folds: the chart's (SENT, DELIVERED, FAILED, CLICKED with `human`) and the
 * report's (REPLIED, OPT_OUT, and COST whose `count` is cents).
 */
export type RollupSlotType = 'SENT' | 'DELIVERED' | 'FAILED' | 'CLICKED' | 'REPLIED' | 'OPT_OUT' | 'COST';

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(ms: number, timeZone: string): string {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year').padStart(4, '0')}-${get('month')}-${get('day')}`;
}

const emptyDay = (day: string, startsAt: string): DayTotals => ({
  day,
  startsAt,
  sent: 0,
  delivered: 0,
  failed: 0,
  clicks: 0,
  humanClicks: 0,
  replies: 0,
  optOuts: 0,
  costCents: 0,
});

/**
 * Folds UTC slot counts (`YYYY-MM-DDTHH:MM` starts of 1- or 15-minute slots, which never straddle
 * a local midnight: 15 minutes divides every UTC offset in use) into the local days of `timeZone`,
 * oldest first. Days without any count are left out.
 */
export function foldDays(slots: readonly SlotCount[], timeZone: string): DayTotals[] {
  const days = new Map<number, DayTotals>();
  for (const s of slots) {
    const ms = Date.parse(`${s.slot}:00.000Z`);
    if (Number.isNaN(ms) || (s.count === 0 && s.human === 0)) continue;
    const start = bucketStart(ms, 'day', timeZone);
    let d = days.get(start);
    if (!d) {
      d = emptyDay(localDate(start, timeZone), new Date(start).toISOString());
      days.set(start, d);
    }
    switch (s.type as RollupSlotType) {
      case 'SENT':
        d.sent += s.count;
        break;
      case 'DELIVERED':
        d.delivered += s.count;
        break;
      case 'FAILED':
        d.failed += s.count;
        break;
      case 'CLICKED':
        d.clicks += s.count;
        d.humanClicks += s.human;
        break;
      case 'REPLIED':
        d.replies += s.count;
        break;
      case 'OPT_OUT':
        d.optOuts += s.count;
        break;
      case 'COST':
        d.costCents += s.count;
        break;
    }
  }
  return [...days.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => d);
}
