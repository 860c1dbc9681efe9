import { describe, expect, it } from 'vitest';
import {
  backoffSeconds,
  isSuccess,
  nextAttemptAt,
  RETRY_WINDOW_MS,
  shouldDisable,
} from '../../workers/domain/webhook-retry';

const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const mid = () => 0.5; // no jitter

describe('webhook retry schedule', () => {
  it('doubles from 30 s to a 4 h cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20].map(backoffSeconds)).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 14400, 14400, 14400,
    ]);
  });

  it('jitter stays within ±10%', () => {
    expect(nextAttemptAt(T0, 1, T0, () => 0)).toBe(T0 + 27_000);
    expect(nextAttemptAt(T0, 1, T0, () => 0.999_999)).toBe(T0 + 33_000);
  });

  it('keeps trying for 24 h, lands a last attempt on the 24 h mark, then stops', () => {
    const times: number[] = [T0];
    let now = T0;
    for (let failed = 1; failed < 100; failed++) {
      const next = nextAttemptAt(T0, failed, now, mid);
      if (next === null) break;
      times.push(next);
      now = next;
    }
    expect(times.at(-1)).toBe(T0 + RETRY_WINDOW_MS);
    expect(times.length).toBeGreaterThanOrEqual(14);
    expect(times.length).toBeLessThanOrEqual(16);
    // strictly later each time
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    expect(nextAttemptAt(T0, times.length, T0 + RETRY_WINDOW_MS, mid)).toBeNull();
  });

  it('a late manual retry after the window gets no automatic follow-up', () => {
    expect(nextAttemptAt(T0, 3, T0 + RETRY_WINDOW_MS + 5000, mid)).toBeNull();
  });

  it('only 2xx is success', () => {
    expect([200, 201, 204, 299].every(isSuccess)).toBe(true);
    expect([null, 199, 301, 400, 410, 500, 503].some(isSuccess)).toBe(false);
  });

  it('disables only after 24 h of uninterrupted failure', () => {
    expect(shouldDisable(null, T0)).toBe(false);
    expect(shouldDisable(T0, T0 + RETRY_WINDOW_MS - 1)).toBe(false);
    expect(shouldDisable(T0, T0 + RETRY_WINDOW_MS)).toBe(true);
  });
});
