// The operator endpoints (/ops/v1, workers/routes/ops.ts) that `npm run ops` calls: they exist
// only with an OPS_TOKEN secret, and do what only the Worker can (invitation email, governor).
import { env } from 'cloudflare:workers';
import { and, desc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, devOutbox, parkedWebhooks, tenants } from '../../workers/db/schema';
import { forgetShards } from '../../workers/db/shards';
import { callWith, captureConsole } from '../helpers/email';
import { call, control, createTenant, json, type TestTenant } from '../helpers/fixtures';

const TOKEN = 'ops-token-for-tests-0123456789abcdefghijklmnop';
const withToken: Partial<Env> = { OPS_TOKEN: TOKEN };

function ops(
  path: string,
  init: { method?: string; json?: unknown; token?: string | null; env?: Partial<Env> } = {},
) {
  const headers = new Headers({ 'content-type': 'application/json' });
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return callWith(init.env ?? withToken, `/ops/v1${path}`, {
    method: init.method ?? 'POST',
    headers,
    body: init.json === undefined ? (init.method === 'GET' ? undefined : '{}') : JSON.stringify(init.json),
  });
}

async function operatorAudit(t: TestTenant, action: string) {
  return t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, action)))
    .orderBy(desc(auditLog.id));
}

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => {
  logs.restore();
});

describe('ops routes: security', () => {
  it('do not exist without OPS_TOKEN, or with a token too short to be a secret', async () => {
    const t = await createTenant('Closed Co');
    expect((await call('/ops/v1/ping')).status).toBe(404);
    const res = await call(`/ops/v1/tenants/${t.tenantId}/pause`, {
      method: 'POST',
      headers: { authorization: 'Bearer anything', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const weak = await ops('/ping', { method: 'GET', env: { OPS_TOKEN: 'short' }, token: 'short' });
    expect(weak.status).toBe(404);
    const [row] = await control().select().from(tenants).where(eq(tenants.id, t.tenantId));
    expect(row?.isPaused).toBe(false);
  });

  it('answer 401 to a missing or wrong token, and change nothing', async () => {
    const t = await createTenant('Guarded Co');
    for (const token of [null, 'x'.repeat(TOKEN.length), `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const res = await ops(`/tenants/${t.tenantId}/pause`, { token });
      expect(res.status, String(token)).toBe(401);
    }
    const [row] = await control().select().from(tenants).where(eq(tenants.id, t.tenantId));
    expect(row?.isPaused).toBe(false);
    // A tenant's own admin key is not an operator token.
    const admin = await ops(`/tenants/${t.tenantId}/pause`, { token: t.keys.admin });
    expect(admin.status).toBe(401);
  });
});

describe('ops routes: happy', () => {
  it('ping answers with the token', async () => {
    const res = await ops('/ping', { method: 'GET' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, environment: 'test' });
  });

  it('pause sets the kill switch in control, on the shard copy and in the governor, audited as the operator', async () => {
    const t = await createTenant('Pause Co');
    const res = await ops(`/tenants/${t.tenantId}/pause`, { json: { reason: 'Chargeback' } });
    expect(res.status).toBe(200);
    const body = await json<{ tenant: { is_paused: boolean; paused_reason: string }; changed: boolean }>(res);
    expect(body.tenant).toMatchObject({ is_paused: true, paused_reason: 'Chargeback' });
    expect(body.changed).toBe(true);
    const [c] = await control().select().from(tenants).where(eq(tenants.id, t.tenantId));
    const [s] = await t.db.select().from(tenants).where(eq(tenants.id, t.tenantId));
    expect([c?.isPaused, s?.isPaused, s?.pausedReason]).toEqual([true, true, 'Chargeback']);
    expect(await env.TENANT_GOVERNOR.getByName(t.tenantId).isPaused()).toBe(true);
    const [entry] = await operatorAudit(t, 'tenant.paused');
    expect(entry).toMatchObject({ userId: null, apiKeyId: null, resourceId: t.tenantId });
    expect(entry?.metadata).toMatchObject({ via: 'operator' });
    // The tenant's own API sees it.
    const seen = await json<{ is_paused: boolean }>(await t.api('/api/v1/tenant'));
    expect(seen.is_paused).toBe(true);

    // Again: nothing changes, nothing more is audited, the governor is told again (repairs a missed update).
    const again = await json<{ changed: boolean }>(
      await ops(`/tenants/${t.tenantId}/pause`, { json: { reason: 'Chargeback' } }),
    );
    expect(again.changed).toBe(false);
    expect(await operatorAudit(t, 'tenant.paused')).toHaveLength(1);

    const resumed = await ops(`/tenants/${t.tenantId}/resume`);
    expect(resumed.status).toBe(200);
    expect(await env.TENANT_GOVERNOR.getByName(t.tenantId).isPaused()).toBe(false);
    const [after] = await t.db.select().from(tenants).where(eq(tenants.id, t.tenantId));
    expect([after?.isPaused, after?.pausedReason]).toEqual([false, null]);
    expect(await operatorAudit(t, 'tenant.resumed')).toHaveLength(1);
  });

  it('invitation emails the tenant’s first admin a sign-in link (the outbox, locally), audited as the operator', async () => {
    const t = await createTenant('Invite Co');
    const res = await ops(`/tenants/${t.tenantId}/invitation`);
    expect(res.status).toBe(202);
    const body = await json<{ email: string; delivery: string; expires_at: string; outbox: boolean }>(res);
    expect(body).toMatchObject({ email: t.adminEmail, delivery: 'sent', outbox: true });
    const [mail] = await control().select().from(devOutbox).where(eq(devOutbox.to, t.adminEmail));
    expect(mail?.link).toMatch(/\/auth\/verify\?token=/);
    expect(mail?.subject).toContain('Invite Co');
    const [entry] = await operatorAudit(t, 'user.invited');
    expect(entry?.metadata).toMatchObject({ via: 'operator', email: t.adminEmail });
    // The link signs the admin in.
    const url = new URL(mail!.link!);
    const signIn = await call(url.pathname + url.search, { redirect: 'manual' });
    expect(signIn.status).toBe(302);
    expect(signIn.headers.get('set-cookie')).toContain('sid=');
  });

  it('sync copies the control rows back onto the shard and tells the governor', async () => {
    const t = await createTenant('Drift Co');
    await control()
      .update(tenants)
      .set({ name: 'Drift Co Renamed', isPaused: true })
      .where(eq(tenants.id, t.tenantId));
    const res = await ops(`/tenants/${t.tenantId}/sync`);
    expect(res.status).toBe(200);
    const [s] = await t.db.select().from(tenants).where(eq(tenants.id, t.tenantId));
    expect([s?.name, s?.isPaused]).toEqual(['Drift Co Renamed', true]);
    expect(await env.TENANT_GOVERNOR.getByName(t.tenantId).isPaused()).toBe(true);
  });
});

describe('ops routes: errors', () => {
  it('unknown tenant or malformed id: 404; bad body: 422 with the field', async () => {
    const missing = await ops('/tenants/01900000-0000-7000-8000-00000000dead/pause');
    expect(missing.status).toBe(404);
    expect((await ops('/tenants/not-a-uuid/pause')).status).toBe(404);
    const t = await createTenant('Body Co');
    const bad = await ops(`/tenants/${t.tenantId}/pause`, { json: { reason: 'x'.repeat(501) } });
    expect(bad.status).toBe(422);
    expect((await json<{ errors: { path: string }[] }>(bad)).errors[0]?.path).toBe('reason');
    const extra = await ops(`/tenants/${t.tenantId}/resume`, { json: { force: true } });
    expect(extra.status).toBe(422);
    const stranger = await ops(`/tenants/${t.tenantId}/invitation`, {
      json: { email: 'nobody@example.com' },
    });
    expect(stranger.status).toBe(404);
  });

  it('a tenant being moved cannot be paused, resumed or synced (409), and its parked webhooks wait', async () => {
    const t = await createTenant('Moving Co');
    await control().update(tenants).set({ shard: 'SHARD_0>SHARD_1' }).where(eq(tenants.id, t.tenantId));
    forgetShards();
    try {
      for (const action of ['pause', 'resume', 'sync', 'parked-webhooks/replay']) {
        const res = await ops(`/tenants/${t.tenantId}/${action}`);
        expect(res.status, action).toBe(409);
        expect((await json<{ detail: string }>(res)).detail).toContain('being moved from SHARD_0 to SHARD_1');
      }
    } finally {
      await control().update(tenants).set({ shard: t.shard.name }).where(eq(tenants.id, t.tenantId));
      forgetShards();
    }
    expect(
      await control().select().from(parkedWebhooks).where(eq(parkedWebhooks.tenantId, t.tenantId)),
    ).toEqual([]);
  });
});
