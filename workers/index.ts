import { createApp } from './app';
import { runCron } from './cron';
import { handleQueue } from './queues';

export { SendingNumber } from '../durable-objects/sending-number';
export { TenantGovernor } from '../durable-objects/tenant-governor';

const app = createApp();

export default {
  fetch: app.fetch,
  queue: handleQueue,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runCron(env, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<Env>;
