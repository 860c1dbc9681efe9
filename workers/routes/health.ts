import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { runHealthChecks } from '../ops/health';

/**
 * GET /healthz: no auth, for uptime monitors and deploy scripts. 200 `{ok: true, checks}` when
 * every check passes, else 503 with the same shape; a check's detail never holds a secret's value.
 */
export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const report = await runHealthChecks(c.env);
  return c.json(report, report.ok ? 200 : 503, { 'cache-control': 'no-store' });
});
