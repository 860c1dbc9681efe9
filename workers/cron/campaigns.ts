/** Cron job (every minute). */
export async function startDueCampaigns(env: Env, now: Date): Promise<void> {
  void env;
  void now;
}
