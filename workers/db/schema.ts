// The whole data model, in one place. Tables and columns follow ../shared/ERD.md;
// additions the product needs are marked "beyond the ERD" and listed in the README.
// Timestamps are ISO-8601 UTC strings (sortable, readable in D1); ids are UUIDv7 strings.
// Which database holds which table is decided in schema-control.ts and schema-shard.ts (each a
// drizzle-kit entry with its own migrations folder); tenants, users and sending_numbers live in both
// (the control database is their source of truth, each shard keeps a copy of its tenants' rows so
// its foreign keys hold: see workers/db/replicate.ts).
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
export const IMPORT_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export const ROLES = ['admin', 'staff', 'viewer'] as const;
export const PROVIDERS = ['twilio'] as const;

export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export type DncReason = (typeof DNC_REASONS)[number];
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
    // beyond the ERD: the shard database (binding name, e.g. SHARD_0) that holds the tenant's data
    shard: text('shard').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('tenants_shard_idx').on(t.shard),
    check('tenants_is_paused_bool', isBool('is_paused')),
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
export const devOutbox = sqliteTable(
  'dev_outbox',
  {
    id: id(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    link: text('link'),
    createdAt: createdAt(),
  },
  (t) => [index('dev_outbox_created_at_idx').on(t.createdAt)],
);

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
    index('import_batches_tenant_id_idx').on(t.tenantId),
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
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('contacts_tenant_phone_unique').on(t.tenantId, t.phoneE164),
    index('contacts_tenant_id_idx').on(t.tenantId),
    index('contacts_email_idx').on(t.email),
    index('contacts_import_batch_id_idx').on(t.importBatchId),
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
  },
  (t) => [
    uniqueIndex('do_not_contact_tenant_phone_unique').on(t.tenantId, t.phoneE164),
    index('do_not_contact_tenant_id_idx').on(t.tenantId),
    check('do_not_contact_reason_enum', oneOf('reason', DNC_REASONS)),
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
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('message_templates_tenant_id_idx').on(t.tenantId),
    check('message_templates_is_active_bool', isBool('is_active')),
  ],
);

export const sendingNumbers = sqliteTable(
  'sending_numbers',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    phoneE164: text('phone_e164').notNull(),
    provider: text('provider', { enum: PROVIDERS }).notNull().default('twilio'),
    dailyLimit: integer('daily_limit').notNull(),
    perMinuteLimit: integer('per_minute_limit').notNull(),
    warmupStartDate: text('warmup_start_date'),
    isActive: bool('is_active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('sending_numbers_phone_unique').on(t.phoneE164),
    index('sending_numbers_tenant_id_idx').on(t.tenantId),
    check('sending_numbers_provider_enum', oneOf('provider', PROVIDERS)),
    check('sending_numbers_is_active_bool', isBool('is_active')),
    check('sending_numbers_limits_positive', sql`${t.dailyLimit} > 0 AND ${t.perMinuteLimit} > 0`),
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
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    queuedAt: text('queued_at'),
    completedAt: text('completed_at'),
  },
  (t) => [
    index('campaigns_tenant_id_idx').on(t.tenantId),
    index('campaigns_status_scheduled_idx').on(t.status, t.scheduledAt),
    check('campaigns_status_enum', oneOf('status', CAMPAIGN_STATUSES)),
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
    queuedAt: text('queued_at').notNull().default(now),
    sentAt: text('sent_at'),
    deliveredAt: text('delivered_at'),
    failedAt: text('failed_at'),
  },
  (t) => [
    uniqueIndex('send_jobs_tenant_campaign_contact_unique').on(t.tenantId, t.campaignId, t.contactId),
    index('send_jobs_tenant_id_idx').on(t.tenantId),
    index('send_jobs_campaign_id_idx').on(t.campaignId),
    index('send_jobs_contact_id_idx').on(t.contactId),
    index('send_jobs_template_id_idx').on(t.templateId),
    index('send_jobs_sending_number_id_idx').on(t.sendingNumberId),
    index('send_jobs_status_idx').on(t.status),
    index('send_jobs_campaign_status_idx').on(t.campaignId, t.status),
    index('send_jobs_provider_message_id_idx').on(t.providerMessageId),
    index('send_jobs_status_lease_idx').on(t.status, t.leaseUntil),
    // beyond the ERD: reconciliation finds jobs 'sent' long ago with a range scan (migration 0003)
    index('send_jobs_status_sent_at_idx').on(t.status, t.sentAt),
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
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    token: text('token').notNull(),
    targetUrl: text('target_url').notNull(),
    clickedAt: text('clicked_at'),
    clickCount: integer('click_count').notNull().default(0),
    humanClickCount: integer('human_click_count').notNull().default(0),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [
    uniqueIndex('short_links_token_unique').on(t.token),
    index('short_links_tenant_id_idx').on(t.tenantId),
    index('short_links_campaign_id_idx').on(t.campaignId),
    index('short_links_contact_id_idx').on(t.contactId),
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
    index('events_tenant_id_idx').on(t.tenantId),
    index('events_contact_id_idx').on(t.contactId),
    index('events_campaign_id_idx').on(t.campaignId),
    index('events_send_job_id_idx').on(t.sendJobId),
    // A message is sent once, so it is logged SENT once, whichever consumer records it.
    uniqueIndex('events_sent_once_unique').on(t.sendJobId).where(sql`event_type = 'SENT'`),
    index('events_short_link_id_idx').on(t.shortLinkId),
    index('events_event_type_idx').on(t.eventType),
    index('events_created_at_idx').on(t.createdAt),
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
  },
  (t) => [
    uniqueIndex('webhook_events_provider_event_id_unique').on(t.providerEventId),
    index('webhook_events_tenant_id_idx').on(t.tenantId),
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
    index('audit_log_tenant_id_idx').on(t.tenantId),
    index('audit_log_user_id_idx').on(t.userId),
    index('audit_log_api_key_id_idx').on(t.apiKeyId),
    index('audit_log_tenant_created_idx').on(t.tenantId, t.createdAt),
  ],
);

// control database (issue 9): emails the provider refused or never got (sign-in links, invitations),
// so GET /healthz can say that sign-in is broken. Neither the address nor the link is stored: only
// which provider, its HTTP status and a short reason. Rows older than a week are pruned on insert.
export const EMAIL_PROVIDERS = ['cloudflare', 'resend'] as const;
export const EMAIL_KINDS = ['magic_link', 'invitation'] as const;
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
