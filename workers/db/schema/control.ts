// control database: tenants and the people and keys that act for them (sign-in, sessions, API
// keys, login rate limits, the development outbox, failed emails). tenants and users are copied
// onto each shard (workers/db/replicate.ts) so its foreign keys hold.
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, id, isBool, oneOf, updatedAt } from './columns';
import { ROLES } from './enums';

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
