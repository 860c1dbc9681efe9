/** Cron job (every minute). */
export async function reconcileMessages(env: Env, now: Date): Promise<void> {
  void env;
  void now;
}
