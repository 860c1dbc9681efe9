// Queries behind revenue attribution (issue 14): the click an order is attributed to, and the
// revenue figures of a campaign or a month.
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { attributionWindow } from '../domain/attribution';
import type { Db } from './client';
import { conversions, tenants } from './schema';

export type AttributedClick = {
  shortLinkId: string;
  campaignId: string | null;
  flowId: string | null;
  clickedAt: string;
};

/**
 * The contact's most recent human click inside the window before `occurredAt` (inclusive at both
 * ends), from the recent human click times each of the contact's links keeps (through the
 * contact's index on short_links).
 */
export async function lastHumanClick(
  db: Db,
  p: { tenantId: string; contactId: string; occurredAt: Date; windowDays: number },
): Promise<AttributedClick | null> {
  const w = attributionWindow(p.occurredAt, p.windowDays);
  const rows = await db.all<{
    short_link_id: string;
    campaign_id: string | null;
    flow_id: string | null;
    created_at: string;
  }>(sql`
    SELECT l.id AS short_link_id, l.campaign_id AS campaign_id, l.flow_id AS flow_id, c.value AS created_at
      FROM short_links l, json_each(l.recent_clicks) c
     WHERE l.contact_id = ${p.contactId} AND l.tenant_id = ${p.tenantId} AND l.recent_clicks IS NOT NULL
       AND c.value >= ${w.from} AND c.value <= ${w.to}
     ORDER BY c.value DESC, l.id DESC LIMIT 1`);
  const r = rows[0];
  // A link belongs to a campaign or to a flow's message (issue 14): the order goes to that one.
  return r
    ? { shortLinkId: r.short_link_id, campaignId: r.campaign_id, flowId: r.flow_id, clickedAt: r.created_at }
    : null;
}

/** The currency a tenant reports revenue in (tenants live in the control database). */
export async function tenantCurrency(control: Db, tenantId: string): Promise<string> {
  const t = await control.query.tenants.findFirst({
    columns: { currency: true },
    where: eq(tenants.id, tenantId),
  });
  return t?.currency ?? 'AUD';
}

export type RevenueTotals = {
  /** Every conversion attributed, whatever its currency. */
  conversions: number;
  /** The sum of those in the tenant's currency (others are listed in `other_currencies`). */
  revenue_cents: number;
  revenue_currency: string;
  other_currencies: { currency: string; conversions: number; revenue_cents: number }[];
};

function totals(rows: { currency: string; n: number; cents: number }[], currency: string): RevenueTotals {
  const mine = rows.find((r) => r.currency === currency);
  return {
    conversions: rows.reduce((a, r) => a + r.n, 0),
    revenue_cents: mine?.cents ?? 0,
    revenue_currency: currency,
    other_currencies: rows
      .filter((r) => r.currency !== currency)
      .map((r) => ({ currency: r.currency, conversions: r.n, revenue_cents: r.cents })),
  };
}

/** Conversions and revenue attributed to one automation flow (its messages' links). */
export async function flowRevenue(
  db: Db,
  control: Db,
  tenantId: string,
  flowId: string,
): Promise<RevenueTotals> {
  const [currency, rows] = await Promise.all([
    tenantCurrency(control, tenantId),
    db
      .select({
        currency: conversions.currency,
        n: sql<number>`count(*)`,
        cents: sql<number>`coalesce(sum(${conversions.valueCents}), 0)`,
      })
      .from(conversions)
      .where(and(eq(conversions.flowId, flowId), eq(conversions.tenantId, tenantId)))
      .groupBy(conversions.currency),
  ]);
  return totals(rows, currency);
}

/** Conversions and revenue attributed to one campaign. */
export async function campaignRevenue(
  db: Db,
  control: Db,
  tenantId: string,
  campaignId: string,
): Promise<RevenueTotals> {
  const [currency, rows] = await Promise.all([
    tenantCurrency(control, tenantId),
    db
      .select({
        currency: conversions.currency,
        n: sql<number>`count(*)`,
        cents: sql<number>`coalesce(sum(${conversions.valueCents}), 0)`,
      })
      .from(conversions)
      .where(and(eq(conversions.campaignId, campaignId), eq(conversions.tenantId, tenantId)))
      .groupBy(conversions.currency),
  ]);
  return totals(rows, currency);
}

/** Conversions recorded with `occurred_at` in [from, to), split into attributed and all. */
export async function periodRevenue(
  db: Db,
  p: { tenantId: string; from: Date; to: Date; currency: string },
): Promise<{ attributed: RevenueTotals; all: RevenueTotals }> {
  const rows = await db
    .select({
      currency: conversions.currency,
      attributed: sql<number>`${conversions.status} = 'attributed'`,
      n: sql<number>`count(*)`,
      cents: sql<number>`coalesce(sum(${conversions.valueCents}), 0)`,
    })
    .from(conversions)
    .where(
      and(
        eq(conversions.tenantId, p.tenantId),
        gte(conversions.occurredAt, p.from.toISOString()),
        lt(conversions.occurredAt, p.to.toISOString()),
      ),
    )
    .groupBy(conversions.currency, sql`${conversions.status} = 'attributed'`);
  const merge = (list: typeof rows) => {
    const by = new Map<string, { currency: string; n: number; cents: number }>();
    for (const r of list) {
      const m = by.get(r.currency) ?? { currency: r.currency, n: 0, cents: 0 };
      m.n += r.n;
      m.cents += r.cents;
      by.set(r.currency, m);
    }
    return [...by.values()];
  };
  return {
    attributed: totals(merge(rows.filter((r) => r.attributed === 1)), p.currency),
    all: totals(merge(rows), p.currency),
  };
}
