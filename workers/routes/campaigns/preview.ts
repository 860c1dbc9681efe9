// The launch preview (who would get the campaign now, who is excluded and why, including local-time
// skips; what each message looks like from each kind of sender and what it all costs; how an A/B
// test would split; nothing is written) and the launch check that a sender recipients cannot reply
// to always comes with a working opt-out (issue 10).
import { createRoute, type z } from '@hono/zod-openapi';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { audienceVerdicts, audienceWhere } from '../../db/audience';
import type { Db } from '../../db/client';
import { costPerPartCents } from '../../db/costs';
import { contacts, messageTemplates, sendingNumbers, suppressionRules, tenants } from '../../db/schema';
import { suppressionCutoff } from '../../domain/eligibility';
import {
  finishBody,
  type LaunchSender,
  optOutLaunchProblems,
  optOutWarnings,
  usesOptOutLink,
} from '../../domain/opt-out';
import { canReceiveReplies, SENDER_KINDS, type SenderKind } from '../../domain/senders';
import { analyzeSms } from '../../domain/sms-encoding';
import { contactVariables, renderTemplate } from '../../domain/template';
import type { AppEnv } from '../../http/context';
import { ApiError, notFound } from '../../http/errors';
import { createRouter, errorResponses, IdParam, jsonResponse } from '../../http/router';
import { previewOptOutUrl, previewShortLinkUrl } from '../../redirect/links';
import { usesLink } from '../../send/render';
import { localDatePassed } from './ab';
import { computeDeliveryPlan } from './delivery-plan';
import { mmsBlockers, mmsBlockerText } from './mms';
import { type CampaignRow, PreviewSchema } from './schemas';
import { campaignAudience, findCampaign } from './shared';

type Preview = z.infer<typeof PreviewSchema>;
type Sender = LaunchSender & { kind: SenderKind; isActive: boolean };

/**
 * The senders a campaign can go out from: its own list (whatever their state: an inactive one may
 * be switched back on while it runs), else every active sender of the tenant.
 */
export async function campaignSenders(db: Db, tenantId: string, ids: string[]): Promise<Sender[]> {
  const rows = await db
    .select()
    .from(sendingNumbers)
    .where(
      and(
        eq(sendingNumbers.tenantId, tenantId),
        ids.length ? inArray(sendingNumbers.id, ids) : eq(sendingNumbers.isActive, true),
      ),
    );
  return rows.map((n) => ({
    id: n.id,
    kind: n.kind,
    isActive: n.isActive,
    canReceiveReplies: canReceiveReplies(n.kind),
    label: n.senderId ?? n.phoneE164 ?? n.friendlyName ?? n.messagingServiceSid ?? n.id,
  }));
}

/** 422 when a template could go out from a sender recipients cannot reply to, with no opt-out. */
export async function assertOptOutPossible(
  db: Db,
  campaign: CampaignRow,
  tenant: { appendOptOutFooter: boolean },
): Promise<void> {
  const senders = await campaignSenders(db, campaign.tenantId, campaign.sendingNumberIds);
  if (senders.every((s) => s.canReceiveReplies)) return;
  const templates = await db
    .select({ id: messageTemplates.id, name: messageTemplates.name, body: messageTemplates.body })
    .from(messageTemplates)
    .where(
      and(
        eq(messageTemplates.tenantId, campaign.tenantId),
        inArray(messageTemplates.id, campaign.templateIds),
      ),
    );
  const ordered = campaign.templateIds.flatMap((id) => templates.filter((t) => t.id === id));
  const errors = optOutLaunchProblems(ordered, senders, tenant);
  if (errors.length) {
    throw new ApiError(
      'VALIDATION',
      errors.length === 1
        ? (errors[0] as { message: string }).message
        : 'Recipients cannot reply STOP to an alphanumeric sender: every message from it needs an opt-out link.',
      { errors },
    );
  }
}

/** Who would get it now, who is excluded and why, and what it would cost (nothing is written). */
export async function launchPreview(c: Context<AppEnv>, campaign: CampaignRow): Promise<Preview> {
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
  const priced = { tenantId: tenant.id, country: tenant.country, at: now };
  const [perPart, mmsPrice] = await Promise.all([
    costPerPartCents(c.get('control'), priced),
    costPerPartCents(c.get('control'), { ...priced, channel: 'mms' }),
  ]);
  const senders = await campaignSenders(db, tenant.id, campaign.sendingNumberIds);
  const active = senders.filter((s) => s.isActive);
  // Sticky senders spread recipients evenly over the active senders, so each kind gets its share.
  const kinds = SENDER_KINDS.map((kind) => ({
    kind,
    share: active.length
      ? active.filter((s) => s.kind === kind).length / active.length
      : kind === 'phone'
        ? 1
        : 0,
  })).filter((k) => k.share > 0);

  const share = 1 / Math.max(1, campaign.templateIds.length);
  const rendered = campaign.templateIds.map((id) => {
    const t = templates.find((x) => x.id === id);
    const body = t?.body ?? '';
    const vars: Record<string, string | undefined> = sample ? { ...contactVariables(sample) } : {};
    if (campaign.targetUrl) vars.link = previewShortLinkUrl(c.env);
    vars.optout = previewOptOutUrl(c.env);
    const text = renderTemplate(body, vars).text;
    const variants = kinds.map((k) => {
      const reach = { canReceiveReplies: canReceiveReplies(k.kind) };
      const finished = finishBody(text, tenant, reach, {
        templateHasLink: usesOptOutLink(body),
        url: vars.optout ?? null,
      });
      for (const w of optOutWarnings(body, tenant, reach)) {
        const named = `${t?.name ?? id}: ${w}`;
        if (!warnings.includes(named)) warnings.push(named);
      }
      const a = analyzeSms(finished);
      return {
        sender_kind: k.kind,
        can_receive_replies: reach.canReceiveReplies,
        share: k.share,
        sample: finished,
        encoding: a.encoding,
        segments: a.segments,
        characters: a.characters,
      };
    });
    if (!t) warnings.push(`Template ${id} no longer exists.`);
    // The headline sample is the longest variant: the cost never surprises upwards.
    const longest = variants.reduce((a, b) => (b.segments > a.segments ? b : a));
    // issue 14: a template with an image is an MMS, one price per message whatever its length.
    const channel = t?.mediaUrl ? ('mms' as const) : ('sms' as const);
    const parts = variants.reduce((sum, v) => sum + v.share * v.segments, 0);
    return {
      template_id: id,
      sample: longest.sample,
      encoding: longest.encoding,
      segments: longest.segments,
      share,
      variants,
      channel,
      media_url: t?.mediaUrl ?? null,
      cost_cents: channel === 'mms' ? mmsPrice : perPart === null ? null : longest.segments * perPart,
      /** Expected cost of one recipient's message over the sender kinds (not rounded). */
      expected: channel === 'mms' ? mmsPrice : perPart === null ? null : parts * perPart,
    };
  });
  const abTest = campaign.abTest
    ? abPreview(campaign, templates, eligible, plan?.winnerExpectedAt ?? null, warnings)
    : null;
  const ordered = campaign.templateIds.flatMap((id) => templates.filter((t) => t.id === id));
  const launchProblems = optOutLaunchProblems(ordered, senders, tenant);
  if (perPart === null && rendered.some((r) => r.channel === 'sms'))
    warnings.push(`No SMS cost is configured for ${tenant.country}; the cost is unknown.`);
  if (mmsPrice === null && rendered.some((r) => r.channel === 'mms'))
    warnings.push(`No MMS price is configured for ${tenant.country}; the cost of the MMS is unknown.`);
  const mmsBlocked = mmsBlockerText(await mmsBlockers(db, campaign));
  if (mmsBlocked) launchProblems.push({ path: 'sending_number_ids', message: mmsBlocked });
  if (tenant.isPaused) warnings.push('Sending is paused for this tenant (kill switch).');
  if (active.length === 0) warnings.push('No active sending number: nothing can be sent.');
  const estimated = rendered.some((r) => r.expected === null)
    ? null
    : Math.round(rendered.reduce((sum, r) => sum + r.share * (r.expected ?? 0), 0) * eligible);
  return {
    audience,
    eligible,
    excluded,
    local_time: localTime,
    ab_test: abTest,
    estimated_cost_cents: estimated,
    per_part_cents: perPart,
    mms_price_cents: mmsPrice,
    templates: rendered.map(({ expected: _, ...r }) => r),
    sending_numbers: active.length,
    warnings,
    launch_problems: launchProblems,
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
