import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../workers/db/schema';
import { usePinnedClock } from '../helpers/clock';
import { createTenant, db, json } from '../helpers/fixtures';
import { DAYTIME } from '../helpers/send-setup';

type Num = {
  id: string;
  phone: string;
  provider: string;
  daily_limit: number;
  per_minute_limit: number;
  warmup_start_date: string | null;
  is_active: boolean;
};

// "Today" for the warm-up is the tenant's (Sydney) date: pinned, so no test straddles midnight.
usePinnedClock(DAYTIME);

let seq = 0;
const uniquePhone = () =>
  `+6141${String(Date.now() % 100000).padStart(5, '0')}${String(++seq % 100).padStart(2, '0')}`;

describe('sending numbers', () => {
  it('happy: admin creates a number, its limiter is configured, usage applies the warm-up curve', async () => {
    const t = await createTenant();
    const phone = uniquePhone();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney' }).format(new Date());
    const res = await t.api('/api/v1/sending-numbers', {
      method: 'POST',
      json: { phone, daily_limit: 5000, per_minute_limit: 60, warmup_start_date: today },
    });
    expect(res.status).toBe(201);
    const n = await json<Num>(res);
    expect(n).toMatchObject({
      phone,
      provider: 'twilio',
      daily_limit: 5000,
      per_minute_limit: 60,
      is_active: true,
    });

    // The DO was configured on create: a permit is granted without any further setup.
    expect(await env.SENDING_NUMBER.getByName(n.id).acquire()).toMatchObject({ ok: true });

    const usage = await json(await t.api(`/api/v1/sending-numbers/${n.id}/usage`, { role: 'viewer' }));
    expect(usage).toMatchObject({
      sent_this_minute: 1,
      sent_today: 1,
      allowed_today: 100,
      per_minute_limit: 60,
    });

    const audit = await db().select().from(auditLog).where(eq(auditLog.resourceId, n.id));
    expect(audit.map((a) => a.action)).toEqual(['sending_number.created']);
  });

  it('happy: PATCH pushes new limits to the limiter at once and is audited', async () => {
    const t = await createTenant();
    const n = await json<Num>(
      await t.api('/api/v1/sending-numbers', {
        method: 'POST',
        json: { phone: uniquePhone(), daily_limit: 1000, per_minute_limit: 100 },
      }),
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
    const audit = await db().select().from(auditLog).where(eq(auditLog.resourceId, n.id));
    expect(audit.map((a) => a.action).sort()).toEqual([
      'sending_number.activated',
      'sending_number.created',
      'sending_number.deactivated',
    ]);
  });

  it('normalises a national number with the tenant country', async () => {
    const t = await createTenant();
    const local = `04${uniquePhone().slice(4)}`;
    const n = await json<Num>(
      await t.api('/api/v1/sending-numbers', {
        method: 'POST',
        json: { phone: local, daily_limit: 10, per_minute_limit: 1 },
      }),
    );
    expect(n.phone).toBe(`+61${local.slice(1)}`);
  });

  it('error: an invalid phone is 422 on the phone field; bad limits are 422', async () => {
    const t = await createTenant();
    const bad = await t.api('/api/v1/sending-numbers', {
      method: 'POST',
      json: { phone: 'call me', daily_limit: 10, per_minute_limit: 1 },
    });
    expect(bad.status).toBe(422);
    expect((await json<{ errors: { path: string }[] }>(bad)).errors[0]?.path).toBe('phone');
    const zero = await t.api('/api/v1/sending-numbers', {
      method: 'POST',
      json: { phone: uniquePhone(), daily_limit: 0, per_minute_limit: 1 },
    });
    expect(zero.status).toBe(422);
  });

  it('error: a phone already registered (by any tenant) is 409', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const phone = uniquePhone();
    const body = { phone, daily_limit: 10, per_minute_limit: 1 };
    expect((await a.api('/api/v1/sending-numbers', { method: 'POST', json: body })).status).toBe(201);
    expect((await b.api('/api/v1/sending-numbers', { method: 'POST', json: body })).status).toBe(409);
  });

  it('security: staff cannot create numbers; another tenant’s number is 404, its usage too', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const body = { phone: uniquePhone(), daily_limit: 10, per_minute_limit: 1 };
    expect(
      (await a.api('/api/v1/sending-numbers', { method: 'POST', role: 'staff', json: body })).status,
    ).toBe(403);
    const n = await json<Num>(await a.api('/api/v1/sending-numbers', { method: 'POST', json: body }));
    expect((await b.api(`/api/v1/sending-numbers/${n.id}`)).status).toBe(404);
    expect((await b.api(`/api/v1/sending-numbers/${n.id}/usage`)).status).toBe(404);
    expect(
      (await b.api(`/api/v1/sending-numbers/${n.id}`, { method: 'PATCH', json: { daily_limit: 1 } })).status,
    ).toBe(404);
    expect((await json<{ data: unknown[] }>(await b.api('/api/v1/sending-numbers'))).data).toEqual([]);
  });
});
