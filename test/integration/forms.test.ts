// Issue 14, item 2: hosted signup forms. The admin API (consent versions kept, archived on delete),
// and the public page: no login, no JavaScript, an unticked consent box, clear messages on a
// re-rendered page that store nothing, rate limits, the honeypot, do-not-contact never
// resubscribed and never revealed, pending opt-ins recorded with their proof.
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import {
  contacts,
  doNotContact,
  pendingOptIns,
  rateLimits,
  sendingNumbers,
  webhookDeliveries,
} from '../../workers/db/schema';
import { call, control, createTenant, json, shardDb, type TestTenant } from '../helpers/fixtures';
import { captureWebhookQueue, fakeInternet } from '../helpers/growth';

type Form = {
  id: string;
  consent_version: number;
  public_url: string;
  embed: { link: string; iframe: string };
  fields: string[];
};

const CONSENT = 'Yes, Bean Co may text me offers and news, up to 4 a month. Reply STOP to opt out.';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function createForm(t: TestTenant, over: Record<string, unknown> = {}) {
  const res = await t.api('/api/v1/forms', {
    method: 'POST',
    role: 'staff',
    json: { name: 'Join our VIP list', consent_text: CONSENT, fields: ['first_name', 'email'], ...over },
  });
  expect(res.status).toBe(201);
  return json<Form>(res);
}

let ipSeq = 0;
const newIp = () => `203.0.113.${++ipSeq}`;

async function openPage(formId: string, ip = newIp()) {
  const res = await call(`/f/${formId}`, { headers: { 'cf-connecting-ip': ip } });
  const html = await res.text();
  const token = /name="t" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { res, html, token, ip };
}

async function submit(
  formId: string,
  fields: Record<string, string>,
  opts: { ip?: string; token?: string } = {},
) {
  const page = opts.token === undefined ? await openPage(formId, opts.ip) : null;
  const body = new URLSearchParams({ t: opts.token ?? page?.token ?? '', ...fields });
  const res = await call(`/f/${formId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'cf-connecting-ip': opts.ip ?? page?.ip ?? newIp(),
      'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
    },
    body,
    redirect: 'manual',
  });
  return { res, html: res.status === 303 ? '' : await res.text() };
}

const optIns = (tenantId: string) =>
  shardDb(tenantId).select().from(pendingOptIns).where(eq(pendingOptIns.tenantId, tenantId));

describe('signup forms (API)', () => {
  it('happy: create with embeds; a new consent text is a new version and the old text is kept; delete archives', async () => {
    const t = await createTenant('Bean Co');
    const f = await createForm(t);
    expect(f.public_url).toBe(`https://sms.example.test/f/${f.id}`);
    expect(f.embed.iframe).toContain(`src="https://sms.example.test/f/${f.id}"`);
    expect(f.embed.link).toContain(`href="https://sms.example.test/f/${f.id}"`);
    expect(f.consent_version).toBe(1);

    const renamed = await json<Form>(
      await t.api(`/api/v1/forms/${f.id}`, { method: 'PATCH', json: { name: 'VIP list' } }),
    );
    expect(renamed.consent_version).toBe(1);
    const v2 = await json<Form & { consent_text: string }>(
      await t.api(`/api/v1/forms/${f.id}`, {
        method: 'PATCH',
        json: { consent_text: `${CONSENT} Msg rates apply.` },
      }),
    );
    expect(v2.consent_version).toBe(2);

    expect((await t.api(`/api/v1/forms/${f.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/v1/forms/${f.id}`)).status).toBe(404);
    expect((await json<{ data: Form[] }>(await t.api('/api/v1/forms'))).data).toEqual([]);
    expect((await call(`/f/${f.id}`)).status).toBe(404);
  });

  it('error: a consent text too short to mean anything, an unknown field: 422; viewers cannot write', async () => {
    const t = await createTenant();
    const short = await t.api('/api/v1/forms', { method: 'POST', json: { name: 'X', consent_text: 'ok' } });
    expect(short.status).toBe(422);
    const field = await t.api('/api/v1/forms', {
      method: 'POST',
      json: { name: 'X', consent_text: CONSENT, fields: ['date_of_birth'] },
    });
    expect(field.status).toBe(422);
    const viewer = await t.api('/api/v1/forms', {
      method: 'POST',
      role: 'viewer',
      json: { name: 'X', consent_text: CONSENT },
    });
    expect(viewer.status).toBe(403);
  });

  it('security: another tenant’s form and its sign-ups are 404', async () => {
    const a = await createTenant();
    const b = await createTenant();
    const f = await createForm(a);
    for (const path of [`/api/v1/forms/${f.id}`, `/api/v1/forms/${f.id}/opt-ins`]) {
      expect((await b.api(path)).status, path).toBe(404);
    }
    expect((await b.api(`/api/v1/forms/${f.id}`, { method: 'PATCH', json: { name: 'Mine' } })).status).toBe(
      404,
    );
    expect((await b.api(`/api/v1/forms/${f.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('the public signup page', () => {
  it('shows the tenant, the consent text and an unticked box; works without login; may be framed', async () => {
    const t = await createTenant('Bean Co');
    const f = await createForm(t);
    const { res, html, token } = await openPage(f.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(html).toContain('Bean Co');
    expect(html).toContain(CONSENT.replace("'", '&#39;'));
    expect(html).toMatch(/<input type="checkbox" id="f-consent" name="consent" value="on">/);
    expect(html).not.toMatch(/name="consent"[^>]*checked/);
    expect(html).toContain('type="tel"');
    expect(html).toContain('name="first_name"');
    expect(html).not.toContain('name="last_name"');
    expect(html).not.toContain('<script');
    expect(token).toMatch(/^\d+\.1\.[0-9a-f]{32}$/);
  });

  it('happy (double opt-in): the request is recorded pending with its proof; no contact yet; 303 to thanks', async () => {
    const t = await createTenant('Bean Co');
    const f = await createForm(t);
    const { res } = await submit(f.id, {
      phone: '0412 345 678',
      consent: 'on',
      first_name: 'Ada',
      email: 'ada@example.com',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/f/${f.id}?done`);
    const [o] = await optIns(t.tenantId);
    expect(o).toMatchObject({
      phoneE164: '+61412345678',
      source: 'form',
      formId: f.id,
      consentVersion: 1,
      status: 'pending',
      fields: { first_name: 'Ada', email: 'ada@example.com' },
      userAgent: expect.stringContaining('iPhone'),
      confirmationSentAt: null,
    });
    expect(o!.ip).toMatch(/^203\.0\.113\./);
    expect(Date.parse(o!.expiresAt) - Date.parse(o!.requestedAt)).toBe(24 * 3600 * 1000);
    expect(await t.db.select().from(contacts).where(eq(contacts.tenantId, t.tenantId))).toEqual([]);

    const thanks = await (await call(`/f/${f.id}?done`)).text();
    expect(thanks).toContain('Almost done');
    expect(thanks).toContain('unless this number has opted out');
    expect(thanks).not.toMatch(/we (have )?sent/i);

    const log = await json<{ data: { consent_text: string; status: string }[] }>(
      await t.api(`/api/v1/forms/${f.id}/opt-ins`, { role: 'viewer' }),
    );
    expect(log.data[0]).toMatchObject({ consent_text: CONSENT, status: 'pending' });

    // Asking again supersedes the first request.
    await submit(f.id, { phone: '+61412345678', consent: 'on' });
    const all = await optIns(t.tenantId);
    expect(all.map((r) => r.status).sort()).toEqual(['pending', 'superseded']);
  });

  it('records the consent text version the visitor saw, even if it changed while the page was open', async () => {
    const t = await createTenant();
    const f = await createForm(t);
    const page = await openPage(f.id);
    await t.api(`/api/v1/forms/${f.id}`, {
      method: 'PATCH',
      json: { consent_text: `${CONSENT} (new wording)` },
    });
    const { res } = await submit(
      f.id,
      { phone: '0412 345 679', consent: 'on' },
      { token: page.token, ip: page.ip },
    );
    expect(res.status).toBe(303);
    const [o] = await optIns(t.tenantId);
    expect(o?.consentVersion).toBe(1);
  });

  it('error: no tick, a bad phone, a bad email: the page says what to fix, keeps the values, stores nothing', async () => {
    const t = await createTenant();
    const f = await createForm(t);
    const noTick = await submit(f.id, { phone: '0412 345 678', first_name: 'Ada' });
    expect(noTick.res.status).toBe(422);
    expect(noTick.html).toContain('Tick the box to agree to receive text messages.');
    expect(noTick.html).toContain('value="0412 345 678"');
    expect(noTick.html).toContain('value="Ada"');
    expect(noTick.html).toContain('role="alert"');

    const badPhone = await submit(f.id, { phone: '02 9876 5432', consent: 'on', email: 'nope' });
    expect(badPhone.res.status).toBe(422);
    expect(badPhone.html).toMatch(/not a mobile number we can text: .*landline/);
    expect(badPhone.html).toContain('Enter an email address like name@example.com.');
    expect(badPhone.html).toMatch(/name="consent" value="on" checked/);

    const noToken = await submit(f.id, { phone: '0412 345 678', consent: 'on' }, { token: '' });
    expect(noToken.res.status).toBe(400);
    const forged = await submit(f.id, { phone: '0412 345 678', consent: 'on' }, { token: '1.1.deadbeef' });
    expect(forged.res.status).toBe(400);
    const huge = await submit(f.id, { phone: '0412 345 678', consent: 'on', first_name: 'x'.repeat(20_000) });
    expect(huge.res.status).toBe(413);
    expect(await optIns(t.tenantId)).toEqual([]);
  });

  it('security: a filled honeypot looks like success and stores nothing', async () => {
    const t = await createTenant();
    const f = await createForm(t);
    const { res } = await submit(f.id, {
      phone: '0412 345 678',
      consent: 'on',
      website: 'http://spam.example',
    });
    expect(res.status).toBe(303);
    expect(await optIns(t.tenantId)).toEqual([]);
  });

  it('security: at most 3 sign-ups per phone a day, and 30 posts per IP per 15 minutes', async () => {
    // The limits count in fixed windows: pin the clock mid-window so the test never straddles one.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-06-01T10:02:00.000Z'));
    const t = await createTenant();
    const f = await createForm(t);
    for (let i = 0; i < 3; i++)
      expect((await submit(f.id, { phone: '0412 555 000', consent: 'on' })).res.status).toBe(303);
    const fourth = await submit(f.id, { phone: '0412 555 000', consent: 'on' });
    expect(fourth.res.status).toBe(429);
    expect(fourth.html).toContain('signed up several times today');
    expect(await optIns(t.tenantId)).toHaveLength(3);
    const [window] = await control()
      .select()
      .from(rateLimits)
      .where(eq(rateLimits.key, `signup-phone:${t.tenantId}:+61412555000`));
    expect(window?.windowStart).toBe(Date.parse('2025-06-01T00:00:00.000Z') / 1000);

    const ip = newIp();
    const page = await openPage(f.id, ip);
    let last = 0;
    for (let i = 0; i < 31; i++) {
      const r = await submit(f.id, { phone: '', consent: 'on' }, { ip, token: page.token });
      last = r.res.status;
      if (i < 30) expect(r.res.status).toBe(422);
    }
    expect(last).toBe(429);
  });

  it('security: a number on do-not-contact is never resubscribed by a form, and the visitor cannot tell', async () => {
    const t = await createTenant();
    const f = await createForm(t);
    await t.db
      .insert(doNotContact)
      .values({ id: uuidv7(), tenantId: t.tenantId, phoneE164: '+61412000777', reason: 'STOP' });
    const listed = await submit(f.id, { phone: '0412 000 777', consent: 'on' });
    const fresh = await submit(f.id, { phone: '0412 000 888', consent: 'on' });
    expect(listed.res.status).toBe(fresh.res.status);
    expect(listed.res.headers.get('location')).toBe(fresh.res.headers.get('location'));
    const rows = await optIns(t.tenantId);
    expect(rows.find((r) => r.phoneE164 === '+61412000777')).toMatchObject({
      status: 'blocked',
      statusReason: 'do_not_contact',
    });
    expect(rows.find((r) => r.phoneE164 === '+61412000888')).toMatchObject({ status: 'pending' });
    const [dnc] = await t.db
      .select()
      .from(doNotContact)
      .where(and(eq(doNotContact.tenantId, t.tenantId), eq(doNotContact.phoneE164, '+61412000777')));
    expect(dnc).toBeDefined();
  });

  it('the thank-you page names the number to text START to', async () => {
    const t = await createTenant('Bean Co');
    await control().insert(sendingNumbers).values({
      id: uuidv7(),
      tenantId: t.tenantId,
      phoneE164: '+61480000123',
      dailyLimit: 10,
      perMinuteLimit: 1,
    });
    const f = await createForm(t);
    expect(await (await call(`/f/${f.id}?done`)).text()).toContain('text START to +61480000123');
  });

  it('single opt-in: the contact is created with explicit consent at once, proof kept, contact.created emitted', async () => {
    fakeInternet();
    const queue = captureWebhookQueue();
    const t = await createTenant('Bean Co');
    await t.api('/api/v1/webhooks', {
      method: 'POST',
      json: { url: 'https://hooks.receiver.example/', events: ['contact.created'] },
    });
    const f = await createForm(t, { double_opt_in: false, success_message: 'You are on the list!' });
    const { res } = await submit(f.id, { phone: '0412 345 600', consent: 'on', first_name: 'Grace' });
    expect(res.status).toBe(303);
    const [c] = await t.db.select().from(contacts).where(eq(contacts.tenantId, t.tenantId));
    expect(c).toMatchObject({
      phoneE164: '+61412345600',
      firstName: 'Grace',
      consentStatus: 'explicit',
      consentSource: 'signup form: Join our VIP list',
    });
    const [o] = await optIns(t.tenantId);
    expect(o).toMatchObject({ status: 'confirmed', contactId: c!.id, consentVersion: 1 });
    expect(queue).toHaveLength(1);
    const [d] = await t.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, queue[0]!.body.deliveryId));
    expect(JSON.parse(d!.body).type).toBe('contact.created');
    const thanks = await (await call(`/f/${f.id}?done`)).text();
    expect(thanks).toContain('You are on the list!');
    expect(thanks).toContain('Thank you');
  });

  it('an inactive form says sign-ups are closed (410); an unknown one is 404; neither accepts posts', async () => {
    const t = await createTenant();
    const f = await createForm(t, { is_active: false });
    expect((await call(`/f/${f.id}`)).status).toBe(410);
    expect((await submit(f.id, { phone: '0412 345 678', consent: 'on' }, { token: 'x' })).res.status).toBe(
      410,
    );
    expect((await call(`/f/${uuidv7()}`)).status).toBe(404);
    expect((await call('/f/not-an-id')).status).toBe(404);
    expect(await optIns(t.tenantId)).toEqual([]);
  });
});
