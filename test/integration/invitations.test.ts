// Issue 9: a new user gets an invitation email ("invited to <tenant> as <role>") whose link signs
// them in; admins resend it; a provider failure is reported to the admin, never hidden.
import { and, desc, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, devOutbox, users } from '../../workers/db/schema';
import { callWith, captureConsole, fakeEmailBinding, linkIn, productionEnv } from '../helpers/email';
import { call, control, createTenant, json, type TestTenant, updateTenant } from '../helpers/fixtures';

const DAY = 24 * 60 * 60 * 1000;
type Invitation = { delivery: string; expires_at: string; detail: string | null };
type Created = { id: string; email: string; role: string; invitation: Invitation };

let seq = 0;
const newEmail = () => `invitee-${++seq}-${crypto.randomUUID().slice(0, 8)}@example.com`;

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => {
  logs.restore();
});

async function latestOutbox(to: string) {
  const [row] = await control()
    .select()
    .from(devOutbox)
    .where(eq(devOutbox.to, to))
    .orderBy(desc(devOutbox.id))
    .limit(1);
  return row;
}

async function openLink(link: string, overrides: Partial<Env> = {}) {
  const url = new URL(link);
  return Object.keys(overrides).length
    ? callWith(overrides, url.pathname + url.search)
    : call(url.pathname + url.search, { redirect: 'manual' });
}

/** The API as tenant t's admin key, in another environment (production, a failing provider). */
function apiWith(
  t: TestTenant,
  overrides: Partial<Env>,
  path: string,
  init: { method: string; json?: unknown },
) {
  return callWith(overrides, path, {
    method: init.method,
    headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json' },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
}

async function auditActions(t: TestTenant, resourceId: string) {
  const rows = await t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.resourceId, resourceId)));
  return rows.map((r) => ({ action: r.action, metadata: r.metadata }));
}

describe('POST /api/v1/users sends an invitation', () => {
  it('happy: the email names the tenant and the role; its link works once and signs the new user in', async () => {
    const t = await createTenant('Harbour Cafe');
    const email = newEmail();
    const res = await t.api('/api/v1/users', { method: 'POST', json: { email, role: 'staff' } });
    expect(res.status).toBe(201);
    const created = await json<Created>(res);
    expect(created).toMatchObject({ email, role: 'staff', invitation: { delivery: 'sent', detail: null } });
    // 7 days from now (both sides of the comparison on the real clock).
    const validFor = Date.parse(created.invitation.expires_at) - Date.now();
    expect(validFor).toBeGreaterThan(7 * DAY - 60_000);
    expect(validFor).toBeLessThanOrEqual(7 * DAY);

    const mail = await latestOutbox(email);
    expect(mail?.subject).toBe('You have been invited to Harbour Cafe on SMS Campaigns');
    expect(mail?.text).toContain('You have been invited to Harbour Cafe on SMS Campaigns as a staff member.');
    expect(mail?.text).toContain('works once, within 7 days');
    expect(mail?.link).toBe(linkIn(mail!.text));

    const first = await openLink(mail!.link!);
    expect(first.status).toBe(302);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
    const me = await json<{ user: { email: string; role: string } }>(
      await call('/api/v1/me', { headers: { cookie } }),
    );
    expect(me.user).toEqual(expect.objectContaining({ email, role: 'staff' }));
    expect((await openLink(mail!.link!)).status).toBe(400);

    expect(await auditActions(t, created.id)).toEqual(
      expect.arrayContaining([
        {
          action: 'user.invited',
          metadata: expect.objectContaining({ email, role: 'staff', invitation: 'sent' }),
        },
        {
          action: 'auth.login',
          metadata: expect.objectContaining({ via: 'magic_link', first_sign_in: true }),
        },
      ]),
    );
  });

  it('happy: in production the invitation goes through the provider with the sender name', async () => {
    const t = await createTenant('Prod Invite Co');
    const fake = fakeEmailBinding();
    const email = newEmail();
    const res = await apiWith(t, productionEnv({ EMAIL: fake.binding }), '/api/v1/users', {
      method: 'POST',
      json: { email, role: 'viewer' },
    });
    expect(res.status).toBe(201);
    expect((await json<Created>(res)).invitation.delivery).toBe('sent');
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({
      to: email,
      from: { email: 'login@sms.example.test', name: 'Acme SMS' },
      subject: 'You have been invited to Prod Invite Co on Acme SMS',
    });
    expect(fake.sent[0]!.text).toContain('as a viewer.');
    expect(logs.text()).not.toMatch(/token=/);
  });

  it('error: the provider refuses: the user is still created, and the answer says the email was not sent', async () => {
    const t = await createTenant('Refused Invite Co');
    const fake = fakeEmailBinding(Object.assign(new Error('daily limit reached'), { code: 'E_RATE_LIMIT' }));
    const email = newEmail();
    const res = await apiWith(t, productionEnv({ EMAIL: fake.binding }), '/api/v1/users', {
      method: 'POST',
      json: { email, role: 'staff' },
    });
    expect(res.status).toBe(201);
    const created = await json<Created>(res);
    expect(created.invitation).toMatchObject({ delivery: 'failed' });
    expect(created.invitation.detail).toContain('E_RATE_LIMIT');
    expect(await control().select().from(users).where(eq(users.email, email))).toHaveLength(1);
    expect(await auditActions(t, created.id)).toEqual([
      { action: 'user.invited', metadata: expect.objectContaining({ invitation: 'failed' }) },
    ]);
  });

  it('error: no provider configured in production: 201 with delivery not_configured naming the setting', async () => {
    const t = await createTenant('Unconfigured Invite Co');
    const res = await apiWith(t, { ENVIRONMENT: 'production', EMAIL_PROVIDER: '' }, '/api/v1/users', {
      method: 'POST',
      json: { email: newEmail(), role: 'staff' },
    });
    expect(res.status).toBe(201);
    const { invitation } = await json<Created>(res);
    expect(invitation.delivery).toBe('not_configured');
    expect(invitation.detail).toContain('EMAIL_PROVIDER');
  });

  it('security: a tenant name with markup is escaped in the invitation HTML', async () => {
    const t = await createTenant('Markup Co');
    await updateTenant(t.tenantId, { name: '<b onclick=x>Evil</b> & Co' });
    const fake = fakeEmailBinding();
    await apiWith(t, productionEnv({ EMAIL: fake.binding }), '/api/v1/users', {
      method: 'POST',
      json: { email: newEmail(), role: 'staff' },
    });
    expect(fake.sent[0]!.html).toContain('&lt;b onclick=x&gt;Evil&lt;/b&gt; &amp; Co');
    expect(fake.sent[0]!.html).not.toContain('<b onclick');
  });

  it('security: 50 invitation emails per tenant an hour; the 51st creates nobody', async () => {
    const t = await createTenant('Spammy Co');
    const windowSeconds = 3600;
    const windowStart = Math.floor(Date.now() / 1000 / windowSeconds) * windowSeconds;
    await control().run(
      sql`INSERT INTO rate_limits (key, window_start, count) VALUES (${`invite:tenant:${t.tenantId}`}, ${windowStart}, 50)`,
    );
    const email = newEmail();
    const res = await t.api('/api/v1/users', { method: 'POST', json: { email, role: 'staff' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await control().select().from(users).where(eq(users.email, email))).toEqual([]);
  });
});

describe('POST /api/v1/users/:id/invitation (resend)', () => {
  async function invited(t: TestTenant, role: 'staff' | 'viewer' = 'staff') {
    const email = newEmail();
    const created = await json<Created>(
      await t.api('/api/v1/users', { method: 'POST', json: { email, role } }),
    );
    return { ...created, firstLink: (await latestOutbox(email))!.link! };
  }

  it('happy: a new link is emailed; the earlier one stops working; the new one signs in; audited', async () => {
    const t = await createTenant('Resend Co');
    const u = await invited(t);
    const res = await t.api(`/api/v1/users/${u.id}/invitation`, { method: 'POST' });
    expect(res.status).toBe(202);
    const invitation = await json<Invitation>(res);
    expect(invitation).toMatchObject({ delivery: 'sent', detail: null });
    const second = (await latestOutbox(u.email))!.link!;
    expect(second).not.toBe(u.firstLink);
    expect((await openLink(u.firstLink)).status).toBe(400);
    expect((await openLink(second)).status).toBe(302);
    expect(await auditActions(t, u.id)).toEqual(
      expect.arrayContaining([
        {
          action: 'user.invitation_resent',
          metadata: expect.objectContaining({ email: u.email, invitation: 'sent', via: 'api_key' }),
        },
      ]),
    );
  });

  it('error: the provider fails: 502 with the reason, and the earlier link still works', async () => {
    const t = await createTenant('Resend Fail Co');
    const u = await invited(t);
    const fake = fakeEmailBinding(Object.assign(new Error('upstream unavailable'), { code: 'E_INTERNAL' }));
    const res = await apiWith(t, productionEnv({ EMAIL: fake.binding }), `/api/v1/users/${u.id}/invitation`, {
      method: 'POST',
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await json<{ detail: string }>(res)).detail).toContain('E_INTERNAL');
    expect((await openLink(u.firstLink)).status).toBe(302);
  });

  it('error: no provider configured: 503 naming the missing setting', async () => {
    const t = await createTenant('Resend Unconfigured Co');
    const u = await invited(t);
    const res = await apiWith(
      t,
      { ENVIRONMENT: 'production', EMAIL_PROVIDER: 'resend', RESEND_API_KEY: '', EMAIL_FROM: 'a@b.co' },
      `/api/v1/users/${u.id}/invitation`,
      { method: 'POST' },
    );
    expect(res.status).toBe(503);
    expect((await json<{ detail: string }>(res)).detail).toContain('RESEND_API_KEY');
  });

  it('error: a deactivated user gets no invitation (409)', async () => {
    const t = await createTenant('Deactivated Co');
    const u = await invited(t);
    await t.api(`/api/v1/users/${u.id}`, { method: 'PATCH', json: { is_active: false } });
    const res = await t.api(`/api/v1/users/${u.id}/invitation`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect((await json<{ detail: string }>(res)).detail).toMatch(/reactivate/i);
  });

  it('security: five resends per user an hour, then 429', async () => {
    const t = await createTenant('Flood Co');
    const u = await invited(t);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await t.api(`/api/v1/users/${u.id}/invitation`, { method: 'POST' })).status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('security: only admins resend; another tenant’s user is 404', async () => {
    const t = await createTenant('Roles Co');
    const other = await createTenant('Other Co');
    const u = await invited(t);
    for (const role of ['staff', 'viewer'] as const) {
      expect((await t.api(`/api/v1/users/${u.id}/invitation`, { method: 'POST', role })).status).toBe(403);
    }
    expect((await other.api(`/api/v1/users/${u.id}/invitation`, { method: 'POST' })).status).toBe(404);
  });

  it('happy: the OpenAPI document describes the resend route', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      await call('/api/v1/openapi.json'),
    );
    expect(doc.paths['/users/{id}/invitation']?.post).toBeDefined();
  });
});
