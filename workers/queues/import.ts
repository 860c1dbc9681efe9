import { z } from 'zod';
import { runImport } from '../db/imports';
import { movingRetryDelaySeconds, shardOrNull, TenantMovingError } from '../db/shards';
import { emitImportCompleted } from '../integrations/import-events';

const ImportMessageSchema = z.object({
  batchId: z.string().min(1),
  tenantId: z.string().min(1),
  seq: z.number().int().min(0),
});

/**
 * Consumer for the import queue. Each message carries a batch id; the consumer works through the
 * batch's chunks in file order within a time budget, then hands the rest on with a new message, so
 * no single invocation needs the whole file's memory or CPU.
 */
export async function consumeImportBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  void ctx;
  for (const message of batch.messages) {
    const parsed = ImportMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error('import queue: malformed message dropped', JSON.stringify(message.body));
      message.ack();
      continue;
    }
    const { batchId, tenantId, seq } = parsed.data;
    try {
      const shard = await shardOrNull(env, tenantId);
      if (!shard) {
        message.ack(); // the tenant was deleted, and its import with it
        continue;
      }
      const state = await runImport(shard.d1, batchId);
      if (state === 'more') await env.IMPORT_QUEUE.send({ batchId, tenantId, seq: seq + 1 });
      else await emitImportCompleted(env, tenantId, batchId); // issue 14: one webhook event per import
      message.ack();
    } catch (err) {
      if (err instanceof TenantMovingError) {
        message.retry({ delaySeconds: movingRetryDelaySeconds(message.attempts) });
        continue;
      }
      // Nothing half-written: the failed chunk rolled back. Retry soon; the cron watchdog resumes or
      // fails the batch if retries run out.
      console.error('import chunk failed', batchId, err);
      message.retry({ delaySeconds: 5 });
    }
  }
}
