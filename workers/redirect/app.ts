import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { optOutRoutes } from '../optout/routes';
import { linkNotFoundPage, linkUnavailablePage } from './pages';
import { redirectRoutes } from './routes';

/**
 * The short-link redirect and the opt-out links (`/u/:token`, issue 10) as their own small Hono
 * app: the main Worker answers `/l/` and `/u/` with it ahead of the API's middleware, and the
 * link-only Worker (workers/links) is nothing else. Tests pin the opt-out links' clock.
 */
export function createShortLinkApp(opts: { clock?: () => Date } = {}) {
  return new Hono<AppEnv>()
    .route('/l', redirectRoutes)
    .route('/u', optOutRoutes(opts.clock))
    .notFound(() => linkNotFoundPage())
    .onError((err) => {
      console.error('short-link redirect failed', err);
      return linkUnavailablePage();
    });
}
