// Pure helpers for the event log: CSV rows, and the time buckets of the campaign report chart.

/** One CSV line (RFC 4180 quoting), with spreadsheet formula injection defused. */
export function csvRow(values: (string | number | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  // A cell starting like a formula would run in Excel/Sheets; a leading apostrophe shows it as text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Bucket sizes of the report chart, shortest first. */
export const BUCKETS = ['minute', '5min', '15min', 'hour', 'day'] as const;
export type Bucket = (typeof BUCKETS)[number];

const BUCKET_MS: Record<Bucket, number> = {
  minute: 60_000,
  '5min': 300_000,
  '15min': 900_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** 15 minutes divides every UTC offset in use (+5:45, +9:30, +12:45...), so slots never straddle a local hour. */
export const SLOT_MINUTES = 15;

/** The SQL slots a bucket is folded from: whole minutes for buckets under 15 minutes, else 15-minute slots. */
export function slotMinutesFor(bucket: Bucket): 1 | 15 {
  return BUCKET_MS[bucket] < SLOT_MINUTES * 60_000 ? 1 : SLOT_MINUTES;
}

/** Aim for about this many points at most: a chart a few hundred pixels wide stays readable. */
export const TARGET_POINTS = 120;

/**
 * The bucket that shows `spanMs` of data (first to last event) in at most TARGET_POINTS points:
 * minutes for a campaign that ran a few minutes, days for one that ran for weeks.
 */
export function chooseBucket(spanMs: number): Bucket {
  for (const b of BUCKETS) if (spanMs <= BUCKET_MS[b] * TARGET_POINTS) return b;
  return 'day';
}

export type SlotCount = {
  /** Start of a 1- or 15-minute UTC slot (see slotMinutesFor), `YYYY-MM-DDTHH:MM`. */
  slot: string;
  type: string;
  count: number;
  human: number;
};

export type SeriesPoint = {
  /** Start of the bucket (local hour or local midnight in the tenant's zone), ISO-8601 UTC. */
  t: string;
  sent: number;
  delivered: number;
  failed: number;
  clicks: number;
  human_clicks: number;
};

type LocalParts = { year: number; month: number; day: number; hour: number; minute: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(ms: number, timeZone: string): LocalParts {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const get = (parts: Intl.DateTimeFormatPart[], type: string) =>
    Number(parts.find((p) => p.type === type)?.value);
  const parts = f.formatToParts(new Date(ms));
  return {
    year: get(parts, 'year'),
    month: get(parts, 'month'),
    day: get(parts, 'day'),
    hour: get(parts, 'hour'),
    minute: get(parts, 'minute'),
  };
}

/** Local wall-clock time minus UTC, in ms, at the instant `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return wall - Math.floor(ms / 60_000) * 60_000;
}

/** The instant of local midnight starting the given local date (DST-safe). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return second;
}

export function bucketStart(ms: number, bucket: Bucket, timeZone: string): number {
  // 1, 5 and 15 minutes divide every offset in use, so UTC-aligned buckets are local-aligned too.
  if (bucket !== 'hour' && bucket !== 'day') return Math.floor(ms / BUCKET_MS[bucket]) * BUCKET_MS[bucket];
  const p = localParts(ms, timeZone);
  if (bucket === 'hour') return Math.floor(ms / 60_000) * 60_000 - p.minute * 60_000;
  return localMidnight(p.year, p.month, p.day, timeZone);
}

/** Where the bucket starting at `start` ends (local days are 23 or 25 hours on DST days). */
export function nextBucket(start: number, bucket: Bucket, timeZone: string): number {
  if (bucket !== 'day') return start + BUCKET_MS[bucket];
  const p = localParts(start + 36 * 3_600_000, timeZone);
  return localMidnight(p.year, p.month, p.day, timeZone);
}

/** Beyond this many buckets the series is returned without zero-filled gaps. */
export const MAX_FILLED_BUCKETS = 5000;

/** Folds minute or 15-minute slot counts into buckets of the tenant's zone, gaps filled with zeros. */
export function toSeries(slots: SlotCount[], bucket: Bucket, timeZone: string): SeriesPoint[] {
  const points = new Map<number, SeriesPoint>();
  const pointAt = (start: number) => {
    let p = points.get(start);
    if (!p) {
      p = { t: new Date(start).toISOString(), sent: 0, delivered: 0, failed: 0, clicks: 0, human_clicks: 0 };
      points.set(start, p);
    }
    return p;
  };
  for (const s of slots) {
    const ms = Date.parse(`${s.slot}:00.000Z`);
    if (Number.isNaN(ms)) continue;
    const p = pointAt(bucketStart(ms, bucket, timeZone));
    if (s.type === 'SENT') p.sent += s.count;
    else if (s.type === 'DELIVERED') p.delivered += s.count;
    else if (s.type === 'FAILED') p.failed += s.count;
    else if (s.type === 'CLICKED') {
      p.clicks += s.count;
      p.human_clicks += s.human;
    }
  }
  const starts = [...points.keys()].sort((a, b) => a - b);
  const first = starts[0];
  const last = starts[starts.length - 1];
  if (first !== undefined && last !== undefined && (last - first) / BUCKET_MS[bucket] <= MAX_FILLED_BUCKETS) {
    for (let t = first; t < last; t = nextBucket(t, bucket, timeZone)) pointAt(t);
  }
  return [...points.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}

/** The time axis of a series: from its first bucket's start to its last bucket's end (null when empty). */
export function seriesRange(
  points: readonly SeriesPoint[],
  bucket: Bucket,
  timeZone: string,
): { from: string; to: string } | null {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return null;
  return { from: first.t, to: new Date(nextBucket(Date.parse(last.t), bucket, timeZone)).toISOString() };
}
