import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { type HealthReport, runHealthChecks } from '../ops/health';

/**
 * An isolate answers from its last report for this long: /healthz is public, and a flood of calls
 * should not become a flood of D1 queries. Monitors poll every 30 s or more.
 */
export const HEALTH_CACHE_MS = 5000;
const recent = new WeakMap<object, { at: number; report: Promise<HealthReport> }>();

/**
 * GET /healthz: no auth, for uptime monitors and deploy scripts. 200 `{ok: true, checks}` when
 * every check passes, else 503 with the same shape; a check's detail never holds a secret's value.
 */
export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const now = Date.now();
  let entry = recent.get(c.env);
  if (!entry || now - entry.at > HEALTH_CACHE_MS) {
    entry = { at: now, report: runHealthChecks(c.env) };
    recent.set(c.env, entry);
  }
  const report = await entry.report;
  return c.json(report, report.ok ? 200 : 503, { 'cache-control': 'no-store' });
});
