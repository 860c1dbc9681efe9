// control database: who sends, the sending numbers (copied onto each shard) and tenants' own Twilio
// accounts.
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ACMA_STATUSES, SENDER_KINDS } from '../../domain/senders';
import { bool, createdAt, id, isBool, oneOf, updatedAt } from './columns';
import { tenants } from './control';
import { PROVIDERS } from './enums';

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
