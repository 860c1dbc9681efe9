// Issue 9: sign-in emails really sent (Cloudflare Email Service binding, Resend over HTTP), the
// outbox kept locally, and a missing or failing provider never changes the 202 but is logged and
// counted for health.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devOutbox, emailFailures } from '../../workers/db/schema';
import { deliverEmail, emailSetup, formatFrom } from '../../workers/providers/email';
import { emailHealth } from '../../workers/providers/email-health';
import {
  callWith,
  captureConsole,
  fakeEmailBinding,
  linkIn,
  mockResend,
  productionEnv,
  requestLink,
} from '../helpers/email';
import { control, createTenant } from '../helpers/fixtures';

let ipSeq = 0;
const nextIp = () => `198.51.100.${++ipSeq}`;
const SAME_202 = { message: 'If that address has an account, a sign-in link is on its way.' };

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => {
  logs.restore();
});

async function outboxFor(email: string) {
  return control().select().from(devOutbox).where(eq(devOutbox.to, email));
}

describe('Cloudflare Email Service (send_email binding)', () => {
  it('happy: a known user gets one email with a text and an HTML part, the sender name, and a link that signs in', async () => {
    const t = await createTenant('Binding Co');
    const fake = fakeEmailBinding();
    const res = await requestLink(productionEnv({ EMAIL: fake.binding }), t.adminEmail, nextIp());
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual(SAME_202);

    expect(fake.send).toHaveBeenCalledTimes(1);
    const [message] = fake.sent;
    expect(message).toMatchObject({
      from: { email: 'login@sms.example.test', name: 'Acme SMS' },
      to: t.adminEmail,
      subject: 'Your sign-in link for Acme SMS',
    });
    const link = linkIn(message!.text);
    expect(message!.html).toContain(`href="${link}"`);
    // Production keeps no copy in the development outbox.
    expect(await outboxFor(t.adminEmail)).toEqual([]);

    const url = new URL(link);
    const verify = await callWith(productionEnv({ EMAIL: fake.binding }), url.pathname + url.search);
    expect(verify.status).toBe(302);
    expect(verify.headers.get('set-cookie')).toMatch(/^sid=.*Secure/i);
    // Production never logs the link or its token.
    expect(logs.text()).not.toContain(url.searchParams.get('token'));
  });

  it('security: an unknown address gets the same 202 and nothing is sent', async () => {
    const fake = fakeEmailBinding();
    const res = await requestLink(productionEnv({ EMAIL: fake.binding }), 'stranger@example.com', nextIp());
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual(SAME_202);
    expect(fake.send).not.toHaveBeenCalled();
  });

  it('error: the binding refuses (domain not onboarded): still 202, logged with the reason, counted, no link logged', async () => {
    const t = await createTenant('Refused Co');
    const refusal = Object.assign(new Error('sender domain not verified for login@sms.example.test'), {
      code: 'E_SENDER_NOT_VERIFIED',
    });
    const fake = fakeEmailBinding(refusal);
    const before = await control().select().from(emailFailures);
    const res = await requestLink(productionEnv({ EMAIL: fake.binding }), t.adminEmail, nextIp());
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual(SAME_202);

    const errors = logs.lines.filter((l) => l.includes('email not sent'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('cloudflare answered nothing (E_SENDER_NOT_VERIFIED');
    expect(errors[0]).not.toContain(t.adminEmail);
    expect(logs.text()).not.toMatch(/token=|auth\/verify/);

    const after = await control().select().from(emailFailures);
    expect(after.length).toBe(before.length + 1);
    const row = after.find((r) => !before.some((b) => b.id === r.id))!;
    expect(row).toMatchObject({ provider: 'cloudflare', kind: 'magic_link', status: null });
    expect(row.reason).toContain('E_SENDER_NOT_VERIFIED');
    // The stored reason names no address.
    expect(row.reason).not.toContain('@sms.example.test');

    const health = await emailHealth(productionEnv({ EMAIL: fake.binding }), control());
    expect(health).toMatchObject({ name: 'email', ok: false });
    expect(health.detail).toContain('E_SENDER_NOT_VERIFIED');
  });
});

describe('Resend (HTTP provider)', () => {
  const resendEnv = () => productionEnv({ EMAIL_PROVIDER: 'resend', RESEND_API_KEY: 're_test_123' });

  it('happy: posts {from, to, subject, text, html} with the API key as a Bearer token', async () => {
    const t = await createTenant('Resend Co');
    const resend = mockResend(() => Response.json({ id: 'e1' }));
    try {
      const res = await requestLink(resendEnv(), t.adminEmail, nextIp());
      expect(res.status).toBe(202);
      expect(resend.calls).toHaveLength(1);
      const [call] = resend.calls;
      expect(call!.url).toBe('https://api.resend.com/emails');
      expect(call!.headers.get('authorization')).toBe('Bearer re_test_123');
      expect(call!.headers.get('content-type')).toBe('application/json');
      expect(call!.body).toMatchObject({
        from: '"Acme SMS" <login@sms.example.test>',
        to: [t.adminEmail],
        subject: 'Your sign-in link for Acme SMS',
      });
      const link = linkIn(String(call!.body.text));
      expect(String(call!.body.html)).toContain(`href="${link}"`);
      expect(logs.text()).not.toContain(new URL(link).searchParams.get('token'));
    } finally {
      resend.spy.mockRestore();
    }
  });

  for (const status of [422, 500, 503]) {
    it(`error: Resend answers ${status}: still 202, one error line with the status, a failure counted`, async () => {
      const t = await createTenant(`Resend ${status} Co`);
      const resend = mockResend(() =>
        Response.json(
          { statusCode: status, name: 'application_error', message: 'Something broke' },
          { status },
        ),
      );
      try {
        const before = (await control().select().from(emailFailures)).length;
        const res = await requestLink(resendEnv(), t.adminEmail, nextIp());
        expect(res.status).toBe(202);
        expect(await res.json()).toEqual(SAME_202);
        const errors = logs.lines.filter((l) => l.includes('email not sent'));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toContain(`resend answered ${status} (application_error: Something broke)`);
        expect(logs.text()).not.toMatch(/token=|re_test_123/);
        const rows = await control().select().from(emailFailures);
        expect(rows.length).toBe(before + 1);
        expect(rows.some((r) => r.provider === 'resend' && r.status === status)).toBe(true);
      } finally {
        resend.spy.mockRestore();
      }
    });
  }

  it('error: Resend unreachable or timing out: still 202, recorded with no status', async () => {
    const t = await createTenant('Timeout Co');
    const resend = mockResend(() => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    });
    try {
      const res = await requestLink(resendEnv(), t.adminEmail, nextIp());
      expect(res.status).toBe(202);
      expect(logs.lines.find((l) => l.includes('email not sent'))).toContain(
        'resend answered nothing (timed out)',
      );
    } finally {
      resend.spy.mockRestore();
    }
  });

  it('security: a sender name cannot add recipients or break the From header', () => {
    expect(formatFrom({ email: 'a@b.co', name: 'Evil", x@y.z <' })).toBe('"Evil , x@y.z <" <a@b.co>');
    expect(formatFrom({ email: 'a@b.co', name: 'Line\r\nBcc: x@y.z' })).toBe('"Line  Bcc: x@y.z" <a@b.co>');
  });
});

describe('no provider configured in production', () => {
  const cases: { name: string; env: Partial<Env> & { ENVIRONMENT: string }; names: string }[] = [
    {
      name: 'no EMAIL_PROVIDER',
      env: { ENVIRONMENT: 'production', EMAIL_PROVIDER: '' },
      names: 'EMAIL_PROVIDER',
    },
    {
      name: 'cloudflare without EMAIL_FROM',
      env: productionEnv({ EMAIL_FROM: '', EMAIL: fakeEmailBinding().binding }),
      names: 'EMAIL_FROM',
    },
    {
      name: 'cloudflare without the EMAIL binding',
      env: { ...productionEnv(), EMAIL: undefined as unknown as SendEmail },
      names: 'the EMAIL send_email binding',
    },
    {
      name: 'resend without RESEND_API_KEY',
      env: productionEnv({ EMAIL_PROVIDER: 'resend', RESEND_API_KEY: '' }),
      names: 'RESEND_API_KEY',
    },
    {
      name: 'an unknown provider',
      env: productionEnv({ EMAIL_PROVIDER: 'postmark' }),
      names: 'EMAIL_PROVIDER',
    },
    { name: 'the outbox', env: productionEnv({ EMAIL_PROVIDER: 'outbox' }), names: 'EMAIL_PROVIDER=outbox' },
  ];
  for (const c of cases) {
    it(`error: ${c.name}: the same 202, one error line naming ${c.names}, health reports it`, async () => {
      const t = await createTenant(`Unconfigured ${c.name}`);
      const res = await requestLink(c.env, t.adminEmail, nextIp());
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual(SAME_202);
      const errors = logs.lines.filter((l) => l.includes('email'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(c.names);
      expect(errors[0]).not.toContain(t.adminEmail);
      expect(logs.text()).not.toMatch(/token=/);
      expect(await outboxFor(t.adminEmail)).toEqual([]);
      const health = await emailHealth(c.env as Env, control());
      expect(health.ok).toBe(false);
      expect(health.detail).toContain(c.names);
    });
  }

  it('error: EMAIL_FROM with a display name is refused with a clear message', () => {
    const setup = emailSetup(
      { ...productionEnv({ EMAIL_FROM: 'Acme <login@acme.example>' }), EMAIL: fakeEmailBinding().binding },
      control(),
    );
    expect(setup.sender).toBeNull();
    expect(setup.problem).toContain('EMAIL_FROM must be a bare address');
  });
});

describe('local runs', () => {
  it('happy: without a provider the email goes to the outbox only', async () => {
    const t = await createTenant('Outbox Co');
    const res = await requestLink({ ENVIRONMENT: 'test', EMAIL_PROVIDER: '' }, t.adminEmail, nextIp());
    expect(res.status).toBe(202);
    const [row] = await outboxFor(t.adminEmail);
    expect(row?.link).toMatch(/^https:\/\/sms\.example\.test\/auth\/verify\?token=/);
    expect(row?.subject).toBe('Your sign-in link for SMS Campaigns');
  });

  it('happy: with EMAIL_PROVIDER=cloudflare the real binding is called and the outbox keeps a copy', async () => {
    const t = await createTenant('Both Co');
    const fake = fakeEmailBinding();
    const res = await requestLink(
      { ...productionEnv({ EMAIL: fake.binding }), ENVIRONMENT: 'development' },
      t.adminEmail,
      nextIp(),
    );
    expect(res.status).toBe(202);
    expect(fake.send).toHaveBeenCalledTimes(1);
    const [row] = await outboxFor(t.adminEmail);
    expect(row?.link).toBe(linkIn(fake.sent[0]!.text));
  });

  it('happy: wrangler’s own simulated send_email binding accepts our message (the local code path)', async () => {
    // env.EMAIL here is miniflare's local binding from wrangler.toml, not a fake.
    const t = await createTenant('Simulated Co');
    const res = await requestLink(
      {
        ENVIRONMENT: 'test',
        EMAIL_PROVIDER: 'cloudflare',
        EMAIL_FROM: 'login@example.com',
        EMAIL: env.EMAIL,
      },
      t.adminEmail,
      nextIp(),
    );
    expect(res.status).toBe(202);
    expect(logs.lines.filter((l) => l.includes('email not sent'))).toEqual([]);
    expect(await outboxFor(t.adminEmail)).toHaveLength(1);
  });
});

describe('emailHealth', () => {
  const NOW = new Date('2031-03-04T05:06:07.000Z');
  const configured = () => productionEnv({ EMAIL: fakeEmailBinding().binding });
  const failure = (minutesAgo: number, status: number | null = 503) => ({
    id: crypto.randomUUID(),
    provider: 'resend' as const,
    kind: 'magic_link' as const,
    status,
    reason: 'service_unavailable',
    createdAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
  });

  beforeEach(async () => {
    await control().delete(emailFailures);
  });

  it('happy: a configured provider with no failure in the last hour is ok, and says which provider', async () => {
    await control().insert(emailFailures).values(failure(61));
    const health = await emailHealth(configured(), control(), NOW);
    expect(health).toEqual({
      name: 'email',
      ok: true,
      detail: 'cloudflare from "Acme SMS" <login@sms.example.test>; no failed email in the last hour',
    });
  });

  it('error: a failure in the last hour fails the check with the count, the time and the status', async () => {
    await control()
      .insert(emailFailures)
      .values([failure(59, 500), failure(5, 503), failure(120)]);
    const health = await emailHealth(configured(), control(), NOW);
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('2 failed emails in the last hour');
    expect(health.detail).toContain(
      `the last at ${failure(5).createdAt}: resend answered 503 (service_unavailable)`,
    );
  });

  it('happy: local runs without a provider are healthy (the outbox)', async () => {
    const health = await emailHealth({ ENVIRONMENT: 'development' }, control(), NOW);
    expect(health).toMatchObject({ ok: true, detail: expect.stringContaining('development outbox') });
  });

  it('happy: failures older than a week are pruned when a new one is recorded', async () => {
    await control()
      .insert(emailFailures)
      .values([failure(8 * 24 * 60), failure(6 * 24 * 60)]);
    const outcome = await deliverEmail(
      productionEnv({ EMAIL: fakeEmailBinding(new Error('boom')).binding }),
      control(),
      {
        to: 'a@example.com',
        subject: 's',
        text: 't',
        html: 'h',
        kind: 'invitation',
        link: 'https://x.test/l',
      },
      NOW,
    );
    expect(outcome).toMatchObject({ status: 'failed', providerStatus: null });
    const rows = await control().select().from(emailFailures);
    expect(rows.map((r) => r.createdAt).sort()).toEqual(
      [failure(6 * 24 * 60).createdAt, NOW.toISOString()].sort(),
    );
    expect(rows.find((r) => r.createdAt === NOW.toISOString())).toMatchObject({ kind: 'invitation' });
  });
});
