import { controlDb } from '../db/shards';
import { requeueLostDirect } from '../direct/requeue';
import { expireOptIns, sweepWebhooks } from '../integrations/sweeper';
import { errorText } from '../lib/error-text';
import { archiveCampaigns } from '../lifecycle/archiver';
import { type CronResult, countsOf, recordFinishes, recordStarts } from '../ops/cron-runs';
import { startDueCampaigns } from './campaigns';
import { watchImports } from './imports';
import { reconcileMessages } from './reconcile';
import { enforceRetention } from './retention';

type Job = { name: string; run: (env: Env, now: Date) => Promise<unknown> };

/** Every minute, in this order on the System page. */
export const CRON_JOBS: readonly Job[] = [
  { name: 'campaigns', run: startDueCampaigns },
  { name: 'direct', run: requeueLostDirect },
  { name: 'imports', run: watchImports },
  { name: 'reconcile', run: reconcileMessages },
  { name: 'retention', run: enforceRetention },
  { name: 'webhooks', run: sweepWebhooks },
  { name: 'opt-ins', run: expireOptIns },
  { name: 'archive', run: archiveCampaigns },
];

export const CRON_JOB_NAMES = CRON_JOBS.map((j) => j.name);

const message = (err: unknown) => errorText(err, 500);

/**
 * Each job is independent: one failing never stops the others. Each run is recorded in cron_runs
 * (start, finish, ok, error, duration). Finish times are `now` plus the measured duration, so a
 * pinned clock stays pinned.
 */
export async function runCron(env: Env, now: Date, jobs: readonly Job[] = CRON_JOBS): Promise<CronResult[]> {
  const control = controlDb(env);
  await recordStarts(
    control,
    jobs.map((j) => j.name),
    now,
  ).catch((err: unknown) => console.error('cron: recording the start failed', message(err)));
  const results = await Promise.all(
    jobs.map(async (job): Promise<CronResult> => {
      const started = Date.now();
      const finished = () => {
        const durationMs = Date.now() - started;
        return { durationMs, finishedAt: new Date(now.getTime() + durationMs).toISOString() };
      };
      try {
        const out = await job.run(env, now);
        return { job: job.name, ok: true, error: null, detail: countsOf(out), ...finished() };
      } catch (err) {
        console.error(`cron job ${job.name} failed`, err);
        return { job: job.name, ok: false, error: message(err), detail: null, ...finished() };
      }
    }),
  );
  await recordFinishes(control, results, now).catch((err: unknown) =>
    console.error('cron: recording the results failed', message(err)),
  );
  return results;
}
