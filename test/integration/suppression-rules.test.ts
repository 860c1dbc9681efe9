import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../workers/db/schema';
import { createTenant, json } from '../helpers/fixtures';

type Rule = {
  id: string;
  name: string;
  window_days: number;
  is_active: boolean;
  expires_at: string | null;
  in_effect: boolean;
};

describe('suppression rules', () => {
  it('happy: create with defaults (90 days, active), read, edit, delete, each audited', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/suppression-rules', {
      method: 'POST',
      role: 'staff',
      json: { name: 'Quarterly' },
    });
    expect(res.status).toBe(201);
    const rule = await json<Rule>(res);
    expect(rule).toMatchObject({
      name: 'Quarterly',
      window_days: 90,
      is_active: true,
      expires_at: null,
      in_effect: true,
    });
    const patched = await json<Rule>(
      await t.api(`/api/v1/suppression-rules/${rule.id}`, {
        method: 'PATCH',
        json: { window_days: 30, expires_at: '2020-01-01T10:00:00+10:00' },
      }),
    );
    expect(patched).toMatchObject({
      window_days: 30,
      expires_at: '2020-01-01T00:00:00.000Z',
      in_effect: false,
    });
    const list = await json<{ data: Rule[] }>(await t.api('/api/v1/suppression-rules', { role: 'viewer' }));
    expect(list.data.map((r) => r.id)).toEqual([rule.id]);
    expect((await t.api(`/api/v1/suppression-rules/${rule.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/v1/suppression-rules/${rule.id}`)).status).toBe(404);
    const actions = (await t.db.select().from(auditLog).where(eq(auditLog.tenantId, t.tenantId))).map(
      (a) => a.action,
    );
    expect(actions.sort()).toEqual([
      'suppression_rule.created',
      'suppression_rule.deleted',
      'suppression_rule.updated',
    ]);
  });

  it('error: a window must be a whole number of days ≥ 1; expiry must be a timestamp', async () => {
    const t = await createTenant();
    for (const body of [
      { name: 'x', window_days: 0 },
      { name: 'x', window_days: 1.5 },
      { name: '', window_days: 7 },
      { name: 'x', expires_at: 'next week' },
    ]) {
      const res = await t.api('/api/v1/suppression-rules', { method: 'POST', json: body });
      expect(res.status).toBe(422);
    }
  });

  it('security: a viewer cannot create; another tenant’s rule answers 404', async () => {
    const a = await createTenant();
    const b = await createTenant();
    expect(
      (await a.api('/api/v1/suppression-rules', { method: 'POST', role: 'viewer', json: { name: 'x' } }))
        .status,
    ).toBe(403);
    const rule = await json<Rule>(
      await a.api('/api/v1/suppression-rules', { method: 'POST', json: { name: 'A' } }),
    );
    expect((await b.api(`/api/v1/suppression-rules/${rule.id}`)).status).toBe(404);
    expect(
      (await b.api(`/api/v1/suppression-rules/${rule.id}`, { method: 'PATCH', json: { is_active: false } }))
        .status,
    ).toBe(404);
    expect((await b.api(`/api/v1/suppression-rules/${rule.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(
      await b.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.tenantId, b.tenantId))),
    ).toEqual([]);
  });
});
