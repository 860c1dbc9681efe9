// Growth (issue 14): outbound webhooks, revenue attribution, join keywords, signup forms and the
// opt-ins they start. All shard tables except form_directory (control database).
import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  check,
  index,
  integer,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import { bool, createdAt, id, isBool, oneOf, updatedAt } from './columns';
import { contacts } from './contacts';
import { tenants } from './control';
import { directMessages, shortLinks } from './messages';
import { campaigns } from './templates-campaigns';

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
