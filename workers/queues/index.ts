import { consumeFlowBatch } from '../flows/queue';
import { consumeDeadLetters } from './dead-letters';
import { consumeFanoutBatch } from './fanout';
import { consumeImportBatch } from './import';
import { consumeSendBatch } from './send';
import { consumeWebhookBatch } from './webhooks';

/**
 * A queue's name without its environment: queue names are unique per Cloudflare account, so a
 * non-production environment's queues carry its name (`sms-send-staging`, see wrangler.toml's
 * `[env.staging]`); production and local runs use the plain names.
 */
export function queueBase(name: string, env: Pick<Env, 'ENVIRONMENT'>): string {
  const suffix = `-${env.ENVIRONMENT}`;
  return env.ENVIRONMENT && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}

/** Routes a batch to its consumer by queue name (names as in wrangler.toml). */
export async function handleQueue(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  switch (queueBase(batch.queue, env)) {
    case 'sms-fanout':
      return consumeFanoutBatch(batch, env, ctx);
    case 'sms-send':
      return consumeSendBatch(batch, env, ctx);
    case 'sms-import':
      return consumeImportBatch(batch, env, ctx);
    case 'sms-webhooks':
      return consumeWebhookBatch(batch, env, ctx);
    case 'sms-flows':
      return consumeFlowBatch(batch, env);
    case 'sms-dlq':
      return consumeDeadLetters(batch, env);
    default:
      console.warn(`no consumer for queue ${batch.queue}`);
      batch.retryAll({ delaySeconds: 60 });
  }
}
