/** Consumer for the fanout queue. */
export async function consumeFanoutBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  void env;
  void ctx;
  batch.retryAll({ delaySeconds: 30 });
}
