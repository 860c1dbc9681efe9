import { desc } from 'drizzle-orm';
import { Hono } from 'hono';
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
