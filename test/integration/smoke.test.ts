import { describe, expect, it } from 'vitest';
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
