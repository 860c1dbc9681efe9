// What sending costs: the price list (control database) and each tenant's spending counters (shard
// database).
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, id, oneOf, updatedAt } from './columns';
import { tenants } from './control';
import { CHANNELS, PROVIDERS } from './enums';

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
