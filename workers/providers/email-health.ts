// The email check of GET /healthz: can a person get a sign-in link right now?
import { count, desc, gt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { emailFailures } from '../db/schema';
import { type EmailEnv, emailSetup } from './email';

export type HealthCheck = { name: 'email'; ok: boolean; detail: string };

/** A failure this recent makes the check fail; one hour spans a provider incident, not a week-old blip. */
export const EMAIL_FAILURE_WINDOW_MS = 60 * 60 * 1000;

/**
 * ok when a provider is configured (in local runs the outbox counts) and no email failed in the
 * last hour. The detail names the missing setting or the last failure; never a secret or an address.
 */
export async function emailHealth(env: EmailEnv, control: Db, now = new Date()): Promise<HealthCheck> {
  const setup = emailSetup(env, control);
  if (setup.problem) return { name: 'email', ok: false, detail: setup.problem };
  const since = new Date(now.getTime() - EMAIL_FAILURE_WINDOW_MS).toISOString();
  const recent = gt(emailFailures.createdAt, since);
  const [[tally], [last]] = await Promise.all([
    control.select({ n: count() }).from(emailFailures).where(recent),
    control.select().from(emailFailures).where(recent).orderBy(desc(emailFailures.createdAt)).limit(1),
  ]);
  const n = tally?.n ?? 0;
  if (n === 0 || !last)
    return { name: 'email', ok: true, detail: `${setup.description}; no failed email in the last hour` };
  return {
    name: 'email',
    ok: false,
    detail:
      `${setup.description}; ${n} failed email${n === 1 ? '' : 's'} in the last hour, the last at ${last.createdAt}: ` +
      `${last.provider} answered ${last.status ?? 'nothing'} (${last.reason})`,
  };
}
