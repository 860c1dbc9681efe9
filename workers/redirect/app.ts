import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { linkNotFoundPage, linkUnavailablePage } from './pages';
import { redirectRoutes } from './routes';

/**
 * The short-link redirect as its own small Hono app: the main Worker answers `/l/:token` with it
 * ahead of the API's middleware, and the link-only Worker (workers/links) is nothing else.
 */
export function createShortLinkApp() {
  return new Hono<AppEnv>()
    .route('/l', redirectRoutes)
    .notFound(() => linkNotFoundPage())
    .onError((err) => {
      console.error('short-link redirect failed', err);
      return linkUnavailablePage();
    });
}
