/** Cron job (every minute). */
export async function expireLinks(env: Env, now: Date): Promise<void> {
  void env;
  void now;
}
