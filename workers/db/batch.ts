// Drizzle's db.run(sql`...`) executes at once instead of joining a db.batch(), and the guarded
// INSERT ... SELECT statements these handlers need have no query-builder form. So each batch is
// built from drizzle queries and sql templates, rendered to D1 statements, and run as one D1
// batch (a single transaction). Parameters stay bound, never spliced into the SQL text.
import type { SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import type { Db } from './client';

const dialect = new SQLiteAsyncDialect();

export type Renderable = SQL | { toSQL(): { sql: string; params: unknown[] } };

function prepare(d1: D1Database, query: Renderable): D1PreparedStatement {
  const q = 'toSQL' in query ? query.toSQL() : dialect.sqlToQuery(query);
  return d1.prepare(q.sql).bind(...q.params);
}

export type BatchResult = { changes: number; rows: Record<string, unknown>[] };

/** Runs the statements atomically, in order; answers each one's changed-row count and RETURNING rows. */
export async function runBatch(db: Db, queries: Renderable[]): Promise<BatchResult[]> {
  const d1 = db.$client;
  const results = await d1.batch<Record<string, unknown>>(queries.map((q) => prepare(d1, q)));
  return results.map((r) => ({ changes: r.meta.changes ?? 0, rows: r.results ?? [] }));
}
