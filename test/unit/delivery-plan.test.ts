// The delivery plan (issue 12, item 5): instants per zone with quiet hours winning, the A/B
// winner's local time after the pick, the recorded plan (what the fan-out wrote) and estimates.
import { describe, expect, it } from 'vitest';
import {
  addToPlan,
  estimateEntries,
  mergeEntries,
  plannedCounts,
  plannedInstant,
  recordedEntries,
  usableZone,
} from '../../workers/domain/delivery-plan';

const iso = (ms: number) => new Date(ms).toISOString();
const START = Date.parse('2026-11-20T00:00:00.000Z');
const local = (time: string, if_passed: 'next_day' | 'skip' = 'next_day') => ({
  sendAtLocal: { date: '2026-12-01', time, if_passed },
  quietStart: '20:00',
  quietEnd: '09:00',
});

describe('plannedInstant', () => {
  it('a local time inside quiet hours waits until they end (quiet hours win), in the recipient’s zone', () => {
    // 07:30 local is quiet (20:00–09:00): Sydney gets it at 09:00 AEDT, Perth at 09:00 AWST
    const sydney = plannedInstant(local('07:30'), 'Australia/Sydney', null, START, null);
    expect(sydney.kind === 'on_time' && iso(sydney.at)).toBe('2026-11-30T22:00:00.000Z');
    const perth = plannedInstant(local('07:30'), 'Australia/Perth', null, START, null);
    expect(perth.kind === 'on_time' && iso(perth.at)).toBe('2026-12-01T01:00:00.000Z');
  });

  it('without a local time: the start, moved out of quiet hours per zone', () => {
    const timing = { sendAtLocal: null, quietStart: '20:00', quietEnd: '09:00' };
    const eveningSydney = Date.parse('2026-12-01T10:00:00.000Z'); // 21:00 AEDT, 18:00 AWST
    const s = plannedInstant(timing, 'Australia/Sydney', null, eveningSydney, null);
    expect(s.kind === 'on_time' && iso(s.at)).toBe('2026-12-01T22:00:00.000Z');
    const p = plannedInstant(timing, 'Australia/Perth', null, eveningSydney, null);
    expect(p.kind === 'on_time' && iso(p.at)).toBe('2026-12-01T10:00:00.000Z');
  });

  it('the A/B winner phase: the same local time on the first day after the pick', () => {
    const pick = Date.parse('2026-12-01T06:00:00.000Z'); // 17:00 in Sydney, 14:00 in Perth
    const w = plannedInstant(local('10:00'), 'Australia/Sydney', 'winner', START, pick);
    expect(w.kind !== 'skipped' && iso(w.at)).toBe('2026-12-01T23:00:00.000Z');
    const t = plannedInstant(local('10:00'), 'Australia/Sydney', 'test', START, null);
    expect(t.kind !== 'skipped' && iso(t.at)).toBe('2026-11-30T23:00:00.000Z');
  });

  it('skip applies to both A/B phases alike: judged once, at the start', () => {
    const late = Date.parse('2026-12-01T01:00:00.000Z'); // 12:00 in Sydney, 09:00 in Perth
    expect(plannedInstant(local('10:00', 'skip'), 'Australia/Sydney', 'test', late, null).kind).toBe(
      'skipped',
    );
    expect(
      plannedInstant(local('10:00', 'skip'), 'Australia/Sydney', 'winner', late, late + 3_600_000).kind,
    ).toBe('skipped');
    expect(plannedInstant(local('10:00', 'skip'), 'Australia/Perth', 'test', late, null).kind).toBe(
      'on_time',
    );
  });
});

describe('recorded plan', () => {
  const t0 = Date.parse('2026-11-30T23:00:00.000Z');
  const t1 = Date.parse('2026-12-01T02:00:00.000Z');

  it('adds up per phase and instant, lists the zones, and tells the next page where to continue', () => {
    let plan = addToPlan({}, [
      { at: t0, tz: 'Australia/Sydney', phase: 'test' },
      { at: t0, tz: 'Australia/Melbourne', phase: 'test' },
      { at: t1, tz: 'Australia/Perth', phase: 'test' },
    ]);
    plan = addToPlan(plan, [{ at: t0, tz: 'Australia/Sydney', phase: 'test' }]);
    expect(plannedCounts(plan, 'test')).toEqual(
      new Map([
        [t0, 3],
        [t1, 1],
      ]),
    );
    expect(plannedCounts(plan, 'winner').size).toBe(0);
    expect(recordedEntries(plan)).toEqual([
      {
        send_at: iso(t0),
        phase: 'test',
        recipients: 3,
        timezones: ['Australia/Melbourne', 'Australia/Sydney'],
        estimated: false,
      },
      { send_at: iso(t1), phase: 'test', recipients: 1, timezones: ['Australia/Perth'], estimated: false },
    ]);
  });

  it('estimates a share per zone, counts next-day moves and skips', () => {
    const late = Date.parse('2026-12-01T01:00:00.000Z'); // 10:00 has passed in Sydney and Darwin, not Perth
    const zones = [
      { tz: 'Australia/Sydney', count: 100 },
      { tz: 'Australia/Darwin', count: 10 },
      { tz: 'Australia/Perth', count: 40 },
    ];
    const skip = estimateEntries(zones, local('10:00', 'skip'), null, 1, late, null);
    expect(skip).toMatchObject({ skipped: 110, onTime: 40, nextDay: 0 });
    expect(skip.entries).toEqual([
      {
        send_at: '2026-12-01T02:00:00.000Z',
        phase: null,
        recipients: 40,
        timezones: ['Australia/Perth'],
        estimated: true,
      },
    ]);
    const nextDay = estimateEntries(zones, local('10:00'), 'test', 0.2, late, null);
    expect(nextDay).toMatchObject({ skipped: 0, onTime: 8, nextDay: 22 });
    expect(nextDay.entries.map((e) => [e.send_at, e.recipients])).toEqual([
      ['2026-12-01T02:00:00.000Z', 8],
      ['2026-12-01T23:00:00.000Z', 20],
      ['2026-12-02T00:30:00.000Z', 2],
    ]);
  });

  it('merges recorded and estimated entries of the same instant; test phase first, then time order', () => {
    const merged = mergeEntries([
      { send_at: iso(t1), phase: 'winner', recipients: 5, timezones: ['Australia/Perth'], estimated: true },
      { send_at: iso(t0), phase: 'test', recipients: 2, timezones: ['Australia/Sydney'], estimated: false },
      { send_at: iso(t0), phase: 'test', recipients: 3, timezones: ['Australia/Hobart'], estimated: true },
      { send_at: iso(t0), phase: 'winner', recipients: 0, timezones: [], estimated: true },
    ]);
    expect(merged).toEqual([
      {
        send_at: iso(t0),
        phase: 'test',
        recipients: 5,
        timezones: ['Australia/Hobart', 'Australia/Sydney'],
        estimated: true,
      },
      { send_at: iso(t1), phase: 'winner', recipients: 5, timezones: ['Australia/Perth'], estimated: true },
    ]);
  });
});

describe('usableZone', () => {
  it('keeps a real zone, falls back for an unknown one or none', () => {
    expect(usableZone('Australia/Perth', 'Australia/Sydney')).toBe('Australia/Perth');
    expect(usableZone('Mars/Olympus_Mons', 'Australia/Sydney')).toBe('Australia/Sydney');
    expect(usableZone(null, 'Australia/Sydney')).toBe('Australia/Sydney');
  });
});
