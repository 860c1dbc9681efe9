import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { auditLog, contacts, doNotContact, events } from '../../workers/db/schema';
import { createTenant, json, shardDb, type TestTenant } from '../helpers/fixtures';

type Contact = {
  id: string;
  phone_e164: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  custom_fields: Record<string, string>;
  consent_status: string;
  consent_source: string | null;
  consent_timestamp: string | null;
  on_do_not_contact: boolean;
  do_not_contact: { reason: string; created_at: string } | null;
  erased_at: string | null;
  suppressed?: boolean;
  suppressed_until?: string | null;
};
type Page<T> = { data: T[]; next_cursor: string | null };

async function create(t: TestTenant, body: Record<string, unknown>) {
  const res = await t.api('/api/v1/contacts', { method: 'POST', json: body, role: 'staff' });
  return { res, body: await json<Contact & { detail?: string; errors?: unknown[] }>(res) };
}

const audits = (tenantId: string, action: string) =>
  shardDb(tenantId)
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, tenantId), eq(auditLog.action, action)));

describe('contacts: create', () => {
  it('happy: normalises the phone, keeps consent exactly as given, audits', async () => {
    const t = await createTenant();
    const { res, body } = await create(t, {
      phone: '(04) 1234-5678',
      email: 'Ann@Example.com',
      first_name: 'Ann',
      custom_fields: { Store: 'Fitzroy' },
      consent_status: 'explicit',
      consent_source: 'in-store tablet',
      consent_timestamp: '2024-05-01T09:30:00+10:00',
    });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({
      phone_e164: '+61412345678',
      email: 'ann@example.com',
      custom_fields: { Store: 'Fitzroy' },
      consent_status: 'explicit',
      consent_source: 'in-store tablet',
      consent_timestamp: '2024-05-01T09:30:00+10:00',
      on_do_not_contact: false,
    });
    expect(await audits(t.tenantId, 'contact.created')).toHaveLength(1);
  });

  it('error: the same person in another format answers 409 naming the existing contact', async () => {
    const t = await createTenant();
    const first = await create(t, { phone: '0412 345 678', consent_status: 'unknown' });
    for (const phone of ['+61 412 345 678', '61412345678', '(04) 1234-5678']) {
      const { res, body } = await create(t, { phone, consent_status: 'implied' });
      expect(res.status).toBe(409);
      expect(body).toMatchObject({ existing_contact_id: first.body.id });
    }
  });

  it('error: numbers that cannot receive SMS answer 422 with the reason on the phone field', async () => {
    const t = await createTenant();
    for (const [phone, reason] of [
      ['02 9374 4000', /landline/],
      ['1300 123 456', /1300/],
      ['1800 123 456', /toll-free/],
      ['12345', /too short/],
    ] as const) {
      const { res, body } = await create(t, { phone, consent_status: 'unknown' });
      expect(res.status).toBe(422);
      expect(body.errors).toEqual([{ path: 'phone', message: expect.stringMatching(reason) }]);
    }
  });

  it('error: bad fields answer 422 with their paths', async () => {
    const t = await createTenant();
    const { res, body } = await create(t, {
      phone: '0412345678',
      consent_status: 'maybe',
      email: 'nope',
      consent_timestamp: 'yesterday',
    });
    expect(res.status).toBe(422);
    const paths = (body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['consent_status', 'consent_timestamp', 'email']);
  });

  it('security: a viewer cannot create (403)', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/contacts', {
      method: 'POST',
      role: 'viewer',
      json: { phone: '0412345678', consent_status: 'unknown' },
    });
    expect(res.status).toBe(403);
  });
});

describe('contacts: list, search, filters', () => {
  async function seed(t: TestTenant) {
    const ann = (
      await create(t, {
        phone: '0412 345 678',
        first_name: 'Ann',
        last_name: 'Smith',
        email: 'ann@shop.example',
        consent_status: 'explicit',
      })
    ).body;
    const bob = (
      await create(t, {
        phone: '0498 765 432',
        first_name: 'Bob',
        last_name: 'Jones',
        consent_status: 'unknown',
      })
    ).body;
    const cat = (await create(t, { phone: '+44 7911 123456', first_name: 'Cat', consent_status: 'implied' }))
      .body;
    return { ann, bob, cat };
  }
  const ids = async (t: TestTenant, q: string) =>
    (await json<Page<Contact>>(await t.api(`/api/v1/contacts${q}`, { role: 'viewer' }))).data.map(
      (c) => c.first_name,
    );

  it('happy: phone in any common format, partial digits, email, names', async () => {
    const t = await createTenant();
    await seed(t);
    expect(await ids(t, `?search=${encodeURIComponent('0412 345 678')}`)).toEqual(['Ann']);
    expect(await ids(t, `?search=${encodeURIComponent('+61412345678')}`)).toEqual(['Ann']);
    expect(await ids(t, `?search=${encodeURIComponent('(04) 1234-5678')}`)).toEqual(['Ann']);
    expect(await ids(t, '?search=0498')).toEqual(['Bob']);
    expect(await ids(t, '?search=765%20432')).toEqual(['Bob']);
    expect(await ids(t, '?search=shop.example')).toEqual(['Ann']);
    expect(await ids(t, '?search=jones')).toEqual(['Bob']);
    expect(await ids(t, '?search=ann%20smith')).toEqual(['Ann']);
    expect(await ids(t, '?search=%25')).toEqual([]);
  });

  it('happy: consent and do-not-contact filters', async () => {
    const t = await createTenant();
    await seed(t);
    await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '0498765432', reason: 'MANUAL' },
    });
    expect(await ids(t, '?consent_status=unknown')).toEqual(['Bob']);
    expect(await ids(t, '?on_do_not_contact=true')).toEqual(['Bob']);
    expect(await ids(t, '?on_do_not_contact=false')).toEqual(['Cat', 'Ann']);
    const list = await json<Page<Contact>>(await t.api('/api/v1/contacts?on_do_not_contact=true'));
    expect(list.data[0]?.do_not_contact).toMatchObject({ reason: 'MANUAL' });
  });

  it('happy: cursor pagination walks every contact once, newest first', async () => {
    const t = await createTenant();
    await seed(t);
    const first = await json<Page<Contact>>(await t.api('/api/v1/contacts?limit=2'));
    expect(first.data.map((c) => c.first_name)).toEqual(['Cat', 'Bob']);
    const second = await json<Page<Contact>>(
      await t.api(`/api/v1/contacts?limit=2&cursor=${first.next_cursor}`),
    );
    expect(second.data.map((c) => c.first_name)).toEqual(['Ann']);
    expect(second.next_cursor).toBeNull();
  });

  it('security: a tenant lists only its own contacts', async () => {
    const a = await createTenant();
    const b = await createTenant();
    await seed(a);
    expect(await ids(b, '')).toEqual([]);
    expect(await ids(b, '?search=0412345678')).toEqual([]);
  });
});

describe('contacts: detail, edit, consent audit', () => {
  it('happy: detail shows do-not-contact reason and suppression from the tenant’s rules', async () => {
    const t = await createTenant();
    const { body: c } = await create(t, { phone: '0412000101', consent_status: 'explicit' });
    await t.db
      .update(contacts)
      .set({ lastSentAt: new Date(Date.now() - 10 * 86_400_000).toISOString() })
      .where(eq(contacts.id, c.id));
    await t.api('/api/v1/suppression-rules', { method: 'POST', json: { name: 'Monthly', window_days: 30 } });
    await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '+61412000101', reason: 'COMPLAINED' },
    });
    const detail = await json<Contact>(await t.api(`/api/v1/contacts/${c.id}`, { role: 'viewer' }));
    expect(detail).toMatchObject({
      on_do_not_contact: true,
      do_not_contact: { reason: 'COMPLAINED' },
      suppressed: true,
    });
    expect(Date.parse(detail.suppressed_until!)).toBeGreaterThan(Date.now() + 19 * 86_400_000);
  });

  it('happy: a consent change is audited with from/to; the old source does not carry over', async () => {
    const t = await createTenant();
    const { body: c } = await create(t, {
      phone: '0412000111',
      consent_status: 'explicit',
      consent_source: 'web form',
      consent_timestamp: '2024-01-01T00:00:00Z',
    });
    const res = await t.api(`/api/v1/contacts/${c.id}`, {
      method: 'PATCH',
      role: 'staff',
      json: { consent_status: 'unknown' },
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      consent_status: 'unknown',
      consent_source: null,
      consent_timestamp: null,
    });
    const [entry] = await audits(t.tenantId, 'contact.consent_changed');
    expect(entry?.resourceId).toBe(c.id);
    expect(entry?.metadata).toMatchObject({
      changes: {
        consentStatus: { from: 'explicit', to: 'unknown' },
        consentSource: { from: 'web form', to: null },
      },
    });
  });

  it('happy: edit names and phone; a phone taken by another contact answers 409', async () => {
    const t = await createTenant();
    const { body: a } = await create(t, { phone: '0412000121', consent_status: 'unknown' });
    await create(t, { phone: '0412000122', consent_status: 'unknown' });
    const ok = await t.api(`/api/v1/contacts/${a.id}`, {
      method: 'PATCH',
      json: { first_name: 'Al', phone: '0412 000 123' },
    });
    expect(await json(ok)).toMatchObject({ first_name: 'Al', phone_e164: '+61412000123' });
    expect(await audits(t.tenantId, 'contact.updated')).toHaveLength(1);
    const clash = await t.api(`/api/v1/contacts/${a.id}`, { method: 'PATCH', json: { phone: '0412000122' } });
    expect(clash.status).toBe(409);
  });

  it('happy: the timeline lists the contact’s events newest first', async () => {
    const t = await createTenant();
    const { body: c } = await create(t, { phone: '0412000131', consent_status: 'explicit' });
    await t.db.insert(events).values([
      { id: uuidv7(Date.now() - 60_000), tenantId: t.tenantId, contactId: c.id, eventType: 'SENT' },
      { id: uuidv7(), tenantId: t.tenantId, contactId: c.id, eventType: 'DELIVERED' },
    ]);
    const page = await json<Page<{ event_type: string }>>(await t.api(`/api/v1/contacts/${c.id}/events`));
    expect(page.data.map((e) => e.event_type)).toEqual(['DELIVERED', 'SENT']);
  });

  it('security: another tenant’s contact answers 404 on every route', async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { body: c } = await create(a, { phone: '0412000141', consent_status: 'explicit' });
    expect((await b.api(`/api/v1/contacts/${c.id}`)).status).toBe(404);
    expect((await b.api(`/api/v1/contacts/${c.id}/events`)).status).toBe(404);
    expect(
      (await b.api(`/api/v1/contacts/${c.id}`, { method: 'PATCH', json: { first_name: 'X' } })).status,
    ).toBe(404);
    expect((await b.api(`/api/v1/contacts/${c.id}`, { method: 'DELETE' })).status).toBe(404);
    const [still] = await a.db.select().from(contacts).where(eq(contacts.id, c.id));
    expect(still?.firstName).toBeNull();
    expect(still?.erasedAt).toBeNull();
  });
});

describe('contacts: delete erases the person', () => {
  it('happy: names, email, custom fields and phone are gone; the row and the do-not-contact entry stay', async () => {
    const t = await createTenant();
    const { body: c } = await create(t, {
      phone: '0412000151',
      first_name: 'Eve',
      last_name: 'Doe',
      email: 'eve@example.com',
      custom_fields: { Birthday: '1990-01-01' },
      consent_status: 'explicit',
      consent_source: 'web',
    });
    await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '0412000151', reason: 'MANUAL' },
    });
    const res = await t.api(`/api/v1/contacts/${c.id}`, { method: 'DELETE', role: 'staff' });
    expect(res.status).toBe(204);
    const [row] = await t.db.select().from(contacts).where(eq(contacts.id, c.id));
    expect(row).toMatchObject({
      firstName: null,
      lastName: null,
      email: null,
      customFields: {},
      consentSource: null,
      phoneE164: `erased:${c.id}`,
    });
    expect(row?.erasedAt).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain('412000151');
    expect(await audits(t.tenantId, 'contact.erased')).toHaveLength(1);
    const dnc = await t.db.select().from(doNotContact).where(eq(doNotContact.tenantId, t.tenantId));
    expect(dnc.map((d) => d.phoneE164)).toEqual(['+61412000151']);
    const list = await json<Page<Contact>>(await t.api('/api/v1/contacts'));
    expect(list.data).toEqual([]);
    expect((await t.api(`/api/v1/contacts/${c.id}`, { method: 'DELETE' })).status).toBe(410);
    // The number can be added again later as a new contact (with new consent).
    expect((await create(t, { phone: '0412000151', consent_status: 'explicit' })).res.status).toBe(201);
  });

  it('security: a viewer cannot delete (403) and nothing is erased', async () => {
    const t = await createTenant();
    const { body: c } = await create(t, {
      phone: '0412000161',
      first_name: 'Kept',
      consent_status: 'explicit',
    });
    const res = await t.api(`/api/v1/contacts/${c.id}`, { method: 'DELETE', role: 'viewer' });
    expect(res.status).toBe(403);
    const [row] = await t.db.select().from(contacts).where(eq(contacts.id, c.id));
    expect(row?.firstName).toBe('Kept');
  });
});
