import { describe, expect, it } from 'vitest';
import { costPerPartCents, messageCostCents } from '../../workers/db/costs';
import { uuidv7 } from '../../workers/db/ids';
import { costs } from '../../workers/db/schema';
import { control, createTenant, json } from '../helpers/fixtures';

type Cost = {
  id: string;
  scope: string;
  per_part_cents: number;
  effective_from: string;
  effective_until: string | null;
};

// Platform rows are shared by every test in this file's database, so each test uses its own country.
async function platformRow(country: string, cents: number, from: string, until: string | null = null) {
  await control().insert(costs).values({
    id: uuidv7(),
    tenantId: null,
    country,
    perPartCents: cents,
    effectiveFrom: from,
    effectiveUntil: until,
  });
}

describe('costs', () => {
  it('happy: admin creates a tenant price; GET lists platform rows and its own; audited', async () => {
    const t = await createTenant();
    await platformRow('NZ', 9, '2020-01-01T00:00:00.000Z');
    const res = await t.api('/api/v1/costs', {
      method: 'POST',
      json: { country: 'NZ', per_part_cents: 7, effective_from: '2026-01-01' },
    });
    expect(res.status).toBe(201);
    const created = await json<Cost>(res);
    // A date starts at local midnight in the tenant zone (Sydney, UTC+11 in January).
    expect(created).toMatchObject({
      scope: 'tenant',
      per_part_cents: 7,
      effective_from: '2025-12-31T13:00:00.000Z',
    });
    const list = await json<{ data: Cost[] }>(await t.api('/api/v1/costs?country=NZ', { role: 'viewer' }));
    expect(list.data.map((c) => c.scope).sort()).toEqual(['platform', 'tenant']);
    const audit = await json<{ data: { action: string }[] }>(await t.api('/api/v1/audit-log'));
    expect(audit.data.some((a) => a.action === 'cost.created')).toBe(true);
  });

  it('the tenant’s own effective row wins over the platform row, by effective date', async () => {
    const t = await createTenant();
    const other = await createTenant();
    await platformRow('FJ', 10, '2020-01-01T00:00:00.000Z');
    await t.api('/api/v1/costs', {
      method: 'POST',
      json: {
        country: 'FJ',
        per_part_cents: 4,
        effective_from: '2026-03-01T00:00:00Z',
        effective_until: '2026-04-01T00:00:00Z',
      },
    });
    const at = (iso: string) =>
      costPerPartCents(control(), { tenantId: t.tenantId, country: 'FJ', at: new Date(iso) });
    expect(await at('2026-02-28T23:59:59Z')).toBe(10);
    expect(await at('2026-03-01T00:00:00Z')).toBe(4);
    expect(await at('2026-03-31T23:59:59Z')).toBe(4);
    expect(await at('2026-04-01T00:00:00Z')).toBe(10); // effective_until is exclusive
    // Another tenant never sees this tenant's price.
    expect(
      await costPerPartCents(control(), {
        tenantId: other.tenantId,
        country: 'FJ',
        at: new Date('2026-03-15'),
      }),
    ).toBe(10);
  });

  it('a newer platform price replaces an older open-ended one from its date; unpriced is null', async () => {
    const t = await createTenant();
    await platformRow('WS', 8, '2020-01-01T00:00:00.000Z');
    await platformRow('WS', 11, '2026-06-01T00:00:00.000Z');
    const at = (iso: string) =>
      costPerPartCents(control(), { tenantId: t.tenantId, country: 'WS', at: new Date(iso) });
    expect(await at('2026-05-31T00:00:00Z')).toBe(8);
    expect(await at('2026-06-02T00:00:00Z')).toBe(11);
    expect(
      await costPerPartCents(control(), { tenantId: t.tenantId, country: 'TO', at: new Date() }),
    ).toBeNull();
    expect(messageCostCents(3, 11)).toBe(33);
  });

  it('error: until before from, bad country and negative price are 422', async () => {
    const t = await createTenant();
    for (const body of [
      { country: 'AU', per_part_cents: 5, effective_from: '2026-02-01', effective_until: '2026-01-01' },
      { country: 'au', per_part_cents: 5, effective_from: '2026-02-01' },
      { country: 'AU', per_part_cents: -1, effective_from: '2026-02-01' },
    ]) {
      expect((await t.api('/api/v1/costs', { method: 'POST', json: body })).status).toBe(422);
    }
  });

  it('security: staff cannot create prices; other tenants’ rows are not listed', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const body = { country: 'CK', per_part_cents: 5, effective_from: '2026-02-01' };
    expect((await a.api('/api/v1/costs', { method: 'POST', role: 'staff', json: body })).status).toBe(403);
    expect((await a.api('/api/v1/costs', { method: 'POST', json: body })).status).toBe(201);
    expect((await json<{ data: Cost[] }>(await b.api('/api/v1/costs?country=CK'))).data).toEqual([]);
  });
});
