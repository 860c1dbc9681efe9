import { DurableObject } from 'cloudflare:workers';
import { localDate, nextLocalMidnight } from '../workers/domain/local-time';
import { warmupAllowance } from '../workers/domain/warmup';

export type NumberConfig = {
  sendingNumberId: string;
  /** The tenant's time zone: days (daily limit, warm-up) are counted on its calendar. */
  timezone: string;
  dailyLimit: number;
  perMinuteLimit: number;
  warmupStartDate: string | null;
  isActive: boolean;
};

export type AcquireDenied = {
  ok: false;
  reason: 'unconfigured' | 'inactive' | 'per_minute' | 'daily' | 'warmup';
  retryAfterSeconds: number;
};
/** `grantedAt` names the permit, so an unused one can be handed back exactly (see `release`). */
export type AcquireResult = { ok: true; grantedAt: number } | AcquireDenied;

export type NumberUsage = {
  sent_this_minute: number;
  sent_today: number;
  allowed_today: number;
  per_minute_limit: number;
};

const WINDOW_MS = 60_000;
/** How long a deactivated number's callers wait before asking again (an admin may reactivate it). */
const INACTIVE_RETRY_SECONDS = 300;

/**
 * One per sending number (named by its id): grants send permits so the number never exceeds its
 * per-minute limit, today's warm-up allowance or its daily limit, however many consumers ask.
 *
 * Per-minute is a sliding 60-second window over grant times: a permit is granted at t only when
 * fewer than `perMinuteLimit` were granted in (t − 60 s, t]. That bounds every 60-second interval,
 * so no calendar minute can exceed the limit either, while still allowing the full rate.
 *
 * The counters live in memory and in the object's SQLite storage (written in the same turn, so
 * they survive eviction). Every method runs to completion without awaiting I/O, so concurrent
 * callers are serialised by the runtime.
 */
export class SendingNumber extends DurableObject<Env> {
  private config: NumberConfig | null = null;
  /** Grant times (ms) inside the last 60 s, oldest first. */
  private grants: number[] = [];
  private day = '';
  private sentToday = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS grants (at INTEGER NOT NULL)');
    sql.exec('CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const row of sql.exec<{ key: string; value: string }>('SELECT key, value FROM state')) {
      if (row.key === 'config') this.config = JSON.parse(row.value) as NumberConfig;
      if (row.key === 'day') {
        const d = JSON.parse(row.value) as { day: string; count: number };
        this.day = d.day;
        this.sentToday = d.count;
      }
    }
    const since = Date.now() - WINDOW_MS;
    this.grants = [...sql.exec<{ at: number }>('SELECT at FROM grants WHERE at > ? ORDER BY at', since)].map(
      (r) => r.at,
    );
  }

  async configure(config: NumberConfig): Promise<void> {
    this.config = { ...config };
    this.putState('config', this.config);
  }

  /**
   * For consumers that found the number unconfigured: their row may be older than an admin's
   * configure() that landed meanwhile, so they never overwrite one.
   */
  async configureIfUnset(config: NumberConfig): Promise<void> {
    if (!this.config) await this.configure(config);
  }

  async getConfig(): Promise<NumberConfig | null> {
    return this.config;
  }

  /** One permit, or why not and in how many seconds to ask again. */
  async acquire(now: number = Date.now()): Promise<AcquireResult> {
    const cfg = this.config;
    if (!cfg) return { ok: false, reason: 'unconfigured', retryAfterSeconds: 0 };
    if (!cfg.isActive) return { ok: false, reason: 'inactive', retryAfterSeconds: INACTIVE_RETRY_SECONDS };
    this.rollDay(now, cfg);
    this.prune(now);
    const allowedToday = this.allowedToday(cfg);
    if (this.sentToday >= allowedToday) {
      const reason = allowedToday < cfg.dailyLimit ? 'warmup' : 'daily';
      return {
        ok: false,
        reason,
        retryAfterSeconds: secondsUntil(nextLocalMidnight(now, cfg.timezone), now),
      };
    }
    if (this.grants.length >= cfg.perMinuteLimit) {
      const freeAt = (this.grants[this.grants.length - cfg.perMinuteLimit] as number) + WINDOW_MS;
      return { ok: false, reason: 'per_minute', retryAfterSeconds: secondsUntil(freeAt, now) };
    }
    // A clock that steps back must not let a grant land before the newest one (keeps order).
    const at = Math.max(now, this.grants[this.grants.length - 1] ?? now);
    this.grants.push(at);
    this.sentToday++;
    this.ctx.storage.sql.exec('INSERT INTO grants (at) VALUES (?)', at);
    this.putState('day', { day: this.day, count: this.sentToday });
    return { ok: true, grantedAt: at };
  }

  /**
   * Hands back the caller's own unused permit (the send never happened). Never another caller's:
   * removing a newer grant in its place would let the window open early while that send counts.
   */
  async release(grantedAt: number, now: number = Date.now()): Promise<void> {
    const cfg = this.config;
    if (!cfg) return;
    this.rollDay(now, cfg);
    this.prune(now);
    const i = this.grants.lastIndexOf(grantedAt);
    if (i >= 0) {
      this.grants.splice(i, 1);
      this.ctx.storage.sql.exec(
        'DELETE FROM grants WHERE rowid = (SELECT rowid FROM grants WHERE at = ? ORDER BY rowid DESC LIMIT 1)',
        grantedAt,
      );
    }
    if (this.sentToday > 0 && localDate(grantedAt, cfg.timezone) === this.day) {
      this.sentToday--;
      this.putState('day', { day: this.day, count: this.sentToday });
    }
  }

  async usage(now: number = Date.now()): Promise<NumberUsage> {
    const cfg = this.config;
    if (!cfg) return { sent_this_minute: 0, sent_today: 0, allowed_today: 0, per_minute_limit: 0 };
    this.rollDay(now, cfg);
    this.prune(now);
    return {
      sent_this_minute: this.grants.length,
      sent_today: this.sentToday,
      allowed_today: this.allowedToday(cfg),
      per_minute_limit: cfg.perMinuteLimit,
    };
  }

  private allowedToday(cfg: NumberConfig): number {
    return Math.min(cfg.dailyLimit, warmupAllowance(cfg.warmupStartDate, this.day, cfg.dailyLimit));
  }

  private rollDay(now: number, cfg: NumberConfig) {
    const today = localDate(now, cfg.timezone);
    if (today !== this.day) {
      this.day = today;
      this.sentToday = 0;
      this.putState('day', { day: this.day, count: 0 });
    }
  }

  private prune(now: number) {
    const since = now - WINDOW_MS;
    let drop = 0;
    while (drop < this.grants.length && (this.grants[drop] as number) <= since) drop++;
    if (drop > 0) {
      this.grants.splice(0, drop);
      this.ctx.storage.sql.exec('DELETE FROM grants WHERE at <= ?', since);
    }
  }

  private putState(key: string, value: unknown) {
    this.ctx.storage.sql.exec(
      'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      JSON.stringify(value),
    );
  }
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
