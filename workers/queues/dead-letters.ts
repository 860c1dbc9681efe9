import { storableBody } from '../domain/dead-letters';
import { errorText } from '../lib/error-text';
import { recordDeadLetter } from '../ops/dead-letters';

/** The DLQ consumer's own retry delay while D1 is unreachable: 30 s doubling, at most an hour. */
export function storeRetryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.min(Math.max(attempts, 1) - 1, 7));
}

/**
 * Consumer for sms-dlq: stores every message (workers/ops/dead-letters.ts), then acks it. A message
 * that cannot be stored is retried (max_retries = 100 in wrangler.toml, hours apart at worst) and
 * logged with its body, so not even an outage of the control database loses it silently.
 */
export async function consumeDeadLetters(
  batch: MessageBatch<unknown>,
  env: Env,
  now: () => Date = () => new Date(),
): Promise<void> {
  for (const m of batch.messages) {
    try {
      const stored = await recordDeadLetter(env, { body: m.body, attempts: m.attempts }, now());
      console.warn(
        JSON.stringify({ dead_letter: stored.id, queue: stored.queue, tenant_id: stored.tenantId }),
      );
      m.ack();
    } catch (err) {
      console.error(
        'dead letter could not be stored; retrying',
        JSON.stringify(storableBody(m.body)),
        errorText(err),
      );
      m.retry({ delaySeconds: storeRetryDelaySeconds(m.attempts) });
    }
  }
}
