// The last run of each cron job (control table cron_runs), for the System page: two writes per
// minute in all (one batch when the tick starts, one when its jobs are done).
import { asc, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { cronRuns } from '../db/schema';

export type CronResult = {
  job: string;
  ok: boolean;
  error: string | null;
  durationMs: number;
  finishedAt: string;
  detail: Record<string, number> | null;
};

export async function recordStarts(control: Db, jobs: readonly string[], at: Date): Promise<void> {
  const startedAt = at.toISOString();
  await control
    .insert(cronRuns)
    .values(jobs.map((job) => ({ job, lastStartedAt: startedAt })))
    .onConflictDoUpdate({ target: cronRuns.job, set: { lastStartedAt: startedAt } });
}

export async function recordFinishes(control: Db, results: CronResult[], startedAt: Date): Promise<void> {
  if (results.length === 0) return;
  const at = startedAt.toISOString();
  const [first, ...rest] = results.map((r) =>
    control
      .insert(cronRuns)
      .values({
        job: r.job,
        lastStartedAt: at,
        lastFinishedAt: r.finishedAt,
        ok: r.ok,
        error: r.error,
        durationMs: r.durationMs,
        lastSuccessAt: r.ok ? r.finishedAt : null,
        detail: r.detail,
      })
      .onConflictDoUpdate({
        target: cronRuns.job,
        set: {
          lastFinishedAt: r.finishedAt,
          ok: r.ok,
          error: r.error,
          durationMs: r.durationMs,
          lastSuccessAt: r.ok ? r.finishedAt : sql`${cronRuns.lastSuccessAt}`,
          detail: r.detail,
        },
      }),
  );
  if (first) await control.batch([first, ...rest]);
}

/** A job's return value as counts for the System page: only numeric fields of a plain object. */
export function countsOf(value: unknown): Record<string, number> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * An error message as admins of any tenant may read it: cron jobs work across tenants, so ids,
 * email addresses and phone numbers in a message are masked (the Worker log keeps the original).
 */
export function redactForAdmins(text: string | null): string | null {
  if (text === null) return null;
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/[^\s@<>"']+@[^\s@<>"']+\.[a-z]{2,}/gi, '<email>')
    .replace(/\+\d{8,15}/g, '<number>')
    .slice(0, 300);
}

export type CronRunView = {
  job: string;
  last_started_at: string | null;
  last_finished_at: string | null;
  ok: boolean | null;
  error: string | null;
  duration_ms: number | null;
  last_success_at: string | null;
  detail: Record<string, number> | null;
};

/** Every known job, in the cron's order, with its last run (or nulls when it never ran). */
export async function cronRunViews(control: Db, jobs: readonly string[]): Promise<CronRunView[]> {
  const rows = await control.select().from(cronRuns).orderBy(asc(cronRuns.job));
  const byJob = new Map(rows.map((r) => [r.job, r]));
  const names = [...jobs, ...rows.map((r) => r.job).filter((j) => !jobs.includes(j))];
  return names.map((job) => {
    const r = byJob.get(job);
    return {
      job,
      last_started_at: r?.lastStartedAt ?? null,
      last_finished_at: r?.lastFinishedAt ?? null,
      ok: r?.ok ?? null,
      error: redactForAdmins(r?.error ?? null),
      duration_ms: r?.durationMs ?? null,
      last_success_at: r?.lastSuccessAt ?? null,
      detail: r?.detail ?? null,
    };
  });
}
