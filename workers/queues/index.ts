import { consumeFanoutBatch } from './fanout';
import { consumeImportBatch } from './import';
import { consumeSendBatch } from './send';

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
    case 'sms-dlq':
      return consumeDeadLetters(batch, env);
    default:
      console.warn(`no consumer for queue ${batch.queue}`);
      batch.retryAll({ delaySeconds: 60 });
  }
}

/** Dead letters are logged for operators and acknowledged; the job rows already say why they failed. */
async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env) {
  void env;
  for (const m of batch.messages) console.error('dead letter', JSON.stringify(m.body));
  batch.ackAll();
}
