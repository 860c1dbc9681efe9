import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { GovernorConfig, TenantGovernor } from '../../durable-objects/tenant-governor';
import { budgets } from '../../workers/db/schema';
import { nextLocalMidnight, nextLocalMonthStart } from '../../workers/domain/local-time';
import { usePinnedClock } from '../helpers/clock';
import { createTenant, json } from '../helpers/fixtures';

const TZ = 'Australia/Sydney';
// 10:00 Sydney, 15 Jan 2026 (UTC+11).
const T0 = Date.parse('2026-01-14T23:00:00Z');
// The Durable Object's own clock (defaults, alarms) runs from T0 too.
usePinnedClock(new Date(T0));

async function governor(cfg: Partial<GovernorConfig> = {}, tenantId: string = crypto.randomUUID()) {
  const stub = env.TENANT_GOVERNOR.getByName(tenantId);
  await stub.configure({
    tenantId,
    timezone: TZ,
    isPaused: false,
    dailyBudgetCents: null,
    monthlyBudgetCents: null,
    ...cfg,
  });
  return stub;
}

describe('TenantGovernor durable object', () => {
  it("a consumer's late configureIfUnset never overwrites the admin's kill switch or budgets", async () => {
    const stub = await governor({ isPaused: true, dailyBudgetCents: 100 });
    const cfg = (await stub.getConfig()) as GovernorConfig;
    await stub.configureIfUnset({ ...cfg, isPaused: false, dailyBudgetCents: null });
    expect(await stub.getConfig()).toMatchObject({ isPaused: true, dailyBudgetCents: 100 });
    expect(await stub.reserve(10, T0)).toMatchObject({ ok: false, reason: 'paused' });
  });

  it('error: an unconfigured governor says so', async () => {
    const r = await env.TENANT_GOVERNOR.getByName(crypto.randomUUID()).reserve(10, T0);
    expect(r).toEqual({ ok: false, reason: 'unconfigured', retryAfterSeconds: 0 });
  });

  it('invariant: concurrent reserves never exceed the daily budget', async () => {
    const stub = await governor({ dailyBudgetCents: 300 });
    const results = await Promise.all(Array.from({ length: 100 }, () => stub.reserve(7, T0)));
    const granted = results.filter((r) => r.ok);
    expect(granted.length).toBe(42); // 42 × 7 = 294 ≤ 300 < 301
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, reason: 'daily_budget' });
    // Settle them all as fully spent: still within budget, nothing more fits.
    await Promise.all(granted.map((r) => r.ok && stub.commit(r.reservationId, r.grantedCents, T0)));
    const s = await stub.status(T0);
    expect(s.dailySpentCents).toBe(294);
    expect(s.reservedCents).toBe(0);
    expect(await stub.reserve(7, T0)).toMatchObject({ ok: false, reason: 'daily_budget' });
  });

  it('invariant: concurrent reserves never exceed the monthly budget, and say so', async () => {
    const stub = await governor({ dailyBudgetCents: 10_000, monthlyBudgetCents: 500 });
    const results = await Promise.all(Array.from({ length: 60 }, () => stub.reserve(10, T0)));
    expect(results.filter((r) => r.ok).length).toBe(50);
    const denied = results.find((r) => !r.ok);
    expect(denied).toMatchObject({ reason: 'monthly_budget' });
  });

  it('a denial held only by open reservations says to retry soon; a spent one waits for the reset', async () => {
    const stub = await governor({ dailyBudgetCents: 100 });
    const r = await stub.reserve(100, T0);
    expect(await stub.reserve(1, T0)).toMatchObject({ ok: false, retryAfterSeconds: 30 });
    if (!r.ok) throw new Error('expected a grant');
    await stub.commit(r.reservationId, 100, T0);
    const midnight = nextLocalMidnight(T0, TZ);
    expect(await stub.reserve(1, T0)).toMatchObject({
      ok: false,
      reason: 'daily_budget',
      retryAfterSeconds: Math.ceil((midnight - T0) / 1000),
    });
  });

  it('commit turns the used part into spend and releases the rest', async () => {
    const stub = await governor({ dailyBudgetCents: 100 });
    const r = await stub.reserve(80, T0);
    expect(r).toMatchObject({ ok: true, grantedCents: 80 });
    if (!r.ok) return;
    await stub.commit(r.reservationId, 30, T0);
    expect(await stub.status(T0)).toMatchObject({
      dailySpentCents: 30,
      monthlySpentCents: 30,
      reservedCents: 0,
    });
    expect(await stub.reserve(70, T0)).toMatchObject({ ok: true });
  });

  it('release gives a whole block back', async () => {
    const stub = await governor({ dailyBudgetCents: 50 });
    const r = await stub.reserve(50, T0);
    if (!r.ok) throw new Error('expected a grant');
    expect(await stub.reserve(1, T0)).toMatchObject({ ok: false });
    await stub.release(r.reservationId);
    expect(await stub.reserve(50, T0)).toMatchObject({ ok: true, grantedCents: 50 });
  });

  it('minCents: a block shrinks to what is left, never below the minimum', async () => {
    const stub = await governor({ dailyBudgetCents: 25 });
    expect(await stub.reserve(100, T0, { minCents: 5 })).toMatchObject({ ok: true, grantedCents: 25 });
    expect(await stub.reserve(100, T0, { minCents: 5 })).toMatchObject({ ok: false, reason: 'daily_budget' });
  });

  it('a null budget is unlimited', async () => {
    const stub = await governor();
    expect(await stub.reserve(1_000_000_000, T0)).toMatchObject({ ok: true, grantedCents: 1_000_000_000 });
  });

  it('kill switch: a paused tenant is denied at once, even with a reservation open', async () => {
    const stub = await governor({ dailyBudgetCents: 1000 });
    expect(await stub.reserve(10, T0)).toMatchObject({ ok: true });
    const cfg = (await stub.getConfig()) as GovernorConfig;
    await stub.configure({ ...cfg, isPaused: true });
    expect(await stub.isPaused()).toBe(true);
    expect(await stub.reserve(10, T0)).toMatchObject({ ok: false, reason: 'paused' });
  });

  it('kill switch through the API: PATCH /tenant is_paused stops reservations', async () => {
    const t = await createTenant('Kill Co');
    const stub = await governor({}, t.tenantId);
    expect(await stub.reserve(1)).toMatchObject({ ok: true });
    const res = await t.api('/api/v1/tenant', { method: 'PATCH', json: { is_paused: true } });
    expect(res.status).toBe(200);
    expect(await stub.reserve(1)).toMatchObject({ ok: false, reason: 'paused' });
  });

  it('resets the daily counter at local midnight and the monthly one on the 1st (tenant zone)', async () => {
    const stub = await governor({ dailyBudgetCents: 100, monthlyBudgetCents: 1000 });
    const r = await stub.reserve(100, T0);
    if (!r.ok) throw new Error('expected a grant');
    await stub.commit(r.reservationId, 100, T0);
    const midnight = nextLocalMidnight(T0, TZ); // 13:00Z, not UTC midnight
    expect(await stub.reserve(1, midnight - 1)).toMatchObject({ ok: false, reason: 'daily_budget' });
    expect(await stub.reserve(100, midnight)).toMatchObject({ ok: true });
    expect(await stub.status(midnight)).toMatchObject({ dailySpentCents: 0, monthlySpentCents: 100 });
    const monthStart = nextLocalMonthStart(T0, TZ);
    expect(new Date(monthStart).toISOString()).toBe('2026-01-31T13:00:00.000Z');
    expect(await stub.status(monthStart)).toMatchObject({ dailySpentCents: 0, monthlySpentCents: 0 });
  });

  it('refund takes back spend of the current day only', async () => {
    const stub = await governor({ dailyBudgetCents: 100 });
    const r = await stub.reserve(60, T0);
    if (!r.ok) throw new Error('expected a grant');
    await stub.commit(r.reservationId, 60, T0);
    await stub.refund(20, new Date(T0).toISOString(), T0);
    expect(await stub.status(T0)).toMatchObject({ dailySpentCents: 40, monthlySpentCents: 40 });
    // Yesterday's spend already reset: only the month gives it back.
    await stub.refund(10, new Date(T0 - 86_400_000).toISOString(), T0);
    expect(await stub.status(T0)).toMatchObject({ dailySpentCents: 40, monthlySpentCents: 30 });
  });

  it('an abandoned reservation is released by the alarm, so budget is not leaked', async () => {
    const stub = await governor({ dailyBudgetCents: 100 });
    const r = await stub.reserve(100, Date.now(), { ttlSeconds: 0 });
    expect(r).toMatchObject({ ok: true });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(stub, (_: TenantGovernor, state) =>
      state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM reservations').one(),
    );
    expect(left.n).toBe(0);
    expect(await stub.reserve(100)).toMatchObject({ ok: true });
  });

  it('mirrors the counters into D1 budgets, which GET /budget reports', async () => {
    const t = await createTenant('Mirror Co');
    const stub = await governor({ dailyBudgetCents: 1000, monthlyBudgetCents: 5000 }, t.tenantId);
    const r = await stub.reserve(50);
    if (!r.ok) throw new Error('expected a grant');
    await stub.commit(r.reservationId, 42);
    await stub.flushMirror();
    const row = await t.db.query.budgets.findFirst({ where: eq(budgets.tenantId, t.tenantId) });
    expect(row).toMatchObject({ dailySpentCents: 42, monthlySpentCents: 42 });
    expect(row?.dailyResetAt).toBe(new Date(nextLocalMidnight(Date.now(), TZ)).toISOString());
    const body = await json(await t.api('/api/v1/budget'));
    expect(body).toMatchObject({ daily_spent_cents: 42, monthly_spent_cents: 42, daily_budget_cents: null });
  });
});
