import { describe, expect, it } from 'vitest';
import {
  localDate,
  localTimeInstants,
  nextLocalMidnight,
  nextLocalMonthStart,
  offsetMs,
} from '../../workers/domain/local-time';
import { isQuietTime, nextSendTime } from '../../workers/domain/quiet-hours';

const at = (iso: string) => new Date(iso);
const SYD = 'Australia/Sydney';

describe('isQuietTime', () => {
  it('a window wrapping midnight: 20:00–09:00 Sydney', () => {
    // Sydney is UTC+11 in January.
    expect(isQuietTime(at('2026-01-15T08:59:00Z'), SYD, '20:00', '09:00')).toBe(false); // 19:59
    expect(isQuietTime(at('2026-01-15T09:00:00Z'), SYD, '20:00', '09:00')).toBe(true); // 20:00
    expect(isQuietTime(at('2026-01-15T15:00:00Z'), SYD, '20:00', '09:00')).toBe(true); // 02:00
    expect(isQuietTime(at('2026-01-15T21:59:00Z'), SYD, '20:00', '09:00')).toBe(true); // 08:59
    expect(isQuietTime(at('2026-01-15T22:00:00Z'), SYD, '20:00', '09:00')).toBe(false); // 09:00
  });

  it('a window within one day: 12:00–13:00', () => {
    expect(isQuietTime(at('2026-01-15T01:30:00Z'), SYD, '12:00', '13:00')).toBe(true); // 12:30
    expect(isQuietTime(at('2026-01-15T02:00:00Z'), SYD, '12:00', '13:00')).toBe(false); // 13:00
  });

  it('start == end means no quiet hours', () => {
    expect(isQuietTime(at('2026-01-15T15:00:00Z'), SYD, '09:00', '09:00')).toBe(false);
    expect(nextSendTime(at('2026-01-15T15:00:00Z'), SYD, '09:00', '09:00').toISOString()).toBe(
      '2026-01-15T15:00:00.000Z',
    );
  });

  it('judges by the recipient’s zone: 21:00 in Sydney is 18:00 in Perth', () => {
    const t = at('2026-06-15T11:00:00Z'); // Sydney 21:00 (UTC+10), Perth 19:00 (UTC+8)
    expect(isQuietTime(t, SYD, '20:00', '09:00')).toBe(true);
    expect(isQuietTime(t, 'Australia/Perth', '20:00', '09:00')).toBe(false);
  });

  it('rejects malformed times', () => {
    expect(() => isQuietTime(at('2026-01-15T00:00:00Z'), SYD, '25:00', '09:00')).toThrow(RangeError);
  });
});

describe('nextSendTime', () => {
  it('returns the same instant outside the window', () => {
    const t = at('2026-01-15T01:00:00Z'); // 12:00 Sydney
    expect(nextSendTime(t, SYD, '20:00', '09:00')).toEqual(t);
  });

  it('late evening → 09:00 the next local morning', () => {
    // 22:00 Sydney 15 Jan (UTC+11) → 09:00 16 Jan = 22:00Z 15 Jan
    expect(nextSendTime(at('2026-01-15T11:00:00Z'), SYD, '20:00', '09:00').toISOString()).toBe(
      '2026-01-15T22:00:00.000Z',
    );
  });

  it('early morning → 09:00 the same local day', () => {
    // 03:00 Sydney 16 Jan → 09:00 16 Jan
    expect(nextSendTime(at('2026-01-15T16:00:00Z'), SYD, '20:00', '09:00').toISOString()).toBe(
      '2026-01-15T22:00:00.000Z',
    );
  });

  it('Sydney October DST start: the night is an hour shorter in UTC, 09:00 is AEDT', () => {
    // 2026-10-04 02:00 AEST → 03:00 AEDT. 22:00 on 3 Oct (AEST, UTC+10) = 12:00Z.
    const r = nextSendTime(at('2026-10-03T12:00:00Z'), SYD, '20:00', '09:00');
    expect(r.toISOString()).toBe('2026-10-03T22:00:00.000Z'); // 09:00 AEDT (UTC+11)
    expect(isQuietTime(new Date(r.getTime() - 60_000), SYD, '20:00', '09:00')).toBe(true);
  });

  it('Sydney April DST end: 09:00 is AEST again', () => {
    // 2026-04-05 03:00 AEDT → 02:00 AEST. 22:00 on 4 Apr (AEDT, UTC+11) = 11:00Z.
    expect(nextSendTime(at('2026-04-04T11:00:00Z'), SYD, '20:00', '09:00').toISOString()).toBe(
      '2026-04-04T23:00:00.000Z', // 09:00 AEST (UTC+10)
    );
  });

  it('a window ending inside the skipped hour resumes at the jump (02:30 never happens)', () => {
    // Window 20:00–02:30 on the October change night; at 02:00 AEST the clock shows 03:00.
    const r = nextSendTime(at('2026-10-03T14:00:00Z'), SYD, '20:00', '02:30'); // 00:00 AEST
    expect(r.toISOString()).toBe('2026-10-03T16:00:00.000Z'); // 02:00 AEST == 03:00 AEDT
    expect(isQuietTime(r, SYD, '20:00', '02:30')).toBe(false);
  });

  it('a window ending in the repeated hour ends at its first occurrence', () => {
    // 20:00–02:30 on the April change night: 02:30 AEDT (15:30Z) comes before 02:30 AEST (16:30Z).
    expect(nextSendTime(at('2026-04-04T14:00:00Z'), SYD, '20:00', '02:30').toISOString()).toBe(
      '2026-04-04T15:30:00.000Z',
    );
    // During the repeated hour (02:10 AEST, after the clock went back) the window is quiet again
    // and ends at the second 02:30.
    expect(nextSendTime(at('2026-04-04T16:10:00Z'), SYD, '20:00', '02:30').toISOString()).toBe(
      '2026-04-04T16:30:00.000Z',
    );
  });

  it('Australia/Perth has no DST: 09:00 AWST is 01:00Z all year', () => {
    for (const night of ['2026-01-15T14:00:00Z', '2026-07-15T14:00:00Z']) {
      const r = nextSendTime(at(night), 'Australia/Perth', '20:00', '09:00');
      expect(r.toISOString().slice(11)).toBe('01:00:00.000Z');
    }
  });

  it('Australia/Adelaide keeps its half-hour offset (UTC+9:30 / +10:30)', () => {
    // Winter: 23:00 ACST 15 Jul = 13:30Z → 09:00 ACST 16 Jul = 23:30Z 15 Jul
    expect(
      nextSendTime(at('2026-07-15T13:30:00Z'), 'Australia/Adelaide', '20:00', '09:00').toISOString(),
    ).toBe('2026-07-15T23:30:00.000Z');
    // Across the October change (4 Oct): 09:00 ACDT = 22:30Z
    expect(
      nextSendTime(at('2026-10-03T13:00:00Z'), 'Australia/Adelaide', '20:00', '09:00').toISOString(),
    ).toBe('2026-10-03T22:30:00.000Z');
  });

  it('Australia/Lord_Howe shifts by only 30 minutes (UTC+10:30 / +11)', () => {
    expect(offsetMs(at('2026-07-01T00:00:00Z'), 'Australia/Lord_Howe')).toBe(10.5 * 3_600_000);
    expect(offsetMs(at('2026-01-01T00:00:00Z'), 'Australia/Lord_Howe')).toBe(11 * 3_600_000);
    // Night of the October change (02:00 → 02:30 on 4 Oct): 09:00 LHDT = 22:00Z
    expect(
      nextSendTime(at('2026-10-03T12:00:00Z'), 'Australia/Lord_Howe', '20:00', '09:00').toISOString(),
    ).toBe('2026-10-03T22:00:00.000Z');
    // A window ending at 02:15 (skipped that night) resumes at the jump, 02:00 LHST = 15:30Z.
    expect(
      nextSendTime(at('2026-10-03T13:00:00Z'), 'Australia/Lord_Howe', '20:00', '02:15').toISOString(),
    ).toBe('2026-10-03T15:30:00.000Z');
  });

  it('never returns an instant inside the window, sampled every 17 minutes across both DST changes', () => {
    const zones = [SYD, 'Australia/Perth', 'Australia/Adelaide', 'Australia/Lord_Howe'];
    const windows: [string, string][] = [
      ['20:00', '09:00'],
      ['02:00', '03:00'],
      ['21:30', '02:30'],
    ];
    for (const tz of zones) {
      for (const [s, e] of windows) {
        for (const [from, to] of [
          [Date.UTC(2026, 3, 3), Date.UTC(2026, 3, 7)],
          [Date.UTC(2026, 9, 2), Date.UTC(2026, 9, 6)],
        ] as const) {
          for (let t = from; t < to; t += 17 * 60_000) {
            const r = nextSendTime(new Date(t), tz, s, e);
            expect(r.getTime()).toBeGreaterThanOrEqual(t);
            expect(isQuietTime(r, tz, s, e)).toBe(false);
            // And it is the first such instant: one minute earlier was still quiet (or it is `t`).
            if (r.getTime() > t) expect(isQuietTime(new Date(r.getTime() - 60_000), tz, s, e)).toBe(true);
          }
        }
      }
    }
  });
});

describe('local calendar helpers', () => {
  it('local midnight and month start in Sydney', () => {
    expect(localDate(at('2026-01-31T13:30:00Z'), SYD)).toBe('2026-02-01');
    expect(new Date(nextLocalMidnight(at('2026-01-15T05:00:00Z'), SYD)).toISOString()).toBe(
      '2026-01-15T13:00:00.000Z',
    );
    expect(new Date(nextLocalMonthStart(at('2026-06-15T05:00:00Z'), SYD)).toISOString()).toBe(
      '2026-06-30T14:00:00.000Z',
    );
  });

  it('a wall time that occurs twice has two instants, a skipped one the instant of the jump', () => {
    expect(localTimeInstants('2026-04-05', 2, 30, SYD)).toEqual([
      Date.parse('2026-04-04T15:30:00Z'),
      Date.parse('2026-04-04T16:30:00Z'),
    ]);
    expect(localTimeInstants('2026-10-04', 2, 30, SYD)).toEqual([Date.parse('2026-10-03T16:00:00Z')]);
  });
});
