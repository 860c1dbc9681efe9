import { createApp } from './app';
import { runCron } from './cron';
import { countedEnv, countQueueBatch } from './db/d1-stats';
import { uiHeaders, withHeaders } from './http/security-headers';
import { createStartupReporter } from './ops/health';
import { handleQueue } from './queues';
import { createShortLinkApp } from './redirect/app';

export { FlowRunner } from '../durable-objects/flow-runner';
export { SendingNumber } from '../durable-objects/sending-number';
export { TenantGovernor } from '../durable-objects/tenant-governor';

const app = createApp();
// Short links (and opt-out links) are the hot path: a recipient's tap goes straight to the
// redirect's own small router, skipping the app's middleware (database client, API routing).
const shortLinks = createShortLinkApp();

/** Paths the Worker answers (`/l/`, `/u/`: short and opt-out links); everything else is the admin UI. */
const SHORT_LINK = /^https?:\/\/[^/]+\/[lu](?:[/?#]|$)/;
const WORKER_PATH = /^https?:\/\/[^/]+\/(?:api|auth|webhooks|dev|healthz|f|ops)(?:[/?#]|$)/;
/** A broken configuration is logged once per isolate, at its first request (issue 9). */
const reportBrokenConfig = createStartupReporter();

/** The label D1 costs are counted under when D1_STATS is on (benchmarks): the path's first two segments. */
function labelOf(url: string): string {
  return new URL(url).pathname.split('/').slice(1, 3).join('/');
}

export default {
  // wrangler.toml runs this Worker first for every request (run_worker_first = true): the asset
  // router's pattern matching costs a hot short link more than one regex test here.
  fetch(req, env, ctx) {
    reportBrokenConfig(env, ctx);
    if (SHORT_LINK.test(req.url)) return shortLinks.fetch(req, countedEnv(env, 'click'), ctx);
    if (WORKER_PATH.test(req.url)) return app.fetch(req, countedEnv(env, labelOf(req.url)), ctx);
    // The admin UI (index.html and its hashed assets) under the UI's Content-Security-Policy.
    return env.ASSETS.fetch(req).then((res) => withHeaders(res, uiHeaders(env)));
  },
  queue: (batch, env, ctx) => {
    countQueueBatch(env, `queue:${batch.queue}`, batch.messages.length);
    return handleQueue(batch, countedEnv(env, `queue:${batch.queue}`), ctx);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runCron(countedEnv(env, 'cron'), new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<Env>;
