import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { NumberConfig } from '../../durable-objects/sending-number';
import { localDate, nextLocalMidnight } from '../../workers/domain/local-time';
import { usePinnedClock } from '../helpers/clock';

const TZ = 'Australia/Sydney';

async function number(cfg: Partial<NumberConfig> = {}) {
  const id = crypto.randomUUID();
  const stub = env.SENDING_NUMBER.getByName(id);
  await stub.configure({
    sendingNumberId: id,
    timezone: TZ,
    dailyLimit: 100_000,
    perMinuteLimit: 1000,
    warmupStartDate: null,
    isActive: true,
    ...cfg,
  });
  return stub;
}

// 10:00:00.000 Sydney on 15 Jan 2026 (UTC+11): far from midnight and from a minute boundary.
const T0 = Date.parse('2026-01-14T23:00:00Z');
// The Durable Object's own clock (its defaults) runs from T0 too.
usePinnedClock(new Date(T0));

describe('SendingNumber durable object', () => {
  it('error: an unconfigured number says so, so the caller configures it from D1', async () => {
    const r = await env.SENDING_NUMBER.getByName(crypto.randomUUID()).acquire(T0);
    expect(r).toEqual({ ok: false, reason: 'unconfigured', retryAfterSeconds: 0 });
  });

  it('invariant: 200 concurrent callers never get more than the per-minute limit', async () => {
    const stub = await number({ perMinuteLimit: 50 });
    const results = await Promise.all(Array.from({ length: 200 }, () => stub.acquire(T0)));
    const granted = results.filter((r) => r.ok).length;
    expect(granted).toBe(50);
    const denied = results.filter((r) => !r.ok);
    expect(denied.every((r) => !r.ok && r.reason === 'per_minute' && r.retryAfterSeconds === 60)).toBe(true);
    // 60 s later the window has room again, for exactly the limit.
    const later = await Promise.all(Array.from({ length: 80 }, () => stub.acquire(T0 + 60_000)));
    expect(later.filter((r) => r.ok).length).toBe(50);
  });

  it('invariant: concurrent callers never exceed the daily limit; retry after local midnight', async () => {
    const stub = await number({ dailyLimit: 120 });
    const results = await Promise.all(Array.from({ length: 200 }, () => stub.acquire(T0)));
    expect(results.filter((r) => r.ok).length).toBe(120);
    const denied = results.find((r) => !r.ok);
    const midnight = nextLocalMidnight(T0, TZ);
    expect(denied).toEqual({
      ok: false,
      reason: 'daily',
      retryAfterSeconds: Math.ceil((midnight - T0) / 1000),
    });
    // The day resets at local midnight in the tenant's zone (13:00Z), not at UTC midnight.
    expect(await stub.acquire(Date.parse('2026-01-15T00:30:00Z'))).toMatchObject({
      ok: false,
      reason: 'daily',
    });
    expect(await stub.acquire(midnight - 1)).toMatchObject({ ok: false, reason: 'daily' });
    expect(await stub.acquire(midnight)).toMatchObject({ ok: true });
  });

  it('invariant: the warm-up allowance caps day 0 at 100 and day 1 at 250', async () => {
    const stub = await number({ warmupStartDate: localDate(T0, TZ), dailyLimit: 5000 });
    const day0 = await Promise.all(Array.from({ length: 150 }, () => stub.acquire(T0)));
    expect(day0.filter((r) => r.ok).length).toBe(100);
    expect(day0.find((r) => !r.ok)).toMatchObject({ reason: 'warmup' });
    const tomorrow = T0 + 86_400_000;
    const day1 = await Promise.all(Array.from({ length: 300 }, () => stub.acquire(tomorrow)));
    expect(day1.filter((r) => r.ok).length).toBe(250);
    expect(await stub.usage(tomorrow)).toEqual({
      sent_this_minute: 250,
      sent_today: 250,
      allowed_today: 250,
      per_minute_limit: 1000,
    });
  });

  it('a warm-up that starts tomorrow allows nothing today', async () => {
    const stub = await number({ warmupStartDate: localDate(T0 + 86_400_000, TZ) });
    expect(await stub.acquire(T0)).toMatchObject({ ok: false, reason: 'warmup' });
  });

  it('no calendar minute ever exceeds the limit, and the allowed rate is used (≥ 95%)', async () => {
    const limit = 30;
    const stub = await number({ perMinuteLimit: limit });
    const start = T0 + 17_345; // not aligned to a minute
    const grants: number[] = [];
    // Callers knock every 500 ms for 5 minutes, three at a time.
    for (let t = start; t < start + 5 * 60_000; t += 500) {
      const rs = await Promise.all(Array.from({ length: 3 }, () => stub.acquire(t)));
      for (const r of rs) if (r.ok) grants.push(t);
    }
    const perMinute = new Map<number, number>();
    for (const g of grants)
      perMinute.set(Math.floor(g / 60_000), (perMinute.get(Math.floor(g / 60_000)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(limit);
    // Any sliding 60 s window too.
    for (let i = limit; i < grants.length; i++) {
      expect((grants[i] as number) - (grants[i - limit] as number)).toBeGreaterThanOrEqual(60_000);
    }
    expect(grants.length).toBeGreaterThanOrEqual(0.95 * 5 * limit);
  });

  it('an inactive number grants nothing', async () => {
    const stub = await number({ isActive: false });
    expect(await stub.acquire(T0)).toMatchObject({ ok: false, reason: 'inactive' });
  });

  it('release hands an unused permit back', async () => {
    const stub = await number({ perMinuteLimit: 2, dailyLimit: 2 });
    expect(await stub.acquire(T0)).toMatchObject({ ok: true });
    expect(await stub.acquire(T0)).toMatchObject({ ok: true, grantedAt: T0 });
    expect(await stub.acquire(T0)).toMatchObject({ ok: false });
    await stub.release(T0, T0);
    expect(await stub.usage(T0)).toMatchObject({ sent_this_minute: 1, sent_today: 1 });
    expect(await stub.acquire(T0)).toMatchObject({ ok: true });
  });

  it("release gives back the caller's own permit, never a newer one that was used", async () => {
    const stub = await number({ perMinuteLimit: 2 });
    const a = await stub.acquire(T0); // job A: its send fails and it hands the permit back
    const b = await stub.acquire(T0 + 50_000); // job B: sent
    expect(a).toMatchObject({ ok: true, grantedAt: T0 });
    expect(b).toMatchObject({ ok: true, grantedAt: T0 + 50_000 });
    await stub.release(T0, T0 + 55_000);
    // One slot is free (A's); B's send still counts until T0 + 110 s.
    expect(await stub.acquire(T0 + 61_000)).toMatchObject({ ok: true });
    expect(await stub.acquire(T0 + 62_000)).toMatchObject({ ok: false, reason: 'per_minute' });
    expect(await stub.acquire(T0 + 110_001)).toMatchObject({ ok: true });
  });

  it("a consumer's late configureIfUnset never overwrites the admin's newer limits", async () => {
    const stub = await number({ perMinuteLimit: 1 }); // the admin's PATCH landed first
    const cfg = (await stub.getConfig()) as NumberConfig;
    await stub.configureIfUnset({ ...cfg, perMinuteLimit: 1000 }); // a consumer's stale row
    expect(await stub.acquire(T0)).toMatchObject({ ok: true });
    expect(await stub.acquire(T0)).toMatchObject({ ok: false, reason: 'per_minute' });
    const fresh = env.SENDING_NUMBER.getByName(crypto.randomUUID());
    await fresh.configureIfUnset({ ...cfg, perMinuteLimit: 3 });
    expect((await fresh.getConfig())?.perMinuteLimit).toBe(3);
  });

  it('a tighter limit from configure() applies at once', async () => {
    const stub = await number({ perMinuteLimit: 100 });
    await Promise.all(Array.from({ length: 10 }, () => stub.acquire(T0)));
    const cfg = await stub.getConfig();
    await stub.configure({ ...(cfg as NumberConfig), perMinuteLimit: 10 });
    expect(await stub.acquire(T0 + 1000)).toMatchObject({
      ok: false,
      reason: 'per_minute',
      retryAfterSeconds: 59,
    });
  });
});
