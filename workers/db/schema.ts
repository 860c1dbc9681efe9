// The whole data model, in one place. Tables and columns follow ../shared/ERD.md;
// additions the product needs are marked "beyond the ERD" and listed in the README.
// Timestamps are ISO-8601 UTC strings (sortable, readable in D1); ids are UUIDv7 strings.
// Which database holds which table is decided in schema-control.ts and schema-shard.ts (each a
// drizzle-kit entry with its own migrations folder); tenants, users and sending_numbers live in both
// (the control database is their source of truth, each shard keeps a copy of its tenants' rows so
// its foreign keys hold: see workers/db/replicate.ts).
import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  check,
  customType,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import { AB_PHASES, type AbMetric } from '../domain/ab-test';
import type { RecordedPlan } from '../domain/delivery-plan';
import type { FlowStep } from '../domain/flow-steps';
import type { IfPassed } from '../domain/local-delivery';
import { ACMA_STATUSES, SENDER_KINDS } from '../domain/senders';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;
const id = () => text('id').primaryKey();
const createdAt = () => text('created_at').notNull().default(now);
const updatedAt = () => text('updated_at').notNull().default(now);
const bool = (name: string) => integer(name, { mode: 'boolean' });

/** SQL `col IN ('a','b')` for a CHECK constraint from a readonly list of literals. */
function oneOf(column: string, values: readonly string[]) {
  return sql.raw(`"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`);
}
function isBool(column: string) {
  return sql.raw(`"${column}" IN (0, 1)`);
}

export const CONSENT_STATUSES = ['explicit', 'implied', 'unknown'] as const;
export const DNC_REASONS = ['STOP', 'COMPLAINED', 'MANUAL'] as const;
/**
 * How a number came onto do-not-contact (issue 10): a STOP reply (`sms`), the personal opt-out link
 * (`link`), or a person on the team (`staff`). Null for entries older than the column.
 */
export const DNC_SOURCES = ['sms', 'link', 'staff'] as const;
export const CAMPAIGN_STATUSES = ['draft', 'queued', 'running', 'paused', 'completed'] as const;
export const JOB_STATUSES = ['queued', 'sent', 'delivered', 'failed'] as const;
export const EVENT_TYPES = [
  'QUEUED',
  'SENT',
  'DELIVERED',
  'FAILED',
  'CLICKED',
  'REPLIED',
  'OPT_OUT',
  'RESUBSCRIBE',
] as const;
/**
 * The storage lifecycle of a completed campaign (issue 11, workers/lifecycle/): roll-ups saved →
 * every row copied to R2 → the copies read back and checked → rows being deleted → done.
 */
export const ARCHIVE_STATES = ['rolled_up', 'written', 'verified', 'deleting', 'archived'] as const;
export type ArchiveState = (typeof ARCHIVE_STATES)[number];
/** The per-message tables a campaign's archive holds, in the order they are written. */
export const ARCHIVED_TABLES = ['send_jobs', 'short_links', 'events', 'click_counts'] as const;
export type ArchivedTable = (typeof ARCHIVED_TABLES)[number];
export const IMPORT_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export const ROLES = ['admin', 'staff', 'viewer'] as const;
export const PROVIDERS = ['twilio'] as const;
export const CHANNELS = ['sms', 'mms'] as const;
export type Channel = (typeof CHANNELS)[number];

export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export type DncReason = (typeof DNC_REASONS)[number];
export type DncSource = (typeof DNC_SOURCES)[number];
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export type JobStatus = (typeof JOB_STATUSES)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export type Role = (typeof ROLES)[number];

export const tenants = sqliteTable(
  'tenants',
  {
    id: id(),
    name: text('name').notNull(),
    timezone: text('timezone').notNull().default('Australia/Sydney'),
    isPaused: bool('is_paused').notNull().default(false),
    dailyBudgetCents: integer('daily_budget_cents'),
    monthlyBudgetCents: integer('monthly_budget_cents'),
    // beyond the ERD: tenant settings the send path and compliance need
    country: text('country').notNull().default('AU'),
    allowUnknownConsent: bool('allow_unknown_consent').notNull().default(false),
    appendOptOutFooter: bool('append_opt_out_footer').notNull().default(true),
    senderName: text('sender_name'),
    helpReply: text('help_reply'),
    optOutReply: text('opt_out_reply'),
    optInReply: text('opt_in_reply'),
    pausedReason: text('paused_reason'),
    // beyond the ERD (issue 14): revenue attribution settings. A conversion counts for the last
    // human click within this many days; revenue figures are in this ISO 4217 currency.
    attributionWindowDays: integer('attribution_window_days').notNull().default(5),
    currency: text('currency').notNull().default('AUD'),
    // beyond the ERD: the shard database (binding name, e.g. SHARD_0) that holds the tenant's data
    shard: text('shard').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('tenants_shard_idx').on(t.shard),
    check('tenants_is_paused_bool', isBool('is_paused')),
    check('tenants_attribution_window_range', sql`${t.attributionWindowDays} BETWEEN 1 AND 90`),
    check('tenants_currency_iso', sql`${t.currency} GLOB '[A-Z][A-Z][A-Z]'`),
    check('tenants_allow_unknown_bool', isBool('allow_unknown_consent')),
    check('tenants_footer_bool', isBool('append_opt_out_footer')),
    check('tenants_daily_budget_nonneg', sql`${t.dailyBudgetCents} IS NULL OR ${t.dailyBudgetCents} >= 0`),
    check(
      'tenants_monthly_budget_nonneg',
      sql`${t.monthlyBudgetCents} IS NULL OR ${t.monthlyBudgetCents} >= 0`,
    ),
  ],
);

export const users = sqliteTable(
  'users',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    isActive: bool('is_active').notNull().default(true),
    lastLoginAt: text('last_login_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    index('users_tenant_id_idx').on(t.tenantId),
    check('users_role_enum', oneOf('role', ROLES)),
    check('users_is_active_bool', isBool('is_active')),
  ],
);

export const magicTokens = sqliteTable(
  'magic_tokens',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // SHA-256 of the token sent by email; the token itself is never stored
    token: text('token').notNull(),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('magic_tokens_token_unique').on(t.token),
    index('magic_tokens_user_id_idx').on(t.userId),
  ],
);

// beyond the ERD: browser sessions (the cookie holds a random token, the table its hash)
export const sessions = sqliteTable(
  'sessions',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    expiresAt: text('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('sessions_token_hash_unique').on(t.tokenHash),
    index('sessions_user_id_idx').on(t.userId),
    index('sessions_tenant_id_idx').on(t.tenantId),
  ],
);

// beyond the ERD: integrator API keys, stored as SHA-256 hashes
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('api_keys_key_hash_unique').on(t.keyHash),
    index('api_keys_tenant_id_idx').on(t.tenantId),
    index('api_keys_created_by_idx').on(t.createdBy),
    check('api_keys_role_enum', oneOf('role', ROLES)),
  ],
);

// beyond the ERD: fixed-window counters for login rate limits
export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: integer('window_start').notNull(),
  count: integer('count').notNull(),
});

// beyond the ERD: development-only email outbox (never written in production)
export const devOutbox = sqliteTable('dev_outbox', {
  id: id(),
  to: text('to').notNull(),
  subject: text('subject').notNull(),
  text: text('text').notNull(),
  link: text('link'),
  createdAt: createdAt(),
});

export const importBatches = sqliteTable(
  'import_batches',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    fileName: text('file_name').notNull(),
    fileHash: text('file_hash').notNull(),
    totalRows: integer('total_rows').notNull().default(0),
    createdCount: integer('created_count').notNull().default(0),
    updatedCount: integer('updated_count').notNull().default(0),
    skippedCount: integer('skipped_count').notNull().default(0),
    rejectedCount: integer('rejected_count').notNull().default(0),
    status: text('status', { enum: IMPORT_STATUSES }).notNull().default('pending'),
    // entries with `skipped: true` are in-file duplicate phones (counted as skipped, listed with their reason)
    rejectedRows: text('rejected_rows', { mode: 'json' })
      .$type<{ row: number; reason: string; data: Record<string, string>; skipped?: boolean }[]>()
      .notNull()
      .default(sql`'[]'`),
    // beyond the ERD: chunked processing state and who asked
    options: text('options', { mode: 'json' }).$type<Record<string, string>>(),
    chunksTotal: integer('chunks_total').notNull().default(0),
    chunksDone: integer('chunks_done').notNull().default(0),
    failureReason: text('failure_reason'),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    heartbeatAt: text('heartbeat_at'),
    createdAt: createdAt(),
    completedAt: text('completed_at'),
  },
  (t) => [
    // also the tenant_id foreign key's index (leading column) and the tenant's list
    index('import_batches_tenant_hash_idx').on(t.tenantId, t.fileHash),
    index('import_batches_created_by_idx').on(t.createdBy),
    check('import_batches_status_enum', oneOf('status', IMPORT_STATUSES)),
  ],
);

// beyond the ERD: the rows of an import, stored in chunks so the import queue can
// process a 100k-row file piece by piece within Worker limits and resume after a crash
export const importChunks = sqliteTable(
  'import_chunks',
  {
    id: id(),
    batchId: text('batch_id')
      .notNull()
      .references(() => importBatches.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    firstRow: integer('first_row').notNull(),
    rows: text('rows', { mode: 'json' }).$type<string[][]>().notNull(),
    processedAt: text('processed_at'),
  },
  (t) => [uniqueIndex('import_chunks_batch_seq_unique').on(t.batchId, t.seq)],
);

export const contacts = sqliteTable(
  'contacts',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    phoneE164: text('phone_e164').notNull(),
    email: text('email'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    timezone: text('timezone'),
    customFields: text('custom_fields', { mode: 'json' })
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'`),
    consentStatus: text('consent_status', { enum: CONSENT_STATUSES }).notNull().default('unknown'),
    consentSource: text('consent_source'),
    consentTimestamp: text('consent_timestamp'),
    lastSentAt: text('last_sent_at'),
    importBatchId: text('import_batch_id').references(() => importBatches.id, { onDelete: 'set null' }),
    // beyond the ERD: set when the person's data was erased (the row stays for honest aggregates)
    erasedAt: text('erased_at'),
    // beyond the ERD (issue 12, segments): the person's latest human click on any of our links and
    // latest inbound message, kept by the click recorder and the inbound webhook through
    // touchContactActivity (workers/db/contact-activity.ts), so "clicked within 30 days" is an
    // indexed range instead of a scan of the events
    lastHumanClickAt: text('last_human_click_at'),
    lastReplyAt: text('last_reply_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('contacts_tenant_phone_unique').on(t.tenantId, t.phoneE164),
    // The tenant's contacts in id order: the fan-out's keyset pages walk it without a sort (and it
    // serves every "contacts of this tenant" lookup, as the ERD's tenant_id index).
    index('contacts_tenant_id_idx').on(t.tenantId, t.id),
    index('contacts_email_idx').on(t.email),
    index('contacts_import_batch_id_idx').on(t.importBatchId),
    // beyond the ERD (issue 12): "clicked / replied within N days" are indexed ranges
    index('contacts_tenant_last_human_click_idx').on(t.tenantId, t.lastHumanClickAt),
    index('contacts_tenant_last_reply_idx').on(t.tenantId, t.lastReplyAt),
    check('contacts_consent_status_enum', oneOf('consent_status', CONSENT_STATUSES)),
  ],
);

export const doNotContact = sqliteTable(
  'do_not_contact',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    phoneE164: text('phone_e164').notNull(),
    reason: text('reason', { enum: DNC_REASONS }).notNull(),
    createdAt: createdAt(),
    // beyond the ERD (issue 10): where the opt-out came from; the OPT_OUT event names the campaign
    source: text('source', { enum: DNC_SOURCES }),
  },
  (t) => [
    uniqueIndex('do_not_contact_tenant_phone_unique').on(t.tenantId, t.phoneE164),
    // the list, newest first (keyset on the UUIDv7 id) without a sort; the phone lookups use the UNIQUE
    index('do_not_contact_tenant_id_idx').on(t.tenantId, t.id),
    check('do_not_contact_reason_enum', oneOf('reason', DNC_REASONS)),
    check('do_not_contact_source_enum', sql`"source" IS NULL OR ${oneOf('source', DNC_SOURCES)}`),
  ],
);

export const suppressionRules = sqliteTable(
  'suppression_rules',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    windowDays: integer('window_days').notNull().default(90),
    isActive: bool('is_active').notNull().default(true),
    expiresAt: text('expires_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('suppression_rules_tenant_id_idx').on(t.tenantId),
    index('suppression_rules_active_idx').on(t.tenantId, t.isActive).where(sql`${t.isActive} = 1`),
    check('suppression_rules_is_active_bool', isBool('is_active')),
    check('suppression_rules_window_positive', sql`${t.windowDays} > 0`),
  ],
);

export const messageTemplates = sqliteTable(
  'message_templates',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    body: text('body').notNull(),
    variables: text('variables', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    isActive: bool('is_active').notNull().default(true),
    // beyond the ERD (issue 14): one image makes the template an MMS. Type and size as checked
    // when the URL was saved (the sender fetches nothing; Twilio fetches the image itself).
    mediaUrl: text('media_url'),
    mediaContentType: text('media_content_type'),
    mediaBytes: integer('media_bytes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('message_templates_tenant_id_idx').on(t.tenantId),
    check('message_templates_media_https', sql`${t.mediaUrl} IS NULL OR ${t.mediaUrl} LIKE 'https://%'`),
    check('message_templates_is_active_bool', isBool('is_active')),
  ],
);

// The directory of senders lives in the control database (it routes webhooks: AccountSid + To, or
// the Messaging Service); each shard keeps a replica for its foreign keys. All writes go through
// workers/db/sending-numbers.ts.
export const sendingNumbers = sqliteTable(
  'sending_numbers',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    // set for kind 'phone' only (issue 10: the other kinds have no number of their own)
    phoneE164: text('phone_e164'),
    provider: text('provider', { enum: PROVIDERS }).notNull().default('twilio'),
    dailyLimit: integer('daily_limit').notNull(),
    perMinuteLimit: integer('per_minute_limit').notNull(),
    warmupStartDate: text('warmup_start_date'),
    isActive: bool('is_active').notNull().default(true),
    createdAt: createdAt(),
    // beyond the ERD (issue 10): the three kinds of sender and how each is wired at Twilio
    kind: text('kind', { enum: SENDER_KINDS }).notNull().default('phone'),
    /** kind 'messaging_service': Twilio picks the number from the service (MG…). */
    messagingServiceSid: text('messaging_service_sid'),
    /** kind 'alphanumeric': the name recipients see; unique per tenant (regardless of case). */
    senderId: text('sender_id'),
    /** kind 'alphanumeric': its state on the ACMA SMS Sender ID Register. */
    acmaStatus: text('acma_status', { enum: ACMA_STATUSES }),
    /** The Twilio account the sender belongs to (the tenant's own, or the platform's). */
    twilioAccountSid: text('twilio_account_sid'),
    /** kind 'phone': the number's IncomingPhoneNumber sid (PN…). */
    twilioSid: text('twilio_sid'),
    /** Twilio's friendly name of the number or service, for people. */
    friendlyName: text('friendly_name'),
    /** Whether Twilio sent replies to our inbound webhook when last checked (null: never checked). */
    wiringOk: bool('wiring_ok'),
    wiringCheckedAt: text('wiring_checked_at'),
  },
  (t) => [
    uniqueIndex('sending_numbers_phone_unique').on(t.phoneE164),
    uniqueIndex('sending_numbers_messaging_service_unique').on(t.messagingServiceSid),
    // Case-insensitive uniqueness is checked by workers/db/sending-numbers.ts before inserting.
    // Leading tenant_id: also the foreign key's index and every "the tenant's numbers" lookup.
    uniqueIndex('sending_numbers_tenant_sender_id_unique').on(t.tenantId, t.senderId),
    index('sending_numbers_account_idx').on(t.twilioAccountSid),
    check('sending_numbers_provider_enum', oneOf('provider', PROVIDERS)),
    check('sending_numbers_is_active_bool', isBool('is_active')),
    check('sending_numbers_limits_positive', sql`${t.dailyLimit} > 0 AND ${t.perMinuteLimit} > 0`),
    check('sending_numbers_kind_enum', oneOf('kind', SENDER_KINDS)),
    check(
      'sending_numbers_acma_status_enum',
      sql`${t.acmaStatus} IS NULL OR ${oneOf('acma_status', ACMA_STATUSES)}`,
    ),
    check('sending_numbers_wiring_ok_bool', sql`${t.wiringOk} IS NULL OR ${isBool('wiring_ok')}`),
    // Each kind has its own identity, and only its own.
    check('sending_numbers_phone_kind', sql`(${t.kind} = 'phone') = (${t.phoneE164} IS NOT NULL)`),
    check(
      'sending_numbers_service_kind',
      sql`(${t.kind} = 'messaging_service') = (${t.messagingServiceSid} IS NOT NULL)`,
    ),
    check(
      'sending_numbers_alphanumeric_kind',
      sql`(${t.kind} = 'alphanumeric') = (${t.senderId} IS NOT NULL AND ${t.acmaStatus} IS NOT NULL)`,
    ),
    // The rules of workers/domain/senders.ts checkSenderId, kept by the database too.
    check(
      'sending_numbers_sender_id_format',
      sql`${t.senderId} IS NULL OR (length(${t.senderId}) BETWEEN 1 AND 11 AND ${t.senderId} NOT GLOB '*[^A-Za-z0-9 ]*' AND ${t.senderId} GLOB '*[A-Za-z]*')`,
    ),
  ],
);

export const campaigns = sqliteTable(
  'campaigns',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('draft'),
    templateIds: text('template_ids', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    quietHoursStart: text('quiet_hours_start').notNull().default('20:00'),
    quietHoursEnd: text('quiet_hours_end').notNull().default('09:00'),
    targetUrl: text('target_url'),
    // beyond the ERD: who receives it, when it starts, from which numbers, why it stopped
    audience: text('audience', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'`),
    scheduledAt: text('scheduled_at'),
    sendingNumberIds: text('sending_number_ids', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    utmParams: text('utm_params', { mode: 'json' }).$type<Record<string, string>>(),
    statusReason: text('status_reason'),
    audienceCount: integer('audience_count'),
    skippedCounts: text('skipped_counts', { mode: 'json' })
      .$type<Record<string, number>>()
      .notNull()
      .default(sql`'{}'`),
    fanoutCursor: text('fanout_cursor'),
    fanoutDoneAt: text('fanout_done_at'),
    startedAt: text('started_at'),
    cancelledAt: text('cancelled_at'),
    // beyond the ERD (issue 9 retention): when every link of the campaign had its target and person
    // cleared (RETENTION_SHORT_LINK_DAYS after expiry); the retention cron walks campaigns, not links
    linksRetiredAt: text('links_retired_at'),
    // beyond the ERD (issue 11, storage lifecycle, workers/lifecycle/): how far the archiving of the
    // campaign's per-message rows has come (null: not started), and when its reports switched to the
    // roll-ups (set with 'deleting': from then on the detail rows may be partly or wholly gone).
    archiveState: text('archive_state', { enum: ARCHIVE_STATES }),
    archivedAt: text('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    queuedAt: text('queued_at'),
    completedAt: text('completed_at'),
    // beyond the ERD (issue 12, A/B test with a winner; docs/campaigns.md): the settings
    // `{test_share_percent, wait_minutes, metric}` (null = no test), where the test stands
    // (test → waiting → winner), when the winner is due to be picked (the cron picks it), the
    // winner, and the numbers and sentence that decided (`{reason, metric, decided_at, variants}`).
    abTest: text('ab_test', { mode: 'json' }).$type<{
      test_share_percent: number;
      wait_minutes: number;
      metric: AbMetric;
    }>(),
    abPhase: text('ab_phase', { enum: AB_PHASES }),
    abDecideAt: text('ab_decide_at'),
    abWinnerTemplateId: text('ab_winner_template_id'),
    abResult: text('ab_result', { mode: 'json' }).$type<Record<string, unknown>>(),
    // beyond the ERD (issue 12, local-time delivery): `{date, time, if_passed}` (null = send when
    // started), and what the fan-out planned, recipients per phase and UTC instant
    // (workers/domain/delivery-plan.ts), moved with the fan-out cursor.
    sendAtLocal: text('send_at_local', { mode: 'json' }).$type<{
      date: string;
      time: string;
      if_passed: IfPassed;
    }>(),
    deliveryPlan: text('delivery_plan', { mode: 'json' }).$type<RecordedPlan>(),
  },
  (t) => [
    index('campaigns_tenant_id_idx').on(t.tenantId),
    index('campaigns_status_scheduled_idx').on(t.status, t.scheduledAt),
    // the archiving cron: campaigns in progress (by state), then those completed before the cutoff
    index('campaigns_archive_idx').on(t.archiveState, t.completedAt).where(sql`status = 'completed'`),
    // the cron's A/B steps: only campaigns with a test in progress are in it
    index('campaigns_ab_phase_decide_idx')
      .on(t.abPhase, t.abDecideAt)
      .where(sql`ab_phase IN ('test', 'waiting')`),
    check('campaigns_status_enum', oneOf('status', CAMPAIGN_STATUSES)),
    check(
      'campaigns_archive_state_enum',
      sql`archive_state IS NULL OR ${oneOf('archive_state', ARCHIVE_STATES)}`,
    ),
    check(
      'campaigns_archived_at_state',
      sql`(archived_at IS NOT NULL) = (archive_state IS NOT NULL AND archive_state IN ('deleting', 'archived'))`,
    ),
    check(
      'campaigns_ab_phase_enum',
      sql`${t.abPhase} IS NULL OR ${t.abPhase} IN ('test', 'waiting', 'winner')`,
    ),
    check('campaigns_quiet_start_hhmm', sql`${t.quietHoursStart} GLOB '[0-2][0-9]:[0-5][0-9]'`),
    check('campaigns_quiet_end_hhmm', sql`${t.quietHoursEnd} GLOB '[0-2][0-9]:[0-5][0-9]'`),
  ],
);

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
    index('send_jobs_template_id_idx').on(t.templateId),
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
    // Retention (issue 9) sets it to '' RETENTION_SHORT_LINK_DAYS after expiry (an expired link
    // answers its 410 page and never redirects) and points contact_id at the tenant's
    // ERASED_LINKS_CONTACT stand-in: the row keeps its counters for the campaign report.
    targetUrl: text('target_url').notNull(),
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

export const budgets = sqliteTable(
  'budgets',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    dailySpentCents: integer('daily_spent_cents').notNull().default(0),
    monthlySpentCents: integer('monthly_spent_cents').notNull().default(0),
    dailyResetAt: text('daily_reset_at'),
    monthlyResetAt: text('monthly_reset_at'),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('budgets_tenant_id_unique').on(t.tenantId)],
);

export const costs = sqliteTable(
  'costs',
  {
    id: id(),
    // beyond the ERD: null = platform price list; a tenant's own rows override it for that tenant
    tenantId: text('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: PROVIDERS }).notNull().default('twilio'),
    country: text('country').notNull().default('AU'),
    // beyond the ERD (issue 14): `sms` prices one part; `mms` prices one whole MMS (Twilio bills an
    // MMS per message, whatever its text length), so `per_part_cents` is the per-message price there.
    channel: text('channel', { enum: CHANNELS }).notNull().default('sms'),
    perPartCents: integer('per_part_cents').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    effectiveUntil: text('effective_until'),
    createdAt: createdAt(),
  },
  (t) => [
    index('costs_tenant_id_idx').on(t.tenantId),
    index('costs_lookup_idx').on(t.provider, t.country, t.effectiveFrom),
    check('costs_provider_enum', oneOf('provider', PROVIDERS)),
    check('costs_per_part_nonneg', sql`${t.perPartCents} >= 0`),
    check('costs_channel_enum', oneOf('channel', CHANNELS)),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    metadata: text('metadata', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'`),
    // beyond the ERD: which API key acted, when it was not a person (api_keys live in the control
    // database, so no foreign key across databases; the id stays for the audit trail)
    apiKeyId: text('api_key_id'),
    createdAt: createdAt(),
  },
  (t) => [
    // GET /audit-log, newest first (keyset on the UUIDv7 id) without a sort (docs/indexes.md)
    index('audit_log_tenant_id_idx').on(t.tenantId, t.id),
    index('audit_log_user_id_idx').on(t.userId),
  ],
);

// control database (issue 9): emails the provider refused or never got (sign-in links, invitations),
// so GET /healthz can say that sign-in is broken. Neither the address nor the link is stored: only
// which provider, its HTTP status and a short reason. Rows older than a week are pruned on insert.
export const EMAIL_PROVIDERS = ['cloudflare', 'resend'] as const;
export const EMAIL_KINDS = ['magic_link', 'invitation', 'notice'] as const;
export type EmailProviderName = (typeof EMAIL_PROVIDERS)[number];
export type EmailKind = (typeof EMAIL_KINDS)[number];
export const emailFailures = sqliteTable(
  'email_failures',
  {
    id: id(),
    provider: text('provider', { enum: EMAIL_PROVIDERS }).notNull(),
    kind: text('kind', { enum: EMAIL_KINDS }).notNull(),
    // the provider's HTTP status; null when no answer came (network error, timeout, binding exception)
    status: integer('status'),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('email_failures_created_at_idx').on(t.createdAt),
    check('email_failures_provider_enum', oneOf('provider', EMAIL_PROVIDERS)),
    check('email_failures_kind_enum', oneOf('kind', EMAIL_KINDS)),
  ],
);

// ---------------------------------------------------------------------------------------------
// control database (issue 9: operating it)

export const DEAD_LETTER_STATUSES = ['pending', 'retried', 'discarded'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/**
 * Every message that reached the dead-letter queue (sms-dlq), kept until an admin retries or
 * discards it, then RETENTION_DEAD_LETTER_DAYS more. The same message landing again (the DLQ
 * redelivering, or a retried message dying again) updates its row through `dedupe_key`.
 */
export const deadLetters = sqliteTable(
  'dead_letters',
  {
    id: id(),
    /** The queue it died on (sms-send, sms-fanout, sms-import), or 'unknown'. */
    queue: text('queue').notNull(),
    body: text('body', { mode: 'json' }).$type<unknown>().notNull(),
    /** The owner, from the body or the row it names; NULL = platform-wide (operator only). */
    tenantId: text('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    /** SHA-256 of the queue and the canonical JSON body. */
    dedupeKey: text('dedupe_key').notNull(),
    /** Deliveries it got on its source queue before it died (summed over retries). */
    attempts: integer('attempts').notNull(),
    /** What is known about why (the job, import or campaign row's own reason). */
    error: text('error'),
    status: text('status', { enum: DEAD_LETTER_STATUSES }).notNull().default('pending'),
    /** How many times it landed on the dead-letter queue. */
    seenCount: integer('seen_count').notNull().default(1),
    retryCount: integer('retry_count').notNull().default(0),
    firstSeenAt: text('first_seen_at').notNull(),
    lastSeenAt: text('last_seen_at').notNull(),
    /** When it was retried or discarded; retention counts from here. */
    resolvedAt: text('resolved_at'),
  },
  (t) => [
    uniqueIndex('dead_letters_dedupe_key_unique').on(t.dedupeKey),
    index('dead_letters_tenant_id_idx').on(t.tenantId, t.status),
    index('dead_letters_status_idx').on(t.status, t.resolvedAt),
    check('dead_letters_status_enum', oneOf('status', DEAD_LETTER_STATUSES)),
    check('dead_letters_attempts_nonneg', sql`${t.attempts} >= 0`),
  ],
);

/** The last run of each cron job (one row per job), for the System page. */
export const cronRuns = sqliteTable(
  'cron_runs',
  {
    job: text('job').primaryKey(),
    lastStartedAt: text('last_started_at').notNull(),
    lastFinishedAt: text('last_finished_at'),
    /** Null while the first run is still going. */
    ok: bool('ok'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    lastSuccessAt: text('last_success_at'),
    /** What the job reported (counts), as JSON. */
    detail: text('detail', { mode: 'json' }).$type<Record<string, number>>(),
  },
  () => [check('cron_runs_ok_bool', sql.raw('"ok" IS NULL OR "ok" IN (0, 1)'))],
);

// control database (issue 10): tenants' own Twilio accounts. A tenant without a row sends through
// the platform account (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN). An account belongs to one tenant
// here (account_sid UNIQUE): webhooks name the account, and the account must name one tenant.
// Secrets are sealed with AES-GCM under the platform key `key_id` (workers/lib/secret-box.ts) and
// never leave the Worker; the *_last4 columns are what people see.
export const TWILIO_CREDENTIAL_KINDS = ['auth_token', 'api_key'] as const;
export type TwilioCredentialKind = (typeof TWILIO_CREDENTIAL_KINDS)[number];

export const twilioAccounts = sqliteTable(
  'twilio_accounts',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    accountSid: text('account_sid').notNull(),
    /** How we call the REST API: the account's auth token, or an API key (Twilio's recommendation). */
    credentialKind: text('credential_kind', { enum: TWILIO_CREDENTIAL_KINDS }).notNull(),
    apiKeySid: text('api_key_sid'),
    /** The platform key that sealed every secret of this row. */
    keyId: text('key_id').notNull(),
    /**
     * The account's primary auth token. Always present: Twilio signs webhooks with it, even for an
     * account we call with an API key.
     */
    authTokenSealed: text('auth_token_sealed').notNull(),
    authTokenLast4: text('auth_token_last4').notNull(),
    apiKeySecretSealed: text('api_key_secret_sealed'),
    apiKeySecretLast4: text('api_key_secret_last4'),
    /** The token replaced by the last change, still accepted on webhooks until the time below. */
    previousAuthTokenSealed: text('previous_auth_token_sealed'),
    previousAuthTokenUntil: text('previous_auth_token_until'),
    verifiedAt: text('verified_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('twilio_accounts_tenant_unique').on(t.tenantId),
    uniqueIndex('twilio_accounts_account_sid_unique').on(t.accountSid),
    check('twilio_accounts_kind_enum', oneOf('credential_kind', TWILIO_CREDENTIAL_KINDS)),
    check(
      'twilio_accounts_api_key_complete',
      sql`(${t.credentialKind} = 'api_key') = (${t.apiKeySid} IS NOT NULL AND ${t.apiKeySecretSealed} IS NOT NULL AND ${t.apiKeySecretLast4} IS NOT NULL)`,
    ),
    check(
      'twilio_accounts_previous_complete',
      sql`(${t.previousAuthTokenSealed} IS NULL) = (${t.previousAuthTokenUntil} IS NULL)`,
    ),
  ],
);

// ---------------------------------------------------------------------------------------------
// Issue 14 (growth): outbound webhooks, revenue attribution, join keywords, signup forms.
// ---------------------------------------------------------------------------------------------

export const WEBHOOK_EVENT_TYPES = [
  'contact.created',
  'contact.opted_out',
  'contact.opted_in',
  'message.delivered',
  'message.failed',
  'message.replied',
  'link.clicked',
  'conversion.attributed',
  'import.completed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const WEBHOOK_DELIVERY_STATES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];
export const CONVERSION_STATUSES = ['attributed', 'unattributed', 'unknown_contact'] as const;
export const OPT_IN_SOURCES = ['form', 'keyword'] as const;
export const OPT_IN_STATUSES = ['pending', 'confirmed', 'expired', 'superseded', 'blocked'] as const;
export type OptInStatus = (typeof OPT_IN_STATUSES)[number];
export const FORM_FIELDS = ['first_name', 'last_name', 'email'] as const;
export type FormField = (typeof FORM_FIELDS)[number];

// shard database (issue 14): a tenant's webhook endpoints. The secret signs every delivery, so it
// is kept (AES-GCM under the platform key WEBHOOK_SIGNING_KEY, see workers/integrations/secret-box.ts),
// never shown again after creation.
export const webhookSubscriptions = sqliteTable(
  'webhook_subscriptions',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description'),
    events: text('events', { mode: 'json' }).$type<WebhookEventType[]>().notNull().default(sql`'[]'`),
    isActive: bool('is_active').notNull().default(true),
    secretCiphertext: text('secret_ciphertext').notNull(),
    /** The secret's last four characters, so an admin can tell which secret a receiver holds. */
    secretHint: text('secret_hint').notNull(),
    /** The first failed attempt since the last success; null while the endpoint answers. */
    failingSince: text('failing_since'),
    lastSuccessAt: text('last_success_at'),
    lastFailureAt: text('last_failure_at'),
    /** Set when the platform turned the endpoint off after 24 h of failures (cleared when re-enabled). */
    disabledAt: text('disabled_at'),
    disabledReason: text('disabled_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('webhook_subscriptions_tenant_id_idx').on(t.tenantId),
    // emitEvent's only query when a tenant has no active endpoint: an empty range of this index.
    index('webhook_subscriptions_active_idx').on(t.tenantId).where(sql`${t.isActive} = 1`),
    check('webhook_subscriptions_is_active_bool', isBool('is_active')),
  ],
);

// shard database (issue 14): one event for one endpoint, with its retry state and last attempt.
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    subscriptionId: text('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    /** The event's id (`body.id`), the same for every endpoint: receivers de-duplicate on it. */
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** The exact JSON that is signed and sent, so every attempt sends the same bytes. */
    body: text('body').notNull(),
    state: text('state', { enum: WEBHOOK_DELIVERY_STATES }).notNull().default('pending'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: text('next_attempt_at'),
    lastAttemptAt: text('last_attempt_at'),
    /** HTTP status of the last attempt; null when it timed out or the connection failed. */
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    lastLatencyMs: integer('last_latency_ms'),
    /** The first 1 KB of the last response body. */
    lastResponseSnippet: text('last_response_snippet'),
    /** The most recent attempts, newest last (capped), for the delivery log. */
    attempts: text('attempts', { mode: 'json' })
      .$type<
        { at: string; status: number | null; latency_ms: number; error: string | null; manual?: boolean }[]
      >()
      .notNull()
      .default(sql`'[]'`),
    succeededAt: text('succeeded_at'),
    /** A "send test event" delivery: tried once, never retried, never counts towards disabling. */
    isTest: bool('is_test').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_tenant_id_idx').on(t.tenantId),
    uniqueIndex('webhook_deliveries_subscription_event_unique').on(t.subscriptionId, t.eventId),
    index('webhook_deliveries_subscription_id_idx').on(t.subscriptionId, t.id),
    // the sweeper finds pending deliveries whose queue message is overdue
    index('webhook_deliveries_state_next_idx').on(t.state, t.nextAttemptAt),
    // the sweeper drops logs older than 30 days
    index('webhook_deliveries_created_at_idx').on(t.createdAt),
    check('webhook_deliveries_state_enum', oneOf('state', WEBHOOK_DELIVERY_STATES)),
    check('webhook_deliveries_is_test_bool', isBool('is_test')),
  ],
);

// shard database (issue 14): orders reported by the tenant, attributed to the last human click.
export const conversions = sqliteTable(
  'conversions',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    orderId: text('order_id').notNull(),
    contactId: text('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    /** The phone as given (normalised) when the order named one; kept for an unknown phone. */
    phoneE164: text('phone_e164'),
    valueCents: integer('value_cents').notNull(),
    currency: text('currency').notNull(),
    occurredAt: text('occurred_at').notNull(),
    status: text('status', { enum: CONVERSION_STATUSES }).notNull(),
    campaignId: text('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    /** The automation flow whose message carried the link (flows arrive with issue 14's second part). */
    flowId: text('flow_id'),
    shortLinkId: text('short_link_id').references(() => shortLinks.id, { onDelete: 'set null' }),
    /** When the attributed click happened. */
    clickedAt: text('clicked_at'),
    /** SHA-256 of the request's fields: the same order_id with other fields is a conflict, not a replay. */
    requestHash: text('request_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('conversions_tenant_order_unique').on(t.tenantId, t.orderId),
    index('conversions_tenant_occurred_idx').on(t.tenantId, t.occurredAt),
    index('conversions_contact_id_idx').on(t.contactId),
    index('conversions_campaign_id_idx').on(t.campaignId),
    index('conversions_short_link_id_idx').on(t.shortLinkId),
    // a flow's revenue (issue 14, second part)
    index('conversions_flow_id_idx').on(t.flowId).where(sql`flow_id IS NOT NULL`),
    check('conversions_status_enum', oneOf('status', CONVERSION_STATUSES)),
    check('conversions_value_nonneg', sql`${t.valueCents} >= 0`),
    check('conversions_currency_iso', sql`${t.currency} GLOB '[A-Z][A-Z][A-Z]'`),
  ],
);

// shard database (issue 14): join keywords ("JOIN", "COFFEE") on one number or on all of them.
export const keywords = sqliteTable(
  'keywords',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** Normalised: upper case, single spaces (see workers/domain/join-keywords.ts). */
    keyword: text('keyword').notNull(),
    /** null = every number of the tenant. No foreign key: sending numbers live in the control database. */
    sendingNumberId: text('sending_number_id'),
    /** The number's id, or `*` for every number: what the UNIQUE index compares (NULLs never clash). */
    scope: text('scope')
      .notNull()
      .generatedAlwaysAs(sql`coalesce(sending_number_id, '*')`, { mode: 'virtual' }),
    /** Sent after joining (after the "Y" when double opt-in is on). */
    reply: text('reply').notNull(),
    tagsAdd: text('tags_add', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    doubleOptIn: bool('double_opt_in').notNull().default(true),
    isActive: bool('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // one keyword per scope; a number-specific keyword clashing with a tenant-wide one is refused in code.
    // Leading tenant_id: also the foreign key's index and the tenant's keyword lookups.
    uniqueIndex('keywords_tenant_scope_keyword_unique').on(t.tenantId, t.scope, t.keyword),
    check('keywords_double_opt_in_bool', isBool('double_opt_in')),
    check('keywords_is_active_bool', isBool('is_active')),
  ],
);

// shard database (issue 14): hosted signup forms (`/f/:id`).
export const signupForms = sqliteTable(
  'signup_forms',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    consentText: text('consent_text').notNull(),
    /** Bumped whenever consent_text changes; every version's text is kept in signup_form_consent_versions. */
    consentVersion: integer('consent_version').notNull().default(1),
    fields: text('fields', { mode: 'json' }).$type<FormField[]>().notNull().default(sql`'[]'`),
    tagsAdd: text('tags_add', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    doubleOptIn: bool('double_opt_in').notNull().default(true),
    successMessage: text('success_message').notNull(),
    isActive: bool('is_active').notNull().default(true),
    /** Deleted forms stay (archived) so the consent proof of past sign-ups keeps its text. */
    archivedAt: text('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('signup_forms_tenant_id_idx').on(t.tenantId),
    check('signup_forms_double_opt_in_bool', isBool('double_opt_in')),
    check('signup_forms_is_active_bool', isBool('is_active')),
    check('signup_forms_consent_version_positive', sql`${t.consentVersion} >= 1`),
  ],
);

// shard database (issue 14): the consent text of each version of a form, as shown to visitors.
export const signupFormConsentVersions = sqliteTable(
  'signup_form_consent_versions',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    formId: text('form_id')
      .notNull()
      .references(() => signupForms.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    consentText: text('consent_text').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('signup_form_consent_versions_form_version_unique').on(t.formId, t.version),
    index('signup_form_consent_versions_tenant_id_idx').on(t.tenantId),
  ],
);

// control database (issue 14): which tenant owns a public form id, so `/f/:id` (no login) finds
// the tenant's shard with one lookup.
export const formDirectory = sqliteTable(
  'form_directory',
  {
    formId: text('form_id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [index('form_directory_tenant_id_idx').on(t.tenantId)],
);

// shard database (issue 14): opt-in requests awaiting (or with) their "Y" confirmation, from a
// signup form or a join keyword; the row is the consent proof (source, consent text version,
// time, IP and user agent, or the inbound MessageSid).
export const pendingOptIns = sqliteTable(
  'pending_opt_ins',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    phoneE164: text('phone_e164').notNull(),
    source: text('source', { enum: OPT_IN_SOURCES }).notNull(),
    formId: text('form_id').references(() => signupForms.id, { onDelete: 'set null' }),
    /** The form's consent text version the visitor saw (its text: signup_form_consent_versions). */
    consentVersion: integer('consent_version'),
    keywordId: text('keyword_id').references(() => keywords.id, { onDelete: 'set null' }),
    /** The inbound message that asked to join (keyword source). */
    inboundMessageSid: text('inbound_message_sid'),
    /** The number the person texted, or the number the confirmation goes from (control database id). */
    sendingNumberId: text('sending_number_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** Optional fields the visitor gave (first_name, last_name, email), applied on confirmation. */
    fields: text('fields', { mode: 'json' })
      .$type<Partial<Record<FormField, string>>>()
      .notNull()
      .default(sql`'{}'`),
    status: text('status', { enum: OPT_IN_STATUSES }).notNull().default('pending'),
    statusReason: text('status_reason'),
    /** Set by the sender of the "Reply Y to confirm" SMS (second wave). */
    confirmationSentAt: text('confirmation_sent_at'),
    confirmationMessageSid: text('confirmation_message_sid'),
    /** The "Reply Y to confirm" text, a direct message (its delivery status lives there). */
    confirmationMessageId: text('confirmation_message_id').references(
      (): AnySQLiteColumn => directMessages.id,
      { onDelete: 'set null' },
    ),
    confirmedAt: text('confirmed_at'),
    /** The inbound "Y" that confirmed it. */
    confirmationInboundSid: text('confirmation_inbound_sid'),
    contactId: text('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    requestedAt: text('requested_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // a phone's pending request (confirmation); leading tenant_id: also the foreign key's index
    index('pending_opt_ins_tenant_phone_status_idx').on(t.tenantId, t.phoneE164, t.status),
    index('pending_opt_ins_form_id_idx').on(t.formId),
    index('pending_opt_ins_keyword_id_idx').on(t.keywordId),
    index('pending_opt_ins_contact_id_idx').on(t.contactId),
    index('pending_opt_ins_confirmation_message_id_idx').on(t.confirmationMessageId),
    // the cron expires unconfirmed requests
    index('pending_opt_ins_status_expires_idx').on(t.status, t.expiresAt),
    check('pending_opt_ins_source_enum', oneOf('source', OPT_IN_SOURCES)),
    check('pending_opt_ins_status_enum', oneOf('status', OPT_IN_STATUSES)),
    check(
      'pending_opt_ins_source_ref',
      sql`(${t.source} = 'form' AND ${t.formId} IS NOT NULL) OR (${t.source} = 'keyword')`,
    ),
  ],
);

// ---------------------------------------------------------------------------------------------
// shard database (issue 12: tags and segments)

/** Text compared without regard to ASCII case (`VIP` = `vip`) by `=`, `IN`, UNIQUE and indexes alike. */
const textNoCase = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE NOCASE',
});

// A contact's tags. The tag keeps the spelling it was given (trimmed, inner spaces collapsed, see
// workers/domain/tags.ts) and matches case-insensitively through its NOCASE collation. No id
// column: the row is its UNIQUE key, and bulk tagging inserts 100k rows with one INSERT … SELECT.
export const contactTags = sqliteTable(
  'contact_tags',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    tag: textNoCase('tag').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // also serves "the tags of contact X" (its leading columns)
    uniqueIndex('contact_tags_tenant_contact_tag_unique').on(t.tenantId, t.contactId, t.tag),
    // "the contacts having tag X": segments, the tag filter of the contact list, bulk untag
    index('contact_tags_tenant_tag_contact_idx').on(t.tenantId, t.tag, t.contactId),
    index('contact_tags_contact_id_idx').on(t.contactId),
    check('contact_tags_tag_length', sql`length(${t.tag}) BETWEEN 1 AND 64`),
  ],
);

// A saved, named audience filter (grammar in workers/domain/segments/grammar.ts, docs/segments.md).
export const segments = sqliteTable(
  'segments',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    filter: text('filter', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // who created and changed it is in audit_log (users live in the control database)
  (t) => [uniqueIndex('segments_tenant_name_unique').on(t.tenantId, t.name)],
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

// ---------------------------------------------------------------------------------------------
// control database (issue 11): moving a tenant to another shard (`npm run ops -- tenant move`), a
// resumable state machine. While a move is not done (or cancelled), `tenants.shard` reads
// "SHARD_a>SHARD_b" (see workers/db/shards.ts) so nothing in the Worker writes to either copy.
// `counts` holds, per table, the copy's keyset cursor and the rows counted on each side.
export const MOVE_STATES = [
  'marked',
  'copying',
  'copied',
  'verified',
  'switched',
  'caught_up',
  'deleting',
  'done',
  'cancelled',
] as const;
export type MoveState = (typeof MOVE_STATES)[number];
export type MoveTableCounts = {
  cursor: string | null;
  copied: number;
  source: number | null;
  target: number | null;
  /** the source's checksum when the copy was verified (the old shard must not change after it) */
  sourceBytes?: number;
  deleted?: number;
};
export const tenantMoves = sqliteTable(
  'tenant_moves',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    fromShard: text('from_shard').notNull(),
    toShard: text('to_shard').notNull(),
    state: text('state', { enum: MOVE_STATES }).notNull().default('marked'),
    counts: text('counts', { mode: 'json' })
      .$type<Record<string, MoveTableCounts>>()
      .notNull()
      .default(sql`'{}'`),
    // when the current state was entered: the waits count from here, so a re-run does not restart them
    stateAt: text('state_at').notNull().default(now),
    lastError: text('last_error'),
    startedAt: text('started_at').notNull().default(now),
    updatedAt: updatedAt(),
    finishedAt: text('finished_at'),
  },
  (t) => [
    index('tenant_moves_tenant_id_idx').on(t.tenantId),
    // one move at a time per tenant
    uniqueIndex('tenant_moves_active_unique').on(t.tenantId).where(sql`state NOT IN ('done', 'cancelled')`),
    check('tenant_moves_state_enum', oneOf('state', MOVE_STATES)),
    check('tenant_moves_shards_differ', sql`${t.fromShard} <> ${t.toShard}`),
  ],
);

// control database (issue 11): Twilio webhooks that arrived while their tenant was being moved
// (its data was on neither shard for writing). Stored as received (already signature-checked) and
// applied by the Worker once the move is over: `POST /ops/v1/tenants/:id/parked-webhooks/replay`,
// which `tenant move` and `tenant resume` call. A STOP received mid-move is never lost.
export const PARKED_WEBHOOK_KINDS = ['status', 'inbound'] as const;
export const parkedWebhooks = sqliteTable(
  'parked_webhooks',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: PARKED_WEBHOOK_KINDS }).notNull(),
    // the callback URL's query (names the tenant and the job for status callbacks)
    query: text('query').notNull().default(''),
    params: text('params', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    idempotencyToken: text('idempotency_token'),
    receivedAt: text('received_at').notNull().default(now),
  },
  (t) => [
    index('parked_webhooks_tenant_received_idx').on(t.tenantId, t.receivedAt),
    check('parked_webhooks_kind_enum', oneOf('kind', PARKED_WEBHOOK_KINDS)),
  ],
);

// ---------------------------------------------------------------------------------------------
// shard database (issue 11: the storage lifecycle, workers/lifecycle/, docs/lifecycle.md)
// A completed campaign's per-message rows are rolled up into the two tables below, copied to R2
// (ARCHIVE bucket) as gzipped NDJSON and then deleted; its reports read the roll-ups from then on.

// One row per campaign and day of the tenant's time zone (at archiving time), with what the chart
// and the dashboard show: messages sent, delivered and failed that day (by their own time), clicks
// (from click_counts), replies and opt-outs (events) and what the provider charged (by send time).
export const campaignDailyStats = sqliteTable(
  'campaign_daily_stats',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    /** The local date, YYYY-MM-DD, in campaign_archives.timezone. */
    day: text('day').notNull(),
    /** That date's local midnight as an ISO-8601 UTC instant (days are 23 or 25 hours on DST days). */
    startsAt: text('starts_at').notNull(),
    sent: integer('sent').notNull().default(0),
    delivered: integer('delivered').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    clicks: integer('clicks').notNull().default(0),
    humanClicks: integer('human_clicks').notNull().default(0),
    replies: integer('replies').notNull().default(0),
    optOuts: integer('opt_outs').notNull().default(0),
    costCents: integer('cost_cents').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.day] }),
    // the tenant-wide chart over archived campaigns (GET /events/timeseries without campaign_id)
    index('campaign_daily_stats_tenant_starts_idx').on(t.tenantId, t.startsAt),
  ],
);

export const OUTCOME_KINDS = ['messages', 'clicks'] as const;

// A campaign's totals as GET /campaigns/:id/stats counts them, kept row for row in the order the
// live query produced them (seq), so the report of an archived campaign is the same to the byte:
// kind 'messages' = send jobs by template, status and failure reason (count, charged cost);
// kind 'clicks' = its links' clicks by the template of the recipient's job.
export const campaignOutcomes = sqliteTable(
  'campaign_outcomes',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: OUTCOME_KINDS }).notNull(),
    /** No foreign key: a template used by a campaign cannot be deleted, and the id is history here. */
    templateId: text('template_id'),
    status: text('status', { enum: JOB_STATUSES }),
    failureReason: text('failure_reason'),
    messages: integer('messages').notNull().default(0),
    costCents: integer('cost_cents').notNull().default(0),
    clicks: integer('clicks').notNull().default(0),
    humanClicks: integer('human_clicks').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.seq] }),
    index('campaign_outcomes_tenant_id_idx').on(t.tenantId),
    check('campaign_outcomes_kind_enum', oneOf('kind', OUTCOME_KINDS)),
    check('campaign_outcomes_status_enum', sql`status IS NULL OR ${oneOf('status', JOB_STATUSES)}`),
  ],
);

/** Rows per table a campaign's archive must hold (counted when the roll-ups were made). */
export type ArchiveCounts = Record<ArchivedTable, number>;

// The archiving of one campaign: where its objects go, what it must hold, and the bookkeeping of
// the resumable state machine (the state itself is campaigns.archive_state).
export const campaignArchives = sqliteTable(
  'campaign_archives',
  {
    campaignId: text('campaign_id')
      .primaryKey()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** R2 key prefix: tenants/<tenant>/campaigns/<campaign>. */
    prefix: text('prefix').notNull(),
    /** The zone the daily roll-ups were cut in (the tenant's when they were made). */
    timezone: text('timezone'),
    expectedRows: text('expected_rows', { mode: 'json' }).$type<ArchiveCounts>(),
    startedAt: text('started_at').notNull(),
    rolledUpAt: text('rolled_up_at'),
    writtenAt: text('written_at'),
    verifiedAt: text('verified_at'),
    deletingAt: text('deleting_at'),
    archivedAt: text('archived_at'),
    rowsDeleted: integer('rows_deleted').notNull().default(0),
    /** One cron tick at a time works on a campaign; a crashed tick's lease simply runs out. */
    leaseUntil: text('lease_until'),
    /** Not before then: a link of the campaign could still be clicked, or attribute an order. */
    notBefore: text('not_before'),
    /** Times the archiving started over because the rows changed under it (or a copy was bad). */
    restarts: integer('restarts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('campaign_archives_tenant_id_idx').on(t.tenantId)],
);

// One R2 object of a campaign's archive: `<prefix>/<table>-<part>.ndjson.gz`, written in key order
// (send_jobs by contact, click_counts by minute, short_links and events by rowid through their
// campaign index). `cursor` is where the next part starts; `verified_at` is set once read back.
export const campaignArchiveParts = sqliteTable(
  'campaign_archive_parts',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    tableName: text('table_name', { enum: ARCHIVED_TABLES }).notNull(),
    part: integer('part').notNull(),
    key: text('key').notNull(),
    rows: integer('rows').notNull(),
    /** Size and SHA-256 (hex) of the gzipped object as written. */
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** The first and last row's own key (contact_id, id or slot), checked when read back. */
    firstKey: text('first_key').notNull(),
    lastKey: text('last_key').notNull(),
    cursor: text('cursor').notNull(),
    verifiedAt: text('verified_at'),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.tableName, t.part] }),
    index('campaign_archive_parts_tenant_id_idx').on(t.tenantId),
    check('campaign_archive_parts_table_enum', oneOf('table_name', ARCHIVED_TABLES)),
  ],
);

// ---------------------------------------------------------------------------------------------
// shard database (issue 12: two-way conversations). One thread per phone number that texted one of
// the tenant's numbers (a contact's phone, or a sender who is not a contact): the state staff work
// with. The messages are not copied here: inbound ones are the events the inbound webhook logs,
// outbound ones the campaign send jobs and direct messages (workers/db/thread.ts merges them). The
// inbound webhook keeps it current with one upsert in its batch; replies and staff actions too.
export const CONVERSATION_STATUSES = ['open', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const MESSAGE_DIRECTIONS = ['inbound', 'outbound'] as const;

export const conversations = sqliteTable(
  'conversations',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** The thread's key: the person's number. Their contact (if any) is found by it. */
    phoneE164: text('phone_e164').notNull(),
    status: text('status', { enum: CONVERSATION_STATUSES }).notNull().default('open'),
    assignedUserId: text('assigned_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Inbound messages that need a person since staff last read the thread. */
    unreadCount: integer('unread_count').notNull().default(0),
    lastReadAt: text('last_read_at'),
    lastMessageAt: text('last_message_at').notNull(),
    lastInboundAt: text('last_inbound_at'),
    lastOutboundAt: text('last_outbound_at'),
    /** Our number the person last texted: a staff reply goes out from it. */
    lastInboundTo: text('last_inbound_to'),
    lastDirection: text('last_direction', { enum: MESSAGE_DIRECTIONS }).notNull(),
    /** The start of the latest message, for the list (removed with the person's data on erasure). */
    lastPreview: text('last_preview'),
    closedAt: text('closed_at'),
    createdAt: createdAt(),
    /** Moves on every change: the UI polls `updated_since`. */
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('conversations_tenant_phone_unique').on(t.tenantId, t.phoneE164),
    // the list: newest activity first, by status (open is the default view) or all
    index('conversations_tenant_status_last_idx').on(t.tenantId, t.status, t.lastMessageAt),
    index('conversations_tenant_last_idx').on(t.tenantId, t.lastMessageAt),
    // polling: what changed since the last look
    index('conversations_tenant_updated_idx').on(t.tenantId, t.updatedAt),
    // "assigned to me", and the foreign key
    index('conversations_assigned_user_idx').on(t.assignedUserId, t.lastMessageAt),
    check('conversations_status_enum', oneOf('status', CONVERSATION_STATUSES)),
    check('conversations_last_direction_enum', oneOf('last_direction', MESSAGE_DIRECTIONS)),
    check('conversations_unread_non_negative', sql`${t.unreadCount} >= 0`),
  ],
);

// shard database (issue 12: test sends). A tenant's own phones for "send a test": each confirmed
// once by a code texted to it (its owner's proof that it may receive the tenant's tests, since a
// test ignores consent). The code is stored as an HMAC, expires, and allows a few attempts.
export const testNumbers = sqliteTable(
  'test_numbers',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    phoneE164: text('phone_e164').notNull(),
    label: text('label'),
    confirmedAt: text('confirmed_at'),
    /** HMAC of the pending code (null once confirmed). */
    codeHash: text('code_hash'),
    codeExpiresAt: text('code_expires_at'),
    /** Wrong codes entered against the pending code. */
    codeAttempts: integer('code_attempts').notNull().default(0),
    codeSentAt: text('code_sent_at'),
    /** How many codes were sent to this number (each one is an SMS the tenant pays for). */
    codesSent: integer('codes_sent').notNull().default(0),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('test_numbers_tenant_phone_unique').on(t.tenantId, t.phoneE164),
    index('test_numbers_created_by_idx').on(t.createdBy),
    check('test_numbers_attempts_non_negative', sql`${t.codeAttempts} >= 0 AND ${t.codesSent} >= 0`),
  ],
);

// shard database (issue 12: test sends). One test of one campaign template to one test number:
// which contact's data it was rendered with, and its test link (a working short link that is not
// the campaign's: clicks on it never count). The SMS itself is the direct message with the same
// (tenant, dedupe key), kind 'test'.
export const testSends = sqliteTable(
  'test_sends',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    templateId: text('template_id').references(() => messageTemplates.id, { onDelete: 'set null' }),
    /** Whose data filled the template (null: none, the template's fallbacks). */
    contactId: text('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    testNumberId: text('test_number_id').references(() => testNumbers.id, { onDelete: 'set null' }),
    /** The direct message's key: `test:<request>:<number>:<template>`. */
    dedupeKey: text('dedupe_key').notNull(),
    /** The test link's token (same shape and length as a campaign link's), when the body has {{link}}. */
    linkToken: text('link_token'),
    targetUrl: text('target_url'),
    linkExpiresAt: text('link_expires_at'),
    linkClickCount: integer('link_click_count').notNull().default(0),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('test_sends_tenant_dedupe_unique').on(t.tenantId, t.dedupeKey),
    uniqueIndex('test_sends_link_token_unique').on(t.linkToken),
    index('test_sends_campaign_id_idx').on(t.campaignId),
    index('test_sends_contact_id_idx').on(t.contactId),
    index('test_sends_test_number_id_idx').on(t.testNumberId),
    index('test_sends_template_id_idx').on(t.templateId),
    index('test_sends_created_by_idx').on(t.createdBy),
  ],
);

// ---------------------------------------------------------------------------------------------
// shard database (issue 14, second part): automation flows. A flow is a trigger and a tree of
// steps (workers/domain/flow-steps.ts); an enrolment is one contact's way through it, advanced by
// its FlowRunner Durable Object (durable-objects/flow-runner.ts, one alarm per enrolment); a step
// run records each step an enrolment entered, for the per-step report.
export const FLOW_TRIGGERS = ['keyword', 'form', 'tag_added', 'api'] as const;
export type FlowTrigger = (typeof FLOW_TRIGGERS)[number];
export const ENROLMENT_STATUSES = ['active', 'completed', 'exited'] as const;
export type EnrolmentStatus = (typeof ENROLMENT_STATUSES)[number];

export const flows = sqliteTable(
  'flows',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Paused flows enrol nobody, run no step and hold their queued messages until resumed. */
    isActive: bool('is_active').notNull().default(false),
    /** Whether a contact who finished (or left) the flow may enter it again. */
    allowReentry: bool('allow_reentry').notNull().default(false),
    triggerType: text('trigger_type', { enum: FLOW_TRIGGERS }).notNull(),
    triggerKeywordId: text('trigger_keyword_id').references(() => keywords.id, { onDelete: 'set null' }),
    triggerFormId: text('trigger_form_id').references(() => signupForms.id, { onDelete: 'set null' }),
    triggerTag: textNoCase('trigger_tag'),
    steps: text('steps', { mode: 'json' }).$type<FlowStep[]>().notNull().default(sql`'[]'`),
    /** Marketing: no flow message in the recipient's own night (their zone, else the tenant's). */
    quietHoursStart: text('quiet_hours_start').notNull().default('20:00'),
    quietHoursEnd: text('quiet_hours_end').notNull().default('09:00'),
    /** Deleted flows stay (archived) so their links, report and attributed revenue keep their flow. */
    archivedAt: text('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // triggers look up the active flows of one kind: (tenant, trigger) leads with the tenant
    index('flows_tenant_trigger_idx').on(t.tenantId, t.triggerType),
    index('flows_trigger_keyword_id_idx').on(t.triggerKeywordId),
    index('flows_trigger_form_id_idx').on(t.triggerFormId),
    check('flows_trigger_enum', oneOf('trigger_type', FLOW_TRIGGERS)),
    check('flows_is_active_bool', isBool('is_active')),
    check('flows_allow_reentry_bool', isBool('allow_reentry')),
    check('flows_quiet_start_hhmm', sql`${t.quietHoursStart} GLOB '[0-2][0-9]:[0-5][0-9]'`),
    check('flows_quiet_end_hhmm', sql`${t.quietHoursEnd} GLOB '[0-2][0-9]:[0-5][0-9]'`),
  ],
);

export const flowEnrolments = sqliteTable(
  'flow_enrolments',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    flowId: text('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ENROLMENT_STATUSES }).notNull().default('active'),
    /** Why it left early: opted_out, do_not_contact, contact_erased, no_consent, step_removed, flow_deleted… */
    exitReason: text('exit_reason'),
    /** The step it is on (null once finished). */
    currentStepId: text('current_step_id'),
    /** When it entered that step: waits and branch windows count from here. */
    stepStartedAt: text('step_started_at'),
    /** When its runner's alarm is due next (null: finished, or held while the flow is paused). */
    nextRunAt: text('next_run_at'),
    /** When its last message was queued: a branch's window starts there. */
    lastSendAt: text('last_send_at'),
    /** Set when a step came due while the flow was paused; resuming the flow wakes these. */
    heldAt: text('held_at'),
    /** What enrolled it: {type, keyword_id?, form_id?, tag?, user_id?, api_key_id?}. */
    source: text('source', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** Bumped by every move: two runners (an alarm and a wake) can never both move it. */
    version: integer('version').notNull().default(0),
    enteredAt: text('entered_at').notNull(),
    finishedAt: text('finished_at'),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('flow_enrolments_tenant_id_idx').on(t.tenantId),
    // the flow's enrolments by state: counts, held ones to wake, active ones to stop
    index('flow_enrolments_flow_status_idx').on(t.flowId, t.status, t.id),
    // a contact's enrolments: stopped at once when they opt out
    index('flow_enrolments_contact_id_idx').on(t.contactId, t.status),
    // one enrolment in progress per contact and flow, whatever races
    uniqueIndex('flow_enrolments_active_unique').on(t.flowId, t.contactId).where(sql`status = 'active'`),
    check('flow_enrolments_status_enum', oneOf('status', ENROLMENT_STATUSES)),
  ],
);

export const flowStepRuns = sqliteTable(
  'flow_step_runs',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    flowId: text('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    enrolmentId: text('enrolment_id')
      .notNull()
      .references(() => flowEnrolments.id, { onDelete: 'cascade' }),
    stepId: text('step_id').notNull(),
    stepType: text('step_type').notNull(),
    enteredAt: text('entered_at').notNull(),
    finishedAt: text('finished_at'),
    /** queued (a send), waited, then / else (a branch), skipped (a send that could not go). */
    outcome: text('outcome'),
    /** A send step's message and personal link. */
    directMessageId: text('direct_message_id').references(() => directMessages.id, { onDelete: 'set null' }),
    shortLinkId: text('short_link_id').references(() => shortLinks.id, { onDelete: 'set null' }),
    /** Set when the enrolment left the flow at this step (opt-out, flow deleted, step removed…). */
    exitedAt: text('exited_at'),
  },
  (t) => [
    // an enrolment enters each step once (the tree has no loops): redeliveries record nothing twice
    uniqueIndex('flow_step_runs_enrolment_step_unique').on(t.enrolmentId, t.stepId),
    // the per-step report
    index('flow_step_runs_flow_step_idx').on(t.flowId, t.stepId),
    index('flow_step_runs_tenant_id_idx').on(t.tenantId),
    index('flow_step_runs_direct_message_id_idx').on(t.directMessageId),
    index('flow_step_runs_short_link_id_idx').on(t.shortLinkId),
  ],
);

// ---------------------------------------------------------------------------------------------
// shard database (issue 11): what a tenant move copied of each click counter, kept on the new
// shard while the move runs. Clicks keep landing on the old shard after their row was copied
// (the redirect caches a link's shard for up to 10 minutes past the switch) and the lean write
// path leaves no row per click to copy, so the move adds (old shard now − this baseline) to the
// new shard's counters after the wait, advancing the baseline in the same transaction: a re-run
// never adds a click twice. One row per copied short link (its click_count, human_click_count,
// clicked_at, recent_clicks) and per click_counts row (clicks, human_clicks); `row_key` is the
// row's primary key as the move's cursor writes it (the link id, or `["campaign_id","slot"]`).
// Written and deleted by `npm run ops -- tenant move` only (workers/cli/ops-move-clicks.mjs),
// never copied by a move; empty outside one.
export const MOVE_BASELINE_TABLES = ['short_links', 'click_counts'] as const;
export const moveClickBaselines = sqliteTable(
  'move_click_baselines',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    moveId: text('move_id').notNull(),
    tableName: text('table_name', { enum: MOVE_BASELINE_TABLES }).notNull(),
    rowKey: text('row_key').notNull(),
    clicks: integer('clicks').notNull(),
    humanClicks: integer('human_clicks').notNull(),
    clickedAt: text('clicked_at'),
    recentClicks: text('recent_clicks', { mode: 'json' }).$type<string[]>(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.moveId, t.tableName, t.rowKey] }),
    check('move_click_baselines_table_enum', oneOf('table_name', MOVE_BASELINE_TABLES)),
  ],
);
