// Issue 14, item 4: outbound webhooks. Endpoints (https, public addresses only, secret shown once
// and stored encrypted), signed deliveries a receiver can verify, retries with backoff through the
// real consumer, the delivery log, manual retry, the test event, and disabling after a day of failures.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auditLog, devOutbox, webhookDeliveries, webhookSubscriptions } from '../../workers/db/schema';
import { verifySignature } from '../../workers/domain/webhook-signature';
import { emitEvent } from '../../workers/integrations/events';
import { sweepWebhooks } from '../../workers/integrations/sweeper';
import { acrossShards, control, createTenant, json, type TestTenant } from '../helpers/fixtures';
import { captureWebhookQueue, fakeInternet, hang, runWebhookConsumer } from '../helpers/growth';

const RECEIVER = 'https://hooks.receiver.example/in';

type Webhook = {
  id: string;
  url: string;
  events: string[];
  is_active: boolean;
  secret?: string;
  secret_hint: string;
  disabled_at: string | null;
  disabled_reason: string | null;
};
type Delivery = {
  id: string;
  state: string;
  attempt_count: number;
  last_status: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  last_response_snippet: string | null;
  attempts: { status: number | null; manual?: boolean }[];
  payload: { id: string; type: string; created_at: string; data: Record<string, unknown> };
  next_attempt_at: string | null;
  is_test: boolean;
};

afterEach(() => {
  vi.restoreAllMocks();
});

async function createWebhook(t: TestTenant, over: Record<string, unknown> = {}) {
  const res = await t.api('/api/v1/webhooks', {
    method: 'POST',
    json: { url: RECEIVER, events: ['contact.created'], ...over },
  });
  expect(res.status).toBe(201);
  return json<Webhook & { secret: string }>(res);
}

async function createContact(t: TestTenant, phone: string) {
  const res = await t.api('/api/v1/contacts', {
    method: 'POST',
    json: { phone, first_name: 'Ada', consent_status: 'explicit' },
  });
  expect(res.status).toBe(201);
  return json<{ id: string }>(res);
}

async function deliveryRow(id: string) {
  const [row] = await acrossShards((d) =>
    d.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)),
  );
  return row!;
}

describe('webhook endpoints (API)', () => {
  it('happy: the secret is shown once, stored encrypted; list, update and delete are audited', async () => {
    fakeInternet();
    const t = await createTenant();
    const created = await createWebhook(t, {
      events: ['contact.created', 'link.clicked', 'contact.created'],
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.secret_hint).toBe(created.secret.slice(-4));
    expect(created.events).toEqual(['contact.created', 'link.clicked']);

    const [row] = await t.db
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.id, created.id));
    expect(row?.secretCiphertext).toMatch(/^v1\./);
    expect(row?.secretCiphertext).not.toContain(created.secret.slice(6));

    const list = await json<{ data: Webhook[] }>(await t.api('/api/v1/webhooks', { role: 'viewer' }));
    expect(list.data.map((w) => w.id)).toEqual([created.id]);
    expect(JSON.stringify(list)).not.toContain(created.secret);

    const patched = await t.api(`/api/v1/webhooks/${created.id}`, {
      method: 'PATCH',
      json: { events: ['conversion.attributed'], is_active: false },
    });
    expect(patched.status).toBe(200);
    expect(await json<Webhook>(patched)).toMatchObject({
      events: ['conversion.attributed'],
      is_active: false,
    });

    const rotated = await json<Webhook & { secret: string }>(
      await t.api(`/api/v1/webhooks/${created.id}/rotate-secret`, { method: 'POST' }),
    );
    expect(rotated.secret).not.toBe(created.secret);

    expect((await t.api(`/api/v1/webhooks/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/v1/webhooks/${created.id}`)).status).toBe(404);
    const actions = (
      await t.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.tenantId, t.tenantId))
    ).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'webhook.created',
        'webhook.paused',
        'webhook.secret_rotated',
        'webhook.deleted',
      ]),
    );
  });

  it('security: staff and viewers cannot create or change endpoints', async () => {
    fakeInternet();
    const t = await createTenant();
    const res = await t.api('/api/v1/webhooks', {
      method: 'POST',
      role: 'staff',
      json: { url: RECEIVER, events: ['contact.created'] },
    });
    expect(res.status).toBe(403);
  });

  it('error: URLs that are not https or point at private addresses are refused with 422', async () => {
    const net = fakeInternet(undefined, {
      'internal.corp.example': ['10.0.0.7'],
      'mixed.example': ['93.184.216.34', '::1'],
      'gone.example': null,
    });
    const t = await createTenant();
    const cases: [string, RegExp][] = [
      ['http://hooks.receiver.example/in', /https/],
      ['https://127.0.0.1/hook', /private, loopback or reserved/],
      ['https://[::1]/hook', /private, loopback or reserved/],
      ['https://169.254.169.254/latest', /private, loopback or reserved/],
      ['https://10.1.2.3/', /private, loopback or reserved/],
      ['https://localhost:8443/', /only exists inside a network/],
      ['https://user:pw@hooks.receiver.example/', /user name or password/],
      ['https://internal.corp.example/hook', /resolves to a private or reserved address \(10\.0\.0\.7\)/],
      ['https://mixed.example/hook', /resolves to a private or reserved address \(::1\)/],
      ['https://gone.example/hook', /does not resolve/],
      ['not a url', /not a valid URL/],
    ];
    for (const [url, message] of cases) {
      const res = await t.api('/api/v1/webhooks', {
        method: 'POST',
        json: { url, events: ['contact.created'] },
      });
      expect(res.status, url).toBe(422);
      const p = await json<{ errors: { path: string; message: string }[] }>(res);
      expect(p.errors[0]?.path, url).toBe('url');
      expect(p.errors[0]?.message, url).toMatch(message);
    }
    expect(net.dnsQueries).toEqual(
      expect.arrayContaining(['internal.corp.example/A', 'internal.corp.example/AAAA']),
    );
    expect(net.received).toEqual([]);
    expect(
      await t.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.tenantId, t.tenantId)),
    ).toEqual([]);

    const ok = await createWebhook(t);
    const moved = await t.api(`/api/v1/webhooks/${ok.id}`, {
      method: 'PATCH',
      json: { url: 'https://internal.corp.example/hook' },
    });
    expect(moved.status).toBe(422);
    const noEvents = await t.api('/api/v1/webhooks', { method: 'POST', json: { url: RECEIVER, events: [] } });
    expect(noEvents.status).toBe(422);
    const unknownEvent = await t.api('/api/v1/webhooks', {
      method: 'POST',
      json: { url: RECEIVER, events: ['contact.deleted'] },
    });
    expect(unknownEvent.status).toBe(422);
  });
});

describe('deliveries', () => {
  it('happy: contact.created reaches the receiver, signed; the receiver verifies it and de-duplicates by id', async () => {
    const net = fakeInternet(() => new Response('thanks', { status: 200 }));
    const queue = captureWebhookQueue();
    const t = await createTenant();
    const hook = await createWebhook(t);
    const contact = await createContact(t, '0412 000 001');

    expect(queue).toHaveLength(1);
    const row = await deliveryRow(queue[0]!.body.deliveryId);
    const now = new Date(Date.parse(row.createdAt) + 1000);
    const result = await runWebhookConsumer([queue[0]!.body], now);
    expect(result.explicitAcks).toHaveLength(1);

    expect(net.received).toHaveLength(1);
    const r = net.received[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe(RECEIVER);
    expect(r.headers.get('content-type')).toBe('application/json');
    const verdict = await verifySignature(
      r.headers.get('x-signature'),
      r.body,
      hook.secret,
      Math.floor(now.getTime() / 1000),
    );
    expect(verdict).toEqual({ ok: true });
    const body = JSON.parse(r.body) as Delivery['payload'];
    expect(Object.keys(body)).toEqual(['id', 'type', 'created_at', 'data']);
    expect(body.type).toBe('contact.created');
    expect(r.headers.get('x-webhook-id')).toBe(body.id);
    expect((body.data.contact as { id: string }).id).toBe(contact.id);

    const log = await json<{ data: Delivery[] }>(await t.api(`/api/v1/webhooks/${hook.id}/deliveries`));
    expect(log.data).toHaveLength(1);
    expect(log.data[0]).toMatchObject({
      state: 'succeeded',
      attempt_count: 1,
      last_status: 200,
      last_response_snippet: 'thanks',
      next_attempt_at: null,
    });
    expect(log.data[0]!.last_latency_ms).toBeGreaterThanOrEqual(0);
    expect(log.data[0]!.payload.id).toBe(body.id);

    // The same message again (a queue redelivery) sends nothing more.
    await runWebhookConsumer([queue[0]!.body], now);
    expect(net.received).toHaveLength(1);
  });

  it('retries with backoff on 5xx and timeouts, then succeeds; every attempt sends the same bytes', async () => {
    const net = fakeInternet((_req, n, signal) => {
      if (n <= 2) return new Response('x'.repeat(5000), { status: 500 });
      if (n === 3) return hang(signal);
      return new Response(null, { status: 204 });
    });
    const queue = captureWebhookQueue();
    const t = await createTenant();
    const hook = await createWebhook(t);
    await createContact(t, '0412 000 002');
    const deliveryId = queue[0]!.body.deliveryId;
    const created = Date.parse((await deliveryRow(deliveryId)).createdAt);

    let now = new Date(created);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const msg = queue.at(-1)!;
      await runWebhookConsumer([msg.body], now);
      const next = queue.at(-1)!;
      if (next !== msg) delays.push(next.delaySeconds ?? 0);
      now = new Date(now.getTime() + (next.delaySeconds ?? 0) * 1000);
    }
    // 30 s, 60 s, 120 s after the failures (jitter pinned to the middle)
    expect(delays).toEqual([30, 60, 120]);
    expect(net.received).toHaveLength(4);
    expect(new Set(net.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(net.received.map((r) => r.headers.get('x-webhook-id'))).size).toBe(1);
    expect(net.received.map((r) => r.headers.get('x-webhook-attempt'))).toEqual(['1', '2', '3', '4']);

    const d = await json<Delivery>(await t.api(`/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}`));
    expect(d.state).toBe('succeeded');
    expect(d.attempt_count).toBe(4);
    expect(d.attempts.map((a) => a.status)).toEqual([500, 500, null, 204]);
    const row = await deliveryRow(deliveryId);
    expect(row.attempts[2]?.error).toMatch(/timed out/);
    const [sub] = await t.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, hook.id));
    expect(sub?.failingSince).toBeNull();
    expect(sub?.isActive).toBe(true);
  });

  it('a retry message arriving before its time only waits again; a duplicate of it sends once', async () => {
    const net = fakeInternet((_r, n) => (n === 1 ? new Response('', { status: 502 }) : new Response('ok')));
    const queue = captureWebhookQueue();
    const t = await createTenant();
    await createWebhook(t);
    await createContact(t, '0412 000 010');
    const id = queue[0]!.body.deliveryId;
    const created = Date.parse((await deliveryRow(id)).createdAt);
    await runWebhookConsumer([queue[0]!.body], new Date(created));
    const retry = queue.at(-1)!;
    expect(retry.delaySeconds).toBe(30);
    await runWebhookConsumer([retry.body], new Date(created + 10_000));
    expect(net.received).toHaveLength(1);
    expect(queue.at(-1)).toMatchObject({ body: retry.body, delaySeconds: 20 });
    await runWebhookConsumer([retry.body, retry.body], new Date(created + 30_000));
    expect(net.received).toHaveLength(2);
    expect((await deliveryRow(id)).state).toBe('succeeded');
  });

  it('keeps only the first 1 KB of an answer, and counts a redirect as a failure', async () => {
    fakeInternet((_r, n) =>
      n === 1
        ? new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } })
        : new Response('é'.repeat(2000), { status: 500 }),
    );
    const queue = captureWebhookQueue();
    const t = await createTenant();
    await createWebhook(t);
    await createContact(t, '0412 000 003');
    const id = queue[0]!.body.deliveryId;
    const created = Date.parse((await deliveryRow(id)).createdAt);
    await runWebhookConsumer([queue[0]!.body], new Date(created));
    let row = await deliveryRow(id);
    expect(row.lastStatus).toBe(302);
    expect(row.lastError).toMatch(/redirects are not followed/);
    expect(row.state).toBe('pending');
    await runWebhookConsumer([queue.at(-1)!.body], new Date(created + 60_000));
    row = await deliveryRow(id);
    expect(new TextEncoder().encode(row.lastResponseSnippet ?? '').byteLength).toBeLessThanOrEqual(1024 + 3);
    expect(row.lastResponseSnippet?.startsWith('éé')).toBe(true);
  });

  it('after 24 h of failures the endpoint is switched off, the admin is told, and it can be fixed and retried', async () => {
    let healthy = false;
    const net = fakeInternet(() => (healthy ? new Response('ok') : new Response('down', { status: 503 })));
    const queue = captureWebhookQueue();
    const t = await createTenant();
    const hook = await createWebhook(t);
    await createContact(t, '0412 000 004');
    const deliveryId = queue[0]!.body.deliveryId;
    const created = Date.parse((await deliveryRow(deliveryId)).createdAt);

    let now = new Date(created);
    for (let i = 0; i < 40; i++) {
      const msg = queue.at(-1)!;
      await runWebhookConsumer([msg.body], now);
      if (queue.at(-1) === msg) break;
      now = new Date(now.getTime() + (queue.at(-1)!.delaySeconds ?? 0) * 1000);
    }
    const row = await deliveryRow(deliveryId);
    expect(row.state).toBe('failed');
    expect(Date.parse(row.lastAttemptAt!)).toBe(created + 24 * 3600 * 1000);
    expect(row.attemptCount).toBe(net.received.length);
    expect(row.attemptCount).toBeGreaterThanOrEqual(14);

    const w = await json<Webhook>(await t.api(`/api/v1/webhooks/${hook.id}`));
    expect(w.is_active).toBe(false);
    expect(w.disabled_at).not.toBeNull();
    expect(w.disabled_reason).toMatch(/HTTP 503/);
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'webhook.disabled')));
    expect(audit?.resourceId).toBe(hook.id);
    const mail = await control().select().from(devOutbox).where(eq(devOutbox.to, t.adminEmail));
    expect(mail.map((m) => m.subject)).toContainEqual(
      expect.stringMatching(/^A webhook endpoint was switched off/),
    );

    // While off: new events are not queued for it, and a retry says why not.
    const before = queue.length;
    await createContact(t, '0412 000 005');
    expect(queue.length).toBe(before);
    const refused = await t.api(`/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}/retry`, {
      method: 'POST',
    });
    expect(refused.status).toBe(409);

    // Fixed and switched back on: the failed delivery is retried by hand and goes through.
    healthy = true;
    const on = await json<Webhook>(
      await t.api(`/api/v1/webhooks/${hook.id}`, { method: 'PATCH', json: { is_active: true } }),
    );
    expect(on).toMatchObject({ is_active: true, disabled_at: null, disabled_reason: null });
    const retried = await t.api(`/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}/retry`, {
      method: 'POST',
    });
    expect(retried.status).toBe(202);
    const manual = queue.at(-1)!.body;
    expect(manual).toMatchObject({ deliveryId, manual: true });
    await runWebhookConsumer([manual], new Date(now.getTime() + 3600_000));
    const after = await json<Delivery>(await t.api(`/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}`));
    expect(after.state).toBe('succeeded');
    expect(after.attempts.at(-1)).toMatchObject({ status: 200, manual: true });
  });

  it('an endpoint that fails now and then is never switched off', async () => {
    const net = fakeInternet((req) => {
      const body = JSON.parse(req.body) as Delivery['payload'];
      return (body.data.contact as { first_name: string }).first_name === 'Ada'
        ? new Response('no', { status: 500 })
        : new Response('ok');
    });
    void net;
    const queue = captureWebhookQueue();
    const t = await createTenant();
    const hook = await createWebhook(t);
    await createContact(t, '0412 000 006');
    const failing = queue[0]!.body;
    const created = Date.parse((await deliveryRow(failing.deliveryId)).createdAt);
    let now = new Date(created);
    let succeededOnce = false;
    for (let i = 0; i < 40; i++) {
      const msg = queue.filter((m) => m.body.deliveryId === failing.deliveryId).at(-1)!;
      await runWebhookConsumer([msg.body], now);
      const next = queue.filter((m) => m.body.deliveryId === failing.deliveryId).at(-1)!;
      if (!succeededOnce && now.getTime() > created + 20 * 3600_000) {
        // Another event, 20 h in, goes through: the endpoint answers again.
        const other = await t.api('/api/v1/contacts', {
          method: 'POST',
          json: { phone: '0412 000 007', first_name: 'Grace', consent_status: 'explicit' },
        });
        expect(other.status).toBe(201);
        await runWebhookConsumer([queue.at(-1)!.body], now);
        succeededOnce = true;
      }
      if (next === msg) break;
      now = new Date(now.getTime() + (next.delaySeconds ?? 0) * 1000);
    }
    expect((await deliveryRow(failing.deliveryId)).state).toBe('failed');
    const w = await json<Webhook>(await t.api(`/api/v1/webhooks/${hook.id}`));
    expect(w.is_active).toBe(true);
  });

  it('the test event is tried once at once, logged, and never retried', async () => {
    let up = true;
    const net = fakeInternet(() => (up ? new Response('got it') : new Response('nope', { status: 404 })));
    const queue = captureWebhookQueue();
    const t = await createTenant();
    const hook = await createWebhook(t);
    const ok = await json<Delivery>(await t.api(`/api/v1/webhooks/${hook.id}/test`, { method: 'POST' }));
    expect(ok).toMatchObject({ state: 'succeeded', last_status: 200, is_test: true });
    expect(ok.payload.type).toBe('webhook.test');
    const r = net.received[0]!;
    expect(
      await verifySignature(r.headers.get('x-signature'), r.body, hook.secret, Math.floor(Date.now() / 1000)),
    ).toEqual({ ok: true });
    up = false;
    const failed = await json<Delivery>(await t.api(`/api/v1/webhooks/${hook.id}/test`, { method: 'POST' }));
    expect(failed).toMatchObject({ state: 'failed', last_status: 404, next_attempt_at: null });
    expect(queue).toHaveLength(0);
    const [sub] = await t.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, hook.id));
    expect(sub?.isActive).toBe(true);
  });

  it('emitEvent: one event for every subscribed active endpoint; nothing for others; a stable id never doubles', async () => {
    fakeInternet();
    const queue = captureWebhookQueue();
    const t = await createTenant();
    const none = await emitEvent(env, t.tenantId, 'link.clicked', { x: 1 });
    expect(none.deliveries).toBe(0);
    expect(queue).toHaveLength(0);

    const a = await createWebhook(t, { events: ['link.clicked'] });
    const b = await createWebhook(t, {
      events: ['link.clicked', 'message.failed'],
      url: 'https://b.receiver.example/',
    });
    await createWebhook(t, { events: ['message.failed'], url: 'https://c.receiver.example/' });
    await createWebhook(t, {
      events: ['link.clicked'],
      url: 'https://d.receiver.example/',
      is_active: false,
    });
    const r = await emitEvent(env, t.tenantId, 'link.clicked', { link: 'l1' }, { id: 'evt-fixed-1' });
    expect(r).toEqual({ eventId: 'evt-fixed-1', deliveries: 2 });
    const again = await emitEvent(env, t.tenantId, 'link.clicked', { link: 'l1' }, { id: 'evt-fixed-1' });
    expect(again.deliveries).toBe(0);
    const rows = await t.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.tenantId, t.tenantId));
    expect(rows.map((d) => d.subscriptionId).sort()).toEqual([a.id, b.id].sort());
    expect(queue).toHaveLength(2);
  });

  it('the sweeper re-sends a delivery whose queue message was lost', async () => {
    fakeInternet();
    const queue = captureWebhookQueue();
    const t = await createTenant();
    await createWebhook(t);
    await createContact(t, '0412 000 008');
    const id = queue[0]!.body.deliveryId;
    const created = Date.parse((await deliveryRow(id)).createdAt);
    expect((await sweepWebhooks(env, new Date(created + 60_000))).resent).toBe(0);
    const later = new Date(created + 10 * 60_000);
    const swept = await sweepWebhooks(env, later);
    expect(swept.resent).toBeGreaterThanOrEqual(1);
    expect(queue.map((m) => m.body.deliveryId).filter((d) => d === id)).toHaveLength(2);
    expect((await deliveryRow(id)).nextAttemptAt).toBe(later.toISOString());
  });

  it('security: another tenant’s endpoint and deliveries are 404 everywhere', async () => {
    fakeInternet();
    const queue = captureWebhookQueue();
    const a = await createTenant('Victim');
    const b = await createTenant('Attacker');
    const hook = await createWebhook(a);
    await createContact(a, '0412 000 009');
    const deliveryId = queue[0]!.body.deliveryId;
    for (const [method, path] of [
      ['GET', `/api/v1/webhooks/${hook.id}`],
      ['PATCH', `/api/v1/webhooks/${hook.id}`],
      ['DELETE', `/api/v1/webhooks/${hook.id}`],
      ['GET', `/api/v1/webhooks/${hook.id}/deliveries`],
      ['GET', `/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}`],
      ['POST', `/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}/retry`],
      ['POST', `/api/v1/webhooks/${hook.id}/test`],
      ['POST', `/api/v1/webhooks/${hook.id}/rotate-secret`],
    ] as const) {
      const res = await b.api(path, {
        method,
        ...(method === 'PATCH' ? { json: { is_active: false } } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const list = await json<{ data: Webhook[] }>(await b.api('/api/v1/webhooks'));
    expect(list.data).toEqual([]);
  });
});
