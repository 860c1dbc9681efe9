import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { auditLog, sendingNumbers } from '../../workers/db/schema';
import { usePinnedClock } from '../helpers/clock';
import { type FakeAccount, FakeTwilio, fakeSid } from '../helpers/fake-twilio';
import { control, createTenant, json, type TestTenant } from '../helpers/fixtures';
import { DAYTIME } from '../helpers/send-setup';

type Num = {
  id: string;
  kind: 'phone' | 'messaging_service' | 'alphanumeric';
  label: string;
  phone: string | null;
  messaging_service_sid: string | null;
  sender_id: string | null;
  acma_status: string | null;
  can_receive_replies: boolean;
  provider: string;
  twilio_account_sid: string | null;
  twilio_sid: string | null;
  wiring_ok: boolean | null;
  daily_limit: number;
  per_minute_limit: number;
  warmup_start_date: string | null;
  is_active: boolean;
};
type Wiring = {
  ok: boolean;
  expected_sms_url: string;
  actual_sms_url: string | null;
  fixed: boolean;
  fixable: boolean;
  detail: string | null;
  sending_number: Num;
};
type Problem = { detail: string; rule?: string; errors?: { path: string; message: string }[] };

const INBOUND = 'https://sms.example.test/webhooks/twilio/inbound';
const limits = { daily_limit: 1000, per_minute_limit: 60 };

// "Today" for the warm-up is the tenant's (Sydney) date: pinned, so no test straddles midnight.
usePinnedClock(DAYTIME);

let seq = 0;
const uniquePhone = () =>
  `+6141${String(Date.now() % 100000).padStart(5, '0')}${String(++seq % 100).padStart(2, '0')}`;

let fake: FakeTwilio;
let platform: FakeAccount;
beforeEach(() => {
  fake = new FakeTwilio();
  platform = fake.addPlatformAccount(env);
  fake.install();
});
afterEach(() => vi.restoreAllMocks());

const add = (t: TestTenant, body: Record<string, unknown>, role: 'admin' | 'staff' = 'admin') =>
  t.api('/api/v1/sending-numbers', { method: 'POST', json: { ...limits, ...body }, role });
const checkWiring = (t: TestTenant, id: string, fix = false) =>
  t.api(`/api/v1/sending-numbers/${id}/check-wiring${fix ? '?fix=true' : ''}`, { method: 'POST' });
const paths = async (res: Response) => (await json<Problem>(res)).errors?.map((e) => e.path);
const rowsOf = (tenantId: string) =>
  control().select().from(sendingNumbers).where(eq(sendingNumbers.tenantId, tenantId));

async function withOwnAccount(t: TestTenant) {
  const acct = fake.addAccount();
  const res = await t.api('/api/v1/tenant/twilio', {
    method: 'PUT',
    json: { account_sid: acct.sid, auth_token: acct.authToken },
  });
  expect(res.status).toBe(200);
  fake.requests.length = 0;
  return acct;
}

describe('phone numbers: onboarding wires them', () => {
  it('happy: a number of the account is looked up, its sid stored, and its replies pointed at us', async () => {
    const t = await createTenant();
    const phone = uniquePhone();
    const pn = fake.addNumber(platform.sid, phone, {
      smsUrl: 'https://old-crm.example/sms',
      smsMethod: 'GET',
    });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney' }).format(new Date());
    const res = await add(t, { phone, warmup_start_date: today });
    expect(res.status).toBe(201);
    const n = await json<Num>(res);
    expect(n).toMatchObject({
      kind: 'phone',
      label: phone,
      phone,
      provider: 'twilio',
      can_receive_replies: true,
      twilio_account_sid: platform.sid,
      twilio_sid: pn.sid,
      wiring_ok: true,
      daily_limit: 1000,
      per_minute_limit: 60,
      is_active: true,
    });
    expect(fake.numbers.get(pn.sid)).toMatchObject({ smsUrl: INBOUND, smsMethod: 'POST' });

    // The limiter was configured on create, with the warm-up curve.
    expect(await env.SENDING_NUMBER.getByName(n.id).acquire()).toMatchObject({ ok: true });
    const usage = await json(await t.api(`/api/v1/sending-numbers/${n.id}/usage`, { role: 'viewer' }));
    expect(usage).toMatchObject({
      sent_this_minute: 1,
      sent_today: 1,
      allowed_today: 100,
      per_minute_limit: 60,
    });

    const audit = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, n.id));
    expect(audit.map((a) => a.action)).toEqual(['sending_number.created']);
    expect(audit[0]?.metadata).toMatchObject({
      previous_sms_url: 'https://old-crm.example/sms',
      twilio_sid: pn.sid,
    });
  });

  it('happy: a tenant with its own account is looked up there, with its credentials, never the platform’s', async () => {
    const t = await createTenant();
    const acct = await withOwnAccount(t);
    const phone = uniquePhone();
    const pn = fake.addNumber(acct.sid, phone);
    const res = await add(t, { phone });
    expect(res.status).toBe(201);
    expect(await json<Num>(res)).toMatchObject({ twilio_account_sid: acct.sid, twilio_sid: pn.sid });
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.every((r) => r.authUser === acct.sid)).toBe(true);
    expect(fake.numbers.get(pn.sid)?.smsUrl).toBe(INBOUND);
  });

  it('happy: a national number is read in the tenant’s country', async () => {
    const t = await createTenant();
    const phone = uniquePhone();
    fake.addNumber(platform.sid, phone);
    const n = await json<Num>(await add(t, { phone: `0${phone.slice(3)}` }));
    expect(n.phone).toBe(phone);
  });

  it('error: a number the account does not own is 422 on phone; nothing is stored or changed', async () => {
    const t = await createTenant();
    const acct = await withOwnAccount(t);
    const phone = uniquePhone();
    // It exists, but in someone else's Twilio account.
    const elsewhere = fake.addNumber(platform.sid, phone, { smsUrl: 'https://theirs.example/sms' });
    const res = await add(t, { phone });
    expect(res.status).toBe(422);
    const p = await json<Problem>(res);
    expect(p.errors?.[0]).toMatchObject({ path: 'phone' });
    expect(p.errors?.[0]?.message).toContain(acct.sid.slice(-4));
    expect(await rowsOf(t.tenantId)).toEqual([]);
    expect(elsewhere.smsUrl).toBe('https://theirs.example/sms');
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('error: a number another tenant has is 409 (and Twilio is not asked); the same tenant twice is 409', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const phone = uniquePhone();
    fake.addNumber(platform.sid, phone);
    expect((await add(a, { phone })).status).toBe(201);
    fake.requests.length = 0;
    const other = await add(b, { phone });
    expect(other.status).toBe(409);
    expect((await json<Problem>(other)).detail).toContain('another account');
    expect(fake.requests).toEqual([]);
    expect((await add(a, { phone })).status).toBe(409);
    expect(await rowsOf(b.tenantId)).toEqual([]);
  });

  it('error: invalid phone, a voice-only number, bad limits and Twilio being down are refused', async () => {
    const t = await createTenant();
    const bad = await add(t, { phone: 'call me' });
    expect(bad.status).toBe(422);
    expect(await paths(bad)).toEqual(['phone']);
    expect((await add(t, { phone: uniquePhone(), daily_limit: 0 })).status).toBe(422);

    const voice = uniquePhone();
    fake.addNumber(platform.sid, voice, { sms: false });
    const v = await add(t, { phone: voice });
    expect(v.status).toBe(422);
    expect(await paths(v)).toEqual(['phone']);

    const phone = uniquePhone();
    fake.addNumber(platform.sid, phone);
    fake.outage = 503;
    expect((await add(t, { phone })).status).toBe(502);
    expect(await rowsOf(t.tenantId)).toEqual([]);
  });

  it('error: stored credentials that Twilio no longer accepts are 422 on credentials', async () => {
    const t = await createTenant();
    const acct = await withOwnAccount(t);
    acct.authToken = 'c'.repeat(32); // rotated at Twilio, not here
    const phone = uniquePhone();
    fake.addNumber(acct.sid, phone);
    const res = await add(t, { phone });
    expect(res.status).toBe(422);
    expect(await paths(res)).toEqual(['credentials']);
  });
});

describe('messaging services', () => {
  it('happy: a service of the account is added, named, and its replies pointed at us', async () => {
    const t = await createTenant();
    const acct = await withOwnAccount(t);
    const svc = fake.addService(acct.sid, {
      friendlyName: 'Demo Coffee service',
      phones: [uniquePhone()],
      inboundRequestUrl: 'https://old.example/in',
      useInboundWebhookOnNumber: true,
    });
    const res = await add(t, { kind: 'messaging_service', messaging_service_sid: svc.sid });
    expect(res.status).toBe(201);
    expect(await json<Num>(res)).toMatchObject({
      kind: 'messaging_service',
      label: 'Demo Coffee service',
      phone: null,
      messaging_service_sid: svc.sid,
      can_receive_replies: true,
      twilio_account_sid: acct.sid,
      wiring_ok: true,
    });
    expect(svc).toMatchObject({
      inboundRequestUrl: INBOUND,
      inboundMethod: 'POST',
      useInboundWebhookOnNumber: false,
    });
    // Messaging Services live on their own host.
    expect(fake.requests.every((r) => r.url.startsWith('https://messaging.twilio.mock/v1/Services/'))).toBe(
      true,
    );
  });

  it('error: unknown, malformed, or already registered services are refused', async () => {
    const t = await createTenant();
    const u = await createTenant();
    await withOwnAccount(t);
    const unknown = await add(t, { kind: 'messaging_service', messaging_service_sid: fakeSid('MG') });
    expect(unknown.status).toBe(422);
    expect(await paths(unknown)).toEqual(['messaging_service_sid']);
    const malformed = await add(t, { kind: 'messaging_service', messaging_service_sid: 'MG123' });
    expect(await paths(malformed)).toEqual(['messaging_service_sid']);

    const svc = fake.addService(platform.sid, { phones: [uniquePhone()] });
    expect((await add(u, { kind: 'messaging_service', messaging_service_sid: svc.sid })).status).toBe(201);
    expect((await add(u, { kind: 'messaging_service', messaging_service_sid: svc.sid })).status).toBe(409);
    expect(await rowsOf(t.tenantId)).toEqual([]);
  });
});

describe('alphanumeric sender IDs', () => {
  it('happy: added without a phone, unregistered at ACMA by default, cannot receive replies', async () => {
    const t = await createTenant();
    const res = await add(t, { kind: 'alphanumeric', sender_id: 'DemoCoffee' });
    expect(res.status).toBe(201);
    const n = await json<Num>(res);
    expect(n).toMatchObject({
      kind: 'alphanumeric',
      label: 'DemoCoffee',
      phone: null,
      sender_id: 'DemoCoffee',
      acma_status: 'unregistered',
      can_receive_replies: false,
      twilio_account_sid: platform.sid,
      wiring_ok: null,
    });
    // Nothing to look up at Twilio for an ID.
    expect(fake.requests).toEqual([]);
    expect(await env.SENDING_NUMBER.getByName(n.id).acquire()).toMatchObject({ ok: true });

    const patched = await t.api(`/api/v1/sending-numbers/${n.id}`, {
      method: 'PATCH',
      json: { acma_status: 'registered' },
    });
    expect(await json<Num>(patched)).toMatchObject({ acma_status: 'registered' });
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, n.id));
    expect(audit.map((a) => a.action).sort()).toEqual(['sending_number.created', 'sending_number.updated']);
    expect(audit.find((a) => a.action === 'sending_number.updated')?.metadata).toMatchObject({
      changes: { acma_status: { from: 'unregistered', to: 'registered' } },
    });
  });

  it('error: an ID that breaks a rule is 422 naming the rule; the same ID in another case is 409', async () => {
    const t = await createTenant();
    for (const [senderId, rule] of [
      ['DemoCoffeeCo', 'too_long'],
      ['Demo-Coffee', 'invalid_character'],
      ['0412345678', 'needs_letter'],
      [' Demo', 'edge_space'],
      ['Unverified', 'reserved_word'],
    ] as const) {
      const res = await add(t, { kind: 'alphanumeric', sender_id: senderId });
      expect(res.status, senderId).toBe(422);
      const p = await json<Problem>(res);
      expect(p.rule, senderId).toBe(rule);
      expect(p.errors?.[0]?.path).toBe('sender_id');
    }
    expect(
      (await add(t, { kind: 'alphanumeric', sender_id: 'Demo Coffee', acma_status: 'pending' })).status,
    ).toBe(201);
    expect((await add(t, { kind: 'alphanumeric', sender_id: 'DEMO COFFEE' })).status).toBe(409);
    // Another business may use the same name: IDs are unique per tenant, not across the platform.
    const other = await createTenant();
    expect((await add(other, { kind: 'alphanumeric', sender_id: 'Demo Coffee' })).status).toBe(201);
    expect(await rowsOf(t.tenantId)).toHaveLength(1);
  });
});

describe('kind validation', () => {
  it('error: each kind needs its own identity field and refuses the others', async () => {
    const t = await createTenant();
    const missing = await add(t, { kind: 'alphanumeric' });
    expect(await paths(missing)).toEqual(['sender_id']);
    expect(await paths(await add(t, {}))).toEqual(['phone']);
    const mixed = await add(t, { kind: 'alphanumeric', sender_id: 'Demo', phone: uniquePhone() });
    expect(await paths(mixed)).toEqual(['phone']);
    expect(await paths(await add(t, { phone: uniquePhone(), acma_status: 'registered' }))).toEqual([
      'acma_status',
    ]);
    expect(await paths(await add(t, { kind: 'pager', phone: uniquePhone() }))).toContain('kind');
    expect(fake.requests).toEqual([]);

    const phone = uniquePhone();
    fake.addNumber(platform.sid, phone);
    const n = await json<Num>(await add(t, { phone }));
    const patch = await t.api(`/api/v1/sending-numbers/${n.id}`, {
      method: 'PATCH',
      json: { acma_status: 'pending' },
    });
    expect(patch.status).toBe(422);
    expect(await paths(patch)).toEqual(['acma_status']);
  });
});

describe('check wiring', () => {
  it('happy: a number re-pointed at Twilio shows the mismatch, and ?fix=true repairs it', async () => {
    const t = await createTenant();
    const phone = uniquePhone();
    const pn = fake.addNumber(platform.sid, phone);
    const n = await json<Num>(await add(t, { phone }));
    expect((await json<Wiring>(await checkWiring(t, n.id))).ok).toBe(true);

    // Someone edits the number in the Twilio Console.
    pn.smsUrl = 'https://demo.twil.io/reply';
    const seen = await checkWiring(t, n.id);
    expect(seen.status).toBe(200);
    const w = await json<Wiring>(seen);
    expect(w).toMatchObject({
      ok: false,
      expected_sms_url: INBOUND,
      actual_sms_url: 'https://demo.twil.io/reply',
      fixed: false,
      fixable: true,
    });
    expect(w.detail).toContain('https://demo.twil.io/reply');
    expect(w.sending_number.wiring_ok).toBe(false);
    expect(pn.smsUrl).toBe('https://demo.twil.io/reply');

    const fixed = await json<Wiring>(await checkWiring(t, n.id, true));
    expect(fixed).toMatchObject({ ok: true, actual_sms_url: 'https://demo.twil.io/reply', fixed: true });
    expect(fixed.sending_number.wiring_ok).toBe(true);
    expect(pn).toMatchObject({ smsUrl: INBOUND, smsMethod: 'POST' });
    expect(await json<Wiring>(await checkWiring(t, n.id, true))).toMatchObject({ ok: true, fixed: false });

    const audit = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, n.id));
    expect(audit.filter((a) => a.action === 'sending_number.wiring_fixed')).toHaveLength(1);
  });

  it('happy: a number registered before wiring existed is found by its phone and learns its sid', async () => {
    const t = await createTenant();
    const phone = uniquePhone();
    const pn = fake.addNumber(platform.sid, phone, { smsUrl: '' });
    const id = uuidv7();
    await control()
      .insert(sendingNumbers)
      .values({ id, tenantId: t.tenantId, phoneE164: phone, ...{ dailyLimit: 10, perMinuteLimit: 1 } });
    const w = await json<Wiring>(await checkWiring(t, id, true));
    expect(w).toMatchObject({ ok: true, actual_sms_url: null, fixed: true });
    expect(w.sending_number.twilio_sid).toBe(pn.sid);
  });

  it('error: a number gone from the account, or a service re-pointed, is reported; fix repairs what it can', async () => {
    const t = await createTenant();
    const acct = await withOwnAccount(t);
    const phone = uniquePhone();
    const pn = fake.addNumber(acct.sid, phone);
    const n = await json<Num>(await add(t, { phone }));
    fake.numbers.delete(pn.sid); // released at Twilio
    const gone = await json<Wiring>(await checkWiring(t, n.id, true));
    expect(gone).toMatchObject({ ok: false, actual_sms_url: null, fixed: false, fixable: false });
    expect(gone.detail).toContain('no longer');

    const svc = fake.addService(acct.sid, { phones: [uniquePhone()] });
    const s = await json<Num>(await add(t, { kind: 'messaging_service', messaging_service_sid: svc.sid }));
    svc.useInboundWebhookOnNumber = true;
    const off = await json<Wiring>(await checkWiring(t, s.id));
    expect(off).toMatchObject({ ok: false, actual_sms_url: INBOUND, fixed: false });
    expect(off.detail).toContain('each number');
    expect(await json<Wiring>(await checkWiring(t, s.id, true))).toMatchObject({ ok: true, fixed: true });
    expect(svc.useInboundWebhookOnNumber).toBe(false);

    fake.outage = 503;
    expect((await checkWiring(t, s.id)).status).toBe(502);
  });

  it('error: an alphanumeric ID has nothing to wire (409); staff cannot check; another tenant’s id is 404', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const alpha = await json<Num>(await add(a, { kind: 'alphanumeric', sender_id: 'DemoCo' }));
    expect((await checkWiring(a, alpha.id)).status).toBe(409);
    const phone = uniquePhone();
    fake.addNumber(platform.sid, phone);
    const n = await json<Num>(await add(a, { phone }));
    fake.requests.length = 0;
    expect(
      (await a.api(`/api/v1/sending-numbers/${n.id}/check-wiring`, { method: 'POST', role: 'staff' })).status,
    ).toBe(403);
    expect((await checkWiring(b, n.id, true)).status).toBe(404);
    expect(fake.requests).toEqual([]);
  });
});

describe('security', () => {
  it('staff cannot create senders; another tenant’s sender is 404, its usage too; lists stay scoped', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const phone = uniquePhone();
    fake.addNumber(platform.sid, phone);
    expect((await add(a, { phone }, 'staff')).status).toBe(403);
    const n = await json<Num>(await add(a, { phone }));
    expect((await b.api(`/api/v1/sending-numbers/${n.id}`)).status).toBe(404);
    expect((await b.api(`/api/v1/sending-numbers/${n.id}/usage`)).status).toBe(404);
    expect(
      (await b.api(`/api/v1/sending-numbers/${n.id}`, { method: 'PATCH', json: { daily_limit: 1 } })).status,
    ).toBe(404);
    expect((await json<{ data: unknown[] }>(await b.api('/api/v1/sending-numbers'))).data).toEqual([]);
  });

  it('happy: PATCH pushes new limits to the limiter at once and is audited', async () => {
    const t = await createTenant();
    const n = await json<Num>(
      await add(t, { kind: 'alphanumeric', sender_id: 'Limits', per_minute_limit: 100 }),
    );
    const res = await t.api(`/api/v1/sending-numbers/${n.id}`, {
      method: 'PATCH',
      json: { is_active: false },
    });
    expect(res.status).toBe(200);
    expect(await env.SENDING_NUMBER.getByName(n.id).acquire()).toMatchObject({
      ok: false,
      reason: 'inactive',
    });
    const patched = await t.api(`/api/v1/sending-numbers/${n.id}`, {
      method: 'PATCH',
      json: { is_active: true, per_minute_limit: 1 },
    });
    expect(await json<Num>(patched)).toMatchObject({ is_active: true, per_minute_limit: 1 });
    const stub = env.SENDING_NUMBER.getByName(n.id);
    expect(await stub.acquire()).toMatchObject({ ok: true });
    expect(await stub.acquire()).toMatchObject({ ok: false, reason: 'per_minute' });
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, n.id));
    expect(audit.map((a) => a.action).sort()).toEqual([
      'sending_number.activated',
      'sending_number.created',
      'sending_number.deactivated',
    ]);
  });
});
