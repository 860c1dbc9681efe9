// shard database: the audit trail of every mutation (workers/http/audit.ts).
import { sql } from 'drizzle-orm';
import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, id } from './columns';
import { tenants, users } from './control';

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
