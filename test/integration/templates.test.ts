import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import { auditLog, campaigns, contacts, tenants } from '../../workers/db/schema';
import { control, createTenant, json } from '../helpers/fixtures';

type Template = { id: string; name: string; body: string; variables: string[]; is_active: boolean };
type Preview = {
  rendered: string;
  encoding: string;
  segments: number;
  characters: number;
  cost_cents: number | null;
  variables: string[];
  unknown_variables: string[];
  non_gsm_characters: string[];
  warnings: string[];
  footer_appended: boolean;
  smart_encoded: { body: string; rendered: string; encoding: string; segments: number } | null;
};

async function withPrice(t: Awaited<ReturnType<typeof createTenant>>, cents = 5) {
  const res = await t.api('/api/v1/costs', {
    method: 'POST',
    json: { country: 'AU', per_part_cents: cents, effective_from: '2020-01-01T00:00:00Z' },
  });
  expect(res.status).toBe(201);
}

describe('templates CRUD', () => {
  it('happy: staff creates, reads, updates and deletes; variables come from the body; all audited', async () => {
    const t = await createTenant('Tpl Co');
    const created = await t.api('/api/v1/templates', {
      method: 'POST',
      role: 'staff',
      json: { name: 'Welcome', body: 'Hi {{ first_name | there }}, see {{link}} {{first_name}}' },
    });
    expect(created.status).toBe(201);
    const tpl = await json<Template>(created);
    expect(tpl).toMatchObject({ name: 'Welcome', variables: ['first_name', 'link'], is_active: true });

    const patched = await json<Template>(
      await t.api(`/api/v1/templates/${tpl.id}`, {
        method: 'PATCH',
        role: 'staff',
        json: { body: 'Hello {{postcode}}', is_active: false },
      }),
    );
    expect(patched).toMatchObject({ body: 'Hello {{postcode}}', variables: ['postcode'], is_active: false });

    const list = await json<{ data: Template[] }>(
      await t.api('/api/v1/templates?is_active=false', { role: 'viewer' }),
    );
    expect(list.data.map((x) => x.id)).toEqual([tpl.id]);

    expect((await t.api(`/api/v1/templates/${tpl.id}`, { method: 'DELETE', role: 'staff' })).status).toBe(
      204,
    );
    expect((await t.api(`/api/v1/templates/${tpl.id}`)).status).toBe(404);

    const actions = (await t.db.select().from(auditLog).where(eq(auditLog.resourceId, tpl.id))).map(
      (a) => a.action,
    );
    expect(actions.sort()).toEqual(['template.created', 'template.deactivated', 'template.deleted']);
  });

  it('error: empty body and unknown fields are 422 with field paths', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/templates', {
      method: 'POST',
      json: { name: 'x', body: '', colour: 1 },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('error: a viewer cannot write templates', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/templates', {
      method: 'POST',
      role: 'viewer',
      json: { name: 'x', body: 'y' },
    });
    expect(res.status).toBe(403);
  });

  it('error: deleting a template a campaign uses is 409; deactivating it works', async () => {
    const t = await createTenant();
    const tpl = await json<Template>(
      await t.api('/api/v1/templates', { method: 'POST', json: { name: 'A', body: 'B' } }),
    );
    await t.db.insert(campaigns).values({
      id: uuidv7(),
      tenantId: t.tenantId,
      name: 'Spring',
      status: 'completed',
      templateIds: [tpl.id],
    });
    const res = await t.api(`/api/v1/templates/${tpl.id}`, { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect((await json(res)).detail).toContain('Spring');
    expect(
      (await t.api(`/api/v1/templates/${tpl.id}`, { method: 'PATCH', json: { is_active: false } })).status,
    ).toBe(200);
  });

  it('security: another tenant’s template is 404 for read, update and delete', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const tpl = await json<Template>(
      await a.api('/api/v1/templates', { method: 'POST', json: { name: 'A', body: 'B' } }),
    );
    expect((await b.api(`/api/v1/templates/${tpl.id}`)).status).toBe(404);
    expect(
      (await b.api(`/api/v1/templates/${tpl.id}`, { method: 'PATCH', json: { name: 'x' } })).status,
    ).toBe(404);
    expect((await b.api(`/api/v1/templates/${tpl.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await json<{ data: unknown[] }>(await b.api('/api/v1/templates'))).data).toEqual([]);
  });
});

describe('POST /templates/preview', () => {
  it('happy: renders sample values and a real-length short link, appends the footer, counts parts and cost', async () => {
    const t = await createTenant('Acme');
    await withPrice(t, 5);
    const res = await t.api('/api/v1/templates/preview', {
      method: 'POST',
      role: 'staff',
      json: { body: 'Acme: hi {{first_name|there}}, {{link}}' },
    });
    expect(res.status).toBe(200);
    const p = await json<Preview>(res);
    expect(p.rendered).toMatch(
      /^Acme: hi Alex, https:\/\/sms\.example\.test\/l\/\S+\nReply STOP to opt out$/,
    );
    expect(p).toMatchObject({
      encoding: 'GSM-7',
      segments: 1,
      characters: p.rendered.length,
      cost_cents: 5,
      variables: ['first_name', 'link'],
      unknown_variables: [],
      non_gsm_characters: [],
      footer_appended: true,
      smart_encoded: null,
    });
    expect(p.warnings.some((w) => /opt-out/i.test(w))).toBe(true);
  });

  it('the footer counts: a 150-character body becomes two parts with it', async () => {
    const t = await createTenant('Acme');
    await withPrice(t, 6);
    const body = `Acme ${'x'.repeat(145)}`;
    const p = await json<Preview>(
      await t.api('/api/v1/templates/preview', { method: 'POST', json: { body } }),
    );
    expect(p.characters).toBe(150 + 1 + 'Reply STOP to opt out'.length);
    expect(p.segments).toBe(2);
    expect(p.cost_cents).toBe(12);
  });

  it('no footer when the tenant turned it off, and a warning says so', async () => {
    const t = await createTenant('Acme');
    await control().update(tenants).set({ appendOptOutFooter: false }).where(eq(tenants.id, t.tenantId));
    await replicateTenant(env, t.tenantId, { tenant: true });
    const p = await json<Preview>(
      await t.api('/api/v1/templates/preview', { method: 'POST', json: { body: 'Acme: hi' } }),
    );
    expect(p.rendered).toBe('Acme: hi');
    expect(p.footer_appended).toBe(false);
    expect(p.warnings.join(' ')).toMatch(/footer is off/);
  });

  it('renders with a given contact, its custom fields and fallbacks; lists unknown variables', async () => {
    const t = await createTenant('Acme');
    const contactId = uuidv7();
    await t.db.insert(contacts).values({
      id: contactId,
      tenantId: t.tenantId,
      phoneE164: '+61412000111',
      firstName: null,
      customFields: { suburb: 'Newtown' },
    });
    const p = await json<Preview>(
      await t.api('/api/v1/templates/preview', {
        method: 'POST',
        json: {
          body: 'Acme: {{first_name|Friend}} in {{suburb}} {{frist_name}}. Reply STOP to opt out',
          contact_id: contactId,
        },
      }),
    );
    expect(p.rendered).toBe('Acme: Friend in Newtown . Reply STOP to opt out');
    expect(p.unknown_variables).toEqual(['frist_name']);
    expect(p.warnings.join(' ')).toContain('{{frist_name}}');
    expect(p.cost_cents).toBeNull(); // no price configured
    expect(p.warnings.join(' ')).toMatch(/No SMS price/);
  });

  it('without a contact, custom field names seen on contacts are known and get a sample value', async () => {
    const t = await createTenant('Acme');
    await t.db.insert(contacts).values({
      id: uuidv7(),
      tenantId: t.tenantId,
      phoneE164: '+61412000222',
      customFields: { suburb: 'Glebe' },
    });
    const p = await json<Preview>(
      await t.api('/api/v1/templates/preview', {
        method: 'POST',
        json: { body: 'Acme {{suburb}} {{nope}}' },
      }),
    );
    expect(p.rendered).toBe('Acme Glebe\nReply STOP to opt out');
    expect(p.unknown_variables).toEqual(['nope']);
  });

  it('names the characters that force UCS-2 and offers a smart-encoded body', async () => {
    const t = await createTenant('Acme');
    const p = await json<Preview>(
      await t.api('/api/v1/templates/preview', {
        method: 'POST',
        json: { body: 'Acme: it’s “on” — reply STOP to opt out' },
      }),
    );
    expect(p.encoding).toBe('UCS-2');
    expect(p.non_gsm_characters).toEqual(['’', '“', '”', '—']);
    expect(p.smart_encoded).toMatchObject({
      body: 'Acme: it\'s "on" - reply STOP to opt out',
      encoding: 'GSM-7',
      segments: 1,
    });
  });

  it('security: another tenant’s contact is 404', async () => {
    const a = await createTenant('A');
    const b = await createTenant('B');
    const contactId = uuidv7();
    await a.db.insert(contacts).values({ id: contactId, tenantId: a.tenantId, phoneE164: '+61412000333' });
    const res = await b.api('/api/v1/templates/preview', {
      method: 'POST',
      json: { body: 'x', contact_id: contactId },
    });
    expect(res.status).toBe(404);
  });
});
