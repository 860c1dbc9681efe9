import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { isDoNotContact } from '../../workers/db/do-not-contact';
import { auditLog } from '../../workers/db/schema';
import { createTenant, json } from '../helpers/fixtures';

type Entry = { id: string; phone: string; reason: string; contact_id: string | null; created_at: string };
type Page = { data: Entry[]; next_cursor: string | null };

describe('do-not-contact', () => {
  it('happy: staff adds a number in any format; the send-path check sees it', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      role: 'staff',
      json: { phone: '0412 345 678', reason: 'COMPLAINED' },
    });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ phone: '+61412345678', reason: 'COMPLAINED', contact_id: null });
    expect(await isDoNotContact(t.db, t.tenantId, '+61412345678')).toBe(true);
    expect(await isDoNotContact(t.db, t.tenantId, '+61412345679')).toBe(false);
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'do_not_contact.added')));
    expect(audit).toHaveLength(1);
  });

  it('happy: adding again keeps the original entry (200) and links the contact', async () => {
    const t = await createTenant();
    const c = await json<{ id: string }>(
      await t.api('/api/v1/contacts', {
        method: 'POST',
        json: { phone: '0412000201', consent_status: 'explicit' },
      }),
    );
    const first = await json<Entry>(
      await t.api('/api/v1/do-not-contact', {
        method: 'POST',
        json: { phone: '0412000201', reason: 'MANUAL' },
      }),
    );
    const again = await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '+61 412 000 201', reason: 'COMPLAINED' },
    });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ id: first.id, reason: 'MANUAL', contact_id: c.id });
  });

  it('error: STOP cannot be added by hand, and bad numbers answer 422 with the reason', async () => {
    const t = await createTenant();
    const stop = await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '0412000211', reason: 'STOP' },
    });
    expect(stop.status).toBe(422);
    const bad = await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: 'abc', reason: 'MANUAL' },
    });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toMatchObject({ errors: [{ path: 'phone' }] });
  });

  it('happy: list and search by partial digits, newest first', async () => {
    const t = await createTenant();
    for (const phone of ['0412000221', '0412000222', '0498000223']) {
      await t.api('/api/v1/do-not-contact', { method: 'POST', json: { phone, reason: 'MANUAL' } });
    }
    const all = await json<Page>(await t.api('/api/v1/do-not-contact', { role: 'viewer' }));
    expect(all.data.map((e) => e.phone)).toEqual(['+61498000223', '+61412000222', '+61412000221']);
    const found = await json<Page>(await t.api('/api/v1/do-not-contact?search=0412%20000'));
    expect(found.data.map((e) => e.phone)).toEqual(['+61412000222', '+61412000221']);
    const one = await json<Page>(await t.api('/api/v1/do-not-contact?search=%2B61498000223'));
    expect(one.data).toHaveLength(1);
  });

  it('security: only an admin removes a number; it is audited; the path takes URL-encoded E.164', async () => {
    const t = await createTenant();
    await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '0412000231', reason: 'COMPLAINED' },
    });
    const path = `/api/v1/do-not-contact/${encodeURIComponent('+61412000231')}`;
    expect((await t.api(path, { method: 'DELETE', role: 'staff' })).status).toBe(403);
    expect((await t.api(path, { method: 'DELETE', role: 'viewer' })).status).toBe(403);
    expect(await isDoNotContact(t.db, t.tenantId, '+61412000231')).toBe(true);
    expect((await t.api(path, { method: 'DELETE', role: 'admin' })).status).toBe(204);
    expect(await isDoNotContact(t.db, t.tenantId, '+61412000231')).toBe(false);
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'do_not_contact.removed')));
    expect(audit?.metadata).toMatchObject({ phone: '+61412000231', reason: 'COMPLAINED' });
    expect((await t.api(path, { method: 'DELETE' })).status).toBe(404);
  });

  it('security: another tenant neither sees nor removes the entry', async () => {
    const a = await createTenant();
    const b = await createTenant();
    await a.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '0412000241', reason: 'MANUAL' },
    });
    expect((await json<Page>(await b.api('/api/v1/do-not-contact'))).data).toEqual([]);
    expect((await b.api('/api/v1/do-not-contact/%2B61412000241', { method: 'DELETE' })).status).toBe(404);
    expect(await isDoNotContact(a.db, a.tenantId, '+61412000241')).toBe(true);
    expect(await isDoNotContact(b.db, b.tenantId, '+61412000241')).toBe(false);
  });
});
