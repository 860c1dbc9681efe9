import { DurableObject } from 'cloudflare:workers';
import { shardOrNull } from '../workers/db/shards';
import { localDate, localMonth, nextLocalMidnight, nextLocalMonthStart } from '../workers/domain/local-time';

export type GovernorConfig = {
  tenantId: string;
  timezone: string;
  isPaused: boolean;
  dailyBudgetCents: number | null;
  monthlyBudgetCents: number | null;
};

export type ReserveOptions = {
  /** Accept a smaller grant down to this many cents (default: all of `cents` or nothing). */
  minCents?: number;
  /** How long the reservation lives before it is released as abandoned (default 300 s). */
  ttlSeconds?: number;
};

export type ReserveDenied = {
  ok: false;
  reason: 'unconfigured' | 'paused' | 'daily_budget' | 'monthly_budget';
  retryAfterSeconds: number;
};
export type ReserveResult = { ok: true; reservationId: string; grantedCents: number } | ReserveDenied;

export type GovernorStatus = {
  configured: boolean;
  isPaused: boolean;
  timezone: string | null;
  dailyBudgetCents: number | null;
  monthlyBudgetCents: number | null;
  day: string;
  month: string;
  dailySpentCents: number;
  monthlySpentCents: number;
  reservedCents: number;
  reservations: number;
  dailyResetAt: string | null;
  monthlyResetAt: string | null;
};

type Reservation = { cents: number; expiresAt: number };
type Counters = { day: string; month: string; dailySpent: number; monthlySpent: number };

const DEFAULT_TTL_SECONDS = 300;
/** A paused tenant's callers look again this often; the kill switch is lifted by an admin, not a clock. */
const PAUSED_RETRY_SECONDS = 60;
/** When budget is only held by open reservations it may come back soon, as they settle. */
const RESERVED_RETRY_SECONDS = 30;
/** The D1 `budgets` mirror is for reporting: written at most this often. */
const MIRROR_INTERVAL_MS = 2_000;

/**
 * One per tenant (named by tenant id): the live kill switch and the daily and monthly budgets.
 *
 * Callers reserve a block of cents before sending, then commit what they spent (the rest is
 * released) or release it all. reserved + spent never exceeds a budget (null = unlimited).
 * Days and months are the tenant's local calendar; counters reset at local midnight and on the
 * first of the month. Every method updates state without awaiting I/O first, so concurrent
 * callers are serialised; the D1 mirror is written after the state change, throttled, and an
 * alarm releases reservations whose caller died and keeps the mirror fresh across resets.
 */
export class TenantGovernor extends DurableObject<Env> {
  private config: GovernorConfig | null = null;
  private counters: Counters = { day: '', month: '', dailySpent: 0, monthlySpent: 0 };
  private reservations = new Map<string, Reservation>();
  private dirty = false;
  private flushing = false;
  private lastFlushAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    sql.exec(
      'CREATE TABLE IF NOT EXISTS reservations (id TEXT PRIMARY KEY, cents INTEGER NOT NULL, expires_at INTEGER NOT NULL)',
    );
    for (const row of sql.exec<{ key: string; value: string }>('SELECT key, value FROM state')) {
      if (row.key === 'config') this.config = JSON.parse(row.value) as GovernorConfig;
      if (row.key === 'counters') this.counters = JSON.parse(row.value) as Counters;
    }
    for (const r of sql.exec<{ id: string; cents: number; expires_at: number }>(
      'SELECT * FROM reservations',
    )) {
      this.reservations.set(r.id, { cents: r.cents, expiresAt: r.expires_at });
    }
  }

  async configure(config: GovernorConfig): Promise<void> {
    this.config = { ...config };
    this.putState('config', this.config);
  }

  /**
   * For consumers that found the governor unconfigured: their tenant row may be older than an
   * admin's configure() that landed meanwhile, so they never overwrite one.
   */
  async configureIfUnset(config: GovernorConfig): Promise<void> {
    if (!this.config) await this.configure(config);
  }

  async getConfig(): Promise<GovernorConfig | null> {
    return this.config;
  }

  async isPaused(): Promise<boolean> {
    return this.config?.isPaused ?? false;
  }

  /** Reserves a block of `cents` (all of it, or at least `opts.minCents`), or says why not and when to retry. */
  async reserve(cents: number, now: number = Date.now(), opts: ReserveOptions = {}): Promise<ReserveResult> {
    const cfg = this.config;
    if (!cfg) return { ok: false, reason: 'unconfigured', retryAfterSeconds: 0 };
    if (cfg.isPaused) return { ok: false, reason: 'paused', retryAfterSeconds: PAUSED_RETRY_SECONDS };
    this.roll(now, cfg);
    this.expire(now);
    const want = Math.max(0, Math.floor(cents));
    const min = Math.min(want, Math.max(0, Math.floor(opts.minCents ?? want)));
    const reserved = this.reservedCents();
    const dailyRoom = room(cfg.dailyBudgetCents, this.counters.dailySpent, reserved);
    const monthlyRoom = room(cfg.monthlyBudgetCents, this.counters.monthlySpent, reserved);
    const granted = Math.min(want, dailyRoom, monthlyRoom);
    if (granted < min || (want > 0 && granted === 0)) {
      // The monthly budget blocks longer, so it is the reason when both are short.
      const monthly = monthlyRoom < Math.max(min, 1);
      const resetAt = monthly ? nextLocalMonthStart(now, cfg.timezone) : nextLocalMidnight(now, cfg.timezone);
      let retry = secondsUntil(resetAt, now);
      if (reserved > 0) retry = Math.min(retry, RESERVED_RETRY_SECONDS);
      return { ok: false, reason: monthly ? 'monthly_budget' : 'daily_budget', retryAfterSeconds: retry };
    }
    const reservationId = crypto.randomUUID();
    const expiresAt = now + (opts.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
    if (granted > 0) {
      this.reservations.set(reservationId, { cents: granted, expiresAt });
      this.ctx.storage.sql.exec(
        'INSERT INTO reservations (id, cents, expires_at) VALUES (?, ?, ?)',
        reservationId,
        granted,
        expiresAt,
      );
      await this.scheduleAlarm(now);
    }
    return { ok: true, reservationId, grantedCents: granted };
  }

  /**
   * Settles a reservation: `spentCents` becomes spend (today and this month), the rest is released.
   * Spend is recorded even when the reservation already expired: the money was spent.
   */
  async commit(reservationId: string, spentCents: number, now: number = Date.now()): Promise<void> {
    this.dropReservation(reservationId);
    const cfg = this.config;
    if (cfg) this.roll(now, cfg);
    const spent = Math.max(0, Math.floor(spentCents));
    if (spent > 0) {
      this.counters.dailySpent += spent;
      this.counters.monthlySpent += spent;
      this.putState('counters', this.counters);
      this.dirty = true;
    }
    await this.mirrorSoon(now);
  }

  /** Gives a whole reservation back (nothing was sent). */
  async release(reservationId: string): Promise<void> {
    this.dropReservation(reservationId);
  }

  /**
   * Takes back spend for messages the provider did not charge for, when they were counted in
   * the current day (and/or month) in the tenant's time zone; older spend has already reset.
   */
  async refund(cents: number, spentAtIso: string, now: number = Date.now()): Promise<void> {
    const cfg = this.config;
    const spentAt = Date.parse(spentAtIso);
    if (!cfg || Number.isNaN(spentAt)) return;
    this.roll(now, cfg);
    const amount = Math.max(0, Math.floor(cents));
    if (localDate(spentAt, cfg.timezone) === this.counters.day) {
      this.counters.dailySpent = Math.max(0, this.counters.dailySpent - amount);
    }
    if (localMonth(spentAt, cfg.timezone) === this.counters.month) {
      this.counters.monthlySpent = Math.max(0, this.counters.monthlySpent - amount);
    }
    this.putState('counters', this.counters);
    this.dirty = true;
    await this.mirrorSoon(now);
  }

  async status(now: number = Date.now()): Promise<GovernorStatus> {
    const cfg = this.config;
    if (cfg) this.roll(now, cfg);
    this.expire(now);
    return {
      configured: cfg !== null,
      isPaused: cfg?.isPaused ?? false,
      timezone: cfg?.timezone ?? null,
      dailyBudgetCents: cfg?.dailyBudgetCents ?? null,
      monthlyBudgetCents: cfg?.monthlyBudgetCents ?? null,
      day: this.counters.day,
      month: this.counters.month,
      dailySpentCents: this.counters.dailySpent,
      monthlySpentCents: this.counters.monthlySpent,
      reservedCents: this.reservedCents(),
      reservations: this.reservations.size,
      dailyResetAt: cfg ? new Date(nextLocalMidnight(now, cfg.timezone)).toISOString() : null,
      monthlyResetAt: cfg ? new Date(nextLocalMonthStart(now, cfg.timezone)).toISOString() : null,
    };
  }

  /** Writes the counters to D1 now (reporting reads `budgets`). */
  async flushMirror(now: number = Date.now()): Promise<void> {
    const cfg = this.config;
    if (!cfg || this.flushing) return;
    this.roll(now, cfg);
    this.flushing = true;
    this.dirty = false;
    this.lastFlushAt = now;
    const { dailySpent, monthlySpent } = this.counters;
    try {
      const shard = await shardOrNull(this.env, cfg.tenantId);
      if (!shard) return; // a deleted tenant has nothing to mirror
      await shard.d1
        .prepare(
          // A tenant that no longer exists has nothing to mirror (and no row to reference).
          `INSERT INTO budgets (id, tenant_id, daily_spent_cents, monthly_spent_cents, daily_reset_at, monthly_reset_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?2)
         ON CONFLICT (tenant_id) DO UPDATE SET daily_spent_cents = excluded.daily_spent_cents,
           monthly_spent_cents = excluded.monthly_spent_cents, daily_reset_at = excluded.daily_reset_at,
           monthly_reset_at = excluded.monthly_reset_at, updated_at = excluded.updated_at`,
        )
        .bind(
          crypto.randomUUID(),
          cfg.tenantId,
          dailySpent,
          monthlySpent,
          new Date(nextLocalMidnight(now, cfg.timezone)).toISOString(),
          new Date(nextLocalMonthStart(now, cfg.timezone)).toISOString(),
          new Date(now).toISOString(),
        )
        .run();
    } catch (err) {
      // The mirror is for reporting; the counters here stay authoritative. Not retried in a loop:
      // the next change or reset writes it again.
      console.warn(`budgets mirror failed for tenant ${cfg.tenantId}: ${String(err)}`);
    } finally {
      this.flushing = false;
    }
    await this.scheduleAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.expire(now);
    const cfg = this.config;
    if (cfg) this.roll(now, cfg);
    if (this.dirty) await this.flushMirror(now);
    else await this.scheduleAlarm(now);
  }

  private async mirrorSoon(now: number) {
    if (!this.dirty) return;
    if (now - this.lastFlushAt >= MIRROR_INTERVAL_MS && !this.flushing) await this.flushMirror(now);
    else await this.scheduleAlarm(now);
  }

  /** Next wake-up: the earliest reservation expiry, a pending mirror write, or the next reset. */
  private async scheduleAlarm(now: number) {
    let at = Number.POSITIVE_INFINITY;
    for (const r of this.reservations.values()) at = Math.min(at, r.expiresAt);
    if (this.dirty) at = Math.min(at, Math.max(now, this.lastFlushAt + MIRROR_INTERVAL_MS));
    const cfg = this.config;
    if (cfg && (this.counters.dailySpent > 0 || this.counters.monthlySpent > 0)) {
      at = Math.min(at, nextLocalMidnight(now, cfg.timezone));
    }
    if (!Number.isFinite(at)) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at || current < now) await this.ctx.storage.setAlarm(at);
  }

  private roll(now: number, cfg: GovernorConfig) {
    const day = localDate(now, cfg.timezone);
    const month = day.slice(0, 7);
    if (day === this.counters.day && month === this.counters.month) return;
    this.counters = {
      day,
      month,
      dailySpent: day === this.counters.day ? this.counters.dailySpent : 0,
      monthlySpent: month === this.counters.month ? this.counters.monthlySpent : 0,
    };
    this.putState('counters', this.counters);
    this.dirty = true;
  }

  private expire(now: number) {
    for (const [id, r] of this.reservations) {
      if (r.expiresAt <= now) this.dropReservation(id);
    }
  }

  private dropReservation(id: string) {
    if (this.reservations.delete(id)) this.ctx.storage.sql.exec('DELETE FROM reservations WHERE id = ?', id);
  }

  private reservedCents(): number {
    let sum = 0;
    for (const r of this.reservations.values()) sum += r.cents;
    return sum;
  }

  private putState(key: string, value: unknown) {
    this.ctx.storage.sql.exec(
      'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      JSON.stringify(value),
    );
  }
}

function room(budget: number | null, spent: number, reserved: number): number {
  return budget === null ? Number.POSITIVE_INFINITY : Math.max(0, budget - spent - reserved);
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
