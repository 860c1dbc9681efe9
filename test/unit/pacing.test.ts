import { describe, expect, it } from 'vitest';
import {
  jobDelays,
  MAX_PAGE,
  MAX_QUEUE_DELAY_SECONDS,
  MIN_PAGE,
  nextPage,
  PACING_LOOKAHEAD_SECONDS,
  pageSize,
  sendRate,
} from '../../workers/domain/pacing';

describe('pacing (issue 11)', () => {
  it('the rate is the sum of the active senders’ per-minute limits, per second', () => {
    expect(
      sendRate([
        { perMinuteLimit: 60, isActive: true },
        { perMinuteLimit: 120, isActive: true },
        { perMinuteLimit: 6000, isActive: false },
      ]),
    ).toBe(3);
    expect(sendRate([])).toBe(0);
    expect(sendRate([{ perMinuteLimit: -5, isActive: true }])).toBe(0);
  });

  it('a page is the lookahead’s worth of sending, within bounds', () => {
    expect(pageSize(1)).toBe(PACING_LOOKAHEAD_SECONDS); // 300 at 1/s
    expect(pageSize(0.01)).toBe(MIN_PAGE);
    expect(pageSize(1000)).toBe(MAX_PAGE);
    expect(pageSize(0)).toBe(MIN_PAGE);
    expect(pageSize(Number.NaN)).toBe(MIN_PAGE);
  });

  it('jobs of a page are due when the senders get to them, never beyond the queue’s longest delay', () => {
    expect(jobDelays(4, 2)).toEqual([0, 0, 1, 1]);
    expect(jobDelays(3, 1, 100)).toEqual([100, 101, 102]);
    expect(jobDelays(3, 0, 7.9)).toEqual([7, 7, 7]);
    const slow = jobDelays(MAX_PAGE, 1 / 3600, 0);
    expect(Math.max(...slow)).toBe(MAX_QUEUE_DELAY_SECONDS);
  });

  it('the next page comes when this one is down to the lookahead, and queues behind it', () => {
    // 500 jobs at 1/s end at 500 s; the next page is fanned out at 200 s and starts 300 s later.
    expect(nextPage(500, 1)).toEqual({ delaySeconds: 200, startDelay: 300 });
    // A page shorter than the lookahead: the next page comes at once, behind this one.
    expect(nextPage(100, 1)).toEqual({ delaySeconds: 0, startDelay: 100 });
    // Carried over: this page started 250 s out.
    expect(nextPage(300, 1, 250)).toEqual({ delaySeconds: 250, startDelay: 300 });
    // No sender yet: no waiting (the send path says why it holds).
    expect(nextPage(500, 0)).toEqual({ delaySeconds: 0, startDelay: 0 });
  });

  it('a million recipients at 10 per second never queue more than the lookahead plus a page ahead', () => {
    const rate = 10;
    const size = pageSize(rate);
    let start = 0;
    let clock = 0;
    let queuedAhead = 0;
    for (let sent = 0; sent < 1_000_000; sent += size) {
      const delays = jobDelays(size, rate, start);
      // Jobs queued now but due later than the lookahead plus one page's worth would be waste.
      queuedAhead = Math.max(queuedAhead, Math.max(...delays));
      const next = nextPage(size, rate, start);
      clock += next.delaySeconds;
      start = next.startDelay;
    }
    expect(queuedAhead).toBeLessThanOrEqual(PACING_LOOKAHEAD_SECONDS + size / rate);
    // And the whole campaign takes as long as the rate says (100,000 s), not less.
    expect(clock).toBeGreaterThanOrEqual(1_000_000 / rate - PACING_LOOKAHEAD_SECONDS - size / rate);
  });
});
