// Local-time delivery (issue 12, item 5): each recipient's instant across the Australian zones,
// DST days (a time that does not exist, a time that happens twice), "passed" → next day or skip,
// the start of a local-time fan-out, and the spread of one instant at the senders' rate.
import { describe, expect, it } from 'vitest';
import {
  isCalendarDate,
  localFanoutStart,
  localSendInstant,
  nextLocalOccurrence,
  spreadDue,
} from '../../workers/domain/local-delivery';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (r: ReturnType<typeof localSendInstant>) => (r.kind === 'skipped' ? 'skipped' : iso(r.at));
const BEFORE = new Date('2026-11-20T00:00:00.000Z'); // well before every date below

describe('localSendInstant: 10:00 local across Australia', () => {
  it('summer (1 Dec 2026): DST in Sydney, Adelaide and Lord Howe; none in Brisbane, Darwin, Perth', () => {
    const expected: [string, string][] = [
      ['Australia/Lord_Howe', '2026-11-30T23:00:00.000Z'], // +11 (its DST is 30 minutes)
      ['Australia/Sydney', '2026-11-30T23:00:00.000Z'], // AEDT +11
      ['Australia/Adelaide', '2026-11-30T23:30:00.000Z'], // ACDT +10:30
      ['Australia/Brisbane', '2026-12-01T00:00:00.000Z'], // AEST +10 all year
      ['Australia/Darwin', '2026-12-01T00:30:00.000Z'], // ACST +9:30 all year
      ['Australia/Perth', '2026-12-01T02:00:00.000Z'], // AWST +8 all year
    ];
    for (const [tz, want] of expected) {
      const r = localSendInstant('2026-12-01', '10:00', tz, BEFORE, 'next_day');
      expect(r.kind, tz).toBe('on_time');
      expect(at(r), tz).toBe(want);
    }
  });

  it('winter (1 Jul 2026): standard time everywhere, Lord Howe at +10:30', () => {
    const winter = new Date('2026-06-20T00:00:00.000Z');
    const expected: [string, string][] = [
      ['Australia/Lord_Howe', '2026-06-30T23:30:00.000Z'],
      ['Australia/Sydney', '2026-07-01T00:00:00.000Z'],
      ['Australia/Brisbane', '2026-07-01T00:00:00.000Z'],
      ['Australia/Adelaide', '2026-07-01T00:30:00.000Z'],
      ['Australia/Darwin', '2026-07-01T00:30:00.000Z'],
      ['Australia/Perth', '2026-07-01T02:00:00.000Z'],
    ];
    for (const [tz, want] of expected) {
      expect(at(localSendInstant('2026-07-01', '10:00', tz, winter, 'skip')), tz).toBe(want);
    }
  });

  it('a DST change day: 10:00 on 4 Oct 2026 is already daylight time in Sydney and Adelaide, not in Brisbane', () => {
    const before = new Date('2026-10-01T00:00:00.000Z');
    expect(at(localSendInstant('2026-10-04', '10:00', 'Australia/Sydney', before, 'skip'))).toBe(
      '2026-10-03T23:00:00.000Z',
    );
    expect(at(localSendInstant('2026-10-04', '10:00', 'Australia/Adelaide', before, 'skip'))).toBe(
      '2026-10-03T23:30:00.000Z',
    );
    expect(at(localSendInstant('2026-10-04', '10:00', 'Australia/Brisbane', before, 'skip'))).toBe(
      '2026-10-04T00:00:00.000Z',
    );
  });
});

describe('localSendInstant: times DST skips or repeats', () => {
  const before = new Date('2026-04-01T00:00:00.000Z');

  it('a time that does not exist (DST starts) is sent at the jump: Sydney 02:30 on 4 Oct → 03:00 AEDT', () => {
    const r = localSendInstant('2026-10-04', '02:30', 'Australia/Sydney', before, 'skip');
    expect(r.kind).toBe('on_time');
    expect(at(r)).toBe('2026-10-03T16:00:00.000Z');
  });

  it('Lord Howe’s half-hour jump: 02:15 on 4 Oct does not exist → 02:30 LHDT', () => {
    expect(at(localSendInstant('2026-10-04', '02:15', 'Australia/Lord_Howe', before, 'skip'))).toBe(
      '2026-10-03T15:30:00.000Z',
    );
  });

  it('a time that happens twice (DST ends) is sent at its first occurrence still ahead', () => {
    // Sydney 5 Apr 2026: 02:30 AEDT (15:30Z), then 02:30 AEST (16:30Z)
    expect(at(localSendInstant('2026-04-05', '02:30', 'Australia/Sydney', before, 'skip'))).toBe(
      '2026-04-04T15:30:00.000Z',
    );
    // Judged between the two: the second is still ahead, so it is on time (not the next day).
    const between = new Date('2026-04-04T16:00:00.000Z');
    const r = localSendInstant('2026-04-05', '02:30', 'Australia/Sydney', between, 'skip');
    expect(r.kind).toBe('on_time');
    expect(at(r)).toBe('2026-04-04T16:30:00.000Z');
    // Lord Howe: 01:45 happens at +11 (14:45Z) and at +10:30 (15:15Z)
    expect(at(localSendInstant('2026-04-05', '01:45', 'Australia/Lord_Howe', before, 'skip'))).toBe(
      '2026-04-04T14:45:00.000Z',
    );
  });
});

describe('localSendInstant: when the time has passed', () => {
  // 1 Dec 2026 00:45Z: 11:45 in Sydney (passed), 10:15 in Darwin (passed), 08:45 in Perth (ahead)
  const now = new Date('2026-12-01T00:45:00.000Z');

  it('next_day: the same local time the day after; ahead: on time', () => {
    const sydney = localSendInstant('2026-12-01', '10:00', 'Australia/Sydney', now, 'next_day');
    expect(sydney).toEqual({ kind: 'next_day', at: Date.parse('2026-12-01T23:00:00.000Z') });
    const darwin = localSendInstant('2026-12-01', '10:00', 'Australia/Darwin', now, 'next_day');
    expect(darwin).toEqual({ kind: 'next_day', at: Date.parse('2026-12-02T00:30:00.000Z') });
    const perth = localSendInstant('2026-12-01', '10:00', 'Australia/Perth', now, 'next_day');
    expect(perth).toEqual({ kind: 'on_time', at: Date.parse('2026-12-01T02:00:00.000Z') });
  });

  it('skip: passed → skipped, ahead → on time', () => {
    expect(localSendInstant('2026-12-01', '10:00', 'Australia/Sydney', now, 'skip')).toEqual({
      kind: 'skipped',
    });
    expect(localSendInstant('2026-12-01', '10:00', 'Australia/Perth', now, 'skip').kind).toBe('on_time');
  });

  it('exactly at the instant counts as on time', () => {
    const exact = new Date('2026-11-30T23:00:00.000Z');
    expect(localSendInstant('2026-12-01', '10:00', 'Australia/Sydney', exact, 'skip')).toEqual({
      kind: 'on_time',
      at: exact.getTime(),
    });
  });

  it('next_day across a DST change: 10:00 AEST on 3 Oct passed → 10:00 AEDT on 4 Oct (23 hours later)', () => {
    const r = localSendInstant(
      '2026-10-03',
      '10:00',
      'Australia/Sydney',
      new Date('2026-10-03T01:00:00.000Z'),
      'next_day',
    );
    expect(r).toEqual({ kind: 'next_day', at: Date.parse('2026-10-03T23:00:00.000Z') });
  });

  it('a date long past rolls to the next occurrence still ahead', () => {
    const r = localSendInstant('2026-01-01', '10:00', 'Australia/Brisbane', now, 'next_day');
    expect(r).toEqual({ kind: 'next_day', at: Date.parse('2026-12-02T00:00:00.000Z') });
  });
});

describe('nextLocalOccurrence (the A/B winner’s local time after the pick)', () => {
  it('is the first local time at or after the instant, on or after the date', () => {
    const pick = new Date('2026-12-01T05:00:00.000Z'); // 16:00 in Sydney
    expect(iso(nextLocalOccurrence('2026-12-01', '10:00', 'Australia/Sydney', pick))).toBe(
      '2026-12-01T23:00:00.000Z',
    );
    expect(iso(nextLocalOccurrence('2026-12-01', '18:00', 'Australia/Sydney', pick))).toBe(
      '2026-12-01T07:00:00.000Z',
    );
    // a later date is respected even when the time comes round earlier
    expect(iso(nextLocalOccurrence('2026-12-05', '10:00', 'Australia/Perth', pick))).toBe(
      '2026-12-05T02:00:00.000Z',
    );
  });
});

describe('localFanoutStart', () => {
  it('is when the date begins at UTC+14, before the date’s local time anywhere', () => {
    expect(localFanoutStart('2026-12-01').toISOString()).toBe('2026-11-30T10:00:00.000Z');
    const start = localFanoutStart('2026-12-01');
    for (const tz of ['Pacific/Kiritimati', 'Pacific/Auckland', 'Australia/Sydney', 'Pacific/Honolulu']) {
      expect(localSendInstant('2026-12-01', '00:00', tz, start, 'skip').kind, tz).toBe('on_time');
    }
  });
});

describe('isCalendarDate', () => {
  it('accepts real dates only', () => {
    expect(isCalendarDate('2026-12-01')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    for (const bad of [
      '2026-02-30',
      '2027-02-29',
      '2026-13-01',
      '2026-1-01',
      '01/12/2026',
      '2026-12-01T10:00',
    ])
      expect(isCalendarDate(bad), bad).toBe(false);
  });
});

describe('spreadDue', () => {
  const t0 = Date.parse('2026-11-30T23:00:00.000Z');
  const t1 = Date.parse('2026-12-01T02:00:00.000Z');

  it('spreads each instant’s jobs at the rate, continuing after earlier pages', () => {
    const due = spreadDue([t0, t0, t1, t0], 2, new Map([[t0, 4]]));
    // t0 already has 4 jobs: the next ones are 2, 2.5 and 3 seconds after it; t1 starts fresh
    expect(due).toEqual([t0 + 2000, t0 + 2500, t1, t0 + 3000]);
  });

  it('without a rate everyone is due at the instant', () => {
    expect(spreadDue([t0, t0], 0, new Map())).toEqual([t0, t0]);
  });
});
