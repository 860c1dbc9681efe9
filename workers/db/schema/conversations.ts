// shard database (issue 12): two-way conversations, and the test numbers and test sends.
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, id, oneOf, updatedAt } from './columns';
import { contacts } from './contacts';
import { tenants, users } from './control';
import { campaigns, messageTemplates } from './templates-campaigns';

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
