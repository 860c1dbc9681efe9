// The campaign API's shapes: request bodies, answers, and the row → JSON mappings every campaign
// route shares.
import { z } from '@hono/zod-openapi';
import { CAMPAIGN_STATUSES, type campaigns, JOB_STATUSES, type sendJobs } from '../../db/schema';
import { HhMm } from '../../http/router';
import { RevenueShape } from '../conversions';

const Audience = z
  .object({
    import_batch_id: z.uuid().optional(),
    custom_field: z
      .object({
        key: z.string().regex(/^[A-Za-z0-9_ -]{1,64}$/, 'Letters, digits, space, - and _ (max 64)'),
        value: z.string().max(500),
      })
      .strict()
      .optional(),
    include_segment_ids: z
      .array(z.uuid())
      .max(20)
      .optional()
      .openapi({ description: 'Contacts in any of these segments (none listed: everyone)' }),
    exclude_segment_ids: z
      .array(z.uuid())
      .max(20)
      .optional()
      .openapi({ description: 'Minus contacts in any of these segments' }),
  })
  .strict()
  .openapi('CampaignAudience', {
    description:
      'Who receives it. Segments are frozen into `audience.snapshot` at launch, so later edits of a segment ' +
      'never change a launched campaign.',
  });

const UtmParams = z.record(z.string().regex(/^[a-z_]{1,32}$/), z.string().max(200));
const HttpUrl = z
  .url()
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), 'Must be an http(s) URL');
const IsoInstant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

const CampaignFields = z.object({
  name: z.string().trim().min(1).max(200),
  template_ids: z.array(z.uuid()).min(1).max(10),
  quiet_hours_start: HhMm.default('20:00'),
  quiet_hours_end: HhMm.default('09:00'),
  target_url: HttpUrl.nullable().optional(),
  audience: Audience.default({}),
  scheduled_at: IsoInstant.nullable().optional(),
  sending_number_ids: z.array(z.uuid()).max(50).default([]),
  utm_params: UtmParams.nullable().optional(),
});
export const CampaignCreate = CampaignFields.strict();
export const CampaignPatch = z
  .object({
    name: CampaignFields.shape.name,
    template_ids: CampaignFields.shape.template_ids,
    quiet_hours_start: HhMm,
    quiet_hours_end: HhMm,
    target_url: HttpUrl.nullable(),
    audience: Audience,
    scheduled_at: IsoInstant.nullable(),
    sending_number_ids: z.array(z.uuid()).max(50),
    utm_params: UtmParams.nullable(),
  })
  .partial()
  .strict();

export const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    status_reason: z.string().nullable(),
    template_ids: z.array(z.string()),
    quiet_hours_start: z.string(),
    quiet_hours_end: z.string(),
    target_url: z.string().nullable(),
    audience: z.record(z.string(), z.unknown()),
    scheduled_at: z.string().nullable(),
    sending_number_ids: z.array(z.string()),
    utm_params: z.record(z.string(), z.string()).nullable(),
    audience_count: z.number().int().nullable(),
    skipped_counts: z.record(z.string(), z.number()),
    queued_at: z.string().nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Campaign');

export const PreviewSchema = z
  .object({
    audience: z.number().int(),
    eligible: z.number().int(),
    excluded: z.object({
      no_consent: z.number().int(),
      do_not_contact: z.number().int(),
      suppressed: z.number().int(),
      invalid: z.number().int(),
    }),
    estimated_cost_cents: z.number().int().nullable(),
    per_part_cents: z.number().int().nullable(),
    mms_price_cents: z.number().int().nullable(),
    templates: z.array(
      z.object({
        template_id: z.string(),
        sample: z.string(),
        encoding: z.string(),
        segments: z.number().int(),
        share: z.number(),
        /** issue 14: a template with an image is an MMS, priced per message. */
        channel: z.enum(['sms', 'mms']),
        media_url: z.string().nullable(),
        /** One recipient's message; null when its price is not configured. */
        cost_cents: z.number().int().nullable(),
      }),
    ),
    sending_numbers: z.number().int(),
    warnings: z.array(z.string()),
  })
  .openapi('LaunchPreview');

export const CountsShape = {
  queued: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  clicks: z.number().int(),
  human_clicks: z.number().int(),
  cost_cents: z.number().int(),
};
export const StatsSchema = z
  .object({
    status: z.enum(CAMPAIGN_STATUSES),
    status_reason: z.string().nullable(),
    audience: z.number().int(),
    eligible: z.number().int(),
    skipped: z.record(z.string(), z.number().int()),
    ...CountsShape,
    cancelled: z.number().int(),
    replies: z.number().int(),
    opt_outs: z.number().int(),
    failure_reasons: z.record(z.string(), z.number().int()),
    by_template: z.array(
      z.object({ template_id: z.string().nullable(), name: z.string().nullable(), ...CountsShape }),
    ),
    ...RevenueShape,
  })
  .openapi('CampaignStats');

export const JobSchema = z
  .object({
    id: z.string(),
    contact_id: z.string(),
    template_id: z.string().nullable(),
    sending_number_id: z.string().nullable(),
    status: z.enum(JOB_STATUSES),
    body: z.string().nullable(),
    parts: z.number().int().nullable(),
    cost_cents: z.number().int().nullable(),
    provider_message_id: z.string().nullable(),
    failure_reason: z.string().nullable(),
    error_code: z.string().nullable(),
    attempt_count: z.number().int(),
    queued_at: z.string(),
    sent_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    failed_at: z.string().nullable(),
  })
  .openapi('SendJob');

export type CampaignRow = typeof campaigns.$inferSelect;
export function campaignJson(r: CampaignRow): z.infer<typeof CampaignSchema> {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    status_reason: r.statusReason,
    template_ids: r.templateIds,
    quiet_hours_start: r.quietHoursStart,
    quiet_hours_end: r.quietHoursEnd,
    target_url: r.targetUrl,
    audience: r.audience,
    scheduled_at: r.scheduledAt,
    sending_number_ids: r.sendingNumberIds,
    utm_params: r.utmParams,
    audience_count: r.audienceCount,
    skipped_counts: r.skippedCounts,
    queued_at: r.queuedAt,
    started_at: r.startedAt,
    completed_at: r.completedAt,
    cancelled_at: r.cancelledAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

export type JobRow = typeof sendJobs.$inferSelect;
export const jobJson = (j: JobRow): z.infer<typeof JobSchema> => ({
  id: j.id,
  contact_id: j.contactId,
  template_id: j.templateId,
  sending_number_id: j.sendingNumberId,
  status: j.status,
  body: j.body,
  parts: j.parts,
  cost_cents: j.costCents,
  provider_message_id: j.providerMessageId,
  failure_reason: j.failureReason,
  error_code: j.errorCode,
  attempt_count: j.attemptCount,
  queued_at: j.queuedAt,
  sent_at: j.sentAt,
  delivered_at: j.deliveredAt,
  failed_at: j.failedAt,
});
