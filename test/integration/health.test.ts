import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { deadLetters, emailFailures } from '../../workers/db/schema';
import worker from '../../workers/index';
import { createStartupReporter, type HealthReport, runHealthChecks } from '../../workers/ops/health';
import { BASE, control } from '../helpers/fixtures';

const LINK_SECRET = 'k7Qm2vX9pL4sT8wZ1bN6cR3yH5jD0fGa';
const AUTH_TOKEN = 'f3a9c1d27b8e4605a1c2d3e4f5a6b7c8';

/** A production deployment configured the way DEPLOY.md says. */
function healthyEnv(over: Record<string, unknown> = {}): Env {
  return {
    ...env,
    ENVIRONMENT: 'production',
    PUBLIC_BASE_URL: 'https://sms.acme.com.au',
    SHORT_LINK_BASE_URL: '',
    LINK_SECRET,
    LINK_SECRET_PREVIOUS: '',
    TWILIO_API_BASE: 'https://api.twilio.com',
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    EMAIL_PROVIDER: 'cloudflare',
    EMAIL_FROM: 'login@mail.acme.com.au',
    EMAIL_FROM_NAME: 'Acme SMS',
    EMAIL: { send: async () => undefined },
    ...over,
  } as unknown as Env;
}

async function healthz(e: Env) {
  const ctx = createExecutionContext();
  const req = new Request(`${BASE}/healthz`) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(req, e, ctx);
  await waitOnExecutionContext(ctx);
  return { res, body: (await res.json()) as HealthReport };
}

const check = (r: HealthReport, name: string) => r.checks.find((c) => c.name === name);

// Health is platform-wide: dead letters and failed emails left by other test files would fail it.
beforeEach(async () => {
  await control().delete(deadLetters);
  await control().delete(emailFailures);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('GET /healthz', () => {
  it('happy: 200 {ok: true, checks} naming every check, without auth, never cached', async () => {
    const { res, body } = await healthz(healthyEnv());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body.ok).toBe(true);
    expect(body.checks.map((c) => c.name)).toEqual([
      'database',
      'migrations',
      'secrets',
      'public_url',
      'twilio',
      'email',
      'dead_letters',
      'settings',
    ]);
    expect(body.checks.every((c) => c.ok && typeof c.detail === 'string')).toBe(true);
    expect(check(body, 'migrations')?.detail).toMatch(
      /^all \d+ applied on control, shard SHARD_0, shard SHARD_1$/,
    );
  });

  it('error: 503 naming each failing check: placeholder secrets, example URL, no email provider', async () => {
    const { res, body } = await healthz(
      healthyEnv({
        LINK_SECRET: 'change-me-link-signing-secret',
        PUBLIC_BASE_URL: 'https://sms.example.com',
        EMAIL_PROVIDER: '',
      }),
    );
    expect(res.status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['secrets', 'public_url', 'email']);
    expect(check(body, 'email')?.detail).toContain('EMAIL_PROVIDER is not set');
    expect(check(body, 'database')?.ok).toBe(true);
  });

  it('security: never reveals a secret’s value, even when it is the one at fault', async () => {
    const short = 'shortbutsecret99';
    const { res, body } = await healthz(healthyEnv({ LINK_SECRET: short }));
    const text = JSON.stringify(body);
    expect(res.status).toBe(503);
    for (const secret of [short, AUTH_TOKEN, 'AC0123456789abcdef0123456789abcdef'])
      expect(text).not.toContain(secret);
  });

  it('no platform Twilio account is a warning: health stays 200', async () => {
    const { res, body } = await healthz(
      healthyEnv({ TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000', TWILIO_AUTH_TOKEN: '' }),
    );
    expect(res.status).toBe(200);
    expect(check(body, 'twilio')).toMatchObject({ ok: true, warning: true });
  });

  it('error: pending dead letters above DEAD_LETTERS_MAX_PENDING fail the check', async () => {
    const at = '2026-11-20T00:00:00.000Z';
    await control()
      .insert(deadLetters)
      .values(
        [1, 2].map((i) => ({
          id: uuidv7(),
          queue: 'sms-send',
          body: { jobId: `j${i}` },
          dedupeKey: `health-${i}`,
          attempts: 9,
          firstSeenAt: at,
          lastSeenAt: at,
        })),
      );
    const red = await healthz(healthyEnv());
    expect(red.res.status).toBe(503);
    expect(check(red.body, 'dead_letters')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('2 pending since 2026-11-20T00:00:00.000Z'),
    });
    const tolerant = await healthz(healthyEnv({ DEAD_LETTERS_MAX_PENDING: '2' }));
    expect(tolerant.res.status).toBe(200);
    expect(check(tolerant.body, 'dead_letters')?.detail).toContain('fails above 2');
  });

  it('error: a migration the database lacks fails the migrations check, naming it', async () => {
    const [last] = (
      await env.CONTROL_DB.prepare('SELECT id, name FROM d1_migrations ORDER BY id DESC LIMIT 1').all<{
        id: number;
        name: string;
      }>()
    ).results;
    await env.CONTROL_DB.prepare('DELETE FROM d1_migrations WHERE id = ?').bind(last!.id).run();
    try {
      const { res, body } = await healthz(healthyEnv());
      expect(res.status).toBe(503);
      expect(check(body, 'migrations')).toMatchObject({
        ok: false,
        detail: expect.stringContaining(`control: 1 not applied (${last!.name})`),
      });
    } finally {
      await env.CONTROL_DB.prepare('INSERT INTO d1_migrations (id, name) VALUES (?, ?)')
        .bind(last!.id, last!.name)
        .run();
    }
  });

  it('a burst of calls within a few seconds is answered from one run of the checks', async () => {
    const e = healthyEnv();
    const prepare = vi.spyOn(e.CONTROL_DB, 'prepare');
    const first = await healthz(e);
    const queries = prepare.mock.calls.length;
    expect(queries).toBeGreaterThan(0);
    const again = await Promise.all([healthz(e), healthz(e), healthz(e)]);
    expect(prepare.mock.calls.length).toBe(queries);
    for (const r of again) expect(r.body.checked_at).toBe(first.body.checked_at);
  });

  it('error: a database never migrated says so (the D1 error under drizzle’s wrapper, not the query)', async () => {
    await env.CONTROL_DB.prepare('ALTER TABLE d1_migrations RENAME TO d1_migrations_hidden').run();
    try {
      const { res, body } = await healthz(healthyEnv());
      expect(res.status).toBe(503);
      expect(check(body, 'migrations')?.detail).toContain(
        'control: no migrations applied (no d1_migrations table)',
      );
      expect(check(body, 'migrations')?.detail).not.toContain('Failed query');
    } finally {
      await env.CONTROL_DB.prepare('ALTER TABLE d1_migrations_hidden RENAME TO d1_migrations').run();
    }
  });

  it('error: a database that throws or hangs is a failing check, and health still answers', async () => {
    const broken = {
      prepare() {
        throw new Error('D1_ERROR: network connection lost');
      },
      batch() {
        throw new Error('D1_ERROR: network connection lost');
      },
    };
    const { res, body } = await healthz(healthyEnv({ SHARD_1: broken }));
    expect(res.status).toBe(503);
    expect(check(body, 'database')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('network connection lost'),
    });
    expect(check(body, 'secrets')?.ok).toBe(true);

    const hanging = { prepare: () => ({ bind: () => hangingStatement, ...hangingStatement }) };
    const hangingStatement = {
      all: () => new Promise(() => {}),
      raw: () => new Promise(() => {}),
      first: () => new Promise(() => {}),
      run: () => new Promise(() => {}),
    };
    const report = await runHealthChecks(healthyEnv({ CONTROL_DB: hanging }), { timeoutMs: 50 });
    expect(report.ok).toBe(false);
    expect(check(report, 'database')).toMatchObject({ ok: false, detail: 'no answer within 50 ms' });
  });
});

describe('broken configuration at the first request', () => {
  it('logs one line naming each failing check, once per isolate', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const report = createStartupReporter();
    const broken = healthyEnv({ LINK_SECRET: '', EMAIL_PROVIDER: '' });
    for (let i = 0; i < 3; i++) {
      const ctx = createExecutionContext();
      report(broken, ctx);
      await waitOnExecutionContext(ctx);
    }
    expect(errors).toHaveBeenCalledTimes(1);
    const line = String(errors.mock.calls[0]?.[0]);
    expect(line).not.toContain('\n');
    expect(line).toMatch(
      /^healthz: 2 failing checks: secrets \(LINK_SECRET is not set.*\); email \(EMAIL_PROVIDER is not set/,
    );
  });

  it('says nothing when the configuration is sound', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const ctx = createExecutionContext();
    createStartupReporter()(healthyEnv(), ctx);
    await waitOnExecutionContext(ctx);
    expect(errors).not.toHaveBeenCalled();
  });

  it('runs the checks once per isolate, however many requests follow', async () => {
    const run = vi.fn(async () => ({ ok: true, checks: [], checked_at: '', duration_ms: 0 }));
    const report = createStartupReporter(run);
    const ctx = createExecutionContext();
    report(healthyEnv(), ctx);
    report(healthyEnv(), ctx);
    await waitOnExecutionContext(ctx);
    expect(run).toHaveBeenCalledTimes(1);
  });
});
