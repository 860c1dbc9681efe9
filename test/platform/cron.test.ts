import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CRON_JOB_NAMES, runCron } from '../../workers/cron';
import { uuidv7 } from '../../workers/db/ids';
import { cronRuns, deadLetters, magicTokens, sessions } from '../../workers/db/schema';
import worker from '../../workers/index';
import { control, createTenant, json } from '../helpers/fixtures';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cron housekeeping', () => {
  it('happy: removes expired sessions and long-expired magic tokens, keeps live ones', async () => {
    const t = await createTenant();
    const past = new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString();
    const future = new Date(Date.now() + 3600 * 1000).toISOString();
    const d = control();
    await d.insert(sessions).values([
      {
        id: uuidv7(),
        userId: t.adminId,
        tenantId: t.tenantId,
        tokenHash: `old-${t.tenantId}`,
        expiresAt: past,
      },
      {
        id: uuidv7(),
        userId: t.adminId,
        tenantId: t.tenantId,
        tokenHash: `new-${t.tenantId}`,
        expiresAt: future,
      },
    ]);
    await d
      .insert(magicTokens)
      .values({ id: uuidv7(), userId: t.adminId, token: `tok-${t.tenantId}`, expiresAt: past });

    const errors = vi.spyOn(console, 'error');
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);

    const left = await d.select().from(sessions).where(eq(sessions.tenantId, t.tenantId));
    expect(left.map((s) => s.tokenHash)).toEqual([`new-${t.tenantId}`]);
    expect(await d.select().from(magicTokens).where(eq(magicTokens.userId, t.adminId))).toHaveLength(0);
    expect(errors.mock.calls.filter((c) => String(c[0]).includes('cron'))).toHaveLength(0);
  });
});

describe('cron runs (System page)', () => {
  const NOW = new Date('2026-11-25T01:00:00.000Z');

  it('happy: every job’s last run is recorded: start, finish, ok, duration, counts', async () => {
    await runCron(env, NOW);
    const rows = await control().select().from(cronRuns);
    expect(rows.map((r) => r.job).sort()).toEqual([...CRON_JOB_NAMES].sort());
    for (const r of rows) {
      expect(r, r.job).toMatchObject({ lastStartedAt: NOW.toISOString(), ok: true, error: null });
      expect(r.lastFinishedAt! >= NOW.toISOString(), r.job).toBe(true);
      expect(r.lastSuccessAt).toBe(r.lastFinishedAt);
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(rows.find((r) => r.job === 'retention')?.detail).toMatchObject({
      sessions_deleted: expect.any(Number),
    });
  });

  it('error: a failing job is recorded with its error, keeps its last success, and stops no other job', async () => {
    const later = new Date(NOW.getTime() + 60_000);
    await runCron(env, NOW, [{ name: 'campaigns', run: async () => undefined }]);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const ran: string[] = [];
    const results = await runCron(env, later, [
      {
        name: 'campaigns',
        run: async () => {
          throw new Error('D1_ERROR: campaign 01931234-5678-7abc-8def-0123456789ab of ops@acme.com.au');
        },
      },
      { name: 'reconcile', run: async () => void ran.push('reconcile') },
    ]);
    expect(ran).toEqual(['reconcile']);
    expect(results.map((r) => [r.job, r.ok])).toEqual([
      ['campaigns', false],
      ['reconcile', true],
    ]);
    expect(errors.mock.calls.some((c) => String(c[0]).includes('cron job campaigns failed'))).toBe(true);
    const [row] = await control().select().from(cronRuns).where(eq(cronRuns.job, 'campaigns'));
    expect(row).toMatchObject({ ok: false, lastStartedAt: later.toISOString() });
    expect(row?.error).toContain('D1_ERROR');
    // The earlier success is kept (finish = its tick's time plus its duration, well under a minute).
    const success = row?.lastSuccessAt ?? '';
    expect(success >= NOW.toISOString() && success < later.toISOString()).toBe(true);
  });

  it('GET /api/v1/system: health, each job’s last run (errors masked) and this tenant’s pending letters; admin only', async () => {
    const t = await createTenant();
    await control()
      .insert(deadLetters)
      .values({
        id: crypto.randomUUID(),
        queue: 'sms-import',
        body: { batchId: 'b', seq: 1 },
        tenantId: t.tenantId,
        dedupeKey: `system-${t.tenantId}`,
        attempts: 6,
        firstSeenAt: NOW.toISOString(),
        lastSeenAt: NOW.toISOString(),
      });
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await runCron(env, NOW, [
      {
        name: 'campaigns',
        run: async () => {
          throw new Error('D1_ERROR: campaign 01931234-5678-7abc-8def-0123456789ab of ops@acme.com.au');
        },
      },
    ]);
    const res = await t.api('/api/v1/system');
    expect(res.status).toBe(200);
    const body = await json<{
      health: { ok: boolean; checks: { name: string }[] };
      cron_jobs: { job: string; ok: boolean | null; error: string | null }[];
      dead_letters: { pending: number };
    }>(res);
    expect(body.health.checks.map((c) => c.name)).toContain('dead_letters');
    expect(body.cron_jobs.map((j) => j.job)).toEqual([...CRON_JOB_NAMES]);
    const campaigns = body.cron_jobs.find((j) => j.job === 'campaigns');
    expect(campaigns).toMatchObject({ ok: false, error: 'D1_ERROR: campaign <id> of <email>' });
    expect(body.dead_letters).toEqual({ pending: 1 });
    expect((await t.api('/api/v1/system', { role: 'staff' })).status).toBe(403);
    expect((await t.api('/api/v1/system', { role: 'viewer' })).status).toBe(403);
  });
});
