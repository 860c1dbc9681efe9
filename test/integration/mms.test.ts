// Issue 14, item 6 (data side): a template may carry one image, checked when saved (HEAD, then a
// ranged GET): JPEG/PNG/GIF within Twilio's limit, else 422. Prices per channel: an MMS costs one
// MMS price whatever its length, and MMS prices never leak into SMS costs.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { costPerPartCents, mmsPriceCents } from '../../workers/db/costs';
import { uuidv7 } from '../../workers/db/ids';
import { costs, messageTemplates } from '../../workers/db/schema';
import { templateChannel } from '../../workers/domain/mms';
import { control, createTenant, json, type TestTenant } from '../helpers/fixtures';
import { fakeInternet } from '../helpers/growth';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70]);

type Template = {
  id: string;
  media_url: string | null;
  media_content_type: string | null;
  media_bytes: number | null;
  channel: string;
};

afterEach(() => vi.restoreAllMocks());

/** An image host: HEAD and GET per path, as a real CDN or a stubborn one would answer. */
function imageHost(
  routes: Record<string, { head?: () => Response; get?: (range: string | null) => Response }>,
) {
  return fakeInternet((req) => {
    const path = new URL(req.url).pathname;
    const r = routes[path];
    if (!r) return new Response('not found', { status: 404 });
    if (req.method === 'HEAD') return r.head ? r.head() : new Response(null, { status: 405 });
    return r.get ? r.get(req.headers.get('range')) : new Response('no', { status: 405 });
  });
}

const create = (t: TestTenant, media_url: string | null) =>
  t.api('/api/v1/templates', {
    method: 'POST',
    role: 'staff',
    json: { name: 'Promo', body: 'Our new menu is here! {{link}}', media_url },
  });

async function error(res: Response) {
  const p = await json<{ errors: { path: string; message: string }[] }>(res);
  expect(p.errors[0]?.path).toBe('media_url');
  return p.errors[0]?.message ?? '';
}

describe('MMS templates: the image is checked when saved', () => {
  it('happy: HEAD gives type and size; the template is an MMS', async () => {
    const net = imageHost({
      '/menu.png': {
        head: () =>
          new Response(null, { headers: { 'content-type': 'image/png', 'content-length': '120000' } }),
      },
    });
    const t = await createTenant();
    const res = await create(t, 'https://cdn.shop.example/menu.png');
    expect(res.status).toBe(201);
    expect(await json<Template>(res)).toMatchObject({
      media_url: 'https://cdn.shop.example/menu.png',
      media_content_type: 'image/png',
      media_bytes: 120000,
      channel: 'mms',
    });
    expect(net.received.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('a server that refuses HEAD is asked for the first kilobyte; the bytes must be the declared image', async () => {
    const net = imageHost({
      '/a.jpg': {
        get: (range) =>
          new Response(JPEG, {
            status: range ? 206 : 200,
            headers: { 'content-type': 'image/jpeg', 'content-range': 'bytes 0-9/2400000' },
          }),
      },
    });
    const t = await createTenant();
    const res = await create(t, 'https://cdn.shop.example/a.jpg');
    expect(res.status).toBe(201);
    expect(await json<Template>(res)).toMatchObject({
      media_content_type: 'image/jpeg',
      media_bytes: 2400000,
    });
    expect(net.received.map((r) => `${r.method} ${r.headers.get('range') ?? ''}`)).toEqual([
      'HEAD ',
      'GET bytes=0-1023',
    ]);
  });

  it('error: not an image, a lying content type, too large, missing, http, private: 422 and nothing saved', async () => {
    imageHost({
      '/page': {
        head: () => new Response(null, { headers: { 'content-type': 'text/html', 'content-length': '500' } }),
      },
      '/fake.png': {
        get: () =>
          new Response('<!doctype html><p>hi', { status: 200, headers: { 'content-type': 'image/png' } }),
      },
      '/huge.gif': {
        head: () =>
          new Response(null, { headers: { 'content-type': 'image/gif', 'content-length': '6000000' } }),
      },
      '/webp': {
        head: () =>
          new Response(null, { headers: { 'content-type': 'image/webp', 'content-length': '1000' } }),
      },
      '/notype': { get: () => new Response(PNG, { status: 200 }) },
    });
    const t = await createTenant();
    const cases: [string, RegExp][] = [
      ['https://cdn.shop.example/page', /serves text\/html, not a JPEG, PNG or GIF image/],
      ['https://cdn.shop.example/fake.png', /says the image is image\/png, but its content is not an image/],
      ['https://cdn.shop.example/huge.gif', /6\.00 MB; an MMS image can be at most 4\.99 MB/],
      ['https://cdn.shop.example/webp', /image\/webp/],
      ['https://cdn.shop.example/notype', /no Content-Type/],
      ['https://cdn.shop.example/missing.png', /answered HTTP 404/],
      ['http://cdn.shop.example/menu.png', /https/],
      ['https://192.168.0.10/menu.png', /private, loopback or reserved/],
    ];
    for (const [url, message] of cases) {
      const res = await create(t, url);
      expect(res.status, url).toBe(422);
      expect(await error(res), url).toMatch(message);
    }
    expect(
      await t.db.select().from(messageTemplates).where(eq(messageTemplates.tenantId, t.tenantId)),
    ).toEqual([]);
  });

  it('a body without a declared size is counted, up to the limit', async () => {
    const big = new Uint8Array(5_100_000);
    big.set(PNG);
    imageHost({
      '/stream.png': {
        get: () =>
          new Response(
            new ReadableStream({
              start(c) {
                for (let i = 0; i < big.length; i += 65536) c.enqueue(big.slice(i, i + 65536));
                c.close();
              },
            }),
            { status: 200, headers: { 'content-type': 'image/png' } },
          ),
      },
    });
    const t = await createTenant();
    const res = await create(t, 'https://cdn.shop.example/stream.png');
    expect(res.status).toBe(422);
    expect(await error(res)).toMatch(/at most 4\.99 MB/);
  });

  it('changing the image checks it again; the same URL is not fetched again; null makes it an SMS', async () => {
    const net = imageHost({
      '/a.png': {
        head: () =>
          new Response(null, { headers: { 'content-type': 'image/png', 'content-length': '1000' } }),
      },
      '/b.gif': {
        head: () =>
          new Response(null, { headers: { 'content-type': 'image/gif', 'content-length': '2000' } }),
      },
    });
    const t = await createTenant();
    const tpl = await json<Template>(await create(t, 'https://cdn.shop.example/a.png'));
    const patch = (json: Record<string, unknown>) =>
      t.api(`/api/v1/templates/${tpl.id}`, { method: 'PATCH', json });
    await patch({ media_url: 'https://cdn.shop.example/a.png', name: 'Same image' });
    expect(net.received).toHaveLength(1);
    expect(await json<Template>(await patch({ media_url: 'https://cdn.shop.example/b.gif' }))).toMatchObject({
      media_content_type: 'image/gif',
      media_bytes: 2000,
    });
    expect(await json<Template>(await patch({ media_url: null }))).toMatchObject({
      media_url: null,
      media_bytes: null,
      channel: 'sms',
    });
    const [row] = await t.db.select().from(messageTemplates).where(eq(messageTemplates.id, tpl.id));
    expect(templateChannel(row!)).toBe('sms');
  });
});

describe('MMS prices', () => {
  it('the preview of an MMS shows the image and one MMS price, however long the text', async () => {
    fakeInternet();
    const t = await createTenant();
    for (const [channel, cents] of [
      ['sms', 6],
      ['mms', 40],
    ] as const) {
      const res = await t.api('/api/v1/costs', {
        method: 'POST',
        json: { country: 'AU', channel, per_part_cents: cents, effective_from: '2020-01-01T00:00:00Z' },
      });
      expect(res.status).toBe(201);
      expect(await json<{ channel: string }>(res)).toMatchObject({ channel });
    }
    const long = 'A'.repeat(400);
    const preview = (body: Record<string, unknown>) =>
      t
        .api('/api/v1/templates/preview', { method: 'POST', role: 'viewer', json: body })
        .then((r) => json<Record<string, unknown>>(r));
    const mms = await preview({ body: long, media_url: 'https://cdn.shop.example/menu.png' });
    expect(mms).toMatchObject({
      channel: 'mms',
      media_url: 'https://cdn.shop.example/menu.png',
      cost_cents: 40,
      mms_price_cents: 40,
    });
    const sms = await preview({ body: long });
    expect(sms).toMatchObject({
      channel: 'sms',
      cost_cents: 6 * (sms.segments as number),
      mms_price_cents: null,
    });
    const listed = await json<{ data: { channel: string }[] }>(await t.api('/api/v1/costs?channel=mms'));
    expect(listed.data.map((c) => c.channel)).toEqual(['mms']);
  });

  it('an MMS price never becomes the SMS price (and the reverse); no MMS price is a warning', async () => {
    const t = await createTenant();
    const d = control();
    await d.insert(costs).values({
      id: uuidv7(),
      tenantId: t.tenantId,
      country: 'NZ',
      channel: 'sms',
      perPartCents: 8,
      effectiveFrom: '2020-01-01T00:00:00.000Z',
    });
    await d.insert(costs).values({
      id: uuidv7(),
      tenantId: t.tenantId,
      country: 'NZ',
      channel: 'mms',
      perPartCents: 55,
      effectiveFrom: '2024-01-01T00:00:00.000Z',
    });
    const at = new Date('2025-01-01T00:00:00.000Z');
    expect(await costPerPartCents(d, { tenantId: t.tenantId, country: 'NZ', at })).toBe(8);
    expect(await mmsPriceCents(d, { tenantId: t.tenantId, country: 'NZ', at })).toBe(55);
    expect(await mmsPriceCents(d, { tenantId: t.tenantId, country: 'FJ', at })).toBeNull();

    const t2 = await createTenant();
    const p = await json<{ cost_cents: number | null; warnings: string[] }>(
      await t2.api('/api/v1/templates/preview', {
        method: 'POST',
        json: { body: 'Hi', media_url: 'https://cdn.shop.example/x.png' },
      }),
    );
    expect(p.cost_cents).toBeNull();
    expect(p.warnings.join(' ')).toMatch(/No MMS price is set for AU/);
  });
});
