import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../workers/index';
import { createTenant, json } from '../helpers/fixtures';

describe('smoke', () => {
  it('answers /api/v1/me for an API key', async () => {
    const t = await createTenant('Smoke');
    const res = await t.api('/api/v1/me');
    expect(res.status).toBe(200);
    const body = await json<{ tenant: { name: string } }>(res);
    expect(body.tenant.name).toBe('Smoke');
  });
});

describe('routing (the Worker runs first for every request)', () => {
  const served: string[] = [];
  const assets = {
    fetch: async (req: Request) => {
      served.push(new URL(req.url).pathname);
      return new Response('<!doctype html><title>admin</title>', {
        headers: { 'content-type': 'text/html' },
      });
    },
  } as unknown as Fetcher;
  const call = (path: string) =>
    worker.fetch(
      new Request(`https://sms.example.test${path}`, { redirect: 'manual' }) as Request<
        unknown,
        IncomingRequestCfProperties
      >,
      { ...env, ASSETS: assets },
      createExecutionContext(),
    );

  it('happy: the admin UI and its deep links come from the static assets', async () => {
    served.length = 0;
    for (const path of ['/', '/campaigns/123/report', '/apiary', '/lists']) {
      expect((await call(path)).status).toBe(200);
    }
    expect(served).toEqual(['/', '/campaigns/123/report', '/apiary', '/lists']);
  });

  it('error: API, auth, webhook and short-link paths never fall through to the UI', async () => {
    served.length = 0;
    // Unauthenticated: the API answers 401 before it looks for the route.
    const api = await call('/api/v1/no-such-thing');
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    expect((await call('/api')).headers.get('content-type')).toContain('application/problem+json');
    expect((await call('/webhooks/twilio/nope')).status).toBe(404);
    const link = await call('/l/not-a-token');
    expect(link.status).toBe(404);
    expect(link.headers.get('content-type')).toContain('text/html');
    expect(served).toEqual([]);
  });
});
