// Issue 9: security headers on every HTML and API response (API JSON, problem+json, the app's
// pages, the short-link pages, the admin UI's static assets); HSTS only outside local runs.
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { withHeaders } from '../../workers/http/security-headers';
import worker from '../../workers/index';
import { BASE, call, createTenant } from '../helpers/fixtures';

const HSTS = 'max-age=31536000; includeSubDomains';

function directives(csp: string | null): Map<string, string[]> {
  return new Map(
    (csp ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/** The headers every app and UI response carries, whatever its content. */
function expectBaseline(res: Response, what: string) {
  const csp = directives(res.headers.get('content-security-policy'));
  expect(csp.get('frame-ancestors'), `${what}: frame-ancestors`).toEqual(["'none'"]);
  expect(csp.get('base-uri'), `${what}: base-uri`).toEqual(["'none'"]);
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(res.headers.get('x-frame-options'), what).toBe('DENY');
  expect(['same-origin', 'no-referrer', 'strict-origin', 'strict-origin-when-cross-origin']).toContain(
    res.headers.get('referrer-policy'),
  );
  return csp;
}

/** An inline <style> is allowed by exactly its hash; no script may run at all. */
async function expectPageCsp(res: Response) {
  const html = await res.text();
  const csp = directives(res.headers.get('content-security-policy'));
  expect(csp.get('default-src')).toEqual(["'none'"]);
  expect(csp.has('script-src')).toBe(false);
  expect(html).not.toMatch(/<script/i);
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
  expect(styles.length).toBeGreaterThan(0);
  for (const css of styles) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(css));
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    expect(csp.get('style-src')).toContain(`'sha256-${hash}'`);
  }
  expect(csp.get('style-src')).not.toContain("'unsafe-inline'");
}

/** The Worker under another ENVIRONMENT (and optionally a stand-in for the static assets). */
function callAs(overrides: Partial<Env>, path: string, init: RequestInit = {}) {
  return worker.fetch(
    new Request(`${BASE}${path}`, { redirect: 'manual', ...init }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    { ...env, ...overrides } as Env,
    createExecutionContext(),
  );
}

describe('API responses', () => {
  it('happy: JSON answers carry CSP, nosniff, frame and referrer policies; no HSTS locally', async () => {
    const t = await createTenant('Headers Co');
    const res = await t.api('/api/v1/me');
    expect(res.status).toBe(200);
    const csp = expectBaseline(res, 'GET /api/v1/me');
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('error: problem+json answers (401, 404, 422, 429) carry them too', async () => {
    const t = await createTenant('Problem Co');
    const cases: [string, Promise<Response>][] = [
      ['401', call('/api/v1/me')],
      ['404', t.api('/api/v1/no-such-thing')],
      ['404 outside the API', call('/auth/nope')],
      ['422', t.api('/api/v1/users', { method: 'POST', json: { email: 'nope', role: 'boss' } })],
    ];
    for (const [label, pending] of cases) {
      const res = await pending;
      expect(res.headers.get('content-type'), label).toContain('application/problem+json');
      expectBaseline(res, label);
    }
  });

  it('happy: outside local runs every API answer also carries HSTS', async () => {
    const t = await createTenant('Prod Headers Co');
    const ok = await callAs({ ENVIRONMENT: 'production' }, '/api/v1/me', {
      headers: { authorization: `Bearer ${t.keys.admin}` },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('strict-transport-security')).toBe(HSTS);
    const problem = await callAs({ ENVIRONMENT: 'production' }, '/api/v1/me');
    expect(problem.status).toBe(401);
    expect(problem.headers.get('strict-transport-security')).toBe(HSTS);
  });
});

describe('HTML pages', () => {
  it('happy: the sign-in link error page allows its own inline style by hash and nothing else', async () => {
    const res = await call('/auth/verify?token=not-a-token');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expectBaseline(res, '/auth/verify');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    await expectPageCsp(res);
  });

  it('happy: the short-link 404 page too, and it sends no referrer onwards', async () => {
    const res = await call('/l/not-a-real-token');
    expect(res.status).toBe(404);
    expectBaseline(res, '/l/ 404');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    await expectPageCsp(res);
  });

  it('happy: in production the sign-in page gets HSTS', async () => {
    const res = await callAs({ ENVIRONMENT: 'production' }, '/auth/verify?token=nope');
    expect(res.headers.get('strict-transport-security')).toBe(HSTS);
  });
});

describe('admin UI static assets', () => {
  it('happy: index.html (or whatever the assets answer) comes with the UI policy: own scripts only, no inline script', async () => {
    // The real assets binding from wrangler.toml: its responses have immutable headers.
    const res = await exports.default.fetch(new Request(`${BASE}/campaigns`));
    const csp = expectBaseline(res, 'UI');
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('strict-transport-security')).toBeNull();
    await res.body?.cancel();
  });

  it('happy: in production the assets carry HSTS, and the asset’s own headers are kept', async () => {
    const assets = {
      fetch: async () =>
        new Response('console.log(1)', {
          headers: {
            'content-type': 'text/javascript',
            'cache-control': 'public, max-age=31536000, immutable',
          },
        }),
    } as unknown as Fetcher;
    const res = await callAs({ ENVIRONMENT: 'production', ASSETS: assets }, '/assets/index-abc.js');
    expect(res.headers.get('strict-transport-security')).toBe(HSTS);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log(1)');
  });
});

describe('withHeaders', () => {
  it('happy: a response that sets its own CSP keeps it; the rest is added', () => {
    const own = new Response('x', { headers: { 'content-security-policy': "default-src 'self'" } });
    const res = withHeaders(own, [
      ['content-security-policy', "default-src 'none'"],
      ['x-content-type-options', 'nosniff'],
    ]);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('error: immutable headers (a fetched response) are copied, not thrown on', async () => {
    const frozen = Response.redirect('https://sms.example.test/elsewhere', 302);
    const res = withHeaders(frozen, [['x-content-type-options', 'nosniff']]);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://sms.example.test/elsewhere');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
