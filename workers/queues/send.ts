import { processSendBatch } from '../send/consumer';

/** Consumer for the send queue: one SMS per job id (see workers/send/loop.ts). */
export async function consumeSendBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  void ctx;
  await processSendBatch(batch, env);
}
