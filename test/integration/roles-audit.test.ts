import { describe, expect, it } from 'vitest';
import { createTenant, json } from '../helpers/fixtures';

type AuditEntry = {
  action: string;
  resource_type: string;
  resource_id: string;
  metadata: Record<string, unknown>;
};

describe('roles', () => {
  it('security: a viewer reads but cannot write', async () => {
    const t = await createTenant();
    expect((await t.api('/api/v1/tenant', { role: 'viewer' })).status).toBe(200);
    expect((await t.api('/api/v1/audit-log', { role: 'viewer' })).status).toBe(200);
    const write = await t.api('/api/v1/tenant', { method: 'PATCH', role: 'viewer', json: { name: 'Nope' } });
    expect(write.status).toBe(403);
    expect(write.headers.get('content-type')).toContain('application/problem+json');
  });

  it('security: staff cannot manage users, API keys, the tenant or the kill switch', async () => {
    const t = await createTenant();
    const forbidden: [string, string, unknown?][] = [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { email: 'x@example.com', role: 'viewer' }],
      ['GET', '/api/v1/api-keys'],
      ['POST', '/api/v1/api-keys', { name: 'k', role: 'admin' }],
      ['PATCH', '/api/v1/tenant', { is_paused: true }],
    ];
    for (const [method, path, body] of forbidden) {
      const res = await t.api(path, { method, role: 'staff', json: body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it('happy: an admin invites a user, changes the role, deactivates them', async () => {
    const t = await createTenant();
    const created = await t.api('/api/v1/users', {
      method: 'POST',
      json: { email: 'New@Example.com', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const user = await json<{ id: string; email: string }>(created);
    expect(user.email).toBe('new@example.com');
    const dup = await t.api('/api/v1/users', {
      method: 'POST',
      json: { email: 'new@example.com', role: 'viewer' },
    });
    expect(dup.status).toBe(409);
    const patched = await t.api(`/api/v1/users/${user.id}`, {
      method: 'PATCH',
      json: { role: 'staff', is_active: false },
    });
    expect(await json(patched)).toMatchObject({ role: 'staff', is_active: false });
  });

  it('error: an admin cannot demote or remove themselves', async () => {
    const t = await createTenant();
    const cookie = await t.sessionCookie();
    const { call } = await import('../helpers/fixtures');
    const res = await call(`/api/v1/users/${t.adminId}`, {
      method: 'PATCH',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(res.status).toBe(409);
  });

  it('happy: an API key is shown once and works as a Bearer token with its role', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/api-keys', {
      method: 'POST',
      json: { name: 'CRM sync', role: 'staff' },
    });
    expect(res.status).toBe(201);
    const { key, id } = await json<{ key: string; id: string }>(res);
    expect(key).toMatch(/^smk_/);
    const list = await json<{ data: Record<string, unknown>[] }>(await t.api('/api/v1/api-keys'));
    expect(JSON.stringify(list)).not.toContain(key);
    const me = await t.api('/api/v1/me', { headers: { authorization: `Bearer ${key}` } });
    expect(await json(me)).toMatchObject({ user: { role: 'staff' }, via: 'api_key' });
    expect(id).toBeTruthy();
  });
});

describe('audit log', () => {
  it('happy: every mutation is recorded with who, what and a diff', async () => {
    const t = await createTenant();
    await t.api('/api/v1/tenant', { method: 'PATCH', json: { timezone: 'Australia/Perth' } });
    await t.api('/api/v1/tenant', { method: 'PATCH', json: { is_paused: true } });
    await t.api('/api/v1/users', { method: 'POST', json: { email: 'audit@example.com', role: 'viewer' } });
    await t.api('/api/v1/api-keys', { method: 'POST', json: { name: 'k', role: 'viewer' } });

    const log = await json<{ data: AuditEntry[] }>(await t.api('/api/v1/audit-log'));
    const actions = log.data.map((e) => e.action);
    expect(actions).toEqual(['api_key.created', 'user.invited', 'tenant.paused', 'tenant.updated']);
    const tz = log.data.find((e) => e.action === 'tenant.updated')!;
    expect(tz.metadata.changes).toEqual({ timezone: { from: 'Australia/Sydney', to: 'Australia/Perth' } });
    expect(JSON.stringify(log)).not.toContain('smk_');
  });

  it('happy: the kill switch reaches the tenant governor at once', async () => {
    const t = await createTenant();
    await t.api('/api/v1/tenant', { method: 'PATCH', json: { is_paused: true } });
    const { env } = await import('cloudflare:workers');
    const cfg = await env.TENANT_GOVERNOR.getByName(t.tenantId).getConfig();
    expect(cfg?.isPaused).toBe(true);
  });

  it('happy: the audit log pages with a cursor', async () => {
    const t = await createTenant();
    for (let i = 0; i < 5; i++)
      await t.api('/api/v1/tenant', { method: 'PATCH', json: { name: `Name ${i}` } });
    const first = await json<{ data: AuditEntry[]; next_cursor: string }>(
      await t.api('/api/v1/audit-log?limit=3'),
    );
    expect(first.data).toHaveLength(3);
    const second = await json<{ data: AuditEntry[]; next_cursor: string | null }>(
      await t.api(`/api/v1/audit-log?limit=3&cursor=${first.next_cursor}`),
    );
    expect(second.data).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
  });
});

describe('tenant timezone', () => {
  it('happy: a timezone change reaches the sending numbers, which count days in it', async () => {
    const t = await createTenant();
    const created = await json<{ id: string }>(
      await t.api('/api/v1/sending-numbers', {
        method: 'POST',
        // An alphanumeric sender: no Twilio lookup involved, and it has a limiter like any sender.
        json: { kind: 'alphanumeric', sender_id: 'Perth', daily_limit: 1000, per_minute_limit: 10 },
      }),
    );
    await t.api('/api/v1/tenant', { method: 'PATCH', json: { timezone: 'Australia/Perth' } });
    const { env } = await import('cloudflare:workers');
    const cfg = await env.SENDING_NUMBER.getByName(created.id).getConfig();
    expect(cfg?.timezone).toBe('Australia/Perth');
  });
});

describe('read-only POSTs', () => {
  it('happy: a viewer may preview a template (it changes nothing) but not save one', async () => {
    const t = await createTenant();
    const preview = await t.api('/api/v1/templates/preview', {
      method: 'POST',
      role: 'viewer',
      json: { body: 'Hi {{first_name|there}}' },
    });
    expect(preview.status).toBe(200);
    const save = await t.api('/api/v1/templates', {
      method: 'POST',
      role: 'viewer',
      json: { name: 'x', body: 'Hi' },
    });
    expect(save.status).toBe(403);
  });
});
