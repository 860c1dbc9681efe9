import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Runs each test of the calling file on a clock that starts at `at` and runs on from there.
 * `new Date()` and `Date.now()` everywhere in the test isolate read it: the test, the helpers, the
 * routes it calls, queue consumers and Durable Objects. Tests whose outcome depends on the time of
 * day or the date (quiet hours, warm-up days, budgets, leases) pin a fixed instant this way, so they
 * never mix it with the machine's clock. (D1 column defaults such as `created_at` still come from
 * SQLite's own clock; no assertion may compare them with the pinned one.)
 */
export function usePinnedClock(at: Date): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: at, shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Moves the pinned clock to `at` for the rest of the test (it runs on from there). */
export function setPinnedClock(at: Date): void {
  vi.setSystemTime(at);
}
