// GET /healthz and the System page: every check of a deployment, each bounded in time and unable to
// throw (a check that throws or times out is a failing check). Configuration checks are pure
// (workers/domain/config-checks.ts); the ones here ask the databases.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { MIGRATIONS } from '../db/migrations-manifest';
import { controlDb, shards } from '../db/shards';
import { configChecks, type HealthCheck } from '../domain/config-checks';
import { describeSettings, type OpsSettings, opsSettings } from '../domain/retention-settings';
import { errorText } from '../lib/error-text';
import { emailHealth } from '../providers/email-health';

export type { HealthCheck } from '../domain/config-checks';

export type HealthReport = {
  ok: boolean;
  checks: HealthCheck[];
  checked_at: string;
  duration_ms: number;
};

/**
 * Which folder of migrations/ each kind of database is built from (keys of MIGRATIONS). One folder
 * while control and shard share a database; 'migrations/control' and 'migrations/shard' after the split.
 */
export const MIGRATIONS_DIR = { control: 'migrations/control', shard: 'migrations/shard' } as const;

export const CHECK_TIMEOUT_MS = 2500;

type Target = { label: string; db: Db; dir: string };

function targets(env: Env): Target[] {
  return [
    { label: 'control', db: controlDb(env), dir: MIGRATIONS_DIR.control },
    ...shards(env).map((s) => ({ label: `shard ${s.name}`, db: s.db, dir: MIGRATIONS_DIR.shard })),
  ];
}

const oneLine = (err: unknown) => errorText(err);

/** Runs `run` with a deadline; a throw or a timeout becomes a failing check named `name`. */
export async function guarded(name: string, run: () => Promise<HealthCheck>, timeoutMs = CHECK_TIMEOUT_MS) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<HealthCheck>((resolve) => {
    timer = setTimeout(
      () => resolve({ name, ok: false, detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      run().catch((err: unknown) => ({ name, ok: false, detail: `check failed: ${oneLine(err)}` })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function databaseCheck(list: Target[]): Promise<HealthCheck> {
  const results = await Promise.all(
    list.map(async (t) => {
      const started = Date.now();
      try {
        await t.db.get(sql`SELECT 1 AS one`);
        return { label: t.label, ok: true, text: `${t.label} (${Date.now() - started} ms)` };
      } catch (err) {
        return { label: t.label, ok: false, text: `${t.label} unreachable: ${oneLine(err)}` };
      }
    }),
  );
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) return { name: 'database', ok: false, detail: failed.map((r) => r.text).join('; ') };
  return { name: 'database', ok: true, detail: `reachable: ${results.map((r) => r.text).join(', ')}` };
}

const list = (names: string[]) =>
  names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');

async function migrationsCheck(all: Target[]): Promise<HealthCheck> {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const t of all) {
    const expected = MIGRATIONS[t.dir];
    if (!expected) {
      problems.push(`${t.label}: this build has no migrations for ${t.dir}`);
      continue;
    }
    let applied: string[];
    try {
      const rows = await t.db.all<{ name: string }>(sql`SELECT name FROM d1_migrations ORDER BY id`);
      applied = rows.map((r) => r.name);
    } catch (err) {
      problems.push(
        /no such table/i.test(oneLine(err))
          ? `${t.label}: no migrations applied (no d1_migrations table)`
          : `${t.label}: could not read d1_migrations: ${oneLine(err)}`,
      );
      continue;
    }
    const missing = expected.filter((m) => !applied.includes(m));
    const unknown = applied.filter((m) => !expected.includes(m));
    if (missing.length > 0) {
      problems.push(`${t.label}: ${missing.length} not applied (${list(missing)})`);
    }
    if (unknown.length > 0) {
      notes.push(
        `${t.label} has ${unknown.length} this build does not know (${list(unknown)}): an older Worker runs on a newer schema`,
      );
    }
  }
  if (problems.length > 0) {
    return {
      name: 'migrations',
      ok: false,
      detail: `${problems.join('; ')}; apply them with \`wrangler d1 migrations apply\` before deploying`,
    };
  }
  const count = [...new Set(all.map((t) => t.dir))].reduce((n, d) => n + (MIGRATIONS[d]?.length ?? 0), 0);
  if (notes.length > 0) return { name: 'migrations', ok: true, detail: notes.join('; '), warning: true };
  return {
    name: 'migrations',
    ok: true,
    detail: `all ${count} applied on ${all.map((t) => t.label).join(', ')}`,
  };
}

async function deadLettersCheck(control: Db, settings: OpsSettings): Promise<HealthCheck> {
  const row = await control.get<{ n: number; oldest: string | null }>(
    sql`SELECT count(*) AS n, min(first_seen_at) AS oldest FROM dead_letters WHERE status = 'pending'`,
  );
  const n = row?.n ?? 0;
  const limit = settings.deadLettersMaxPending;
  const rule = `fails above ${limit} (DEAD_LETTERS_MAX_PENDING)`;
  if (n > limit) {
    return {
      name: 'dead_letters',
      ok: false,
      detail: `${n} pending since ${row?.oldest ?? '?'}: retry or discard them on the System page (letters with no tenant: docs/operations.md); ${rule}`,
    };
  }
  return { name: 'dead_letters', ok: true, detail: `${n} pending; ${rule}` };
}

function settingsCheck(problems: string[], settings: OpsSettings): HealthCheck {
  if (problems.length > 0) return { name: 'settings', ok: false, detail: problems.join('; ') };
  return { name: 'settings', ok: true, detail: describeSettings(settings) };
}

export type HealthOptions = { now?: () => Date; timeoutMs?: number };

/** Every check, concurrently. Never throws. */
export async function runHealthChecks(env: Env, opts: HealthOptions = {}): Promise<HealthReport> {
  const now = opts.now ?? (() => new Date());
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? CHECK_TIMEOUT_MS;
  const { settings, problems } = opsSettings(env as unknown as Record<string, unknown>);
  let all: Target[] = [];
  let control: Db | null = null;
  try {
    all = targets(env);
    control = controlDb(env);
  } catch {
    // Reported by the database checks below.
  }
  const checks = await Promise.all([
    guarded('database', () => databaseCheck(all), timeoutMs),
    guarded('migrations', () => migrationsCheck(all), timeoutMs),
    ...configChecks(env).map((c) => Promise.resolve(c)),
    guarded(
      'email',
      () => (control ? emailHealth(env, control) : Promise.reject(new Error('no control database'))),
      timeoutMs,
    ),
    guarded(
      'dead_letters',
      () =>
        control ? deadLettersCheck(control, settings) : Promise.reject(new Error('no control database')),
      timeoutMs,
    ),
    Promise.resolve(settingsCheck(problems, settings)),
  ]);
  return {
    ok: checks.every((c) => c.ok),
    checks,
    checked_at: now().toISOString(),
    duration_ms: Date.now() - started,
  };
}

/** The failing checks as one log line, or null when all pass. */
export function failureLine(report: HealthReport): string | null {
  const failing = report.checks.filter((c) => !c.ok);
  if (failing.length === 0) return null;
  return `healthz: ${failing.length} failing check${failing.length === 1 ? '' : 's'}: ${failing
    .map((c) => `${c.name} (${c.detail})`)
    .join('; ')}`;
}

/**
 * Logs one line at the first request an isolate serves when the deployment is broken, off the
 * response path (waitUntil). Later requests of the isolate cost one boolean test.
 */
export function createStartupReporter(run: (env: Env) => Promise<HealthReport> = runHealthChecks) {
  let reported = false;
  return (env: Env, ctx: Pick<ExecutionContext, 'waitUntil'>): void => {
    if (reported) return;
    reported = true;
    // The test suite's own configuration is deliberately fake; tests call the reporter themselves.
    if (env.ENVIRONMENT === 'test') return;
    ctx.waitUntil(
      run(env)
        .then((report) => {
          const line = failureLine(report);
          if (line) console.error(line);
        })
        .catch((err: unknown) => console.error(`healthz: the startup check itself failed: ${oneLine(err)}`)),
    );
  };
}
