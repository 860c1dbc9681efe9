import { describe, expect, it } from 'vitest';
import {
  MAX_VALIDITY_SECONDS,
  scanValiditySeconds,
  validityPeriodSeconds,
} from '../../workers/send/validity';

const ZONES = ['Australia/Sydney', 'Australia/Perth', 'Australia/Adelaide', 'Australia/Lord_Howe', 'UTC'];
const WINDOWS: [string, string][] = [
  ['20:00', '09:00'],
  ['21:30', '08:15'],
  ['13:00', '14:00'],
  ['09:00', '09:00'],
];

describe('validityPeriodSeconds', () => {
  it('happy: expires when the quiet window starts, to the second', () => {
    // 16:00:30 in Sydney (AEDT, +11) on 2026-12-02: quiet at 20:00 is 3 h 59 min 30 s away.
    const now = new Date('2026-12-02T05:00:30.000Z');
    expect(validityPeriodSeconds(now, 'Australia/Sydney', '20:00', '09:00')).toBe(3 * 3600 + 59 * 60 + 30);
    // More than 4 hours away: the cap.
    expect(validityPeriodSeconds(now, 'Australia/Sydney', '21:00', '09:00')).toBe(MAX_VALIDITY_SECONDS);
    // No quiet window at all.
    expect(validityPeriodSeconds(now, 'Australia/Sydney', '09:00', '09:00')).toBe(MAX_VALIDITY_SECONDS);
  });

  it('edge: agrees with the step-and-bisect scan (within its one-second bisection) every 7 minutes over DST days', () => {
    // Sydney and Adelaide change on 2026-10-04 and 2027-04-04 (Lord Howe by 30 minutes): the
    // computed path must either agree or leave those hours to the scan.
    const days = ['2026-10-03T00:00:00Z', '2027-04-03T00:00:00Z', '2026-12-02T00:00:00Z'];
    let compared = 0;
    for (const day of days) {
      for (let t = Date.parse(day); t < Date.parse(day) + 2 * 86_400_000; t += 7 * 60_000 + 13_000) {
        const now = new Date(t);
        for (const tz of ZONES) {
          for (const [start, end] of WINDOWS) {
            const fast = validityPeriodSeconds(now, tz, start, end);
            const scan = scanValiditySeconds(now, tz, start, end);
            expect(Math.abs(fast - scan), `${now.toISOString()} ${tz} ${start}-${end}`).toBeLessThanOrEqual(
              1,
            );
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });
});
