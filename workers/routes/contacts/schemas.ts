// The contact API's shapes (request bodies, answers) and the row → JSON mapping.
import { z } from '@hono/zod-openapi';
import { CONSENT_STATUSES, type contacts, DNC_REASONS, EVENT_TYPES } from '../../db/schema';
import { isIsoTimestamp } from '../../domain/csv-import';
import { MAX_TAGS_PER_CONTACT, normalizeTags } from '../../domain/tags';
import { PageQuery, TimeZone } from '../../http/router';

export const ContactSchema = z
  .object({
    id: z.string(),
    phone_e164: z.string(),
    email: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    timezone: z.string().nullable(),
    custom_fields: z.record(z.string(), z.string()),
    consent_status: z.enum(CONSENT_STATUSES),
    consent_source: z.string().nullable(),
    consent_timestamp: z.string().nullable(),
    last_sent_at: z.string().nullable(),
    last_human_click_at: z.string().nullable(),
    last_reply_at: z.string().nullable(),
    import_batch_id: z.string().nullable(),
    tags: z.array(z.string()),
    on_do_not_contact: z.boolean(),
    do_not_contact: z.object({ reason: z.enum(DNC_REASONS), created_at: z.string() }).nullable(),
    erased_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Contact');

export const ContactDetailSchema = ContactSchema.extend({
  suppressed: z.boolean(),
  suppressed_until: z.string().nullable(),
}).openapi('ContactDetail');

const ConsentTimestamp = z
  .string()
  .trim()
  .refine(isIsoTimestamp, 'Expected an ISO-8601 date or date-time, e.g. 2024-05-01T09:30:00+10:00');
const CustomFields = z
  .record(z.string().trim().min(1).max(100), z.string().max(1000))
  .refine((r) => Object.keys(r).length <= 100, 'At most 100 custom fields');
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
const Tags = z
  .array(z.string().max(200))
  .max(MAX_TAGS_PER_CONTACT, `At most ${MAX_TAGS_PER_CONTACT} tags`)
  .transform((tags, ctx) => {
    const r = normalizeTags(tags);
    if (r.ok) return r.tags;
    ctx.addIssue({ code: 'custom', path: [r.index], message: r.reason });
    return z.NEVER;
  })
  .openapi({
    type: 'array',
    items: { type: 'string' },
    description:
      'Trimmed; case-insensitive (VIP = vip), kept as first written; at most 64 characters, no , or ;',
  });

export const ContactCreate = z
  .object({
    phone: z.string().trim().min(1).max(40),
    email: z.email().max(254).nullable().optional(),
    first_name: optionalText(200),
    last_name: optionalText(200),
    timezone: TimeZone.nullable().optional(),
    custom_fields: CustomFields.optional(),
    consent_status: z.enum(CONSENT_STATUSES),
    consent_source: optionalText(200),
    consent_timestamp: ConsentTimestamp.nullable().optional(),
    tags: Tags.optional(),
  })
  .strict();

export const ContactPatch = ContactCreate.partial().strict();

export const ContactQuery = PageQuery.extend({
  search: z.string().max(200).optional(),
  consent_status: z.enum(CONSENT_STATUSES).optional(),
  on_do_not_contact: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  tag: z.string().max(200).optional().openapi({ description: 'Only contacts with this tag (any case)' }),
  segment_id: z.uuid().optional().openapi({ description: 'Only contacts in this segment' }),
});

export const EventSchema = z
  .object({
    id: z.string(),
    event_type: z.enum(EVENT_TYPES),
    campaign_id: z.string().nullable(),
    send_job_id: z.string().nullable(),
    short_link_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .openapi('ContactEvent');

export type ContactRow = typeof contacts.$inferSelect;
export type DncPart = { reason: (typeof DNC_REASONS)[number] | null; createdAt: string | null };

export function contactJson(c: ContactRow, dnc: DncPart, tags: string[]): z.infer<typeof ContactSchema> {
  const listed = dnc.reason !== null && dnc.createdAt !== null;
  return {
    id: c.id,
    phone_e164: c.phoneE164,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    timezone: c.timezone,
    custom_fields: c.customFields,
    consent_status: c.consentStatus,
    consent_source: c.consentSource,
    consent_timestamp: c.consentTimestamp,
    last_sent_at: c.lastSentAt,
    last_human_click_at: c.lastHumanClickAt,
    last_reply_at: c.lastReplyAt,
    import_batch_id: c.importBatchId,
    tags,
    on_do_not_contact: listed,
    do_not_contact: listed ? { reason: dnc.reason!, created_at: dnc.createdAt! } : null,
    erased_at: c.erasedAt,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}
