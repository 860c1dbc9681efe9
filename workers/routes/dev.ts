import { desc } from 'drizzle-orm';
import { Hono } from 'hono';
import { d1Stats, resetD1Stats } from '../db/d1-stats';
import { devOutbox } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ApiError } from '../http/errors';
import { isDevelopment } from '../providers/email';

/** Development-only helpers; every route answers 404 in production. */
export const devRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    if (!isDevelopment(c.env)) throw new ApiError('NOT_FOUND', 'No such route.');
    return next();
  })
  // Benchmarks: D1 round trips and statements per entry point (counted only with D1_STATS=1).
  .get('/d1-stats', (c) => c.json(d1Stats()))
  .delete('/d1-stats', (c) => {
    resetD1Stats();
    return c.body(null, 204);
  })
  .get('/outbox', async (c) => {
    const rows = await c.get('control').select().from(devOutbox).orderBy(desc(devOutbox.id)).limit(50);
    return c.json(
      rows.map((r) => ({
        to: r.to,
        subject: r.subject,
        text: r.text,
        link: r.link,
        created_at: r.createdAt,
      })),
    );
  });
