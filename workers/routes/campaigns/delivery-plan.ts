// The delivery plan (issue 12, item 5): how many recipients get the campaign at which UTC instant,
// before launch (counted from the audience's time zones) and after (what the fan-out recorded,
// plus an estimate for the part it has not reached yet, e.g. an A/B test's winner phase).
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { audienceWhere } from '../../db/audience';
import { eligibleByZone } from '../../db/audience-zones';
import type { Db } from '../../db/client';
import { suppressionRules, tenants } from '../../db/schema';
import {
  estimateEntries,
  mergeEntries,
  type PlanEntry,
  type PlanPhase,
  recordedEntries,
  usableZone,
  type ZoneCount,
} from '../../domain/delivery-plan';
import { suppressionCutoff } from '../../domain/eligibility';
import { localFanoutStart } from '../../domain/local-delivery';
import { notFound } from '../../http/errors';
import { createRouter, errorResponses, IdParam, jsonResponse } from '../../http/router';
import { type CampaignRow, PlanEntrySchema } from './schemas';
import { campaignAudience, findCampaign } from './shared';

export type DeliveryPlan = {
  entries: PlanEntry[];
  /** The whole audience's local-time outcome (before the fan-out starts; zeros after). */
  local: { on_time: number; next_day: number; skipped: number };
  /** Eligible recipients after local-time skips (before the fan-out starts). */
  eligible: number;
  /** When the A/B winner is expected to be picked (estimate before the pick). */
  winnerExpectedAt: string | null;
};

const LIVE = ['queued', 'running', 'paused'];

/** When a campaign not started yet will start sending (a local-time one starts itself in time). */
export function plannedStart(c: CampaignRow, now: Date): number {
  const t = now.getTime();
  if (c.sendAtLocal) return Math.max(t, localFanoutStart(c.sendAtLocal.date).getTime());
  if (c.scheduledAt) return Math.max(t, Date.parse(c.scheduledAt));
  return t;
}

/** Zones the runtime does not know count as the tenant's (as the fan-out treats them). */
function usable(zones: ZoneCount[], fallback: string): ZoneCount[] {
  const out = new Map<string, number>();
  for (const z of zones) {
    const tz = usableZone(z.tz, fallback);
    out.set(tz, (out.get(tz) ?? 0) + z.count);
  }
  return [...out].map(([tz, count]) => ({ tz, count }));
}

const latest = (entries: PlanEntry[]) =>
  entries.reduce<number | null>((m, e) => Math.max(m ?? 0, Date.parse(e.send_at)), null);

export async function computeDeliveryPlan(db: Db, campaign: CampaignRow, now: Date): Promise<DeliveryPlan> {
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, campaign.tenantId) });
  if (!tenant) throw notFound('Tenant');
  const rules = await db.select().from(suppressionRules).where(eq(suppressionRules.tenantId, tenant.id));
  const started = campaign.startedAt !== null;
  const startMs = started ? Date.parse(campaign.startedAt as string) : plannedStart(campaign, now);
  const audience = await campaignAudience(db, campaign, new Date(startMs), tenant.timezone);
  const policy = {
    allowUnknownConsent: tenant.allowUnknownConsent,
    suppressedSince: suppressionCutoff(rules, now),
    tenantTimezone: tenant.timezone,
  };
  const zonesAfter = async (afterId: string | null) =>
    usable(
      await eligibleByZone(db.$client, (first) => audienceWhere(tenant.id, audience, first), policy, afterId),
      tenant.timezone,
    );
  const timing = {
    sendAtLocal: campaign.sendAtLocal,
    quietStart: campaign.quietHoursStart,
    quietEnd: campaign.quietHoursEnd,
  };
  const ab = campaign.abTest;
  const share = ab ? ab.test_share_percent / 100 : 1;
  const waitMs = (ab?.wait_minutes ?? 0) * 60_000;
  const shareOf = (phase: PlanPhase) => (phase === 'test' ? share : phase === 'winner' ? 1 - share : 1);
  const decidedAt = (campaign.abResult as { decided_at?: string } | null)?.decided_at ?? null;

  if (!started) {
    const zones = await zonesAfter(null);
    const all = estimateEntries(zones, timing, null, 1, startMs, null);
    const local = { on_time: all.onTime, next_day: all.nextDay, skipped: all.skipped };
    const eligible = all.onTime + all.nextDay;
    if (!ab) return { entries: mergeEntries(all.entries), local, eligible, winnerExpectedAt: null };
    const test = estimateEntries(zones, timing, 'test', share, startMs, null);
    const decideMs = (latest(test.entries) ?? startMs) + waitMs;
    const winner = estimateEntries(zones, timing, 'winner', 1 - share, startMs, decideMs);
    return {
      entries: mergeEntries([...test.entries, ...winner.entries]),
      local,
      eligible,
      winnerExpectedAt: new Date(decideMs).toISOString(),
    };
  }

  const entries = recordedEntries(campaign.deliveryPlan ?? {});
  const live = LIVE.includes(campaign.status);
  const phase: PlanPhase = ab ? (campaign.abPhase === 'winner' ? 'winner' : 'test') : null;
  if (live && campaign.fanoutDoneAt === null) {
    const rest = await zonesAfter(campaign.fanoutCursor);
    const decided = phase === 'winner' && decidedAt ? Date.parse(decidedAt) : null;
    entries.push(...estimateEntries(rest, timing, phase, shareOf(phase), startMs, decided).entries);
  }
  let winnerExpectedAt = decidedAt;
  if (ab && live && phase === 'test') {
    const decideMs = campaign.abDecideAt
      ? Date.parse(campaign.abDecideAt)
      : (latest(entries) ?? startMs) + waitMs;
    winnerExpectedAt = new Date(decideMs).toISOString();
    entries.push(
      ...estimateEntries(await zonesAfter(null), timing, 'winner', 1 - share, startMs, decideMs).entries,
    );
  }
  return {
    entries: mergeEntries(entries),
    local: { on_time: 0, next_day: 0, skipped: 0 },
    eligible: 0,
    winnerExpectedAt,
  };
}

export const campaignDeliveryPlanRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/campaigns/{id}/delivery-plan',
    tags: ['Campaigns'],
    summary: 'Recipients per UTC instant',
    description:
      "When the campaign's recipients are meant to get it, grouped by UTC instant: each recipient's local time " +
      '(send_at_local) or the start, moved out of their quiet hours; for an A/B test, the test group and the ' +
      'winner phase. What the fan-out has written is exact; the rest (`estimated: true`) is counted from the ' +
      'audience as it is now. The actual sending spreads each instant at the sending numbers’ rate.',
    request: { params: IdParam },
    responses: { 200: jsonResponse(z.array(PlanEntrySchema), 'The plan, in time order'), ...errorResponses },
  }),
  async (c) => {
    const db = c.get('db');
    const row = await findCampaign(db, c.get('principal').tenantId, c.req.valid('param').id);
    const plan = await computeDeliveryPlan(db, row, new Date());
    return c.json(plan.entries, 200);
  },
);
