// shard database: the messages themselves (a campaign's send jobs, personal short links and their
// click counts, logged events, provider webhook events) and direct messages outside a campaign.
import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import { createdAt, id, now, oneOf } from './columns';
import { contacts } from './contacts';
import { tenants, users } from './control';
import { EVENT_TYPES, JOB_STATUSES } from './enums';
import { flowEnrolments, flows } from './flows';
import { sendingNumbers } from './senders';
import { campaigns, messageTemplates } from './templates-campaigns';

export const sendJobs = sqliteTable(
  'send_jobs',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    // Null when the campaign has one template (workers/domain/ab-split.ts storedTemplateId).
    templateId: text('template_id').references(() => messageTemplates.id, { onDelete: 'set null' }),
    sendingNumberId: text('sending_number_id').references(() => sendingNumbers.id, { onDelete: 'set null' }),
    status: text('status', { enum: JOB_STATUSES }).notNull().default('queued'),
    body: text('body'),
    parts: integer('parts'),
    costCents: integer('cost_cents'),
    providerMessageId: text('provider_message_id'),
    failureReason: text('failure_reason'),
    // beyond the ERD: the attempt is recorded before Twilio is called, so a crash between
    // "Twilio accepted" and "marked sent" is never blindly resent
    attemptCount: integer('attempt_count').notNull().default(0),
    attemptStartedAt: text('attempt_started_at'),
    errorCode: text('error_code'),
    // beyond the ERD: until when the job's queue message is expected back; null = no message in
    // flight (paused). The reconcile cron re-enqueues queued jobs whose lease has run out.
    leaseUntil: text('lease_until'),
    // beyond the ERD (issue 12, local-time delivery): the job is not sent before this instant (the
    // recipient's local time, spread at the senders' rate); null = as soon as it comes up.
    notBefore: text('not_before'),
    queuedAt: text('queued_at').notNull().default(now),
    sentAt: text('sent_at'),
    deliveredAt: text('delivered_at'),
    failedAt: text('failed_at'),
  },
  (t) => [
    // Every index here serves a named query (docs/indexes.md); a job is the
    // biggest row per message, so nothing is indexed that no query reads. The ERD's tenant_id,
    // campaign_id and status indexes are the leading columns of the first, fourth and fifth.
    // idempotency (fan-out's INSERT … ON CONFLICT) and every tenant-scoped job lookup
    uniqueIndex('send_jobs_tenant_campaign_contact_unique').on(t.tenantId, t.campaignId, t.contactId),
    // foreign keys: the contact's messages (timeline, reply attribution, erasure)
    index('send_jobs_contact_id_idx').on(t.contactId),
    // only A/B jobs name their template (a single-template campaign's list says it once)
    index('send_jobs_template_id_idx').on(t.templateId).where(sql`template_id IS NOT NULL`),
    index('send_jobs_sending_number_id_idx').on(t.sendingNumberId),
    // a campaign's progress, completion ("no job left queued"), stats and job lists by status
    index('send_jobs_campaign_status_idx').on(t.campaignId, t.status),
    // lost queue messages (cron): only queued jobs are in it, so it stays small whatever the history
    index('send_jobs_status_lease_idx').on(t.status, t.leaseUntil).where(sql`status = 'queued'`),
    // 72-hour reconciliation: only jobs still 'sent' (no final receipt yet)
    index('send_jobs_status_sent_at_idx').on(t.status, t.sentAt).where(sql`status = 'sent'`),
    check('send_jobs_status_enum', oneOf('status', JOB_STATUSES)),
  ],
);

export const shortLinks = sqliteTable(
  'short_links',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    // Null for a link sent by an automation flow (issue 14): flow_enrolment_id names it instead.
    campaignId: text('campaign_id').references(() => campaigns.id, { onDelete: 'cascade' }),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    token: text('token').notNull(),
    // NULL: the campaign's target_url (the fan-out's links; a campaign's target is fixed at launch,
    // so it is stored once, not per recipient: issue 11's storage budget). The redirect applies the
    // campaign's UTM parameters either way. Retention (issue 9) sets it to '' RETENTION_SHORT_LINK_DAYS
    // after expiry (an expired link answers its 410 page and never redirects) and points contact_id
    // at the tenant's ERASED_LINKS_CONTACT stand-in: the row keeps its counters for the campaign report.
    targetUrl: text('target_url'),
    clickedAt: text('clicked_at'),
    clickCount: integer('click_count').notNull().default(0),
    humanClickCount: integer('human_click_count').notNull().default(0),
    // beyond the ERD: when the last few human clicks happened (newest first, at most
    // RECENT_CLICKS_KEPT), for revenue attribution and the event log. A click costs the link row a
    // timestamp instead of an event row with its eight index entries (README "Storage per message").
    recentClicks: text('recent_clicks', { mode: 'json' }).$type<string[]>(),
    // beyond the ERD (issue 14): the automation flow, enrolment and step whose message carried the
    // link (a flow's "clicked" branches, its per-step clicks and its revenue attribution read them)
    flowId: text('flow_id').references((): AnySQLiteColumn => flows.id, { onDelete: 'cascade' }),
    flowEnrolmentId: text('flow_enrolment_id').references((): AnySQLiteColumn => flowEnrolments.id, {
      onDelete: 'cascade',
    }),
    flowStepId: text('flow_step_id'),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [
    uniqueIndex('short_links_token_unique').on(t.token),
    index('short_links_tenant_id_idx').on(t.tenantId),
    index('short_links_campaign_id_idx').on(t.campaignId),
    index('short_links_contact_id_idx').on(t.contactId),
    index('short_links_flow_id_idx').on(t.flowId).where(sql`flow_id IS NOT NULL`),
    index('short_links_flow_enrolment_id_idx')
      .on(t.flowEnrolmentId)
      .where(sql`flow_enrolment_id IS NOT NULL`),
    // a link belongs to a campaign or to a flow's message, never both, never neither
    check(
      'short_links_owner',
      sql`(${t.campaignId} IS NULL) = (${t.flowEnrolmentId} IS NOT NULL) AND (${t.flowId} IS NULL) = (${t.flowEnrolmentId} IS NULL)`,
    ),
  ],
);

// beyond the ERD: clicks per campaign and minute, for the "over time" charts (a row per minute
// with clicks, not a row per click).
export const clickCounts = sqliteTable(
  'click_counts',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    /** The minute, ISO-8601 UTC (e.g. 2026-12-02T10:05). */
    slot: text('slot').notNull(),
    clicks: integer('clicks').notNull().default(0),
    humanClicks: integer('human_clicks').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.slot] }),
    index('click_counts_tenant_slot_idx').on(t.tenantId, t.slot),
  ],
);

export const events = sqliteTable(
  'events',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    contactId: text('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    campaignId: text('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    sendJobId: text('send_job_id').references(() => sendJobs.id, { onDelete: 'set null' }),
    shortLinkId: text('short_link_id').references(() => shortLinks.id, { onDelete: 'set null' }),
    eventType: text('event_type', { enum: EVENT_TYPES }).notNull(),
    metadata: text('metadata', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'`),
    createdAt: createdAt(),
  },
  (t) => [
    // the event log: a tenant's events newest first, by keyset on id (UUIDv7), without a sort
    index('events_tenant_id_idx').on(t.tenantId, t.id),
    index('events_contact_id_idx').on(t.contactId),
    index('events_campaign_id_idx').on(t.campaignId),
    // Partial: most events name no job (or no link), and a foreign-key check only ever looks for one.
    index('events_send_job_id_idx').on(t.sendJobId).where(sql`send_job_id IS NOT NULL`),
    index('events_short_link_id_idx').on(t.shortLinkId).where(sql`short_link_id IS NOT NULL`),
    index('events_event_type_idx').on(t.eventType),
    index('events_created_at_idx').on(t.createdAt),
    // beyond the ERD (issue 12, conversations): what a sender who is not a contact texted us, by
    // their number. Partial: only inbound messages without a contact are in it (few rows).
    index('events_inbound_unknown_from_idx')
      .on(t.tenantId, sql`(metadata ->> '$.from')`)
      .where(sql`contact_id IS NULL AND event_type IN ('REPLIED', 'OPT_OUT', 'RESUBSCRIBE')`),
    check('events_event_type_enum', oneOf('event_type', EVENT_TYPES)),
  ],
);

export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: id(),
    // null when the callback names a message we do not know (stored, answered 200)
    tenantId: text('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    providerEventId: text('provider_event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    processedAt: text('processed_at'),
    // beyond the ERD (issue 9): when the payload was cut down to its non-personal keys (retention
    // after RETENTION_WEBHOOK_PAYLOAD_DAYS, or the contact's erasure). The row itself stays: its
    // provider_event_id is the replay guard.
    payloadScrubbedAt: text('payload_scrubbed_at'),
  },
  (t) => [
    uniqueIndex('webhook_events_provider_event_id_unique').on(t.providerEventId),
    index('webhook_events_tenant_id_idx').on(t.tenantId),
    // Partial indexes over the payloads still holding personal data (at most the retention window):
    // retention walks them by id (UUIDv7 = arrival time), an erasure by tenant.
    index('webhook_events_unscrubbed_id_idx').on(t.id).where(sql`${t.payloadScrubbedAt} IS NULL`),
    index('webhook_events_unscrubbed_tenant_idx').on(t.tenantId).where(sql`${t.payloadScrubbedAt} IS NULL`),
  ],
);

// ---------------------------------------------------------------------------------------------
// shard database: one message to one person outside a campaign (staff replies in a conversation,
// test sends, opt-in confirmations, automation steps). The same checks as a campaign message
// (do-not-contact, kill switch, number limits, budget; quiet hours where the kind needs them), sent
// through the same queue and provider; `dedupe_key` makes "at most one SMS per key" hold across
// redeliveries and retries (a flow step of an enrolment, a test request, a reply request).
export const DIRECT_KINDS = ['reply', 'test', 'confirmation', 'flow', 'verification'] as const;
export type DirectKind = (typeof DIRECT_KINDS)[number];

export const directMessages = sqliteTable(
  'direct_messages',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: DIRECT_KINDS }).notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    /** Null for a test number or a phone that is not (yet) a contact. */
    contactId: text('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    toPhone: text('to_phone').notNull(),
    /** Chosen by the caller (a reply goes from the number the person last heard from), else by the sender. */
    sendingNumberId: text('sending_number_id').references(() => sendingNumbers.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    mediaUrl: text('media_url'),
    /** Marketing (flows) waits out quiet hours in the recipient's zone; replies and tests do not. */
    quietHoursStart: text('quiet_hours_start'),
    quietHoursEnd: text('quiet_hours_end'),
    status: text('status', { enum: JOB_STATUSES }).notNull().default('queued'),
    parts: integer('parts'),
    costCents: integer('cost_cents'),
    providerMessageId: text('provider_message_id'),
    failureReason: text('failure_reason'),
    errorCode: text('error_code'),
    attemptCount: integer('attempt_count').notNull().default(0),
    attemptStartedAt: text('attempt_started_at'),
    /**
     * When its latest queue message is due (queued now, or held back by a limit or quiet hours):
     * the cron re-queues a message still queued well past it (a lost queue message).
     */
    nextAttemptAt: text('next_attempt_at'),
    /** Who asked (a user, for replies and tests); flows and confirmations have none. */
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** What it belongs to: a campaign tested, a flow enrolment and step, a pending opt-in… */
    context: text('context', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    queuedAt: text('queued_at').notNull().default(now),
    sentAt: text('sent_at'),
    deliveredAt: text('delivered_at'),
    failedAt: text('failed_at'),
  },
  (t) => [
    uniqueIndex('direct_messages_tenant_dedupe_unique').on(t.tenantId, t.dedupeKey),
    // a contact's thread (conversations, the contact page) and the foreign key
    index('direct_messages_contact_id_idx').on(t.contactId, t.queuedAt),
    index('direct_messages_sending_number_id_idx').on(t.sendingNumberId),
    index('direct_messages_created_by_idx').on(t.createdBy),
    // the cron's look for lost queue messages
    index('direct_messages_queued_idx').on(t.nextAttemptAt).where(sql`status = 'queued'`),
    // issue 12 (conversations): the messages to a phone that is not (or was not yet) a contact
    index('direct_messages_tenant_phone_idx').on(t.tenantId, t.toPhone, t.queuedAt),
    check('direct_messages_kind_enum', oneOf('kind', DIRECT_KINDS)),
    check('direct_messages_status_enum', oneOf('status', JOB_STATUSES)),
  ],
);
