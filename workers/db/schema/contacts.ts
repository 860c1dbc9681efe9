// shard database: contacts and what is known about them (imports, do-not-contact, suppression
// rules, tags, saved segments).
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, id, isBool, oneOf, textNoCase, updatedAt } from './columns';
import { tenants, users } from './control';
import { CONSENT_STATUSES, DNC_REASONS, DNC_SOURCES, IMPORT_STATUSES } from './enums';

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

// ---------------------------------------------------------------------------------------------
// shard database (issue 12: tags and segments)

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
