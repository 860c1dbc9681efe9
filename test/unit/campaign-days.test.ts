import { describe, expect, it } from 'vitest';
import { foldDays, localDate } from '../../workers/domain/campaign-days';
import type { SlotCount } from '../../workers/domain/event-log';

const slot = (at: string, type: string, count = 1, human = 0): SlotCount => ({
  slot: at.slice(0, 16),
  type,
  count,
  human,
});

describe('foldDays', () => {
  it('happy: Sydney around the start of daylight saving (4 October 2026 has 23 hours)', () => {
    const days = foldDays(
      [
        slot('2026-10-03T13:45Z', 'SENT', 2), // 23:45 AEST on the 3rd
        slot('2026-10-03T14:00Z', 'SENT'), // midnight: the 4th
        slot('2026-10-03T15:45Z', 'DELIVERED', 3), // 01:45 AEST
        slot('2026-10-03T16:00Z', 'FAILED'), // 03:00 AEDT: the clocks jumped an hour
        slot('2026-10-04T12:45Z', 'CLICKED', 4, 3), // 23:45 AEDT on the 4th
        slot('2026-10-04T13:00Z', 'REPLIED'), // midnight: the 5th
        slot('2026-10-04T13:00Z', 'OPT_OUT'),
        slot('2026-10-04T13:15Z', 'COST', 125),
      ],
      'Australia/Sydney',
    );
    expect(days).toEqual([
      {
        day: '2026-10-03',
        startsAt: '2026-10-02T14:00:00.000Z',
        sent: 2,
        delivered: 0,
        failed: 0,
        clicks: 0,
        humanClicks: 0,
        replies: 0,
        optOuts: 0,
        costCents: 0,
      },
      {
        day: '2026-10-04',
        startsAt: '2026-10-03T14:00:00.000Z',
        sent: 1,
        delivered: 3,
        failed: 1,
        clicks: 4,
        humanClicks: 3,
        replies: 0,
        optOuts: 0,
        costCents: 0,
      },
      {
        day: '2026-10-05',
        startsAt: '2026-10-04T13:00:00.000Z',
        sent: 0,
        delivered: 0,
        failed: 0,
        clicks: 0,
        humanClicks: 0,
        replies: 1,
        optOuts: 1,
        costCents: 125,
      },
    ]);
  });

  it('happy: New York at the end of daylight saving (1 November 2026 has 25 hours, 01:30 happens twice)', () => {
    const days = foldDays(
      [
        slot('2026-11-01T03:45Z', 'SENT'), // 23:45 EDT on 31 October
        slot('2026-11-01T05:30Z', 'SENT'), // 01:30 EDT
        slot('2026-11-01T06:30Z', 'SENT'), // 01:30 EST, the second time
        slot('2026-11-02T04:45Z', 'SENT'), // 23:45 EST on the 1st
        slot('2026-11-02T05:00Z', 'SENT'), // midnight: the 2nd
      ],
      'America/New_York',
    );
    expect(days.map((d) => [d.day, d.startsAt, d.sent])).toEqual([
      ['2026-10-31', '2026-10-31T04:00:00.000Z', 1],
      ['2026-11-01', '2026-11-01T04:00:00.000Z', 3],
      ['2026-11-02', '2026-11-02T05:00:00.000Z', 1],
    ]);
  });

  it('happy: the same instants are other days in another zone; half-hour offsets cut at their own midnight', () => {
    const slots = [slot('2026-10-04T13:15Z', 'SENT'), slot('2026-10-04T13:30Z', 'SENT')];
    // Adelaide moved from UTC+9:30 to +10:30 on the 4th: that day began at 14:30Z, the 5th at 13:30Z.
    expect(foldDays(slots, 'Australia/Adelaide').map((d) => [d.day, d.startsAt, d.sent])).toEqual([
      ['2026-10-04', '2026-10-03T14:30:00.000Z', 1],
      ['2026-10-05', '2026-10-04T13:30:00.000Z', 1],
    ]);
    expect(foldDays(slots, 'Europe/London').map((d) => [d.day, d.sent])).toEqual([['2026-10-04', 2]]);
  });

  it('error: empty counts, unknown types and malformed slots add nothing', () => {
    expect(
      foldDays(
        [slot('2026-10-04T13:15Z', 'SENT', 0), { slot: 'not a time', type: 'SENT', count: 3, human: 0 }],
        'UTC',
      ),
    ).toEqual([]);
    const [d] = foldDays([slot('2026-10-04T13:15Z', 'QUEUED', 5)], 'UTC');
    expect(d).toMatchObject({ day: '2026-10-04', sent: 0, delivered: 0, failed: 0 });
  });
});

describe('localDate', () => {
  it('is the wall-clock date in the zone, zero-padded', () => {
    expect(localDate(Date.parse('2026-01-04T23:30:00Z'), 'Australia/Sydney')).toBe('2026-01-05');
    expect(localDate(Date.parse('2026-01-04T23:30:00Z'), 'America/Los_Angeles')).toBe('2026-01-04');
  });
});
