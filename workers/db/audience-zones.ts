// How many of a campaign's audience would get a message, per time zone (the contact's, else the
// tenant's): what the delivery plan and the local-time launch preview are computed from. One
// aggregate query; the eligibility conditions are audienceVerdicts' (workers/db/audience.ts).
import type { ZoneCount } from '../domain/delivery-plan';
import type { Where } from './audience';

/**
 * Eligible contacts per zone, optionally only those after `afterId` in the fan-out's keyset order
 * (the part of the audience a running fan-out has not reached yet).
 */
export async function eligibleByZone(
  d1: D1Database,
  where: (first: number) => Where,
  policy: { allowUnknownConsent: boolean; suppressedSince: string | null; tenantTimezone: string },
  afterId: string | null = null,
): Promise<ZoneCount[]> {
  const w = where(5);
  const rows = await d1
    .prepare(
      `SELECT coalesce(c.timezone, ?3) AS tz, count(*) AS n
         FROM contacts c
        WHERE ${w.clause} AND c.id > ?4
          AND c.phone_e164 GLOB '+[1-9]*' AND length(c.phone_e164) BETWEEN 8 AND 16
          AND substr(c.phone_e164, 2) NOT GLOB '*[^0-9]*'
          AND NOT EXISTS (SELECT 1 FROM do_not_contact d WHERE d.tenant_id = c.tenant_id AND d.phone_e164 = c.phone_e164)
          AND NOT (c.consent_status = 'unknown' AND ?1 = 0)
          AND NOT (?2 IS NOT NULL AND c.last_sent_at IS NOT NULL AND c.last_sent_at >= ?2)
        GROUP BY 1`,
    )
    .bind(
      policy.allowUnknownConsent ? 1 : 0,
      policy.suppressedSince,
      policy.tenantTimezone,
      afterId ?? '',
      ...w.params,
    )
    .all<{ tz: string; n: number }>();
  return rows.results.map((r) => ({ tz: r.tz, count: r.n }));
}
