// What several campaign routes need: finding a tenant's campaign, and the cross-table checks of its settings.
import { and, eq, inArray } from 'drizzle-orm';
import { type CampaignAudience, missingSegments, snapshotAudience } from '../../db/audience';
import type { Db } from '../../db/client';
import { campaigns, messageTemplates, segments, sendingNumbers } from '../../db/schema';
import { ApiError, notFound } from '../../http/errors';
import { usesLink } from '../../send/render';
import { type DeliverySettings, deliverySettingsErrors } from './ab';
import type { CampaignRow } from './schemas';

export async function findCampaign(db: Db, tenantId: string, id: string): Promise<CampaignRow> {
  const row = await db.query.campaigns.findFirst({
    where: and(eq(campaigns.id, id), eq(campaigns.tenantId, tenantId)),
  });
  if (!row) throw notFound('Campaign');
  return row;
}

type Settings = {
  template_ids?: string[];
  sending_number_ids?: string[];
  target_url?: string | null;
  quiet_hours_start?: string;
  quiet_hours_end?: string;
  audience?: CampaignAudience;
} & Partial<Omit<DeliverySettings, 'template_ids'>>;

/**
 * Cross-field and cross-table checks: templates and numbers must be this tenant's; an A/B test
 * and local-time delivery must make sense together with the rest.
 */
export async function validateSettings(db: Db, tenantId: string, s: Required<Settings>) {
  const errors: { path: string; message: string }[] = [];
  if (s.quiet_hours_start === s.quiet_hours_end) {
    errors.push({ path: 'quiet_hours_end', message: 'Quiet hours must start and end at different times' });
  }
  const ids = [...new Set(s.template_ids)];
  const found = await db
    .select({ id: messageTemplates.id, body: messageTemplates.body, isActive: messageTemplates.isActive })
    .from(messageTemplates)
    .where(and(eq(messageTemplates.tenantId, tenantId), inArray(messageTemplates.id, ids)));
  const byId = new Map(found.map((t) => [t.id, t]));
  s.template_ids.forEach((id, i) => {
    const t = byId.get(id);
    if (!t) errors.push({ path: `template_ids.${i}`, message: 'No such template' });
    else if (!t.isActive) errors.push({ path: `template_ids.${i}`, message: 'The template is inactive' });
    else if (usesLink(t.body) && !s.target_url) {
      errors.push({ path: 'target_url', message: 'A template uses {{link}}: set target_url' });
    }
  });
  if (s.sending_number_ids.length > 0) {
    const nums = await db
      .select({ id: sendingNumbers.id })
      .from(sendingNumbers)
      .where(
        and(
          eq(sendingNumbers.tenantId, tenantId),
          inArray(sendingNumbers.id, [...new Set(s.sending_number_ids)]),
        ),
      );
    const known = new Set(nums.map((n) => n.id));
    s.sending_number_ids.forEach((id, i) => {
      if (!known.has(id)) errors.push({ path: `sending_number_ids.${i}`, message: 'No such sending number' });
    });
  }
  errors.push(...(await audienceErrors(db, tenantId, s.audience)));
  errors.push(...(await deliverySettingsErrors(db, tenantId, s)));
  if (errors.length) throw new ApiError('VALIDATION', 'The campaign has invalid fields.', { errors });
}

/** Segments named in the audience must be this tenant's, and none both included and excluded. */
async function audienceErrors(db: Db, tenantId: string, audience: CampaignAudience) {
  const include = audience.include_segment_ids ?? [];
  const exclude = audience.exclude_segment_ids ?? [];
  if (include.length + exclude.length === 0) return [];
  const found = await db
    .select({ id: segments.id })
    .from(segments)
    .where(
      and(eq(segments.tenantId, tenantId), inArray(segments.id, [...new Set([...include, ...exclude])])),
    );
  const errors = missingSegments(audience, new Set(found.map((r) => r.id)));
  exclude.forEach((id, i) => {
    if (include.includes(id)) {
      errors.push({ path: `audience.exclude_segment_ids.${i}`, message: 'Also in include_segment_ids' });
    }
  });
  return errors;
}

/**
 * The campaign's audience ready for `audienceWhere`: as frozen at launch, or (a draft) with its
 * segments as they are at `at`.
 */
export async function campaignAudience(
  db: Db,
  campaign: CampaignRow,
  at: Date,
  timezone: string,
): Promise<CampaignAudience> {
  const audience = campaign.audience as CampaignAudience;
  if (audience.snapshot) return audience;
  const r = await snapshotAudience(db.$client, campaign.tenantId, audience, at, timezone);
  if (!r.ok) {
    throw new ApiError('VALIDATION', 'The audience names a segment that no longer exists.', {
      errors: r.errors,
    });
  }
  return r.audience;
}
