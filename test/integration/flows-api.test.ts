// Issue 14, item 3: the flows API (Growth in API.md): create with a trigger and a step tree,
// validation with field paths, roles and audit, enrolment by API, triggers from tags, deleting,
// and a flow's revenue through its personal links.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditLog, conversions, flows } from '../../workers/db/schema';
import { enrolContact } from '../../workers/flows/enrol';
import { runFlowPage } from '../../workers/flows/queue';
import { createTenant, json } from '../helpers/fixtures';
import {
  addTemplate,
  captureFlowQueue,
  captureSendQueue,
  createFlow,
  enrolmentsOf,
  flowLinks,
  humanClick,
  manualTimers,
  runner,
} from '../helpers/flows';
import { addContacts, DAYTIME, setupSendTenant } from '../helpers/send-setup';

beforeAll(() => manualTimers());
afterEach(() => vi.restoreAllMocks());

type Problem = { errors: { path: string; message: string }[] };

describe('flows API', () => {
  it('happy: staff builds a welcome series; step ids are given and kept across edits; audited', async () => {
    const t = await setupSendTenant();
    const hello = await addTemplate(t, 'Hi {{first_name}}, welcome!');
    const tips = await addTemplate(t, 'Three tips: {{link}}');
    const res = await t.api('/api/v1/flows', {
      method: 'POST',
      role: 'staff',
      json: {
        name: 'Welcome series',
        trigger: { type: 'tag_added', tag: 'vip' },
        steps: [
          { type: 'send', template_id: hello },
          { type: 'wait', minutes: 1440 },
          { type: 'send', template_id: tips, target_url: 'https://shop.example.com/tips' },
        ],
      },
    });
    expect(res.status).toBe(201);
    const flow = await json<{
      id: string;
      is_active: boolean;
      trigger: { type: string; tag: string };
      steps: { id: string }[];
    }>(res);
    expect(flow).toMatchObject({ is_active: false, trigger: { type: 'tag_added', tag: 'vip' } });
    expect(flow.steps.map((s) => s.id)).toEqual(['s1', 's2', 's3']);

    // Insert a step before the others: the existing steps keep their ids, the new one gets a fresh id.
    const patched = await json<{ steps: { id: string; type: string }[]; is_active: boolean }>(
      await t.api(`/api/v1/flows/${flow.id}`, {
        method: 'PATCH',
        json: { is_active: true, steps: [{ type: 'wait', minutes: 5 }, ...flow.steps] },
      }),
    );
    expect(patched.steps.map((s) => s.id)).toEqual(['s4', 's1', 's2', 's3']);
    expect(patched.is_active).toBe(true);
    const list = await json<{ data: { id: string; enrolments: { active: number } }[] }>(
      await t.api('/api/v1/flows', { role: 'viewer' }),
    );
    expect(list.data.map((f) => f.id)).toEqual([flow.id]);
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, flow.id));
    expect(audits.map((a) => a.action).sort()).toEqual(['flow.created', 'flow.updated']);
  });

  it('error: missing templates, a {{link}} without a target, bad waits, an empty flow, a foreign keyword: 422 with paths', async () => {
    const t = await setupSendTenant();
    const other = await createTenant('Other Co');
    const linked = await addTemplate(t, 'See {{link}}');
    const bad = await t.api('/api/v1/flows', {
      method: 'POST',
      json: {
        name: 'Broken',
        trigger: { type: 'api' },
        steps: [
          { type: 'send', template_id: linked },
          { type: 'wait', minutes: 0 },
          {
            type: 'branch',
            on: 'clicked',
            within_minutes: 60,
            // biome-ignore lint/suspicious/noThenProperty: the API's name for a branch's arm
            then: [{ type: 'send', template_id: crypto.randomUUID() }],
          },
        ],
      },
    });
    expect(bad.status).toBe(422);
    const paths = (await json<Problem>(bad)).errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['steps.0.target_url', 'steps.1.minutes', 'steps.2.then.0.template_id']),
    );
    const empty = await t.api('/api/v1/flows', {
      method: 'POST',
      json: { name: 'Empty', trigger: { type: 'api' }, steps: [] },
    });
    expect(empty.status).toBe(422);
    const kw = await other.api('/api/v1/keywords', {
      method: 'POST',
      json: { keyword: 'OTHER', reply: 'Hi' },
    });
    const foreign = await t.api('/api/v1/flows', {
      method: 'POST',
      json: {
        name: 'Foreign',
        trigger: { type: 'keyword', keyword_id: (await json<{ id: string }>(kw)).id },
        steps: [{ type: 'send', template_id: linked, target_url: 'https://shop.example.com' }],
      },
    });
    expect(foreign.status).toBe(422);
    expect((await json<Problem>(foreign)).errors[0]!.path).toBe('trigger.keyword_id');
    expect(await t.db.select().from(flows).where(eq(flows.tenantId, t.tenantId))).toHaveLength(0);
  });

  it('security: viewers cannot write; another tenant’s flow is 404 to read, change, enrol or report', async () => {
    const t = await setupSendTenant();
    const other = await createTenant('Other Co');
    const tpl = await addTemplate(t, 'Hello');
    const flow = await createFlow(t, { steps: [{ type: 'send', template_id: tpl }] });
    const denied = await t.api('/api/v1/flows', {
      method: 'POST',
      role: 'viewer',
      json: { name: 'x', trigger: { type: 'api' }, steps: [{ type: 'send', template_id: tpl }] },
    });
    expect(denied.status).toBe(403);
    for (const [method, path, body] of [
      ['GET', `/api/v1/flows/${flow.id}`, undefined],
      ['PATCH', `/api/v1/flows/${flow.id}`, { name: 'Mine now' }],
      ['DELETE', `/api/v1/flows/${flow.id}`, undefined],
      ['GET', `/api/v1/flows/${flow.id}/stats`, undefined],
      ['POST', `/api/v1/flows/${flow.id}/enroll`, { contact_id: crypto.randomUUID() }],
    ] as const)
      expect((await other.api(path, { method, json: body })).status, `${method} ${path}`).toBe(404);
    expect((await json<{ name: string }>(await t.api(`/api/v1/flows/${flow.id}`))).name).toBe('Welcome');
  });

  it('enrol by API: 202 once, the same again answers the enrolment; paused flows and opted-out contacts are refused', async () => {
    const t = await setupSendTenant();
    const [ada, bob] = await addContacts(t.tenantId, 2);
    const tpl = await addTemplate(t, 'Hello');
    const flow = await createFlow(t, { steps: [{ type: 'send', template_id: tpl }] });
    captureSendQueue();
    const first = await t.api(`/api/v1/flows/${flow.id}/enroll`, {
      method: 'POST',
      role: 'staff',
      json: { contact_id: ada!.id },
    });
    expect(first.status).toBe(202);
    const a = await json<{ enrolment_id: string; created: boolean }>(first);
    expect(a.created).toBe(true);
    expect(await runner(a.enrolment_id).due()).not.toBeNull();
    const again = await json<{ enrolment_id: string; created: boolean }>(
      await t.api(`/api/v1/flows/${flow.id}/enroll`, { method: 'POST', json: { contact_id: ada!.id } }),
    );
    expect(again).toMatchObject({ enrolment_id: a.enrolment_id, created: false });
    await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: bob!.phoneE164, reason: 'MANUAL' },
    });
    expect(
      (await t.api(`/api/v1/flows/${flow.id}/enroll`, { method: 'POST', json: { contact_id: bob!.id } }))
        .status,
    ).toBe(422);
    await t.api(`/api/v1/flows/${flow.id}`, { method: 'PATCH', json: { is_active: false } });
    const [carol] = await addContacts(t.tenantId, 1);
    expect(
      (await t.api(`/api/v1/flows/${flow.id}/enroll`, { method: 'POST', json: { contact_id: carol!.id } }))
        .status,
    ).toBe(409);
  });

  it('a tag added to a contact (one by one, or in bulk) enrols it in the flows that tag starts', async () => {
    const t = await setupSendTenant();
    const tpl = await addTemplate(t, 'Welcome, VIP');
    const flow = await createFlow(t, {
      trigger: { type: 'tag_added', tag: 'VIP' },
      steps: [{ type: 'send', template_id: tpl }],
    });
    captureSendQueue();
    const flowQueue = captureFlowQueue();
    const created = await json<{ id: string }>(
      await t.api('/api/v1/contacts', {
        method: 'POST',
        json: { phone: '+61412777001', consent_status: 'explicit', tags: ['vip'] },
      }),
    );
    const [bob, carol] = await addContacts(t.tenantId, 2);
    await t.api(`/api/v1/contacts/${bob!.id}`, { method: 'PATCH', json: { tags: ['Vip', 'gold'] } });
    expect((await enrolmentsOf(t, flow.id)).map((e) => e.contactId).sort()).toEqual(
      [created.id, bob!.id].sort(),
    );
    // Bulk: a background page per flow, enrolling exactly the contacts the change tagged.
    const bulk = await t.api('/api/v1/contacts/tags', {
      method: 'POST',
      json: { contact_ids: [bob!.id, carol!.id], add: ['vip'] },
    });
    expect(await json<{ added: number }>(bulk)).toMatchObject({ added: 1 });
    expect(flowQueue).toHaveLength(1);
    expect(await runFlowPage(env, flowQueue[0] as never, DAYTIME)).toBeNull();
    expect((await enrolmentsOf(t, flow.id)).map((e) => e.contactId).sort()).toEqual(
      [created.id, bob!.id, carol!.id].sort(),
    );
  });

  it('delete archives the flow: its enrolments leave at once, its report stays readable by id only', async () => {
    const t = await setupSendTenant();
    const [ada] = await addContacts(t.tenantId, 1);
    const tpl = await addTemplate(t, 'Hello');
    const created = await createFlow(t, {
      steps: [
        { type: 'wait', minutes: 60 },
        { type: 'send', template_id: tpl },
      ],
    });
    const row = await t.db.query.flows.findFirst({ where: eq(flows.id, created.id) });
    await enrolContact(env, t.db, { flow: row!, contactId: ada!.id, source: { type: 'api' }, now: DAYTIME });
    expect((await t.api(`/api/v1/flows/${created.id}`, { method: 'DELETE', role: 'staff' })).status).toBe(
      204,
    );
    const [e] = await enrolmentsOf(t, created.id);
    expect(e).toMatchObject({ status: 'exited', exitReason: 'flow_deleted' });
    expect((await t.api(`/api/v1/flows/${created.id}`)).status).toBe(404);
    expect((await json<{ data: unknown[] }>(await t.api('/api/v1/flows'))).data).toHaveLength(0);
  });

  it('revenue: an order after a click on a flow message is attributed to the flow and shows in its report', async () => {
    const t = await setupSendTenant();
    const [ada] = await addContacts(t.tenantId, 1);
    const tpl = await addTemplate(t, 'Your code: {{link}}');
    const created = await createFlow(t, {
      steps: [{ type: 'send', template_id: tpl, target_url: 'https://shop.example.com/' }],
    });
    captureSendQueue();
    const row = await t.db.query.flows.findFirst({ where: eq(flows.id, created.id) });
    const r = await enrolContact(env, t.db, {
      flow: row!,
      contactId: ada!.id,
      source: { type: 'api' },
      now: DAYTIME,
    });
    const id = (r as { enrolmentId: string }).enrolmentId;
    await runner(id).runAt(DAYTIME.toISOString());
    const [link] = await flowLinks(t, id);
    const clickedAt = new Date(DAYTIME.getTime() + 3600_000);
    await humanClick(link!.token, clickedAt);
    const order = await t.api('/api/v1/conversions', {
      method: 'POST',
      json: {
        contact_id: ada!.id,
        value_cents: 4200,
        currency: 'AUD',
        order_id: 'FLOW-1',
        occurred_at: new Date(clickedAt.getTime() + 600_000).toISOString(),
      },
    });
    expect(order.status).toBe(201);
    expect((await json<{ attributed: unknown }>(order)).attributed).toMatchObject({
      flow_id: created.id,
      campaign_id: null,
      short_link_id: link!.id,
    });
    const [conv] = await t.db
      .select()
      .from(conversions)
      .where(and(eq(conversions.tenantId, t.tenantId), eq(conversions.orderId, 'FLOW-1')));
    expect(conv!.flowId).toBe(created.id);
    const stats = await json<{ conversions: number; revenue_cents: number; revenue_currency: string }>(
      await t.api(`/api/v1/flows/${created.id}/stats`),
    );
    expect(stats).toMatchObject({ conversions: 1, revenue_cents: 4200, revenue_currency: 'AUD' });
  });
});
