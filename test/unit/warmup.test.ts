import { describe, expect, it } from 'vitest';
import { WARMUP_CURVE, warmupAllowance } from '../../workers/domain/warmup';

describe('warmupAllowance', () => {
  it('follows the curve day by day, then the daily limit', () => {
    const days = [
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
    ];
    expect(days.map((d) => warmupAllowance('2026-03-01', d, 10_000))).toEqual([...WARMUP_CURVE]);
    expect(warmupAllowance('2026-03-01', '2026-03-08', 10_000)).toBe(10_000);
    expect(warmupAllowance('2026-03-01', '2027-01-01', 10_000)).toBe(10_000);
  });

  it('is never above the daily limit', () => {
    expect(warmupAllowance('2026-03-01', '2026-03-05', 1000)).toBe(1000);
    expect(warmupAllowance('2026-03-01', '2026-03-01', 50)).toBe(50);
  });

  it('without a start date is just the daily limit', () => {
    expect(warmupAllowance(null, '2026-03-01', 777)).toBe(777);
  });

  it('is 0 before the warm-up starts', () => {
    expect(warmupAllowance('2026-03-10', '2026-03-09', 10_000)).toBe(0);
  });

  it('counts calendar days across month ends and leap days', () => {
    expect(warmupAllowance('2028-02-28', '2028-03-01', 10_000)).toBe(WARMUP_CURVE[2]);
  });
});
