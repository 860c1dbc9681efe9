import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditLog, twilioAccounts } from '../../workers/db/schema';
import {
  resealTwilioAccounts,
  resolveTwilioAccount,
  saveTwilioAccount,
  webhookAccount,
} from '../../workers/db/twilio-accounts';
import { keyRing, keyRingFromEnv } from '../../workers/lib/secret-box';
import { FakeTwilio } from '../helpers/fake-twilio';
import { control, createTenant, json, shardDb, type TestTenant } from '../helpers/fixtures';

type View = {
  source: 'tenant' | 'platform' | 'none';
  account_sid: string | null;
  credential_kind: 'auth_token' | 'api_key' | null;
  credential_hint: string | null;
  api_key_sid: string | null;
  auth_token_hint: string | null;
  previous_token_accepted_until: string | null;
  verified_at: string | null;
};
type Problem = { status: number; detail: string; errors?: { path: string; message: string }[] };

let fake: FakeTwilio;
beforeEach(() => {
  fake = new FakeTwilio();
  fake.install();
});
afterEach(() => vi.restoreAllMocks());

const put = (t: TestTenant, body: unknown, role: 'admin' | 'staff' | 'viewer' = 'admin') =>
  t.api('/api/v1/tenant/twilio', { method: 'PUT', json: body, role });

async function rowsOf(tenantId: string) {
  return control().select().from(twilioAccounts).where(eq(twilioAccounts.tenantId, tenantId));
}

async function auditActions(tenantId: string) {
  const rows = await shardDb(tenantId).select().from(auditLog).where(eq(auditLog.tenantId, tenantId));
  return rows.filter((r) => r.resourceType === 'twilio_account');
}

describe('PUT /tenant/twilio', () => {
  it('happy: an auth token is checked at Twilio, stored sealed, and only its last 4 characters come back', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    const res = await put(t, { account_sid: acct.sid, auth_token: acct.authToken });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(acct.authToken);
    expect(JSON.parse(text)).toMatchObject({
      source: 'tenant',
      account_sid: acct.sid,
      credential_kind: 'auth_token',
      credential_hint: `…${acct.authToken.slice(-4)}`,
      api_key_sid: null,
      previous_token_accepted_until: null,
    });
    // Checked with one authenticated GET of the account, as the account itself.
    expect(fake.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: `https://twilio.mock/2010-04-01/Accounts/${acct.sid}.json`,
        authUser: acct.sid,
      }),
    ]);

    const get = await t.api('/api/v1/tenant/twilio');
    expect(await json<View>(get)).toMatchObject({ source: 'tenant', account_sid: acct.sid });

    const [row] = await rowsOf(t.tenantId);
    expect(row?.authTokenSealed).not.toContain(acct.authToken);
    expect(JSON.stringify(row)).not.toContain(acct.authToken);
    expect(row?.keyId).toBe((await keyRingFromEnv(env)).current.id);
    const resolved = await resolveTwilioAccount(env, control(), t.tenantId);
    expect(resolved).toEqual({
      source: 'tenant',
      credentials: { accountSid: acct.sid, authToken: acct.authToken },
    });

    const audit = await auditActions(t.tenantId);
    expect(audit.map((a) => a.action)).toEqual(['twilio_account.saved']);
    expect(JSON.stringify(audit)).not.toContain(acct.authToken);
    expect(JSON.stringify(audit)).not.toContain(acct.authToken.slice(-4));
  });

  it('happy: an API key (with the auth token for webhooks) is checked as the key and used for calls', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    const key = fake.addApiKey(acct.sid);
    const res = await put(t, {
      account_sid: acct.sid,
      api_key_sid: key.sid,
      api_key_secret: key.secret,
      auth_token: acct.authToken,
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(key.secret);
    expect(text).not.toContain(acct.authToken);
    expect(JSON.parse(text)).toMatchObject({
      credential_kind: 'api_key',
      api_key_sid: key.sid,
      credential_hint: `…${key.secret.slice(-4)}`,
      auth_token_hint: `…${acct.authToken.slice(-4)}`,
    });
    // The key is tried on a resource a Standard key may read; the token on the account itself.
    expect(fake.requests.map((r) => [r.authUser, new URL(r.url).pathname])).toEqual([
      [key.sid, `/2010-04-01/Accounts/${acct.sid}/IncomingPhoneNumbers.json`],
      [acct.sid, `/2010-04-01/Accounts/${acct.sid}.json`],
    ]);
    const resolved = await resolveTwilioAccount(env, control(), t.tenantId);
    expect(resolved?.credentials).toEqual({
      accountSid: acct.sid,
      authToken: acct.authToken,
      apiKey: { sid: key.sid, secret: key.secret },
    });
  });

  it('error: a wrong auth token is 422 on auth_token and nothing is stored', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    const res = await put(t, { account_sid: acct.sid, auth_token: 'f'.repeat(32) });
    expect(res.status).toBe(422);
    const p = await json<Problem>(res);
    expect(p.errors?.map((e) => e.path)).toEqual(['auth_token']);
    expect(p.detail).toContain('nothing was saved');
    expect(await rowsOf(t.tenantId)).toEqual([]);
    expect(await auditActions(t.tenantId)).toEqual([]);
    expect((await json<View>(await t.api('/api/v1/tenant/twilio'))).source).toBe('platform');
  });

  it('error: with an API key, a wrong Account SID is 422 on account_sid; a wrong secret on api_key_secret', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    const other = fake.addAccount();
    const key = fake.addApiKey(acct.sid);
    const wrongSid = await put(t, {
      account_sid: other.sid,
      api_key_sid: key.sid,
      api_key_secret: key.secret,
      auth_token: other.authToken,
    });
    expect(wrongSid.status).toBe(422);
    expect((await json<Problem>(wrongSid)).errors?.map((e) => e.path)).toEqual(['account_sid']);

    const wrongSecret = await put(t, {
      account_sid: acct.sid,
      api_key_sid: key.sid,
      api_key_secret: '0'.repeat(32),
      auth_token: acct.authToken,
    });
    expect(wrongSecret.status).toBe(422);
    expect((await json<Problem>(wrongSecret)).errors?.map((e) => e.path)).toEqual(['api_key_secret']);

    const restricted = fake.addApiKey(acct.sid, 'restricted');
    const noRights = await put(t, {
      account_sid: acct.sid,
      api_key_sid: restricted.sid,
      api_key_secret: restricted.secret,
      auth_token: acct.authToken,
    });
    expect((await json<Problem>(noRights)).errors?.map((e) => e.path)).toEqual(['api_key_sid']);

    const wrongToken = await put(t, {
      account_sid: acct.sid,
      api_key_sid: key.sid,
      api_key_secret: key.secret,
      auth_token: 'e'.repeat(32),
    });
    expect((await json<Problem>(wrongToken)).errors?.map((e) => e.path)).toEqual(['auth_token']);
    expect(await rowsOf(t.tenantId)).toEqual([]);
  });

  it('error: an API key without the auth token is refused before Twilio is called, saying why', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    const key = fake.addApiKey(acct.sid);
    const res = await put(t, { account_sid: acct.sid, api_key_sid: key.sid, api_key_secret: key.secret });
    expect(res.status).toBe(422);
    const err = (await json<Problem>(res)).errors?.find((e) => e.path === 'auth_token');
    expect(err?.message).toMatch(/signs its webhooks/);
    expect(fake.requests).toEqual([]);
  });

  it('error: malformed fields are 422 with their paths and Twilio is not called', async () => {
    const t = await createTenant();
    const res = await put(t, { account_sid: 'SK123', auth_token: 'short', api_key_sid: 'x' });
    expect(res.status).toBe(422);
    const paths = (await json<Problem>(res)).errors?.map((e) => e.path).sort();
    expect(paths).toEqual(['account_sid', 'api_key_secret', 'api_key_sid', 'auth_token']);
    expect(
      (await put(t, { account_sid: `AC${'0'.repeat(32)}`, auth_token: 'a'.repeat(32), extra: 1 })).status,
    ).toBe(422);
    expect(fake.requests).toEqual([]);
  });

  it('error: Twilio down is 502 and nothing is stored; a suspended account is 422', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    fake.outage = 503;
    const res = await put(t, { account_sid: acct.sid, auth_token: acct.authToken });
    expect(res.status).toBe(502);
    expect(await rowsOf(t.tenantId)).toEqual([]);
    fake.outage = null;
    const suspended = fake.addAccount({ status: 'suspended' });
    const s = await put(t, { account_sid: suspended.sid, auth_token: suspended.authToken });
    expect(s.status).toBe(422);
    expect((await json<Problem>(s)).errors?.[0]?.path).toBe('account_sid');
  });

  it('security: only admins; an account belongs to one tenant; the platform account cannot be claimed', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const acct = fake.addAccount();
    const body = { account_sid: acct.sid, auth_token: acct.authToken };
    expect((await put(a, body, 'staff')).status).toBe(403);
    expect((await put(a, body, 'viewer')).status).toBe(403);
    expect((await a.api('/api/v1/tenant/twilio', { role: 'staff' })).status).toBe(403);
    expect((await a.api('/api/v1/tenant/twilio', { method: 'DELETE', role: 'staff' })).status).toBe(403);
    expect(fake.requests).toEqual([]);

    expect((await put(a, body)).status).toBe(200);
    const stolen = await put(b, body);
    expect(stolen.status).toBe(409);
    expect(await rowsOf(b.tenantId)).toEqual([]);
    const bView = await (await b.api('/api/v1/tenant/twilio')).text();
    expect(bView).not.toContain(acct.sid);
    expect(JSON.parse(bView).source).toBe('platform');
    // B cannot remove A's account either: it has none of its own.
    expect((await b.api('/api/v1/tenant/twilio', { method: 'DELETE' })).status).toBe(404);
    expect(await rowsOf(a.tenantId)).toHaveLength(1);

    const platform = await put(b, {
      account_sid: env.TWILIO_ACCOUNT_SID,
      auth_token: env.TWILIO_AUTH_TOKEN.padEnd(16, 'x'),
    });
    expect(platform.status).toBe(409);
    expect(fake.requests).toHaveLength(1); // A's check only: the platform claim never reached Twilio.
  });

  it('happy: DELETE falls back to the platform account and is audited', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    await put(t, { account_sid: acct.sid, auth_token: acct.authToken });
    const res = await t.api('/api/v1/tenant/twilio', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await json<View>(res)).toMatchObject({ source: 'platform', account_sid: null });
    expect(await rowsOf(t.tenantId)).toEqual([]);
    expect((await resolveTwilioAccount(env, control(), t.tenantId))?.source).toBe('platform');
    expect((await auditActions(t.tenantId)).map((a) => a.action).sort()).toEqual([
      'twilio_account.removed',
      'twilio_account.saved',
    ]);
    expect((await t.api('/api/v1/tenant/twilio', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('rotation', () => {
  it('happy: a new auth token for the same account keeps the old one valid for webhooks for 7 days', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    const oldToken = acct.authToken;
    await put(t, { account_sid: acct.sid, auth_token: oldToken });
    // At Twilio: a secondary token is created (valid for REST calls; webhooks still signed with the old one).
    acct.secondaryAuthToken = 'b'.repeat(32);
    const res = await put(t, { account_sid: acct.sid, auth_token: acct.secondaryAuthToken });
    expect(res.status).toBe(200);
    const view = await json<View>(res);
    const until = Date.parse(view.previous_token_accepted_until ?? '');
    expect(until - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(until - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);

    const now = new Date();
    expect(await webhookAccount(env, control(), acct.sid, now)).toEqual({
      tenantId: t.tenantId,
      authTokens: ['b'.repeat(32), oldToken],
    });
    expect(await webhookAccount(env, control(), acct.sid, new Date(now.getTime() + 8 * 86_400_000))).toEqual({
      tenantId: t.tenantId,
      authTokens: ['b'.repeat(32)],
    });
    // Saving the same token again does not end the rotation early.
    await put(t, { account_sid: acct.sid, auth_token: 'b'.repeat(32) });
    expect((await webhookAccount(env, control(), acct.sid, now))?.authTokens).toEqual([
      'b'.repeat(32),
      oldToken,
    ]);
    expect((await auditActions(t.tenantId)).map((a) => a.metadata.token_rotated)).toContain(true);
  });

  it('error: credentials sealed under a key rotated away answer a clear 500; entering them again repairs it', async () => {
    const t = await createTenant();
    const acct = fake.addAccount();
    const lost = await keyRing(btoa(String.fromCharCode(...Array.from({ length: 32 }, () => 7))));
    await saveTwilioAccount(control(), lost, {
      tenantId: t.tenantId,
      accountSid: acct.sid,
      authToken: acct.authToken,
      now: new Date(),
    });
    fake.addNumber(acct.sid, '+61480000777');
    const add = await t.api('/api/v1/sending-numbers', {
      method: 'POST',
      json: { phone: '+61480000777', daily_limit: 10, per_minute_limit: 1 },
    });
    expect(add.status).toBe(500);
    expect((await json<Problem>(add)).detail).toContain('Enter them again');
    expect(fake.requests).toEqual([]);
    expect((await put(t, { account_sid: acct.sid, auth_token: acct.authToken })).status).toBe(200);
    expect((await resolveTwilioAccount(env, control(), t.tenantId))?.credentials.authToken).toBe(
      acct.authToken,
    );
  });

  it('happy: webhooks name accounts: the platform one, a tenant one, or none we know', async () => {
    expect(await webhookAccount(env, control(), env.TWILIO_ACCOUNT_SID)).toEqual({
      tenantId: null,
      authTokens: [env.TWILIO_AUTH_TOKEN],
    });
    expect(await webhookAccount(env, control(), `AC${'9'.repeat(32)}`)).toBeNull();
  });

  it('happy: rows sealed under the previous platform key open, and are re-sealed under the current one', async () => {
    const t = await createTenant();
    const u = await createTenant();
    const oldRing = await keyRing(env.CREDENTIALS_KEY_PREVIOUS);
    const ring = await keyRingFromEnv(env);
    expect(ring.previous?.id).toBe(oldRing.current.id);
    await saveTwilioAccount(control(), oldRing, {
      tenantId: t.tenantId,
      accountSid: `AC${'1'.repeat(32)}`,
      authToken: 'token-sealed-under-the-old-key',
      now: new Date(),
    });
    await saveTwilioAccount(control(), oldRing, {
      tenantId: u.tenantId,
      accountSid: `AC${'2'.repeat(32)}`,
      authToken: 'another-old-token',
      apiKey: { sid: `SK${'3'.repeat(32)}`, secret: 'old-key-secret-value' },
      now: new Date(),
    });
    // Lazily, on use:
    const resolved = await resolveTwilioAccount(env, control(), t.tenantId);
    expect(resolved?.credentials.authToken).toBe('token-sealed-under-the-old-key');
    expect((await rowsOf(t.tenantId))[0]?.keyId).toBe(ring.current.id);
    // Or all at once (what an operator runs before dropping CREDENTIALS_KEY_PREVIOUS):
    expect(await resealTwilioAccounts(env, control())).toBeGreaterThanOrEqual(1);
    expect((await rowsOf(u.tenantId))[0]?.keyId).toBe(ring.current.id);
    const current = await keyRing(env.CREDENTIALS_KEY);
    expect(current.previous).toBeNull();
    const reopened = await resolveTwilioAccount(
      { ...env, CREDENTIALS_KEY_PREVIOUS: '' },
      control(),
      u.tenantId,
    );
    expect(reopened?.credentials.apiKey?.secret).toBe('old-key-secret-value');
  });
});
