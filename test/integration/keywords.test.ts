// Issue 14, item 1 (data side): join keywords. CRUD with the clash rules (STOP/START/HELP words,
// the same word on the same number, a tenant-wide keyword), audited, tenant-scoped.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { auditLog, sendingNumbers } from '../../workers/db/schema';
import { control, createTenant, json, type TestTenant } from '../helpers/fixtures';

type Keyword = {
  id: string;
  keyword: string;
  sending_number_id: string | null;
  tags_add: string[];
  double_opt_in: boolean;
};

let seq = 0;
async function number(t: TestTenant) {
  const id = uuidv7();
  await control()
    .insert(sendingNumbers)
    .values({
      id,
      tenantId: t.tenantId,
      phoneE164: `+6148800${String(++seq).padStart(4, '0')}`,
      dailyLimit: 10,
      perMinuteLimit: 1,
    });
  return id;
}

const create = (t: TestTenant, body: Record<string, unknown>, role: 'admin' | 'staff' | 'viewer' = 'staff') =>
  t.api('/api/v1/keywords', {
    method: 'POST',
    role,
    json: { reply: 'Welcome! Reply STOP to opt out.', ...body },
  });

async function problemOf(res: Response) {
  return json<{ errors: { path: string; message: string }[] }>(res);
}

describe('join keywords', () => {
  it('happy: staff creates, lists, updates and deletes a keyword; normalised; audited', async () => {
    const t = await createTenant();
    const n1 = await number(t);
    const res = await create(t, {
      keyword: ' coffee  club! ',
      sending_number_id: n1,
      tags_add: ['coffee', 'coffee', 'vip'],
    });
    expect(res.status).toBe(201);
    const k = await json<Keyword>(res);
    expect(k).toMatchObject({
      keyword: 'COFFEE CLUB',
      sending_number_id: n1,
      tags_add: ['coffee', 'vip'],
      double_opt_in: true,
    });
    const list = await json<{ data: Keyword[] }>(await t.api('/api/v1/keywords', { role: 'viewer' }));
    expect(list.data.map((x) => x.id)).toEqual([k.id]);
    const patched = await t.api(`/api/v1/keywords/${k.id}`, {
      method: 'PATCH',
      role: 'staff',
      json: { double_opt_in: false, keyword: 'beans' },
    });
    expect(await json<Keyword>(patched)).toMatchObject({ keyword: 'BEANS', double_opt_in: false });
    expect((await t.api(`/api/v1/keywords/${k.id}`, { method: 'DELETE', role: 'staff' })).status).toBe(204);
    const actions = (await t.db.select().from(auditLog).where(eq(auditLog.resourceId, k.id))).map(
      (a) => a.action,
    );
    expect(actions.sort()).toEqual(['keyword.created', 'keyword.deleted', 'keyword.updated']);
  });

  it('error: STOP, START, HELP words (and Y) are refused with 422 and the reason', async () => {
    const t = await createTenant();
    for (const word of ['STOP', 'stop', 'Unsubscribe', 'start', 'YES', 'help', 'Info', 'y']) {
      const res = await create(t, { keyword: word });
      expect(res.status, word).toBe(422);
      const p = await problemOf(res);
      expect(p.errors[0]?.path).toBe('keyword');
      expect(p.errors[0]?.message).toMatch(/keeps that meaning/);
    }
  });

  it('error: the same word on the same number, or next to a tenant-wide one, is 422; another number is fine', async () => {
    const t = await createTenant();
    const n1 = await number(t);
    const n2 = await number(t);
    expect((await create(t, { keyword: 'JOIN', sending_number_id: n1 })).status).toBe(201);
    const dup = await create(t, { keyword: 'join.', sending_number_id: n1 });
    expect(dup.status).toBe(422);
    expect((await problemOf(dup)).errors[0]?.message).toMatch(/already a keyword on \+614880/);
    expect((await create(t, { keyword: 'JOIN', sending_number_id: n2 })).status).toBe(201);
    const wide = await create(t, { keyword: 'JOIN' });
    expect(wide.status).toBe(422);
    expect((await create(t, { keyword: 'VIP' })).status).toBe(201);
    const onNumber = await create(t, { keyword: 'vip', sending_number_id: n1 });
    expect(onNumber.status).toBe(422);
    expect((await problemOf(onNumber)).errors[0]?.message).toMatch(/every number/);

    // Moving a keyword onto a clashing scope is refused too.
    const other = await json<Keyword>(await create(t, { keyword: 'DEALS', sending_number_id: n2 }));
    const moved = await t.api(`/api/v1/keywords/${other.id}`, { method: 'PATCH', json: { keyword: 'JOIN' } });
    expect(moved.status).toBe(422);
  });

  it('error: a number of another tenant, bad characters, an empty reply, a tag with a comma: 422', async () => {
    const a = await createTenant();
    const b = await createTenant();
    const theirs = await number(b);
    for (const [body, path] of [
      [{ keyword: 'JOIN', sending_number_id: theirs }, 'sending_number_id'],
      [{ keyword: 'JOIN-NOW' }, 'keyword'],
      [{ keyword: 'JOIN', reply: '  ' }, 'reply'],
      [{ keyword: 'JOIN', tags_add: ['a,b'] }, 'tags_add.0'],
    ] as const) {
      const res = await create(a, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await problemOf(res)).errors.map((e) => e.path)).toContain(path);
    }
  });

  it('security: viewers cannot write; another tenant’s keyword is 404', async () => {
    const a = await createTenant();
    const b = await createTenant();
    expect((await create(a, { keyword: 'JOIN' }, 'viewer')).status).toBe(403);
    const k = await json<Keyword>(await create(a, { keyword: 'JOIN' }));
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await b.api(`/api/v1/keywords/${k.id}`, {
        method,
        ...(method === 'PATCH' ? { json: { reply: 'x' } } : {}),
      });
      expect(res.status, method).toBe(404);
    }
    // The same word in another tenant is no clash.
    expect((await create(b, { keyword: 'JOIN' })).status).toBe(201);
  });
});
