import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import {
  auditLog,
  campaigns,
  contacts,
  contactTags,
  doNotContact,
  suppressionRules,
} from '../../workers/db/schema';
import { createTenant, json, type TestTenant } from '../helpers/fixtures';

type Segment = { id: string; name: string; filter: Record<string, unknown>; conditions: number };
type Problem = { status: number; detail: string; errors?: { path: string; message: string }[] };
type Preview = { count: number; eligible: number; skipped: Record<string, number> };

const vip = { all: [{ field: 'tags', op: 'has_any', value: ['VIP'] }] };

async function createSegment(
  t: TestTenant,
  name: string,
  filter: unknown,
  role: 'staff' | 'admin' = 'staff',
) {
  const res = await t.api('/api/v1/segments', { method: 'POST', json: { name, filter }, role });
  return { res, body: await json<Segment & Problem>(res) };
}

async function preview(t: TestTenant, filter: unknown, role: 'viewer' | 'staff' = 'viewer') {
  const res = await t.api('/api/v1/segments/preview', { method: 'POST', json: { filter }, role });
  return { res, body: await json<Preview & Problem>(res) };
}

let phoneSeq = 0;
async function person(t: TestTenant, over: Partial<typeof contacts.$inferInsert> = {}, tags: string[] = []) {
  const id = uuidv7();
  await t.db.insert(contacts).values({
    id,
    tenantId: t.tenantId,
    phoneE164: `+614555${String(++phoneSeq).padStart(5, '0')}`,
    consentStatus: 'explicit',
    ...over,
  });
  if (tags.length)
    await t.db.insert(contactTags).values(tags.map((tag) => ({ tenantId: t.tenantId, contactId: id, tag })));
  return id;
}

describe('segments API', () => {
  it('happy: create, read, list, rename, change the filter; each audited', async () => {
    const t = await createTenant();
    const { res, body } = await createSegment(t, 'VIPs', {
      all: [{ field: 'tags', op: 'has_any', value: [' VIP ', 'vip'] }],
    });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({ name: 'VIPs', conditions: 1, filter: vip });
    const got = await json<Segment & { used_by: unknown }>(
      await t.api(`/api/v1/segments/${body.id}`, { role: 'viewer' }),
    );
    expect(got).toMatchObject({ id: body.id, filter: vip, used_by: { campaigns: [], segments: [] } });
    const list = await json<{ data: Segment[] }>(await t.api('/api/v1/segments', { role: 'viewer' }));
    expect(list.data.map((s) => s.id)).toEqual([body.id]);
    const patched = await t.api(`/api/v1/segments/${body.id}`, {
      method: 'PATCH',
      role: 'staff',
      json: { name: 'Best customers', filter: { any: [{ field: 'last_reply_at', op: 'is_set' }] } },
    });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ name: 'Best customers', conditions: 1 });
    const actions = (await t.db.select().from(auditLog).where(eq(auditLog.tenantId, t.tenantId))).map(
      (a) => a.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['segment.created', 'segment.updated']));
  });

  it('error: a bad filter answers 422 with the JSON path of each problem, and nothing is saved', async () => {
    const t = await createTenant();
    const { res, body } = await createSegment(t, 'Bad', {
      all: [
        { field: 'tags', op: 'has_any', value: ['VIP'] },
        { field: 'consent_status', op: 'eq', value: 'explicit' },
        {
          any: [
            { field: 'postcode', op: 'eq', value: '2000' },
            { field: 'tags', op: 'gt', value: 1 },
          ],
        },
      ],
    });
    expect(res.status).toBe(422);
    expect(body.errors).toEqual([
      { path: 'filter.all[2].any[0].field', message: expect.stringMatching(/Unknown field "postcode"/) },
      { path: 'filter.all[2].any[1].op', message: expect.stringMatching(/does not apply to tags/) },
    ]);
    expect((await json<{ data: unknown[] }>(await t.api('/api/v1/segments'))).data).toEqual([]);
    // Preview answers the same.
    const p = await preview(t, { all: [{ field: 'created_at', op: 'within_days', value: -3 }] });
    expect(p.res.status).toBe(422);
    expect(p.body.errors?.[0]?.path).toBe('filter.all[0].value');
  });

  it('error: unknown segments, another tenant’s segment and unknown imports are 422 on .value', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const theirs = await createSegment(other, 'Theirs', vip);
    const { res, body } = await createSegment(t, 'Refs', {
      all: [
        { field: 'segment', op: 'in', value: theirs.body.id },
        { field: 'import_batch_id', op: 'eq', value: uuidv7() },
      ],
    });
    expect(res.status).toBe(422);
    expect(body.errors).toEqual([
      { path: 'filter.all[0].value', message: 'No such segment' },
      { path: 'filter.all[1].value', message: 'No such import' },
    ]);
  });

  it('error: a cycle of segments is refused with the chain (A includes B; B may not include A)', async () => {
    const t = await createTenant();
    const b = await createSegment(t, 'B', vip);
    const a = await createSegment(t, 'A', { all: [{ field: 'segment', op: 'in', value: b.body.id }] });
    expect(a.res.status).toBe(201);
    const res = await t.api(`/api/v1/segments/${b.body.id}`, {
      method: 'PATCH',
      role: 'staff',
      json: { filter: { any: [vip.all[0], { field: 'segment', op: 'not_in', value: a.body.id }] } },
    });
    expect(res.status).toBe(422);
    expect((await json<Problem>(res)).errors).toEqual([
      {
        path: 'filter.any[1].value',
        message: 'Segments would include each other: this segment → "A" → this segment',
      },
    ]);
    const self = await t.api(`/api/v1/segments/${b.body.id}`, {
      method: 'PATCH',
      role: 'staff',
      json: { filter: { all: [{ field: 'segment', op: 'in', value: b.body.id }] } },
    });
    expect(self.status).toBe(422);
    // The builder's live preview of B's filter says the same before anything is saved.
    const p = await t.api('/api/v1/segments/preview', {
      method: 'POST',
      json: { segment_id: b.body.id, filter: { all: [{ field: 'segment', op: 'in', value: a.body.id }] } },
    });
    expect(p.status).toBe(422);
  });

  it('error: names are unique per tenant (409); another tenant may use the same name', async () => {
    const t = await createTenant();
    expect((await createSegment(t, 'VIPs', vip)).res.status).toBe(201);
    const dup = await createSegment(t, 'VIPs', vip);
    expect(dup.res.status).toBe(409);
    expect(dup.body.errors?.[0]?.path).toBe('name');
    expect((await createSegment(await createTenant(), 'VIPs', vip)).res.status).toBe(201);
  });

  it('delete: refused (409, naming them) while a draft campaign or another segment uses it', async () => {
    const t = await createTenant();
    const s = await createSegment(t, 'VIPs', vip);
    const user = await createSegment(t, 'Engaged VIPs', {
      all: [{ field: 'segment', op: 'in', value: s.body.id }],
    });
    const draft = uuidv7();
    await t.db.insert(campaigns).values({
      id: draft,
      tenantId: t.tenantId,
      name: 'Winter sale',
      templateIds: [],
      audience: { exclude_segment_ids: [s.body.id] },
    });
    const res = await t.api(`/api/v1/segments/${s.body.id}`, { method: 'DELETE', role: 'staff' });
    expect(res.status).toBe(409);
    const p = await json<Problem & { campaigns: { id: string }[]; segments: { id: string }[] }>(res);
    expect(p.detail).toMatch(/campaign "Winter sale", segment "Engaged VIPs"/);
    expect(p.campaigns.map((x) => x.id)).toEqual([draft]);
    expect(p.segments.map((x) => x.id)).toEqual([user.body.id]);
    const got = await json<{ used_by: { campaigns: { status: string }[] } }>(
      await t.api(`/api/v1/segments/${s.body.id}`),
    );
    expect(got.used_by.campaigns).toEqual([{ id: draft, name: 'Winter sale', status: 'draft' }]);

    // Once launched (frozen) and no longer named by a segment, it may go.
    await t.db.update(campaigns).set({ status: 'completed' }).where(eq(campaigns.id, draft));
    expect(
      (await t.api(`/api/v1/segments/${user.body.id}`, { method: 'DELETE', role: 'staff' })).status,
    ).toBe(204);
    expect((await t.api(`/api/v1/segments/${s.body.id}`, { method: 'DELETE', role: 'staff' })).status).toBe(
      204,
    );
    expect((await t.api(`/api/v1/segments/${s.body.id}`)).status).toBe(404);
    const deleted = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'segment.deleted')));
    expect(deleted).toHaveLength(2);
  });

  it('roles: viewers read and preview but cannot create, change or delete', async () => {
    const t = await createTenant();
    const s = await createSegment(t, 'VIPs', vip);
    expect(
      (await t.api('/api/v1/segments', { method: 'POST', role: 'viewer', json: { name: 'x', filter: vip } }))
        .status,
    ).toBe(403);
    expect(
      (await t.api(`/api/v1/segments/${s.body.id}`, { method: 'PATCH', role: 'viewer', json: { name: 'y' } }))
        .status,
    ).toBe(403);
    expect((await t.api(`/api/v1/segments/${s.body.id}`, { method: 'DELETE', role: 'viewer' })).status).toBe(
      403,
    );
    expect((await preview(t, vip, 'viewer')).res.status).toBe(200);
  });
});

describe('POST /segments/preview', () => {
  it('happy: the count and who a campaign would skip, by the fan-out’s reasons', async () => {
    const t = await createTenant();
    const recent = new Date(Date.now() - 86_400_000).toISOString(); // the real clock, as the route reads it
    await person(t, {}, ['VIP']); // eligible
    await person(t, { consentStatus: 'implied' }, ['vip']); // eligible
    await person(t, { consentStatus: 'unknown' }, ['VIP']); // no consent
    const dncPhone = '+61455599999';
    await person(t, { phoneE164: dncPhone }, ['VIP']);
    await t.db
      .insert(doNotContact)
      .values({ id: uuidv7(), tenantId: t.tenantId, phoneE164: dncPhone, reason: 'STOP' });
    await person(t, { lastSentAt: recent }, ['VIP']); // suppressed
    await t.db
      .insert(suppressionRules)
      .values({ id: uuidv7(), tenantId: t.tenantId, name: 'Week', windowDays: 7 });
    await person(t, { erasedAt: recent }, ['VIP']); // erased: never counted
    await person(t, {}, ['other']); // not in the segment
    const { res, body } = await preview(t, vip);
    expect(res.status).toBe(200);
    expect(body).toEqual({
      count: 5,
      eligible: 2,
      skipped: { invalid: 0, do_not_contact: 1, no_consent: 1, suppressed: 1 },
    });
    // Not another tenant's contacts, with the same tags.
    const other = await createTenant();
    expect((await preview(other, vip)).body.count).toBe(0);
  });

  it('matches the contact list filtered by the saved segment, and the contacts export', async () => {
    const t = await createTenant();
    const a = await person(t, { firstName: 'Ann' }, ['VIP', 'NSW']);
    await person(t, { firstName: 'Bob' }, ['VIP']);
    const filter = { all: [{ field: 'tags', op: 'has_all', value: ['vip', 'nsw'] }] };
    expect((await preview(t, filter)).body.count).toBe(1);
    const s = await createSegment(t, 'NSW VIPs', filter);
    const list = await json<{ data: { id: string; tags: string[] }[] }>(
      await t.api(`/api/v1/contacts?segment_id=${s.body.id}`),
    );
    expect(list.data).toEqual([expect.objectContaining({ id: a, tags: ['VIP', 'NSW'] })]);
    expect((await t.api(`/api/v1/contacts?segment_id=${uuidv7()}`)).status).toBe(404);
  });
});
