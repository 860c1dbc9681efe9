import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import * as s from '../../workers/db/schema';
import { shards } from '../../workers/db/shards';
import { saveTwilioAccount } from '../../workers/db/twilio-accounts';
import { keyRingFromEnv } from '../../workers/lib/secret-box';
import { call, control, createTenant, json, type TestTenant } from '../helpers/fixtures';

type OpenApi = {
  paths: Record<
    string,
    Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>
  >;
};

/** One row of every tenant-scoped resource for tenant A, inserted directly so the walk depends on no route. */
async function seedVictim(a: TestTenant) {
  const d = a.db;
  const ctl = control();
  const ids = {
    contact: uuidv7(),
    batch: uuidv7(),
    template: uuidv7(),
    number: uuidv7(),
    campaign: uuidv7(),
    job: uuidv7(),
    link: uuidv7(),
    rule: uuidv7(),
    cost: uuidv7(),
    user: uuidv7(),
    dnc: uuidv7(),
    deadLetter: uuidv7(),
    webhook: uuidv7(),
    delivery: uuidv7(),
    keyword: uuidv7(),
    form: uuidv7(),
    conversion: uuidv7(),
    segment: uuidv7(),
    conversation: uuidv7(),
    testNumber: uuidv7(),
    flow: uuidv7(),
    enrolment: uuidv7(),
  };
  const phone = '+61412000111';
  await d
    .insert(s.importBatches)
    .values({ id: ids.batch, tenantId: a.tenantId, fileName: 'a.csv', fileHash: 'h' });
  await d.insert(s.contacts).values({
    id: ids.contact,
    tenantId: a.tenantId,
    phoneE164: phone,
    firstName: 'Victoria',
    consentStatus: 'explicit',
    importBatchId: ids.batch,
  });
  await d.insert(s.contactTags).values({ tenantId: a.tenantId, contactId: ids.contact, tag: 'SecretTag' });
  await d.insert(s.segments).values({
    id: ids.segment,
    tenantId: a.tenantId,
    name: 'Secret segment',
    filter: { all: [{ field: 'tags', op: 'has_any', value: ['SecretTag'] }] },
  });
  await d
    .insert(s.doNotContact)
    .values({ id: ids.dnc, tenantId: a.tenantId, phoneE164: '+61412000999', reason: 'MANUAL' });
  await d
    .insert(s.messageTemplates)
    .values({ id: ids.template, tenantId: a.tenantId, name: 'T', body: 'Hi' });
  await ctl.insert(s.sendingNumbers).values({
    id: ids.number,
    tenantId: a.tenantId,
    phoneE164: `+6148${Date.now().toString().slice(-7)}`,
    dailyLimit: 100,
    perMinuteLimit: 10,
  });
  await d.insert(s.campaigns).values({
    id: ids.campaign,
    tenantId: a.tenantId,
    name: 'Secret campaign',
    templateIds: [ids.template],
  });
  await d.insert(s.sendJobs).values({
    id: ids.job,
    tenantId: a.tenantId,
    campaignId: ids.campaign,
    contactId: ids.contact,
    templateId: ids.template,
  });
  await d.insert(s.shortLinks).values({
    id: ids.link,
    tenantId: a.tenantId,
    campaignId: ids.campaign,
    contactId: ids.contact,
    token: `tok${ids.link.slice(-8)}`,
    targetUrl: 'https://a.example/secret',
    expiresAt: new Date(Date.now() + 86400000).toISOString(),
  });
  await d.insert(s.suppressionRules).values({ id: ids.rule, tenantId: a.tenantId, name: 'R' });
  await ctl.insert(s.costs).values({
    id: ids.cost,
    tenantId: a.tenantId,
    country: 'AU',
    perPartCents: 7,
    effectiveFrom: '2020-01-01T00:00:00.000Z',
  });
  await ctl
    .insert(s.users)
    .values({ id: ids.user, tenantId: a.tenantId, email: `victim-${ids.user}@example.com`, role: 'staff' });
  // The shard's copies of the number and the user (send jobs and audit rows reference them).
  await replicateTenant(env, a.tenantId);
  await d.insert(s.events).values({
    id: uuidv7(),
    tenantId: a.tenantId,
    contactId: ids.contact,
    campaignId: ids.campaign,
    eventType: 'REPLIED',
    metadata: { body: 'secret reply' },
  });
  await ctl.insert(s.deadLetters).values({
    id: ids.deadLetter,
    queue: 'sms-send',
    body: { jobId: ids.job },
    tenantId: a.tenantId,
    dedupeKey: `isolation-${ids.deadLetter}`,
    attempts: 9,
    firstSeenAt: '2026-11-25T01:00:00.000Z',
    lastSeenAt: '2026-11-25T01:00:00.000Z',
  });
  // Its own Twilio account (issue 10): never visible to, nor changeable by, another tenant.
  const accountSid = `AC${ids.contact.replace(/-/g, '')}`;
  await saveTwilioAccount(ctl, await keyRingFromEnv(env), {
    tenantId: a.tenantId,
    accountSid,
    authToken: 'victim-auth-token-0123456789abcdef',
    now: new Date(),
  });
  // issue 14 (growth)
  await d.insert(s.webhookSubscriptions).values({
    id: ids.webhook,
    tenantId: a.tenantId,
    url: 'https://a.example/secret-hook',
    events: ['contact.created'],
    secretCiphertext: 'v1.x.y',
    secretHint: 'abcd',
  });
  await d.insert(s.webhookDeliveries).values({
    id: ids.delivery,
    tenantId: a.tenantId,
    subscriptionId: ids.webhook,
    eventId: 'evt-secret',
    eventType: 'contact.created',
    body: '{"id":"evt-secret","type":"contact.created","created_at":"2025-01-01T00:00:00.000Z","data":{}}',
    state: 'failed',
  });
  await d
    .insert(s.keywords)
    .values({ id: ids.keyword, tenantId: a.tenantId, keyword: 'SECRETWORD', reply: 'Hi' });
  await ctl.insert(s.formDirectory).values({ formId: ids.form, tenantId: a.tenantId });
  await d.insert(s.signupForms).values({
    id: ids.form,
    tenantId: a.tenantId,
    name: 'Secret form',
    consentText: 'I agree to receive secret texts from Victim Co.',
    successMessage: 'Thanks',
  });
  await d.insert(s.conversions).values({
    id: ids.conversion,
    tenantId: a.tenantId,
    orderId: 'SECRET-ORDER',
    contactId: ids.contact,
    valueCents: 100,
    currency: 'AUD',
    occurredAt: '2025-01-01T00:00:00.000Z',
    status: 'unattributed',
    requestHash: 'h',
  });
  // issue 12: a thread with a sender who is not a contact, and a confirmed test number
  await d.insert(s.conversations).values({
    id: ids.conversation,
    tenantId: a.tenantId,
    phoneE164: '+61412000222',
    lastMessageAt: '2026-11-25T01:00:00.000Z',
    lastDirection: 'inbound',
    lastPreview: 'secret reply',
    unreadCount: 1,
  });
  await d.insert(s.testNumbers).values({
    id: ids.testNumber,
    tenantId: a.tenantId,
    phoneE164: '+61412000333',
    confirmedAt: '2026-11-25T01:00:00.000Z',
  });
  await d.insert(s.flows).values({
    id: ids.flow,
    tenantId: a.tenantId,
    name: 'Secret flow',
    isActive: true,
    triggerType: 'api',
    steps: [{ id: 's1', type: 'send', template_id: ids.template }],
  });
  await d.insert(s.flowEnrolments).values({
    id: ids.enrolment,
    tenantId: a.tenantId,
    flowId: ids.flow,
    contactId: ids.contact,
    currentStepId: 's1',
    enteredAt: '2025-01-01T00:00:00.000Z',
  });
  return { ids, phone, accountSid };
}

/** Everything tenant A owns, in every database (control and each shard), to prove that nothing B does changes it. */
async function snapshot(tenantId: string) {
  const out: Record<string, unknown[]> = {};
  const databases: [string, D1Database][] = [
    ['control', env.CONTROL_DB],
    ...shards(env).map((sh): [string, D1Database] => [sh.name, sh.d1]),
  ];
  for (const [name, d1] of databases) {
    const all = (
      await d1
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
        )
        .all<{ name: string }>()
    ).results.map((r) => r.name);
    for (const t of all) {
      const cols = (await d1.prepare(`PRAGMA table_info('${t}')`).all<{ name: string }>()).results;
      if (!cols.some((c) => c.name === 'tenant_id')) continue;
      const rows = await d1
        .prepare(`SELECT * FROM "${t}" WHERE tenant_id = ? ORDER BY rowid`)
        .bind(tenantId)
        .all();
      out[`${name}.${t}`] = rows.results;
    }
    out[`${name}.tenant`] = (
      await d1.prepare('SELECT * FROM tenants WHERE id = ?').bind(tenantId).all()
    ).results;
  }
  return out;
}

describe('tenant isolation', () => {
  it('security: every /api/v1 route answers 404 for another tenant’s ids and changes nothing', async () => {
    const a = await createTenant('Victim Co');
    const b = await createTenant('Attacker Co');
    const { ids, phone } = await seedVictim(a);
    const before = await snapshot(a.tenantId);

    const doc = await json<OpenApi>(await call('/api/v1/openapi.json'));
    // A path parameter is filled with tenant A's id of the resource named by the first path segment.
    const idFor: Record<string, string> = {
      users: ids.user,
      'api-keys': Object.keys(a.keys).length ? await firstApiKeyId(a) : '',
      contacts: ids.contact,
      imports: ids.batch,
      templates: ids.template,
      'sending-numbers': ids.number,
      campaigns: ids.campaign,
      'suppression-rules': ids.rule,
      costs: ids.cost,
      events: ids.contact,
      inbox: ids.contact,
      'dead-letters': ids.deadLetter,
      webhooks: ids.webhook,
      keywords: ids.keyword,
      forms: ids.form,
      conversions: ids.conversion,
      segments: ids.segment,
      // a contact's id names their thread; a sender who is not a contact is walked below
      conversations: ids.contact,
      'test-numbers': ids.testNumber,
      flows: ids.flow,
    };
    const walked: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const params = (op.parameters ?? []).filter((p) => p.in === 'path');
        if (params.length === 0) continue;
        const resource = template.split('/')[1] ?? '';
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
          if (name === 'phone')
            return encodeURIComponent(resource === 'do-not-contact' ? '+61412000999' : phone);
          if (name === 'delivery_id') return ids.delivery;
          const id = idFor[resource];
          if (!id)
            throw new Error(`isolation walk: no tenant-A id for {${name}} in ${template}; add one to idFor`);
          return id;
        });
        const res = await b.api(`/api/v1${path}`, {
          method: method.toUpperCase(),
          ...(method === 'get' || method === 'delete' ? {} : { json: {} }),
        });
        const label = `${method.toUpperCase()} ${template}`;
        // A write whose empty body fails validation never reaches the data: 422 leaks nothing either.
        expect([404, ...(method === 'get' || method === 'delete' ? [] : [422])], label).toContain(res.status);
        walked.push(label);
      }
    }
    expect(walked.length).toBeGreaterThan(3);
    // A thread named by its conversation id (a sender who is not a contact), and a campaign test to
    // the victim's test number from the attacker's own campaign.
    for (const [method, path, body] of [
      ['GET', `/conversations/${ids.conversation}`, undefined],
      ['PATCH', `/conversations/${ids.conversation}`, { status: 'closed' }],
      ['POST', `/conversations/${ids.conversation}/messages`, { body: 'hi' }],
      ['POST', `/conversations/${ids.conversation}/messages/preview`, { body: 'hi' }],
      ['POST', `/test-numbers/${ids.testNumber}/confirm`, { code: '123456' }],
      ['POST', `/test-numbers/${ids.testNumber}/resend-code`, undefined],
    ] as const) {
      const res = await b.api(`/api/v1${path}`, { method, ...(body ? { json: body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(await snapshot(a.tenantId)).toEqual(before);
    // Every route of the API, one after another: on a busy machine this takes more than the default 5 s.
  }, 60_000);

  it('security: lists and filters never show another tenant’s rows', async () => {
    const a = await createTenant('Victim Co');
    const b = await createTenant('Attacker Co');
    const { ids, phone, accountSid } = await seedVictim(a);
    const doc = await json<OpenApi>(await call('/api/v1/openapi.json'));
    const secrets = [
      a.tenantId,
      ...Object.values(ids),
      phone,
      'Victoria',
      'Secret campaign',
      'secret reply',
      accountSid,
      'secret-hook',
      'SECRETWORD',
      'Secret form',
      'SECRET-ORDER',
      'SecretTag',
      'Secret segment',
      '+61412000222',
      '+61412000333',
      'Secret flow',
    ];
    for (const [template, ops] of Object.entries(doc.paths)) {
      const op = ops.get;
      if (!op || (op.parameters ?? []).some((p) => p.in === 'path')) continue;
      // Filter parameters get tenant A's ids: a filter must never widen the tenant scope.
      const query = new URLSearchParams();
      for (const p of op.parameters ?? []) {
        if (p.in !== 'query') continue;
        if (p.name === 'campaign_id') query.set(p.name, ids.campaign);
        if (p.name === 'contact_id') query.set(p.name, ids.contact);
        if (p.name === 'import_batch_id') query.set(p.name, ids.batch);
        if (p.name === 'search') query.set(p.name, 'Victoria');
        if (p.name === 'segment_id') query.set(p.name, ids.segment);
        if (p.name === 'tag') query.set(p.name, 'SecretTag');
      }
      const res = await b.api(`/api/v1${template}${query.size ? `?${query}` : ''}`);
      expect([200, 404, 422], template).toContain(res.status);
      const text = await res.text();
      for (const secret of secrets) expect(text, `${template} leaks ${secret}`).not.toContain(secret);
    }
  }, 60_000);
});

async function firstApiKeyId(t: TestTenant): Promise<string> {
  const list = await json<{ data: { id: string }[] }>(await t.api('/api/v1/api-keys'));
  return list.data[0]?.id ?? '';
}
