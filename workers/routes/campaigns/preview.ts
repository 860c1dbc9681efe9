// The launch preview: who would get the campaign now, who is excluded and why (including local-time
// skips), what it would cost, and how an A/B test would split. Nothing is written.
import { createRoute, type z } from '@hono/zod-openapi';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { audienceVerdicts, audienceWhere } from '../../db/audience';
import type { Db } from '../../db/client';
import { costPerPartCents } from '../../db/costs';
import { contacts, messageTemplates, sendingNumbers, suppressionRules, tenants } from '../../db/schema';
import { applyComplianceFooter } from '../../domain/compliance';
import { suppressionCutoff } from '../../domain/eligibility';
import { analyzeSms } from '../../domain/sms-encoding';
import { contactVariables, renderTemplate } from '../../domain/template';
import type { AppEnv } from '../../http/context';
import { notFound } from '../../http/errors';
import { createRouter, errorResponses, IdParam, jsonResponse } from '../../http/router';
import { previewShortLinkUrl } from '../../redirect/links';
import { usesLink } from '../../send/render';
import { localDatePassed } from './ab';
import { computeDeliveryPlan } from './delivery-plan';
import { type CampaignRow, PreviewSchema } from './schemas';
import { campaignAudience, findCampaign } from './shared';

/** Who would get it now, who is excluded and why, and what it would cost (nothing is written). */
async function launchPreview(
  c: Context<AppEnv>,
  campaign: CampaignRow,
): Promise<z.infer<typeof PreviewSchema>> {
  const db = c.get('db');
  const now = new Date();
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, campaign.tenantId) });
  if (!tenant) throw notFound('Tenant');
  const rules = await db.select().from(suppressionRules).where(eq(suppressionRules.tenantId, tenant.id));
  const cutoff = suppressionCutoff(rules, now);
  const resolved = await campaignAudience(db, campaign, now, tenant.timezone);
  const verdicts = await audienceVerdicts(db.$client, (first) => audienceWhere(tenant.id, resolved, first), {
    allowUnknownConsent: tenant.allowUnknownConsent,
    suppressedSince: cutoff,
  });
  const audience = Object.values(verdicts).reduce((a, b) => a + b, 0);
  const warnings: string[] = [];
  // Local time and A/B: who is skipped because their time has passed, who gets the test.
  const plan = campaign.sendAtLocal || campaign.abTest ? await computeDeliveryPlan(db, campaign, now) : null;
  const skippedLate = campaign.sendAtLocal ? (plan?.local.skipped ?? 0) : 0;
  const { eligible: eligibleNow, ...reasons } = verdicts;
  const excluded = { ...reasons, local_time_passed: skippedLate };
  const eligible = Math.max(0, eligibleNow - skippedLate);
  const instants = (plan?.entries ?? []).map((e) => e.send_at).sort();
  const localTime =
    campaign.sendAtLocal && plan
      ? {
          on_time: plan.local.on_time,
          next_day: plan.local.next_day,
          skipped: plan.local.skipped,
          // Over both A/B phases (entries come test phase first).
          first_send_at: instants[0] ?? null,
          last_send_at: instants[instants.length - 1] ?? null,
        }
      : null;
  if (campaign.sendAtLocal && localDatePassed(campaign.sendAtLocal, tenant.timezone, now)) {
    warnings.push(
      `The local delivery date ${campaign.sendAtLocal.date} has passed: choose a new date before launching.`,
    );
  }
  if (localTime && localTime.skipped > 0) {
    warnings.push(
      `${localTime.skipped} recipient(s) will be skipped: ${campaign.sendAtLocal?.time} on ${campaign.sendAtLocal?.date} has already passed where they are.`,
    );
  }

  const templates = await db
    .select()
    .from(messageTemplates)
    .where(and(eq(messageTemplates.tenantId, tenant.id), inArray(messageTemplates.id, campaign.templateIds)));
  const sample = await db.query.contacts.findFirst({
    where: and(eq(contacts.tenantId, tenant.id), sql`${contacts.erasedAt} IS NULL`),
  });
  const representativeLink = previewShortLinkUrl(c.env);
  const perPart = await costPerPartCents(c.get('control'), {
    tenantId: tenant.id,
    country: tenant.country,
    at: now,
  });
  const share = 1 / Math.max(1, campaign.templateIds.length);
  const rendered = campaign.templateIds.map((id) => {
    const t = templates.find((x) => x.id === id);
    const vars: Record<string, string | undefined> = sample ? { ...contactVariables(sample) } : {};
    if (campaign.targetUrl) vars.link = representativeLink;
    const text = applyComplianceFooter(renderTemplate(t?.body ?? '', vars).text, {
      appendOptOutFooter: tenant.appendOptOutFooter,
    });
    const a = analyzeSms(text);
    if (!t) warnings.push(`Template ${id} no longer exists.`);
    return { template_id: id, sample: text, encoding: a.encoding, segments: a.segments, share };
  });
  const abTest = campaign.abTest
    ? abPreview(campaign, templates, eligible, plan?.winnerExpectedAt ?? null, warnings)
    : null;
  if (perPart === null)
    warnings.push(`No SMS cost is configured for ${tenant.country}; the cost is unknown.`);
  if (tenant.isPaused) warnings.push('Sending is paused for this tenant (kill switch).');
  const numbers = await activeNumberCount(db, tenant.id, campaign.sendingNumberIds);
  if (numbers === 0) warnings.push('No active sending number: nothing can be sent.');
  const estimated =
    perPart === null
      ? null
      : Math.round(rendered.reduce((sum, r) => sum + r.segments * r.share, 0) * perPart * eligible);
  return {
    audience,
    eligible,
    excluded,
    local_time: localTime,
    ab_test: abTest,
    estimated_cost_cents: estimated,
    per_part_cents: perPart,
    templates: rendered,
    sending_numbers: numbers,
    warnings,
  };
}

/** The A/B test's expected split, and which metric will decide (clicks need a link). */
function abPreview(
  campaign: CampaignRow,
  templates: { id: string; body: string }[],
  eligible: number,
  winnerExpectedAt: string | null,
  warnings: string[],
): NonNullable<z.infer<typeof PreviewSchema>['ab_test']> {
  const ab = campaign.abTest as NonNullable<CampaignRow['abTest']>;
  const linked = campaign.targetUrl ? templates.filter((t) => usesLink(t.body)).length : 0;
  let metric = ab.metric;
  if (metric === 'human_click_rate' && linked === 0) {
    metric = 'delivery_rate';
    warnings.push('No template has a link, so the A/B test will pick the winner by delivery rate.');
  } else if (metric === 'human_click_rate' && linked < templates.length) {
    warnings.push('Only some templates have a link: the ones without one cannot win on clicks.');
  }
  const testGroup = Math.round((eligible * ab.test_share_percent) / 100);
  return { test_group: testGroup, rest: eligible - testGroup, metric, winner_expected_at: winnerExpectedAt };
}

async function activeNumberCount(db: Db, tenantId: string, ids: string[]) {
  const rows = await db
    .select({ id: sendingNumbers.id })
    .from(sendingNumbers)
    .where(
      and(
        eq(sendingNumbers.tenantId, tenantId),
        eq(sendingNumbers.isActive, true),
        ids.length ? inArray(sendingNumbers.id, ids) : undefined,
      ),
    );
  return rows.length;
}

export const campaignPreviewRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/campaigns/{id}/launch-preview',
    tags: ['Campaigns'],
    request: { params: IdParam },
    responses: {
      200: jsonResponse(PreviewSchema, 'Audience, exclusions and estimated cost'),
      ...errorResponses,
    },
  }),
  async (c) => {
    const row = await findCampaign(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
    return c.json(await launchPreview(c, row), 200);
  },
);
