// The campaign API's shapes: request bodies, answers, and the row → JSON mappings every campaign
// route shares.
import { z } from '@hono/zod-openapi';
import { CAMPAIGN_STATUSES, type campaigns, JOB_STATUSES, type sendJobs } from '../../db/schema';
import { jobTemplateId } from '../../domain/ab-split';
import { AB_METRICS, AB_SHARE_MAX, AB_SHARE_MIN, AB_WAIT_MAX, AB_WAIT_MIN } from '../../domain/ab-test';
import { IF_PASSED, isCalendarDate } from '../../domain/local-delivery';
import { SENDER_KINDS } from '../../domain/senders';
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

export const AbTest = z
  .object({
    test_share_percent: z
      .number()
      .int()
      .min(AB_SHARE_MIN)
      .max(AB_SHARE_MAX)
      .openapi({ description: 'Share of the audience in the test group, 5–50 (%)' }),
    wait_minutes: z.number().int().min(AB_WAIT_MIN).max(AB_WAIT_MAX).openapi({
      description: 'How long after the last test message the winner is picked, 60–4320 (1–72 h)',
    }),
    metric: z
      .enum(AB_METRICS)
      .default('human_click_rate')
      .openapi({
        description:
          'human_click_rate: recipients who clicked their link / messages sent; delivery_rate: delivered / sent. ' +
          'Without a link in any template the delivery rate decides.',
      }),
  })
  .strict()
  .openapi('AbTest', {
    description:
      'Send the variants (template_ids, at least two) to a test group, wait, then send only the winner to the rest. ' +
      'Ties go to the cheaper variant, then the lower template id.',
  });

export const SendAtLocal = z
  .object({
    date: z.string().refine(isCalendarDate, 'Expected a real date, YYYY-MM-DD'),
    time: HhMm,
    if_passed: z
      .enum(IF_PASSED)
      .default('next_day')
      .openapi({
        description:
          'When that local time has already passed for a recipient as sending starts: next_day (the same time the ' +
          'next day) or skip (counted as skipped, reason local_time_passed)',
      }),
  })
  .strict()
  .openapi('SendAtLocal', {
    description:
      "Deliver at `time` on `date` in each recipient's timezone (the contact's, else the tenant's). Quiet hours still win.",
  });

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
  ab_test: AbTest.nullable().optional(),
  send_at_local: SendAtLocal.nullable().optional(),
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
    ab_test: AbTest.nullable(),
    send_at_local: SendAtLocal.nullable(),
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
    ab_test: z
      .object({ test_share_percent: z.number(), wait_minutes: z.number(), metric: z.enum(AB_METRICS) })
      .nullable(),
    ab_phase: z.enum(['test', 'waiting', 'winner']).nullable(),
    ab_decide_at: z.string().nullable(),
    ab_winner_template_id: z.string().nullable(),
    send_at_local: z.object({ date: z.string(), time: z.string(), if_passed: z.enum(IF_PASSED) }).nullable(),
    queued_at: z.string().nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    archived_at: z
      .string()
      .nullable()
      .openapi({
        description:
          'When its per-message rows left the database for the archive (docs/lifecycle.md): from then on its ' +
          'reports read daily roll-ups, its jobs list is empty and recipients.csv streams from the archive',
      }),
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
      local_time_passed: z.number().int().openapi({ description: 'send_at_local with if_passed skip' }),
    }),
    local_time: z
      .object({
        on_time: z.number().int(),
        next_day: z.number().int().openapi({ description: 'Their local time has passed: the next day' }),
        skipped: z.number().int(),
        first_send_at: z.string().nullable(),
        last_send_at: z.string().nullable(),
      })
      .nullable(),
    ab_test: z
      .object({
        test_group: z.number().int().openapi({ description: 'About this many get a variant (estimate)' }),
        rest: z.number().int().openapi({ description: 'About this many get the winner (estimate)' }),
        metric: z.enum(AB_METRICS).openapi({ description: 'The metric that will decide' }),
        winner_expected_at: z.string().nullable(),
      })
      .nullable(),
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
        variants: z
          .array(
            z.object({
              sender_kind: z.enum(SENDER_KINDS),
              can_receive_replies: z.boolean(),
              share: z.number().openapi({ description: "Of this template's recipients" }),
              sample: z.string(),
              encoding: z.string(),
              segments: z.number().int(),
              characters: z.number().int(),
            }),
          )
          .openapi({
            description:
              'The message as sent from each kind of sender of the campaign: from an alphanumeric ID it ' +
              'carries the personal opt-out link instead of "Reply STOP". `sample`/`segments` above are ' +
              'the longest variant.',
          }),
        /** issue 14: a template with an image is an MMS, priced per message. */
        channel: z.enum(['sms', 'mms']),
        media_url: z.string().nullable(),
        /** One recipient's message; null when its price is not configured. */
        cost_cents: z.number().int().nullable(),
      }),
    ),
    sending_numbers: z.number().int(),
    warnings: z.array(z.string()),
    launch_problems: z.array(z.object({ path: z.string(), message: z.string() })).openapi({
      description: 'Why launching would be refused now (422 with these errors); empty when it can launch.',
    }),
  })
  .openapi('LaunchPreview');

export const AbStats = z
  .object({
    phase: z.enum(['not_started', 'test', 'waiting', 'winner', 'done']).openapi({
      description:
        'not_started; test (sending the variants to the test group); waiting (for decide_at); winner (sending ' +
        'the winner to the rest); done',
    }),
    winner_template_id: z.string().nullable(),
    reason: z.string().nullable().openapi({ description: 'Why it won, with the numbers' }),
    test_share_percent: z.number(),
    wait_minutes: z.number(),
    metric: z.enum(AB_METRICS).openapi({ description: 'The metric asked for' }),
    decided_by: z.enum(AB_METRICS).nullable().openapi({ description: 'The metric that decided' }),
    decide_at: z.string().nullable().openapi({ description: 'When the winner is (or was) due to be picked' }),
    decided_at: z.string().nullable(),
    variants: z
      .array(
        z.object({
          template_id: z.string(),
          name: z.string().nullable(),
          sent: z.number().int(),
          delivered: z.number().int(),
          clickers: z.number().int(),
          cost_cents: z.number().int(),
          parts: z.number().int(),
          rate: z.number(),
        }),
      )
      .openapi({ description: 'What the test measured per variant when the winner was picked' }),
  })
  .openapi('AbResult');

export const PlanEntrySchema = z
  .object({
    send_at: z.string().openapi({ description: 'UTC instant' }),
    recipients: z.number().int(),
    phase: z.enum(['test', 'winner']).nullable().openapi({ description: 'A/B phase (null without a test)' }),
    timezones: z
      .array(z.string())
      .openapi({ description: 'Recipient time zones at this instant (up to 12)' }),
    estimated: z
      .boolean()
      .openapi({ description: 'Counted from the audience now: the fan-out has not written these yet' }),
  })
  .openapi('DeliveryPlanEntry');

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
    ab: AbStats.nullable(),
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
    ab_test: r.abTest ?? null,
    ab_phase: r.abPhase ?? null,
    ab_decide_at: r.abDecideAt ?? null,
    ab_winner_template_id: r.abWinnerTemplateId ?? null,
    send_at_local: r.sendAtLocal ?? null,
    queued_at: r.queuedAt,
    started_at: r.startedAt,
    completed_at: r.completedAt,
    cancelled_at: r.cancelledAt,
    archived_at: r.archivedAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

export type JobRow = typeof sendJobs.$inferSelect;
/** A job as the API shows it; `templateIds` are its campaign's (a job names its own only in an A/B test). */
export const jobJson = (j: JobRow, templateIds: readonly string[]): z.infer<typeof JobSchema> => ({
  id: j.id,
  contact_id: j.contactId,
  template_id: jobTemplateId(j.templateId, templateIds),
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
