// Drizzle queries and raw D1 statements in one D1 batch (one transaction): a drizzle query is
// rendered to its SQL and bound parameters, never spliced into text.
import type { SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';

const dialect = new SQLiteAsyncDialect();

export type Renderable = SQL | { toSQL(): { sql: string; params: unknown[] } };

export function statement(d1: D1Database, query: Renderable): D1PreparedStatement {
  const q = 'toSQL' in query ? query.toSQL() : dialect.sqlToQuery(query);
  return d1.prepare(q.sql).bind(...q.params);
}
