/**
 * An error as one short line for logs, health details and cron records: the innermost cause's
 * message (drizzle wraps D1's error as "Failed query: <sql> params: <values>", and the values may be
 * a tenant's data), whitespace collapsed, cut at `max` characters.
 */
export function errorText(err: unknown, max = 200): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error && e.cause instanceof Error; depth++) e = e.cause;
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s+/g, ' ').trim().slice(0, max);
}
