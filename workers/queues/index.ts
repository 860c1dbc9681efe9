import { consumeFlowBatch } from '../flows/queue';
import { consumeDeadLetters } from './dead-letters';
import { consumeFanoutBatch } from './fanout';
import { consumeImportBatch } from './import';
import { consumeSendBatch } from './send';
import { consumeWebhookBatch } from './webhooks';

/** Routes a batch to its consumer by queue name (names as in wrangler.toml). */
export async function handleQueue(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  switch (batch.queue) {
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
