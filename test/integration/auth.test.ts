import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { devOutbox, magicTokens } from '../../workers/db/schema';
import { call, control, createTenant, json } from '../helpers/fixtures';

async function requestLink(email: string, ip = '203.0.113.7') {
  return call('/auth/magic-link', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
    body: JSON.stringify({ email }),
  });
}

async function latestLinkFor(email: string): Promise<string | null> {
  const rows = await control().select().from(devOutbox).where(eq(devOutbox.to, email));
  return rows.at(-1)?.link ?? null;
}

function tokenOf(link: string) {
  return new URL(link).searchParams.get('token') ?? '';
}

describe('magic-link login', () => {
  it('happy: emails a single-use link that signs the user in with a secure session cookie', async () => {
    const t = await createTenant('Auth Co');
    const res = await requestLink(t.adminEmail.toUpperCase());
    expect(res.status).toBe(202);
    const link = await latestLinkFor(t.adminEmail);
    expect(link).toMatch(/^https:\/\/sms\.example\.test\/auth\/verify\?token=/);

    const verify = await call(new URL(link!).pathname + new URL(link!).search, { redirect: 'manual' });
    expect(verify.status).toBe(302);
    expect(verify.headers.get('location')).toBe('/');
    const cookie = verify.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sid=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    const me = await call('/api/v1/me', { headers: { cookie: cookie.split(';')[0]! } });
    expect(me.status).toBe(200);
    const body = await json<{ user: { email: string; role: string } }>(me);
    expect(body.user).toMatchObject({ email: t.adminEmail, role: 'admin' });
  });

  it('security: the token is stored hashed, never in clear', async () => {
    const t = await createTenant();
    await requestLink(t.adminEmail);
    const token = tokenOf((await latestLinkFor(t.adminEmail))!);
    const stored = await control().select().from(magicTokens);
    expect(stored.some((r) => r.token === token)).toBe(false);
    expect(stored.every((r) => /^[0-9a-f]{64}$/.test(r.token))).toBe(true);
  });

  it('security: an unknown email gets the same 202 and no email (no enumeration)', async () => {
    const known = await createTenant();
    const a = await requestLink('nobody-here@example.com');
    const b = await requestLink(known.adminEmail);
    expect(a.status).toBe(202);
    expect(await a.json()).toEqual(await b.json());
    expect(await latestLinkFor('nobody-here@example.com')).toBeNull();
  });

  it('error: a reused link shows a clear page and gives no session', async () => {
    const t = await createTenant();
    await requestLink(t.adminEmail);
    const url = new URL((await latestLinkFor(t.adminEmail))!);
    const first = await call(url.pathname + url.search, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const second = await call(url.pathname + url.search, { redirect: 'manual' });
    expect(second.status).toBe(400);
    expect(second.headers.get('set-cookie')).toBeNull();
    expect(await second.text()).toMatch(/already used|expired|unknown/i);
  });

  it('error: unknown and expired tokens show a clear page and give no session', async () => {
    const unknown = await call('/auth/verify?token=not-a-real-token', { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('set-cookie')).toBeNull();

    const t = await createTenant();
    await requestLink(t.adminEmail);
    const url = new URL((await latestLinkFor(t.adminEmail))!);
    await control()
      .update(magicTokens)
      .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      .where(eq(magicTokens.userId, t.adminId));
    const expired = await call(url.pathname + url.search, { redirect: 'manual' });
    expect(expired.status).toBe(400);
    expect(expired.headers.get('set-cookie')).toBeNull();
  });

  it('error: a missing or invalid email is a 422 with the field path', async () => {
    const res = await call('/auth/magic-link', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'not-an-email' }),
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const p = await json<{ errors: { path: string }[] }>(res);
    expect(p.errors[0]?.path).toBe('email');
  });

  it('security: login requests are rate-limited per email', async () => {
    const t = await createTenant();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await requestLink(t.adminEmail, `198.51.100.${i}`)).status);
    expect(statuses.slice(0, 5).every((s) => s === 202)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('security: login requests are rate-limited per IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++)
      statuses.push((await requestLink(`someone${i}@example.com`, '192.0.2.99')).status);
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('sessions', () => {
  it('happy: logout ends the session', async () => {
    const t = await createTenant();
    const cookie = await t.sessionCookie();
    expect((await call('/api/v1/me', { headers: { cookie } })).status).toBe(200);
    const out = await call('/auth/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    expect((await call('/api/v1/me', { headers: { cookie } })).status).toBe(401);
  });

  it('security: a tampered session cookie is 401', async () => {
    const t = await createTenant();
    const cookie = await t.sessionCookie();
    const tampered = `${cookie.slice(0, -2)}${cookie.endsWith('A') ? 'BB' : 'AA'}`;
    const res = await call('/api/v1/me', { headers: { cookie: tampered } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('security: no credentials is 401; a revoked API key is 401', async () => {
    expect((await call('/api/v1/me')).status).toBe(401);
    const t = await createTenant();
    const list = await json<{ data: { id: string; name: string }[] }>(await t.api('/api/v1/api-keys'));
    const viewerKey = list.data.find((k) => k.name === 'viewer key')!;
    expect((await t.api(`/api/v1/api-keys/${viewerKey.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/api/v1/me', { role: 'viewer' })).status).toBe(401);
  });

  it('security: cookie-authenticated writes from another origin are refused', async () => {
    const t = await createTenant();
    const cookie = await t.sessionCookie();
    const res = await call('/api/v1/tenant', {
      method: 'PATCH',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Hacked' }),
    });
    expect(res.status).toBe(403);
  });

  it('happy: a deactivated user loses access at once', async () => {
    const t = await createTenant();
    const invite = await json<{ id: string; email: string }>(
      await t.api('/api/v1/users', { method: 'POST', json: { email: 'staffer@example.com', role: 'staff' } }),
    );
    const { createSession } = await import('../../workers/auth/session');
    const s = await createSession(control(), { id: invite.id, tenantId: t.tenantId });
    const cookie = `sid=${s.token}`;
    expect((await call('/api/v1/me', { headers: { cookie } })).status).toBe(200);
    await t.api(`/api/v1/users/${invite.id}`, { method: 'PATCH', json: { is_active: false } });
    expect((await call('/api/v1/me', { headers: { cookie } })).status).toBe(401);
  });
});

describe('dev outbox', () => {
  it('lists emails newest first in development', async () => {
    const t = await createTenant();
    await requestLink(t.adminEmail);
    const res = await call('/dev/outbox');
    expect(res.status).toBe(200);
    const list = await json<{ to: string; link: string }[]>(res);
    expect(list[0]).toMatchObject({ to: t.adminEmail });
    expect(env.ENVIRONMENT).toBe('test');
  });
});
