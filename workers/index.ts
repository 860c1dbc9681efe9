import { createApp } from './app';
import { runCron } from './cron';
import { uiHeaders, withHeaders } from './http/security-headers';
import { handleQueue } from './queues';
import { createShortLinkApp } from './redirect/app';

export { SendingNumber } from '../durable-objects/sending-number';
export { TenantGovernor } from '../durable-objects/tenant-governor';

const app = createApp();
// Short links are the hot path: a recipient's tap goes straight to the redirect's own small
// router, skipping the app's middleware (database client, API routing).
const shortLinks = createShortLinkApp();

/** Paths the Worker answers; everything else is the admin UI (static assets, SPA fallback). */
const SHORT_LINK = /^https?:\/\/[^/]+\/l(?:[/?#]|$)/;
const WORKER_PATH = /^https?:\/\/[^/]+\/(?:api|auth|webhooks|dev|ops)(?:[/?#]|$)/;

export default {
  // wrangler.toml runs this Worker first for every request (run_worker_first = true): the asset
  // router's pattern matching costs a hot short link more than one regex test here.
  fetch(req, env, ctx) {
    if (SHORT_LINK.test(req.url)) return shortLinks.fetch(req, env, ctx);
    if (WORKER_PATH.test(req.url)) return app.fetch(req, env, ctx);
    // The admin UI (index.html and its hashed assets) under the UI's Content-Security-Policy.
    return env.ASSETS.fetch(req).then((res) => withHeaders(res, uiHeaders(env)));
  },
  queue: handleQueue,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runCron(env, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<Env>;
