import { describe, expect, it } from 'vitest';
import {
  bucketStart,
  chooseBucket,
  csvRow,
  localMidnight,
  nextBucket,
  type SlotCount,
  seriesRange,
  slotMinutesFor,
  toSeries,
} from '../../workers/domain/event-log';

describe('csvRow', () => {
  it('happy: plain values joined by commas, CRLF terminated; null is empty', () => {
    expect(csvRow(['a', 1, null, undefined, 'b'])).toBe('a,1,,,b\r\n');
  });

  it('edge: quotes, commas and newlines are quoted; JSON metadata survives', () => {
    expect(csvRow(['say "hi"', 'a,b', 'two\nlines'])).toBe('"say ""hi""","a,b","two\nlines"\r\n');
    expect(csvRow([JSON.stringify({ human: true, reason: 'x' })])).toBe(
      '"{""human"":true,""reason"":""x""}"\r\n',
    );
  });

  it('security: cells that would run as spreadsheet formulas are defused', () => {
    expect(csvRow(['=HYPERLINK("http://evil")', '+1', '-2', '@SUM(A1)'])).toBe(
      `"'=HYPERLINK(""http://evil"")",'+1,'-2,'@SUM(A1)\r\n`,
    );
  });
});

describe('time buckets', () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  it('happy: local midnight in Sydney, in summer (+11) and winter (+10)', () => {
    expect(iso(localMidnight(2026, 1, 15, 'Australia/Sydney'))).toBe('2026-01-14T13:00:00.000Z');
    expect(iso(localMidnight(2026, 7, 15, 'Australia/Sydney'))).toBe('2026-07-14T14:00:00.000Z');
  });

  it('DST: the day daylight saving starts or ends still starts at local midnight', () => {
    // Sydney: DST ends 2026-04-05 03:00 (+11 → +10), starts 2026-10-04 02:00 (+10 → +11).
    expect(iso(localMidnight(2026, 4, 5, 'Australia/Sydney'))).toBe('2026-04-04T13:00:00.000Z');
    expect(iso(localMidnight(2026, 4, 6, 'Australia/Sydney'))).toBe('2026-04-05T14:00:00.000Z');
    expect(iso(localMidnight(2026, 10, 4, 'Australia/Sydney'))).toBe('2026-10-03T14:00:00.000Z');
    expect(iso(localMidnight(2026, 10, 5, 'Australia/Sydney'))).toBe('2026-10-04T13:00:00.000Z');
  });

  it('edge: hour buckets follow a half-hour zone (Adelaide +10:30 in January)', () => {
    const ms = Date.parse('2026-01-10T02:45:00Z'); // 13:15 local
    expect(iso(bucketStart(ms, 'hour', 'Australia/Adelaide'))).toBe('2026-01-10T02:30:00.000Z');
    expect(iso(bucketStart(ms, 'hour', 'UTC'))).toBe('2026-01-10T02:00:00.000Z');
  });

  it('happy: slots fold into local days with human clicks apart, and gaps are zero-filled', () => {
    const slots: SlotCount[] = [
      { slot: '2026-07-01T02:00', type: 'SENT', count: 10, human: 0 },
      { slot: '2026-07-01T02:15', type: 'DELIVERED', count: 8, human: 0 },
      { slot: '2026-07-01T02:15', type: 'FAILED', count: 2, human: 0 },
      { slot: '2026-07-01T13:45', type: 'CLICKED', count: 5, human: 3 }, // 23:45 Sydney, still July 1
      { slot: '2026-07-01T14:00', type: 'CLICKED', count: 1, human: 1 }, // 00:00 Sydney, July 2
      { slot: '2026-07-03T14:00', type: 'CLICKED', count: 2, human: 0 }, // July 4
    ];
    expect(toSeries(slots, 'day', 'Australia/Sydney')).toEqual([
      { t: '2026-06-30T14:00:00.000Z', sent: 10, delivered: 8, failed: 2, clicks: 5, human_clicks: 3 },
      { t: '2026-07-01T14:00:00.000Z', sent: 0, delivered: 0, failed: 0, clicks: 1, human_clicks: 1 },
      { t: '2026-07-02T14:00:00.000Z', sent: 0, delivered: 0, failed: 0, clicks: 0, human_clicks: 0 },
      { t: '2026-07-03T14:00:00.000Z', sent: 0, delivered: 0, failed: 0, clicks: 2, human_clicks: 0 },
    ]);
  });

  it('happy: hour buckets, filled across the night; nothing in, nothing out', () => {
    const series = toSeries(
      [
        { slot: '2026-07-01T02:30', type: 'SENT', count: 1, human: 0 },
        { slot: '2026-07-01T05:00', type: 'SENT', count: 2, human: 0 },
      ],
      'hour',
      'Australia/Sydney',
    );
    expect(series.map((p) => [p.t.slice(11, 16), p.sent])).toEqual([
      ['02:00', 1],
      ['03:00', 0],
      ['04:00', 0],
      ['05:00', 2],
    ]);
    expect(toSeries([], 'day', 'Australia/Sydney')).toEqual([]);
  });
});

describe('the report chart fits its time axis to the data (issue 12, item 8)', () => {
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  const DAY = 24 * HOUR;

  it('chooseBucket: minutes for a few minutes of sending, days for weeks, at most ~120 points', () => {
    expect(chooseBucket(0)).toBe('minute');
    expect(chooseBucket(7 * MIN)).toBe('minute');
    expect(chooseBucket(2 * HOUR)).toBe('minute');
    expect(chooseBucket(2 * HOUR + 1)).toBe('5min');
    expect(chooseBucket(10 * HOUR)).toBe('5min');
    expect(chooseBucket(30 * HOUR)).toBe('15min');
    expect(chooseBucket(4 * DAY)).toBe('hour');
    expect(chooseBucket(5 * DAY + 1)).toBe('day');
    expect(chooseBucket(400 * DAY)).toBe('day');
  });

  it('the 267-recipient campaign that ran for a few minutes: minute points, an axis of those minutes', () => {
    // 09:58–10:04 Sydney time. Before the fix this was one hourly point, and uPlot stretched a
    // single-point time axis over 1000 days.
    const slots: SlotCount[] = [
      { slot: '2026-11-23T22:58', type: 'SENT', count: 90, human: 0 },
      { slot: '2026-11-23T22:59', type: 'SENT', count: 120, human: 0 },
      { slot: '2026-11-23T22:59', type: 'DELIVERED', count: 80, human: 0 },
      { slot: '2026-11-23T23:00', type: 'SENT', count: 57, human: 0 },
      { slot: '2026-11-23T23:04', type: 'CLICKED', count: 3, human: 2 },
    ];
    const span = Date.parse('2026-11-23T23:04:00Z') - Date.parse('2026-11-23T22:58:00Z');
    const bucket = chooseBucket(span);
    expect(bucket).toBe('minute');
    expect(slotMinutesFor(bucket)).toBe(1);
    const series = toSeries(slots, bucket, 'Australia/Sydney');
    expect(series.map((p) => [p.t.slice(11, 16), p.sent, p.human_clicks])).toEqual([
      ['22:58', 90, 0],
      ['22:59', 120, 0],
      ['23:00', 57, 0],
      ['23:01', 0, 0],
      ['23:02', 0, 0],
      ['23:03', 0, 0],
      ['23:04', 0, 2],
    ]);
    expect(seriesRange(series, bucket, 'Australia/Sydney')).toEqual({
      from: '2026-11-23T22:58:00.000Z',
      to: '2026-11-23T23:05:00.000Z',
    });
  });

  it('5- and 15-minute buckets line up with the local clock, even at +5:45 and +10:30', () => {
    const ms = Date.parse('2026-01-10T02:52:00Z');
    expect(new Date(bucketStart(ms, '5min', 'Asia/Kathmandu')).toISOString()).toBe(
      '2026-01-10T02:50:00.000Z',
    );
    // 02:52Z is 08:37 in Kathmandu (+5:45) and 13:22 in Adelaide (+10:30); their quarters 08:30 and 13:15 both start at 02:45Z.
    expect(new Date(bucketStart(ms, '15min', 'Asia/Kathmandu')).toISOString()).toBe(
      '2026-01-10T02:45:00.000Z',
    );
    expect(new Date(bucketStart(ms, '15min', 'Australia/Adelaide')).toISOString()).toBe(
      '2026-01-10T02:45:00.000Z',
    );
  });

  it('a single point still has an axis one bucket wide; no data, no axis', () => {
    const one = toSeries(
      [{ slot: '2026-07-01T02:30', type: 'SENT', count: 4, human: 0 }],
      'hour',
      'Australia/Sydney',
    );
    expect(seriesRange(one, 'hour', 'Australia/Sydney')).toEqual({
      from: '2026-07-01T02:00:00.000Z',
      to: '2026-07-01T03:00:00.000Z',
    });
    expect(seriesRange([], 'day', 'UTC')).toBeNull();
  });

  it('day buckets end at the next local midnight, 23 or 25 hours later on DST days', () => {
    const dstEnds = localMidnight(2026, 4, 5, 'Australia/Sydney');
    expect(nextBucket(dstEnds, 'day', 'Australia/Sydney') - dstEnds).toBe(25 * HOUR);
    const dstStarts = localMidnight(2026, 10, 4, 'Australia/Sydney');
    expect(nextBucket(dstStarts, 'day', 'Australia/Sydney') - dstStarts).toBe(23 * HOUR);
  });
});
