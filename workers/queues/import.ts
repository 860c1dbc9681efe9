/** Consumer for the import queue. */
export async function consumeImportBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  void env;
  void ctx;
  batch.retryAll({ delaySeconds: 30 });
}
