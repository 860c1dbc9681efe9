import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import { campaigns, clickCounts, contacts, events, shortLinks, tenants } from '../../workers/db/schema';
import { shards } from '../../workers/db/shards';
import { createLinkToken, signLinkToken } from '../../workers/domain/link-token';
import worker from '../../workers/index';
import linkWorker from '../../workers/links/index';
import { recordClick } from '../../workers/redirect/clicks';
import { previewShortLinkUrl, SHORT_LINK_TOKEN_LENGTH, shortLinkFor } from '../../workers/redirect/links';
import { resolveLink } from '../../workers/redirect/lookup';
import { LruCache } from '../../workers/redirect/lru';
import { acrossShards, BASE, control, createTenant } from '../helpers/fixtures';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36';
const IMESSAGE_PREVIEW =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0';
const DAY = 24 * 3600 * 1000;

afterEach(() => {
  vi.restoreAllMocks();
});

let phone = 0;

/** A tenant's campaign, one contact and that contact's short link. */
async function linkFixture(
  opts: {
    targetUrl?: string;
    utm?: Record<string, string> | null;
    createdAt?: Date;
    senderName?: string | null;
    tenantName?: string;
    linkEnv?: Env;
  } = {},
) {
  const t = await createTenant(opts.tenantName ?? 'Link Co');
  const d = t.db;
  if (opts.senderName !== undefined) {
    await control().update(tenants).set({ senderName: opts.senderName }).where(eq(tenants.id, t.tenantId));
    await replicateTenant(env, t.tenantId, { tenant: true });
  }
  const contactId = uuidv7();
  const campaignId = uuidv7();
  await d.insert(contacts).values({
    id: contactId,
    tenantId: t.tenantId,
    phoneE164: `+6141${String(++phone).padStart(7, '0')}`,
    consentStatus: 'explicit',
  });
  const targetUrl = opts.targetUrl ?? 'https://shop.example.com/offer?ref=sms';
  await d.insert(campaigns).values({
    id: campaignId,
    tenantId: t.tenantId,
    name: 'Spring sale',
    status: 'running',
    targetUrl,
    utmParams: opts.utm ?? null,
  });
  const link = await shortLinkFor(opts.linkEnv ?? env, t.shard, {
    tenantId: t.tenantId,
    campaignId,
    contactId,
    now: opts.createdAt,
  });
  return { t, contactId, campaignId, link, token: link.token, targetUrl };
}

/** Calls the Worker and waits for its waitUntil work (the click recording) to finish. */
async function visit(token: string, init: RequestInit & { cf?: Record<string, unknown> } = {}, e: Env = env) {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  if (!headers.has('user-agent')) headers.set('user-agent', IPHONE);
  const res = await worker.fetch(
    new Request(`${BASE}/l/${token}`, { ...init, headers, redirect: 'manual' }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    e,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function linkRow(id: string) {
  const [row] = await acrossShards((d) => d.select().from(shortLinks).where(eq(shortLinks.id, id)));
  if (!row) throw new Error('link row missing');
  return row;
}

/** The campaign's clicks per minute, as the report chart reads them. */
async function slotsOf(campaignId: string) {
  return acrossShards((d) =>
    d
      .select({ slot: clickCounts.slot, clicks: clickCounts.clicks, human: clickCounts.humanClicks })
      .from(clickCounts)
      .where(eq(clickCounts.campaignId, campaignId)),
  );
}

/** Spies on one method of every database binding (control and each shard). */
function spyAllDatabases(method: 'prepare' | 'batch') {
  return [env.CONTROL_DB, ...shards(env).map((sh) => sh.d1)].map((d1) => vi.spyOn(d1, method));
}

describe('creating short links', () => {
  it('happy: a personal link is PUBLIC_BASE_URL/l/<12 chars>, and a retried render returns the same one', async () => {
    const { t, contactId, campaignId, link } = await linkFixture();
    expect(link.url).toBe(`${env.PUBLIC_BASE_URL}/l/${link.token}`);
    expect(link.token).toHaveLength(SHORT_LINK_TOKEN_LENGTH);
    const again = await shortLinkFor(env, t.shard, { tenantId: t.tenantId, campaignId, contactId });
    expect(again).toEqual(link);
    const rows = await t.db.select().from(shortLinks).where(eq(shortLinks.campaignId, campaignId));
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row?.contactId).toBe(contactId);
    // The campaign's target is stored once, on the campaign (issue 11's storage budget).
    expect(row?.targetUrl).toBeNull();
    expect(Date.parse(row?.expiresAt ?? '') - Date.parse(row?.createdAt ?? '')).toBe(60 * DAY);
  });

  it('happy: concurrent renders for the same recipient create one row; after a secret rotation too', async () => {
    const { t, contactId, campaignId, link } = await linkFixture();
    const p = { tenantId: t.tenantId, campaignId, contactId };
    const rotated = {
      ...env,
      LINK_SECRET: 'a-brand-new-secret',
      LINK_SECRET_PREVIOUS: env.LINK_SECRET,
    } as Env;
    const results = await Promise.all([shortLinkFor(env, t.shard, p), shortLinkFor(rotated, t.shard, p)]);
    expect(results.map((r) => r.token)).toEqual([link.token, link.token]);
    expect(await t.db.select().from(shortLinks).where(eq(shortLinks.campaignId, campaignId))).toHaveLength(1);
  });

  it('edge: a nonce collision with another recipient moves to the next attempt instead of sharing a link', async () => {
    const a = await linkFixture();
    // Plant a foreign link on the nonce the next recipient would get.
    const contactId = uuidv7();
    await a.t.db
      .insert(contacts)
      .values({ id: contactId, tenantId: a.t.tenantId, phoneE164: '+61499999001' });
    const planted = await createLinkToken(env.LINK_SECRET, a.t.shard.index, a.campaignId, contactId);
    await a.t.db.insert(shortLinks).values({
      id: uuidv7(),
      tenantId: a.t.tenantId,
      campaignId: a.campaignId,
      contactId: a.contactId,
      token: `${planted.slice(0, 8)}zzzz`,
      targetUrl: 'https://elsewhere.example/',
      expiresAt: new Date(Date.now() + DAY).toISOString(),
    });
    const link = await shortLinkFor(env, a.t.shard, {
      tenantId: a.t.tenantId,
      campaignId: a.campaignId,
      contactId,
    });
    expect(link.token).toBe(
      await createLinkToken(env.LINK_SECRET, a.t.shard.index, a.campaignId, contactId, 1),
    );
    // Its own link, to its campaign's page.
    expect((await visit(link.token)).headers.get('location')).toBe(a.targetUrl);
  });

  it('preview: the representative URL is exactly as long as a real one', async () => {
    const { link } = await linkFixture();
    expect(previewShortLinkUrl(env)).toHaveLength(link.url.length);
  });
});

describe('GET /l/:token', () => {
  it('happy: redirects 302 to the target with the campaign UTM parameters appended', async () => {
    const { token } = await linkFixture({ utm: { utm_source: 'sms', utm_campaign: 'spring' } });
    const res = await visit(token);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('https://shop.example.com/offer');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      ref: 'sms',
      utm_source: 'sms',
      utm_campaign: 'spring',
    });
    expect(res.headers.get('cache-control')).toContain('no-store');
  });

  it('happy: a person opening the link counts as a click and a human click, on the link and in its campaign minute', async () => {
    const { t, link, contactId, campaignId } = await linkFixture();
    await visit(link.token);
    const row = await linkRow(link.id);
    expect(row.clickCount).toBe(1);
    expect(row.humanClickCount).toBe(1);
    expect(row.clickedAt).not.toBeNull();
    expect(row.recentClicks).toEqual([row.clickedAt]);
    expect(await slotsOf(campaignId)).toEqual([{ slot: row.clickedAt?.slice(0, 16), clicks: 1, human: 1 }]);
    // No event row per click; the event log shows it from the link (for the contact or campaign).
    expect(await t.db.select().from(events).where(eq(events.shortLinkId, link.id))).toEqual([]);
    const log = (await (await t.api(`/api/v1/events?contact_id=${contactId}&type=CLICKED`)).json()) as {
      data: { type: string; short_link_id: string; campaign_id: string; created_at: string }[];
    };
    expect(log.data).toEqual([
      expect.objectContaining({
        type: 'CLICKED',
        short_link_id: link.id,
        campaign_id: campaignId,
        created_at: row.clickedAt,
      }),
    ]);
  });

  it('bot: a link-preview fetch counts as a click but not a human click, and sets no clicked_at', async () => {
    const { link } = await linkFixture();
    await visit(link.token, { headers: { 'user-agent': IMESSAGE_PREVIEW } });
    const row = await linkRow(link.id);
    expect([row.clickCount, row.humanClickCount, row.clickedAt, row.recentClicks]).toEqual([
      1,
      0,
      null,
      null,
    ]);
  });

  it('bot: prefetch is not a human click; HEAD answers like GET and is not counted at all', async () => {
    const { link } = await linkFixture();
    const head = await visit(link.token, { method: 'HEAD' });
    expect(head.status).toBe(302);
    expect(head.headers.get('location')).toBe('https://shop.example.com/offer?ref=sms');
    expect(await head.text()).toBe('');
    await visit(link.token, { headers: { 'sec-purpose': 'prefetch' } });
    await visit(link.token, { headers: { purpose: 'prefetch' } });
    const row = await linkRow(link.id);
    expect([row.clickCount, row.humanClickCount, row.clickedAt]).toEqual([2, 0, null]);
  });

  it("bot: Cloudflare's bot verdict on request.cf wins over a browser user agent", async () => {
    const { link } = await linkFixture();
    await visit(link.token, { cf: { botManagement: { score: 2, verifiedBot: false } } });
    const row = await linkRow(link.id);
    expect([row.clickCount, row.humanClickCount]).toEqual([1, 0]);
  });

  it('human: repeated opens by the same client within 30 s count once; another client counts', async () => {
    const { link } = await linkFixture();
    const ip = { 'cf-connecting-ip': '203.0.113.7' };
    await Promise.all([visit(link.token, { headers: ip }), visit(link.token, { headers: ip })]);
    await visit(link.token, { headers: ip });
    await visit(link.token, { headers: { ...ip, 'user-agent': ANDROID } });
    await visit(link.token, { headers: { 'cf-connecting-ip': '198.51.100.4' } });
    const row = await linkRow(link.id);
    expect([row.clickCount, row.humanClickCount]).toEqual([5, 3]);
    expect(row.recentClicks).toHaveLength(3);
  });

  it('human: the same client counts again once the window has passed', async () => {
    const { link, token } = await linkFixture();
    const resolved = await resolveLink(env, token, () => {});
    if (!resolved) throw new Error('link should resolve');
    const req = () => new Request(`${BASE}/l/${token}`, { headers: { 'user-agent': IPHONE } });
    const t0 = Date.now();
    expect(await recordClick(env, resolved, req(), new Date(t0))).toEqual({ human: true });
    await recordClick(env, resolved, req(), new Date(t0 + 10_000));
    await recordClick(env, resolved, req(), new Date(t0 + 31_000));
    const row = await linkRow(link.id);
    expect([row.clickCount, row.humanClickCount]).toEqual([3, 2]);
    expect(row.clickedAt).toBe(new Date(t0).toISOString());
  });

  it('human: the colo recognises a repeat the isolate cannot know about (the first click went to another isolate)', async () => {
    const { link, token } = await linkFixture();
    const resolved = await resolveLink(env, token, () => {});
    if (!resolved) throw new Error('link should resolve');
    const req = () => new Request(`${BASE}/l/${token}`, { headers: { 'user-agent': ANDROID } });
    const t0 = Date.now();
    await recordClick(env, resolved, req(), new Date(t0), new LruCache<number>(10));
    await recordClick(env, resolved, req(), new Date(t0 + 5_000), new LruCache<number>(10));
    const row = await linkRow(link.id);
    expect([row.clickCount, row.humanClickCount]).toEqual([2, 1]);
  });

  it('human: the person’s latest human click is on the contact (segments ask for it); a link preview is not', async () => {
    const { t, contactId, token } = await linkFixture();
    const resolved = await resolveLink(env, token, () => {});
    if (!resolved) throw new Error('link should resolve');
    const at = (ms: number, ua: string, ip: string) =>
      recordClick(
        env,
        resolved,
        new Request(`${BASE}/l/${token}`, { headers: { 'user-agent': ua, 'cf-connecting-ip': ip } }),
        new Date(Date.UTC(2026, 10, 25, 1) + ms),
      );
    const lastClick = async () =>
      (await t.db.select().from(contacts).where(eq(contacts.id, contactId)))[0]?.lastHumanClickAt;
    await at(0, IMESSAGE_PREVIEW, '198.51.100.1');
    expect(await lastClick()).toBeNull();
    await at(60_000, IPHONE, '198.51.100.2');
    await at(120_000, IMESSAGE_PREVIEW, '198.51.100.3');
    expect(await lastClick()).toBe('2026-11-25T01:01:00.000Z');
    // A click recorded late (older) never moves it back.
    await at(-60_000, ANDROID, '198.51.100.4');
    expect(await lastClick()).toBe('2026-11-25T01:01:00.000Z');
  });

  it('human: a link keeps its last ten human click times, newest first', async () => {
    const { link, token } = await linkFixture();
    const resolved = await resolveLink(env, token, () => {});
    if (!resolved) throw new Error('link should resolve');
    const t0 = Date.now();
    for (let i = 0; i < 12; i++) {
      const req = new Request(`${BASE}/l/${token}`, {
        headers: { 'user-agent': IPHONE, 'cf-connecting-ip': `198.51.100.${i + 1}` },
      });
      await recordClick(env, resolved, req, new Date(t0 + i * 1000), new LruCache<number>(10));
    }
    const row = await linkRow(link.id);
    expect(row.humanClickCount).toBe(12);
    expect(row.recentClicks).toEqual(
      Array.from({ length: 10 }, (_, i) => new Date(t0 + (11 - i) * 1000).toISOString()),
    );
    expect(row.clickedAt).toBe(new Date(t0).toISOString());
  });

  it('resilience: the redirect still answers 302 when recording the click fails', async () => {
    const { t, link } = await linkFixture();
    await visit(link.token, { method: 'HEAD' }); // warm the lookup cache, so only the recording uses D1
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(t.shard.d1, 'batch').mockRejectedValue(new Error('D1 is down'));
    const res = await visit(link.token);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example.com/offer?ref=sms');
    expect(errors).toHaveBeenCalledWith('short-link clicks not recorded', [link.id], expect.any(Error));
    vi.restoreAllMocks();
    expect((await linkRow(link.id)).clickCount).toBe(0);
  });

  it('resilience: when the lookup itself fails the visitor gets a friendly 503 page, no stack trace', async () => {
    const { t, link } = await linkFixture(); // never visited: not in any cache, so the lookup needs D1
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(t.shard.d1, 'prepare').mockImplementation(() => {
      throw new Error('D1 is down');
    });
    const res = await visit(link.token);
    vi.restoreAllMocks();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    const html = await res.text();
    expect(html).toContain('briefly unavailable');
    expect(html).not.toContain('D1 is down');
  });

  it('performance: clicks arriving together are written in one D1 batch, none lost', async () => {
    const { t, link } = await linkFixture();
    await visit(link.token, { method: 'HEAD' });
    const batch = vi.spyOn(t.shard.d1, 'batch');
    const preview = { 'user-agent': 'WhatsApp/2.23.20.0 A' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => visit(link.token, { headers: preview })),
    );
    expect(responses.every((r) => r.status === 302)).toBe(true);
    expect(batch).toHaveBeenCalledTimes(1);
    // one UPDATE adding 20 to the link's count, one upsert per campaign minute (one or two)
    expect((batch.mock.calls[0]?.[0] ?? []).length).toBeLessThanOrEqual(3);
    const row = await linkRow(link.id);
    expect([row.clickCount, row.humanClickCount]).toEqual([20, 0]);
    const slots = await slotsOf(row.campaignId as string);
    expect(slots.reduce((n, x) => n + x.clicks, 0)).toBe(20);
  });

  it('performance: a hot link is served without querying D1 for the lookup', async () => {
    const { link } = await linkFixture();
    await visit(link.token, { method: 'HEAD' });
    const prepares = spyAllDatabases('prepare');
    for (let i = 0; i < 5; i++) expect((await visit(link.token, { method: 'HEAD' })).status).toBe(302);
    for (const p of prepares) expect(p).not.toHaveBeenCalled();
  });
});

describe('GET /l/:token with bad tokens', () => {
  it('security: forged, truncated and mistyped tokens answer the 404 page without touching the database', async () => {
    const { token } = await linkFixture();
    const prepares = spyAllDatabases('prepare');
    const batches = spyAllDatabases('batch');
    const typo = token.slice(0, 5) + (token[5] === 'x' ? 'y' : 'x') + token.slice(6);
    const forged = await signLinkToken('attacker-secret', token.slice(0, 8));
    for (const bad of [forged, token.slice(0, 11), typo, `${token}x`, 'AAAAAAAAAAAA', 'not-a-token!']) {
      const res = await visit(encodeURIComponent(bad));
      expect(res.status, bad).toBe(404);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('Link not found');
    }
    for (const spy of [...prepares, ...batches]) expect(spy).not.toHaveBeenCalled();
  });

  it('error: a correctly signed token that names no link is a 404 page', async () => {
    const token = await createLinkToken(env.LINK_SECRET, 0, uuidv7(), uuidv7());
    const res = await visit(token);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Link not found');
  });

  it('expired: after 60 days the link answers a friendly 410 page naming the sender, and counts nothing', async () => {
    const { link } = await linkFixture({
      createdAt: new Date(Date.now() - 61 * DAY),
      senderName: 'Bean & Leaf <Cafe>',
    });
    const res = await visit(link.token);
    expect(res.status).toBe(410);
    const html = await res.text();
    expect(html).toContain('This link has expired');
    expect(html).toContain('Bean &amp; Leaf &lt;Cafe&gt;');
    expect(html).not.toContain('<Cafe>');
    const head = await visit(link.token, { method: 'HEAD' });
    expect(head.status).toBe(410);
    expect((await linkRow(link.id)).clickCount).toBe(0);
  });

  it('expired: without a sender name the page names the tenant', async () => {
    const { link } = await linkFixture({
      createdAt: new Date(Date.now() - 90 * DAY),
      tenantName: 'Harbour Dental',
    });
    const res = await visit(link.token);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('Harbour Dental');
  });

  it('expired: a link 59 days old still redirects', async () => {
    const { link } = await linkFixture({ createdAt: new Date(Date.now() - 59 * DAY) });
    expect((await visit(link.token)).status).toBe(302);
  });
});

describe('secret rotation', () => {
  it('rotation: links signed with the previous secret keep working; links from a retired secret do not', async () => {
    const oldSecret = 'the-old-link-secret';
    const before = { ...env, LINK_SECRET: oldSecret } as Env;
    const after = { ...env, LINK_SECRET: 'the-new-link-secret', LINK_SECRET_PREVIOUS: oldSecret } as Env;
    const later = {
      ...env,
      LINK_SECRET: 'a-third-secret',
      LINK_SECRET_PREVIOUS: 'the-new-link-secret',
    } as Env;
    const { link } = await linkFixture({ linkEnv: before });
    const res = await visit(link.token, {}, after);
    expect(res.status).toBe(302);
    expect((await linkRow(link.id)).clickCount).toBe(1);
    const { link: fresh } = await linkFixture({ linkEnv: before });
    expect((await visit(fresh.token, {}, later)).status).toBe(404);
  });
});

describe('the link-only Worker on a short domain', () => {
  const SHORT = 'https://sms.to';

  it('happy: with SHORT_LINK_BASE_URL set, new links and the preview count use the short domain', async () => {
    const linkEnv = { ...env, SHORT_LINK_BASE_URL: `${SHORT}/` };
    const { link } = await linkFixture({ linkEnv });
    expect(link.url).toBe(`${SHORT}/l/${link.token}`);
    expect(previewShortLinkUrl(linkEnv)).toHaveLength(`${SHORT}/l/`.length + SHORT_LINK_TOKEN_LENGTH);
    expect(previewShortLinkUrl(linkEnv).length).toBeLessThan(previewShortLinkUrl(env).length);
  });

  it('happy: redirects and counts the click exactly like the main Worker', async () => {
    const { link } = await linkFixture({ utm: { utm_source: 'sms' } });
    const ctx = createExecutionContext();
    const res = await linkWorker.fetch(
      new Request(`${SHORT}/l/${link.token}`, { headers: { 'user-agent': IPHONE } }) as Request<
        unknown,
        IncomingRequestCfProperties
      >,
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example.com/offer?ref=sms&utm_source=sms');
    const row = await linkRow(link.id);
    expect([row.clickCount, row.humanClickCount]).toEqual([1, 1]);
  });

  it('error: anything but a link (the root, a forged token, a POST) gets the 404 page', async () => {
    const { link } = await linkFixture();
    const forged = `${link.token.slice(0, -1)}${link.token.endsWith('A') ? 'B' : 'A'}`;
    for (const [path, method] of [
      ['/', 'GET'],
      [`/l/${forged}`, 'GET'],
      [`/l/${link.token}`, 'POST'],
    ] as const) {
      const res = await linkWorker.fetch(
        new Request(`${SHORT}${path}`, { method }) as Request<unknown, IncomingRequestCfProperties>,
        env,
        createExecutionContext(),
      );
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
    expect((await linkRow(link.id)).clickCount).toBe(0);
  });
});
