import { describe, expect, it } from 'vitest';
import { call, createTenant, json } from '../helpers/fixtures';

type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
};

describe('errors are problem+json', () => {
  it('error: unknown routes are 404 problems', async () => {
    const t = await createTenant();
    for (const res of [
      await t.api('/api/v1/no-such-thing'),
      await call('/webhooks/nope', { method: 'POST' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const p = await json<Problem>(res);
      expect(p).toMatchObject({ status: 404, title: 'Not found' });
    }
  });

  it('error: malformed JSON is 400', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/tenant', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('error: wrong types are 422 with every field path', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/tenant', {
      method: 'PATCH',
      json: { name: 42, daily_budget_cents: -5, timezone: 'Mars/Olympus' },
    });
    expect(res.status).toBe(422);
    const p = await json<Problem>(res);
    expect(p.errors?.map((e) => e.path).sort()).toEqual(['daily_budget_cents', 'name', 'timezone']);
  });

  it('error: unknown fields are rejected, not silently ignored', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/tenant', { method: 'PATCH', json: { nmae: 'typo' } });
    expect(res.status).toBe(422);
  });

  it('error: a non-JSON content type is 415', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/tenant', {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain' },
      body: 'name=x',
    });
    expect(res.status).toBe(415);
  });

  it('error: oversized bodies are 413', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/tenant', {
      method: 'PATCH',
      json: { name: 'x', help_reply: 'y'.repeat(2 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('error: a bad cursor is a 400, not a crash', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/audit-log?cursor=%%%');
    expect(res.status).toBe(400);
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const res = await call('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/tenant', '/users', '/users/{id}', '/audit-log']),
    );
    expect(doc.components.schemas).toHaveProperty('Problem');
  });
});
