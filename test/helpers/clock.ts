// A pinned clock for tests whose outcome depends on the date or the time of day (quiet hours,
// warm-up days, budgets, leases). Such a test must never mix its fixed instant with the machine's
// clock, so the pin covers everything that reads the time in the test isolate:
// - `new Date()` and `Date.now()` in the test, the helpers, the routes it calls, queue consumers and
//   Durable Objects (they all run in this isolate) read the pinned clock, which runs on from the
//   pinned instant at the machine's pace;
// - Durable Object alarms are set and read through the same clock (workerd fires them on the
//   machine's clock: an alarm "in an hour" of a 2026 instant would otherwise be long overdue and
//   fire at once, again and again).
// D1 column defaults (`created_at` and the like) still come from SQLite's own clock: no assertion
// may compare them with the pinned clock.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach } from 'vitest';

// Kept on globalThis, not in module state: files sharing a workerd (vitest.config.ts) evaluate this
// module afresh, while the real Date and the patched alarm methods outlive each file.
type PinState = {
  realDate: DateConstructor;
  /** Pinned clock minus machine clock, in ms (0 = not pinned). */
  offsetMs: number;
  alarmsTranslated: boolean;
};
const shared = globalThis as { __pinnedClock?: PinState };
shared.__pinnedClock ??= { realDate: globalThis.Date, offsetMs: 0, alarmsTranslated: false };
const pin: PinState = shared.__pinnedClock;
const RealDate = pin.realDate;

class PinnedDate extends RealDate {
  constructor(...args: ConstructorParameters<DateConstructor> | []) {
    if (args.length === 0) super(RealDate.now() + pin.offsetMs);
    else super(...(args as ConstructorParameters<DateConstructor>));
  }
  static override now(): number {
    return RealDate.now() + pin.offsetMs;
  }
  /** Dates made before the pin, or by the runtime (RPC results), are still Dates. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof RealDate;
  }
}

/** Durable Object alarms: pinned time in, machine time to the runtime, and back. */
async function translateAlarms() {
  if (pin.alarmsTranslated) return;
  pin.alarmsTranslated = true;
  const proto = await runInDurableObject(
    env.TENANT_GOVERNOR.getByName('pinned-clock-probe'),
    (_instance, state) => Object.getPrototypeOf(state.storage) as DurableObjectStorage,
  );
  const setAlarm = proto.setAlarm;
  const getAlarm = proto.getAlarm;
  proto.setAlarm = function (this: DurableObjectStorage, at, options) {
    return setAlarm.call(this, Number(at) - pin.offsetMs, options);
  };
  proto.getAlarm = async function (this: DurableObjectStorage, options) {
    const at = await getAlarm.call(this, options);
    return at === null ? null : at + pin.offsetMs;
  };
}

/** Pins the clock to `at` (it runs on from there) for the rest of the current test. */
export function setPinnedClock(at: Date): void {
  pin.offsetMs = at.getTime() - RealDate.now();
}

/** Runs each test of the calling file on a clock pinned to `at` (see the top of this file). */
export function usePinnedClock(at: Date): void {
  beforeEach(async () => {
    await translateAlarms();
    globalThis.Date = PinnedDate as DateConstructor;
    setPinnedClock(at);
  });
  afterEach(() => {
    pin.offsetMs = 0;
    globalThis.Date = RealDate;
  });
}
