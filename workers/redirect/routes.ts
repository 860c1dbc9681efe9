import { Hono } from 'hono';
import { shardNamed } from '../db/shards';
import type { AppEnv } from '../http/context';
import { queueClick } from './clicks';
import { resolveLink } from './lookup';
import { linkExpiredPage, linkNotFoundPage } from './pages';
import { recordTestClick } from './test-links';

/**
 * GET /l/:token: 302 to the link's target. Hono answers HEAD through this GET handler without a
 * body; HEAD is never a click. The click is recorded after the response, and a failure there
 * never reaches the visitor.
 */
export const redirectRoutes = new Hono<AppEnv>().get('/:token', async (c) => {
  const ctx = c.executionCtx;
  const waitUntil = (p: Promise<unknown>) => ctx.waitUntil(p);
  const link = await resolveLink(c.env, c.req.param('token'), waitUntil);
  if (!link) return linkNotFoundPage();
  const now = new Date();
  if (link.expiresAt <= now.toISOString()) return linkExpiredPage(link.sender);
  if (c.req.method !== 'HEAD') {
    if (!link.test) waitUntil(queueClick(c.env, link, c.req.raw, now));
    else {
      const shard = shardNamed(c.env, link.shard);
      if (shard) waitUntil(recordTestClick(shard.d1, link));
    }
  }
  return new Response(null, {
    status: 302,
    headers: {
      location: link.location,
      // Every open must come back here to be counted, and the token must not leak onwards.
      'cache-control': 'private, no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    },
  });
});
