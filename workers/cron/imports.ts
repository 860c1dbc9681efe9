/** Cron job (every minute). */
export async function watchImports(env: Env, now: Date): Promise<void> {
  void env;
  void now;
}
