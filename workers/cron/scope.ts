import { type SQL, sql } from 'drizzle-orm';

/**
 * Narrows a cron job to one tenant. The scheduled handler never passes it (every job covers every
 * tenant); tests do, so rows that other tests left in the same database neither change what a test
 * observes nor get moved by it.
 */
export type CronScope = { tenantId: string };

/** ` AND <column> = <tenant>` when scoped, nothing otherwise. `column` is a trusted literal. */
export function andTenant(column: string, scope: CronScope | undefined): SQL {
  return scope ? sql` AND ${sql.raw(column)} = ${scope.tenantId}` : sql``;
}
