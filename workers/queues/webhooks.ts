import { z } from 'zod';
import { type DeliveryOptions, runDelivery } from '../integrations/webhook-deliveries';

const WebhookMessageSchema = z.object({
  tenantId: z.string().min(1),
  deliveryId: z.string().min(1),
  attempt: z.number().int().min(0),
  manual: z.boolean().optional(),
});

/**
 * Consumer for the outbound webhook queue (`sms-webhooks`). Each message is one attempt of one
 * delivery; retries are new messages with a delay (exponential backoff over 24 h, see
 * domain/webhook-retry.ts), so the queue's own retries only cover our failures (D1, the queue).
 */
export async function consumeWebhookBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
  opts: DeliveryOptions = {},
): Promise<void> {
  void ctx;
  // Deliveries to different endpoints do not wait for each other (one slow receiver, 10 s at most).
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = WebhookMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        console.error('webhook queue: malformed message dropped', JSON.stringify(message.body));
        message.ack();
        return;
      }
      try {
        await runDelivery(env, parsed.data, opts);
        message.ack();
      } catch (err) {
        console.error('webhook delivery could not run', parsed.data.deliveryId, err);
        message.retry({ delaySeconds: 30 });
      }
    }),
  );
}
