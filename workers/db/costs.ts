// Per-part SMS prices. A tenant's own rows override the platform price list (tenant_id NULL).
import { and, desc, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from './client';
import { type Channel, costs } from './schema';

/**
 * The per-part price in cents effective at `at` for the tenant, or null when nothing is priced:
 * the tenant's own row if one is effective, else the platform row; among several effective rows
 * the most recent `effective_from` wins. Effective means effective_from <= at < effective_until.
 */
export async function costPerPartCents(
  db: Db,
  p: { tenantId: string; provider?: 'twilio'; country: string; at: Date; channel?: Channel },
): Promise<number | null> {
  const at = p.at.toISOString();
  const [row] = await db
    .select({ perPartCents: costs.perPartCents })
    .from(costs)
    .where(
      and(
        or(eq(costs.tenantId, p.tenantId), isNull(costs.tenantId)),
        eq(costs.provider, p.provider ?? 'twilio'),
        eq(costs.country, p.country),
        // An MMS price is per message, never a per-part SMS price (and the reverse).
        eq(costs.channel, p.channel ?? 'sms'),
        lte(costs.effectiveFrom, at),
        or(isNull(costs.effectiveUntil), gt(costs.effectiveUntil, at)),
      ),
    )
    .orderBy(sql`${costs.tenantId} IS NULL`, desc(costs.effectiveFrom))
    .limit(1);
  return row ? row.perPartCents : null;
}

/** The price of one MMS (per message, whatever its length), or null when none is set. */
export function mmsPriceCents(
  db: Db,
  p: { tenantId: string; country: string; at: Date },
): Promise<number | null> {
  return costPerPartCents(db, { ...p, channel: 'mms' });
}

/** A message's cost: its parts times the per-part price. */
export function messageCostCents(parts: number, perPartCents: number): number {
  return parts * perPartCents;
}
