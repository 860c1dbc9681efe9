/** Consumer for the send queue. */
export async function consumeSendBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  void env;
  void ctx;
  batch.retryAll({ delaySeconds: 30 });
}
