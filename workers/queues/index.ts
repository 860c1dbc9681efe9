/** Routes a batch to its consumer by queue name (names as in wrangler.toml). */
export async function handleQueue(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  switch (batch.queue) {
    default:
      console.warn(`no consumer for queue ${batch.queue}; retrying ${batch.messages.length} message(s)`);
      batch.retryAll({ delaySeconds: 60 });
  }
  void env;
  void ctx;
}
