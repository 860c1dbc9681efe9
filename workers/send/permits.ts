// Budget and number permits through the two Durable Objects. The governor is asked in blocks
// (enough for the next few messages of this batch) so it is not a round trip per message; the
// unused part of each block goes back when the batch settles.
import type { Denied, NumberRow, Permits, TenantRow } from './types';

/** Reserve at most this many messages' worth of budget at once. */
export const BLOCK_MESSAGES = 10;

type Reservation = { id: string; granted: number };

type Pool = { available: number; spent: number; reservations: Reservation[]; pending: number };

export class DurableObjectPermits implements Permits {
  private pools = new Map<string, Pool>();

  /** `pendingByTenant`: jobs of each tenant in this batch, to size the blocks. */
  constructor(
    private readonly env: Env,
    private readonly pendingByTenant: Map<string, number> = new Map(),
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private pool(tenantId: string): Pool {
    let p = this.pools.get(tenantId);
    if (!p) {
      p = { available: 0, spent: 0, reservations: [], pending: this.pendingByTenant.get(tenantId) ?? 1 };
      this.pools.set(tenantId, p);
    }
    return p;
  }

  async reserve(tenant: TenantRow, cents: number, now: Date): Promise<{ ok: true } | Denied> {
    const p = this.pool(tenant.id);
    p.pending = Math.max(1, p.pending - 1);
    if (cents <= p.available) {
      p.available -= cents;
      return { ok: true };
    }
    const stub = this.env.TENANT_GOVERNOR.getByName(tenant.id);
    const want = cents * Math.min(BLOCK_MESSAGES, p.pending + 1) - p.available;
    let r = await stub.reserve(want, now.getTime(), { minCents: cents });
    if (!r.ok && r.reason === 'unconfigured') {
      await stub.configureIfUnset({
        tenantId: tenant.id,
        timezone: tenant.timezone,
        isPaused: tenant.isPaused,
        dailyBudgetCents: tenant.dailyBudgetCents,
        monthlyBudgetCents: tenant.monthlyBudgetCents,
      });
      r = await stub.reserve(want, now.getTime(), { minCents: cents });
    }
    if (!r.ok) return { ok: false, reason: r.reason, retryAfterSeconds: r.retryAfterSeconds };
    p.reservations.push({ id: r.reservationId, granted: r.grantedCents });
    p.available += r.grantedCents;
    if (cents <= p.available) {
      p.available -= cents;
      return { ok: true };
    }
    // A partial grant too small for this message: the budget is nearly used up.
    return { ok: false, reason: 'daily_budget', retryAfterSeconds: 300 };
  }

  unreserve(tenantId: string, cents: number): void {
    this.pool(tenantId).available += cents;
  }

  spend(tenantId: string, cents: number): void {
    this.pool(tenantId).spent += cents;
  }

  async acquire(
    n: NumberRow,
    tenant: TenantRow,
    now: Date,
  ): Promise<{ ok: true; grantedAt: number } | Denied> {
    const stub = this.env.SENDING_NUMBER.getByName(n.id);
    let r = await stub.acquire(now.getTime());
    if (!r.ok && r.reason === 'unconfigured') {
      await stub.configureIfUnset({
        sendingNumberId: n.id,
        timezone: tenant.timezone,
        dailyLimit: n.dailyLimit,
        perMinuteLimit: n.perMinuteLimit,
        warmupStartDate: n.warmupStartDate,
        isActive: n.isActive,
      });
      r = await stub.acquire(now.getTime());
    }
    if (r.ok) return { ok: true, grantedAt: r.grantedAt };
    return { ok: false, reason: r.reason, retryAfterSeconds: Math.max(1, r.retryAfterSeconds) };
  }

  async releaseNumber(n: NumberRow, grantedAt: number, now: Date): Promise<void> {
    await this.env.SENDING_NUMBER.getByName(n.id).release(grantedAt, now.getTime());
  }

  /** Commits what was spent against the blocks (filling them in order) and releases the rest. */
  async settle(): Promise<void> {
    const calls: (() => Promise<unknown>)[] = [];
    const now = this.clock().getTime();
    for (const [tenantId, p] of this.pools) {
      // A fresh stub per call: once a call on a stub throws, that stub fails every later call too.
      const governor = () => this.env.TENANT_GOVERNOR.getByName(tenantId);
      let spent = p.spent;
      for (const r of p.reservations) {
        const used = Math.min(spent, r.granted);
        spent -= used;
        calls.push(used > 0 ? () => governor().commit(r.id, used, now) : () => governor().release(r.id));
      }
      p.reservations = [];
      p.available = 0;
      p.spent = 0;
    }
    // A commit lost to a transient Durable Object error would leave money spent but uncounted once
    // the reservation expires, so each call gets a second try before it is logged. If the first
    // try did land, the spend counts twice: the safe way round for a budget.
    const results = await Promise.allSettled(
      calls.map((call) =>
        call().catch((err: unknown) => {
          // An overloaded object must not be asked again at once (Cloudflare's guidance).
          if ((err as { overloaded?: boolean } | null)?.overloaded) throw err;
          return call();
        }),
      ),
    );
    for (const r of results) if (r.status === 'rejected') console.error('budget settle failed', r.reason);
  }
}
