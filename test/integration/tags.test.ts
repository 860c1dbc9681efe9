import { createExecutionContext, createMessageBatch } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import type { ImportMessage } from '../../workers/db/imports';
import { auditLog, contacts, contactTags } from '../../workers/db/schema';
import worker from '../../workers/index';
import { createTenant, json, shardDb, type TestTenant } from '../helpers/fixtures';

type Contact = { id: string; phone_e164: string; tags: string[] };
type Problem = { detail: string; errors?: { path: string; message: string }[] };
type Bulk = { contacts: number; added: number; removed: number };

const tagsIn = async (tenantId: string, contactId: string) =>
  (
    await shardDb(tenantId)
      .select({ tag: contactTags.tag })
      .from(contactTags)
      .where(and(eq(contactTags.tenantId, tenantId), eq(contactTags.contactId, contactId)))
  )
    .map((r) => r.tag)
    .sort();

async function createContact(t: TestTenant, phone: string, tags?: unknown) {
  const res = await t.api('/api/v1/contacts', {
    method: 'POST',
    role: 'staff',
    json: { phone, consent_status: 'explicit', ...(tags === undefined ? {} : { tags }) },
  });
  return { res, body: await json<Contact & Problem>(res) };
}

/** `n` contacts straight into the table (for bulk tests), phones +6143<n>. */
async function manyContacts(tenantId: string, n: number, prefix = '43') {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: uuidv7(),
    phone: `+61${prefix}${String(i).padStart(7, '0')}`,
  }));
  await shardDb(tenantId)
    .$client.prepare(
      `INSERT INTO contacts (id, tenant_id, phone_e164, consent_status)
     SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.phone'), 'explicit' FROM json_each(?2)`,
    )
    .bind(tenantId, JSON.stringify(rows))
    .run();
  return rows.map((r) => r.id);
}

async function bulk(t: TestTenant, body: unknown, role: 'staff' | 'viewer' = 'staff') {
  const res = await t.api('/api/v1/contacts/tags', { method: 'POST', role, json: body });
  return { res, body: await json<Bulk & Problem>(res) };
}

describe('tags on a contact', () => {
  it('happy: create with tags (trimmed, repeats dropped), read them back, replace them with PATCH', async () => {
    const t = await createTenant();
    const { res, body } = await createContact(t, '0412 000 001', [' VIP ', 'vip', 'NSW', 'Spring  sale']);
    expect(res.status).toBe(201);
    expect(body.tags).toEqual(['VIP', 'NSW', 'Spring sale']);
    const got = await json<Contact>(await t.api(`/api/v1/contacts/${body.id}`, { role: 'viewer' }));
    expect(got.tags).toEqual(['VIP', 'NSW', 'Spring sale']);

    const patched = await t.api(`/api/v1/contacts/${body.id}`, {
      method: 'PATCH',
      role: 'staff',
      json: { tags: ['vip', 'Gold'] },
    });
    expect(patched.status).toBe(200);
    // "vip" is the tag it already had (kept as first written); NSW and Spring sale are gone.
    expect((await json<Contact>(patched)).tags.sort()).toEqual(['Gold', 'VIP']);
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'contact.updated')));
    expect(audit[0]?.metadata).toMatchObject({
      changes: { tags: { from: ['VIP', 'NSW', 'Spring sale'], to: ['vip', 'Gold'] } },
    });
    // The same set again (other case, other order) is no change at all.
    await t.api(`/api/v1/contacts/${body.id}`, {
      method: 'PATCH',
      role: 'staff',
      json: { tags: ['GOLD', 'vip'] },
    });
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'contact.updated')));
    expect(audits).toHaveLength(1);
  });

  it('error: a bad tag answers 422 naming its position; more than 100 tags are refused', async () => {
    const t = await createTenant();
    const bad = await createContact(t, '0412 000 002', ['ok', 'a;b']);
    expect(bad.res.status).toBe(422);
    expect(bad.body.errors).toEqual([{ path: 'tags.1', message: expect.stringMatching(/cannot contain/) }]);
    const many = await createContact(
      t,
      '0412 000 003',
      Array.from({ length: 101 }, (_, i) => `t${i}`),
    );
    expect(many.res.status).toBe(422);
    expect(await t.db.select().from(contacts).where(eq(contacts.tenantId, t.tenantId))).toEqual([]);
  });

  it('the list shows tags and filters by one (any case); GET /contacts/tags counts them', async () => {
    const t = await createTenant();
    const a = await createContact(t, '0412 000 011', ['VIP', 'NSW']);
    const b = await createContact(t, '0412 000 012', ['vip']);
    await createContact(t, '0412 000 013', ['NSW']);
    const list = await json<{ data: Contact[] }>(await t.api('/api/v1/contacts?tag=Vip', { role: 'viewer' }));
    expect(list.data.map((c) => c.id).sort()).toEqual([a.body.id, b.body.id].sort());
    expect(list.data.find((c) => c.id === a.body.id)?.tags).toEqual(['VIP', 'NSW']);
    const tags = await json<{ data: { tag: string; contacts: number }[] }>(
      await t.api('/api/v1/contacts/tags', { role: 'viewer' }),
    );
    expect(tags.data).toEqual([
      { tag: expect.stringMatching(/^nsw$/i), contacts: 2 },
      { tag: expect.stringMatching(/^vip$/i), contacts: 2 },
    ]);
  });

  it('erasing a contact erases its tags', async () => {
    const t = await createTenant();
    const a = await createContact(t, '0412 000 021', ['VIP']);
    expect((await t.api(`/api/v1/contacts/${a.body.id}`, { method: 'DELETE', role: 'staff' })).status).toBe(
      204,
    );
    expect(await tagsIn(t.tenantId, a.body.id)).toEqual([]);
  });
});

describe('POST /contacts/tags (bulk)', () => {
  it('happy: add and remove on listed contacts; tags they had stay; audited once', async () => {
    const t = await createTenant();
    const [a, b, c] = await manyContacts(t.tenantId, 3);
    await t.db.insert(contactTags).values([
      { tenantId: t.tenantId, contactId: a!, tag: 'VIP' },
      { tenantId: t.tenantId, contactId: b!, tag: 'old' },
    ]);
    const { res, body } = await bulk(t, { contact_ids: [a, b], add: ['vip', 'Winter'], remove: ['OLD'] });
    expect(res.status).toBe(200);
    expect(body).toEqual({ contacts: 2, added: 3, removed: 1 });
    expect(await tagsIn(t.tenantId, a!)).toEqual(['VIP', 'Winter']);
    expect(await tagsIn(t.tenantId, b!)).toEqual(['Winter', 'vip']);
    expect(await tagsIn(t.tenantId, c!)).toEqual([]);
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'contact.tags_changed')));
    expect(audit).toHaveLength(1);
    expect(audit[0]?.metadata).toMatchObject({ contacts: 2, add: ['vip', 'Winter'], remove: ['OLD'] });
  });

  it('happy: a whole segment (2,500 contacts) in bounded statements, then untagged again', async () => {
    const t = await createTenant();
    const ids = await manyContacts(t.tenantId, 2500);
    await manyContacts(t.tenantId, 10, '44'); // outside the segment
    await t.shard.d1
      .prepare(
        `INSERT INTO contact_tags (tenant_id, contact_id, tag) SELECT ?1, value, 'NSW' FROM json_each(?2)`,
      )
      .bind(t.tenantId, JSON.stringify(ids))
      .run();
    const seg = await json<{ id: string }>(
      await t.api('/api/v1/segments', {
        method: 'POST',
        role: 'staff',
        json: { name: 'NSW', filter: { all: [{ field: 'tags', op: 'has_any', value: ['nsw'] }] } },
      }),
    );
    const added = await bulk(t, { segment_id: seg.id, add: ['Winter', 'VIP'] });
    expect(added.body).toEqual({ contacts: 2500, added: 5000, removed: 0 });
    const count = async (tag: string) =>
      (
        await t.shard.d1
          .prepare('SELECT count(*) AS n FROM contact_tags WHERE tenant_id = ? AND tag = ?')
          .bind(t.tenantId, tag)
          .first<{ n: number }>()
      )?.n;
    expect(await count('winter')).toBe(2500);
    const removed = await bulk(t, { segment_id: seg.id, remove: ['winter'] });
    expect(removed.body).toEqual({ contacts: 2500, added: 0, removed: 2500 });
    expect(await count('Winter')).toBe(0);
    expect(await count('VIP')).toBe(2500);
  });

  it('edge: a contact at 100 tags gets no more; erased contacts and other tenants’ ids are never touched', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const [full, erased] = await manyContacts(t.tenantId, 2);
    const [theirs] = await manyContacts(other.tenantId, 1, '45');
    await t.shard.d1
      .prepare(
        `INSERT INTO contact_tags (tenant_id, contact_id, tag) SELECT ?1, ?2, 't' || value FROM json_each(?3)`,
      )
      .bind(t.tenantId, full, JSON.stringify(Array.from({ length: 100 }, (_, i) => i)))
      .run();
    await t.db.update(contacts).set({ erasedAt: new Date().toISOString() }).where(eq(contacts.id, erased!));
    const { body } = await bulk(t, { contact_ids: [full, erased, theirs], add: ['more'] });
    expect(body).toEqual({ contacts: 1, added: 0, removed: 0 });
    expect((await tagsIn(t.tenantId, full!)).length).toBe(100);
    expect(await tagsIn(t.tenantId, erased!)).toEqual([]);
    expect(await tagsIn(other.tenantId, theirs!)).toEqual([]);
  });

  it('error: both or neither target, no tag, a bad tag, the same tag added and removed; viewers 403', async () => {
    const t = await createTenant();
    const [a] = await manyContacts(t.tenantId, 1);
    const seg = uuidv7();
    expect((await bulk(t, { add: ['x'] })).body.errors?.[0]?.path).toBe('contact_ids');
    expect((await bulk(t, { contact_ids: [a], segment_id: seg, add: ['x'] })).res.status).toBe(422);
    expect((await bulk(t, { contact_ids: [a] })).body.errors?.[0]).toEqual({
      path: 'add',
      message: 'Name at least one tag to add or remove',
    });
    expect((await bulk(t, { contact_ids: [a], add: ['fine', 'x'.repeat(65)] })).body.errors?.[0]?.path).toBe(
      'add.1',
    );
    expect((await bulk(t, { contact_ids: [a], add: ['VIP'], remove: ['vip'] })).body.errors?.[0]?.path).toBe(
      'add.0',
    );
    expect((await bulk(t, { segment_id: seg, add: ['x'] })).res.status).toBe(404);
    expect((await bulk(t, { contact_ids: [a], add: ['x'] }, 'viewer')).res.status).toBe(403);
    expect(await tagsIn(t.tenantId, a!)).toEqual([]);
  });
});

describe('CSV import column "tags"', () => {
  async function importCsv(t: TestTenant, csv: string) {
    const res = await t.api('/api/v1/imports', {
      method: 'POST',
      role: 'staff',
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(202);
    const { id } = await json<{ id: string }>(res);
    for (let i = 0; i < 10; i++) {
      const batch = createMessageBatch<ImportMessage>('sms-import', [
        {
          id: `m-${id}-${i}`,
          timestamp: new Date(),
          attempts: 1,
          body: { batchId: id, tenantId: t.tenantId, seq: 0 },
        },
      ]);
      await worker.queue(batch as MessageBatch<unknown>, env, createExecutionContext());
      const state = await json<{ status: string }>(await t.api(`/api/v1/imports/${id}`));
      if (state.status === 'completed')
        return state as unknown as Record<string, number> & { rejected_rows: { reason: string }[] };
    }
    throw new Error('import did not settle');
  }
  const contactId = async (tenantId: string, phone: string) =>
    (
      await shardDb(tenantId)
        .select({ id: contacts.id })
        .from(contacts)
        .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneE164, phone)))
    )[0]?.id ?? '';

  it('adds tags separated by ; or , and never removes one; a row that only adds a tag counts as updated', async () => {
    const t = await createTenant();
    const first = await importCsv(t, 'phone,tags\n0412000101,"VIP; NSW"\n0412000102,vip\n0412000103,\n');
    expect(first).toMatchObject({ created_count: 3, rejected_count: 0 });
    const ann = await contactId(t.tenantId, '+61412000101');
    expect(await tagsIn(t.tenantId, ann)).toEqual(['NSW', 'VIP']);
    const second = await importCsv(t, 'phone,tags\n0412000101,"nsw, Gold"\n0412000102,VIP\n0412000103,\n');
    // Ann gains Gold (updated); Bob already has vip (unchanged); Cat nothing (unchanged).
    expect(second).toMatchObject({ created_count: 0, updated_count: 1, skipped_count: 2 });
    expect(await tagsIn(t.tenantId, ann)).toEqual(['Gold', 'NSW', 'VIP']);
    expect(await tagsIn(t.tenantId, await contactId(t.tenantId, '+61412000102'))).toEqual(['vip']);
  });

  it('a row with a bad tag is rejected with the reason; the other rows import', async () => {
    const t = await createTenant();
    const state = await importCsv(t, `phone,Tags\n0412000201,ok\n0412000202,"fine;${'x'.repeat(70)}"\n`);
    expect(state).toMatchObject({ created_count: 1, rejected_count: 1 });
    expect(state.rejected_rows[0]?.reason).toMatch(/^tags: .*longer than 64/);
  });
});
