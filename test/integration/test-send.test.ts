// "Send a test" of a campaign (issue 12): rendered with a chosen contact's data, through the real
// send path to confirmed test numbers, marked as a test in the event log, never counted in the
// campaign's stats (its link works and counts only for the test), refused for unconfirmed or
// opted-out numbers and while the kill switch is on.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addDoNotContactRow } from '../../workers/db/do-not-contact';
import { uuidv7 } from '../../workers/db/ids';
import { messageTemplates, shortLinks, testNumbers, testSends } from '../../workers/db/schema';
import worker from '../../workers/index';
import { directRows, withCapturedQueues } from '../helpers/conversations';
import { BASE, createTenant, json, type TestTenant, updateTenant } from '../helpers/fixtures';
import {
  addContacts,
  mockTwilio,
  phone,
  queuedCampaign,
  runDirect,
  type SendTenant,
  setupSendTenant,
} from '../helpers/send-setup';

// Many requests per test: never a failure because the machine is busy.
vi.setConfig({ testTimeout: 30_000 });

afterEach(() => {
  vi.restoreAllMocks();
});

type TestSend = {
  dry_run: boolean;
  messages: {
    id: string | null;
    to: string;
    template_id: string;
    body: string;
    segments: number;
    cost_cents: number | null;
    status: string;
  }[];
  total_cost_cents: number | null;
  warnings: string[];
};
type Problem = { detail: string; reason?: string; errors?: { path: string; message: string }[] };

const BODY = 'Hi {{first_name|there}}, 20% off this week: {{link}}';

async function testNumber(t: TestTenant, confirmed = true) {
  const id = uuidv7();
  const p = phone();
  await t.db.insert(testNumbers).values({
    id,
    tenantId: t.tenantId,
    phoneE164: p,
    confirmedAt: confirmed ? new Date().toISOString() : null,
  });
  return { id, phone: p };
}

async function world(status: 'draft' | 'running' = 'running') {
  const t = await setupSendTenant({ templateBody: BODY });
  const [who] = await addContacts(t.tenantId, 1, { firstName: 'Ada' });
  const campaign = await queuedCampaign(t, {
    status,
    targetUrl: 'https://shop.example/sale',
    utmParams: { source: 'sms' },
  });
  return { t, who: who!, campaign, q: withCapturedQueues(t) };
}

const testSend = (
  q: ReturnType<typeof withCapturedQueues>,
  campaignId: string,
  body: unknown,
  role: 'staff' | 'viewer' = 'staff',
) => q.api(`/campaigns/${campaignId}/test-send`, { json: body, role });

async function visit(token: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/l/${token}`, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone)' },
    }) as Request<unknown, IncomingRequestCfProperties>,
    (await import('cloudflare:workers')).env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function stats(t: SendTenant, campaignId: string) {
  return json<{ sent: number; delivered: number; clicks: number; human_clicks: number; cost_cents: number }>(
    await t.api(`/api/v1/campaigns/${campaignId}/stats`),
  );
}

describe('test send (happy)', () => {
  it('renders with the contact’s data, goes through the send path, and never counts for the campaign', async () => {
    const { t, who, campaign, q } = await world();
    const n = await testNumber(t);
    const before = await stats(t, campaign.id);
    const res = await testSend(q, campaign.id, { test_number_ids: [n.id], contact_id: who.id });
    expect(res.status).toBe(202);
    const answer = await json<TestSend>(res);
    const [m] = answer.messages;
    expect(m).toMatchObject({
      to: n.phone,
      template_id: t.templateId,
      status: 'queued',
      segments: 1,
      cost_cents: 5,
    });
    const link = /https:\/\/sms\.example\.test\/l\/([A-Za-z0-9_-]{12})\b/.exec(m!.body);
    expect(link).not.toBeNull();
    expect(m!.body).toBe(`Hi Ada, 20% off this week: ${link![0]}\nReply STOP to opt out`);

    const tw = mockTwilio();
    await runDirect(q.queues, [{ messageId: m!.id!, tenantId: t.tenantId }]);
    expect(tw.calls).toHaveLength(1);
    expect(tw.calls[0]).toMatchObject({ to: n.phone, from: t.numberPhones[0], body: m!.body });
    const [dm] = await directRows(t, 'test');
    expect(dm).toMatchObject({ status: 'sent', costCents: 5 });
    expect(dm!.context).toMatchObject({ campaignId: campaign.id, contactId: who.id, testNumberId: n.id });
    vi.restoreAllMocks();

    // The link opens the campaign's page and counts for the test only.
    const opened = await visit(link![1]!);
    expect(opened.status).toBe(302);
    // The campaign's page with its UTM parameters, as its recipients' links have it.
    expect(opened.headers.get('location')).toMatch(/^https:\/\/shop\.example\/sale\?utm_source=sms/);
    const [record] = await t.db.select().from(testSends).where(eq(testSends.campaignId, campaign.id));
    expect(record).toMatchObject({ linkToken: link![1], linkClickCount: 1, contactId: who.id });
    expect(await t.db.select().from(shortLinks).where(eq(shortLinks.campaignId, campaign.id))).toHaveLength(
      0,
    );
    const slots = await t.db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM click_counts WHERE campaign_id = ${campaign.id}`,
    );
    expect(slots[0]?.n).toBe(0);
    expect(await stats(t, campaign.id)).toEqual(before);

    // Marked as a test in the campaign's log and in the contact's timeline.
    type Ev = { data: { type: string; metadata: Record<string, unknown> }[] };
    const log = await json<Ev>(await t.api(`/api/v1/events?campaign_id=${campaign.id}`));
    expect(log.data).toContainEqual(
      expect.objectContaining({
        type: 'SENT',
        metadata: expect.objectContaining({ test: true, direct: 'test', to: n.phone }),
      }),
    );
    const timeline = await json<{ data: { event_type: string; metadata: Record<string, unknown> }[] }>(
      await t.api(`/api/v1/contacts/${who.id}/events`),
    );
    expect(timeline.data.filter((e) => e.metadata.test === true).map((e) => e.event_type)).toEqual(['SENT']);

    // Erasing the contact removes the words of the test rendered with their data.
    expect((await t.api(`/api/v1/contacts/${who.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await directRows(t, 'test'))[0]?.body).toBe('');
  });

  it('dry run: each variant’s text, parts and cost for each number, and nothing stored or queued', async () => {
    const { t, campaign, q } = await world('draft');
    const variant = uuidv7();
    await t.db.insert(messageTemplates).values({
      id: variant,
      tenantId: t.tenantId,
      name: 'Long',
      body: `${'Big news! '.repeat(20)}{{link}}`,
    });
    await t.db.run(
      sql`UPDATE campaigns SET template_ids = ${JSON.stringify([t.templateId, variant])} WHERE id = ${campaign.id}`,
    );
    const [a, b] = [await testNumber(t), await testNumber(t)];
    const res = await testSend(q, campaign.id, { test_number_ids: [a.id, b.id], dry_run: true });
    expect(res.status).toBe(200);
    const answer = await json<TestSend>(res);
    expect(answer.messages.map((m) => `${m.to}:${m.template_id}:${m.segments}`)).toEqual([
      `${a.phone}:${t.templateId}:1`,
      `${a.phone}:${variant}:2`,
      `${b.phone}:${t.templateId}:1`,
      `${b.phone}:${variant}:2`,
    ]);
    expect(answer.total_cost_cents).toBe(2 * (5 + 10));
    expect(answer.messages[0]?.body).toMatch(/^Hi there, /);
    expect(answer.warnings).toContain('No contact chosen: every personal placeholder shows its fallback.');
    expect(answer.messages.every((m) => m.id === null && m.status === 'preview')).toBe(true);
    expect(await directRows(t)).toHaveLength(0);
    expect(await t.db.select().from(testSends)).toHaveLength(0);
    expect(q.send.sent).toHaveLength(0);
  });

  it('the same idempotency key twice queues the test once', async () => {
    const { t, campaign, q } = await world('draft');
    const n = await testNumber(t);
    const send = () =>
      q.api(`/campaigns/${campaign.id}/test-send`, {
        json: { test_number_ids: [n.id] },
        headers: { 'idempotency-key': 'click-1' },
      });
    const first = await json<TestSend>(await send());
    const second = await json<TestSend>(await send());
    expect(second.messages[0]?.id).toBe(first.messages[0]?.id);
    expect(second.messages[0]?.body).toBe(first.messages[0]?.body);
    expect(await directRows(t, 'test')).toHaveLength(1);
  });
});

describe('test send (error / security)', () => {
  it('error: an unconfirmed or opted-out test number and the kill switch are refused (409); nothing queued', async () => {
    const { t, campaign, q } = await world();
    const pending = await testNumber(t, false);
    const ok = await testNumber(t);
    const unconfirmed = await testSend(q, campaign.id, { test_number_ids: [ok.id, pending.id] });
    expect(unconfirmed.status).toBe(409);
    expect(await json<Problem>(unconfirmed)).toMatchObject({ reason: 'unconfirmed' });

    await addDoNotContactRow(t.db, t.tenantId, ok.phone, 'STOP');
    const stopped = await testSend(q, campaign.id, { test_number_ids: [ok.id] });
    expect(stopped.status).toBe(409);
    expect((await json<Problem>(stopped)).reason).toBe('do_not_contact');

    const fresh = await testNumber(t);
    await updateTenant(t.tenantId, { isPaused: true });
    const paused = await testSend(q, campaign.id, { test_number_ids: [fresh.id] });
    expect(paused.status).toBe(409);
    expect((await json<Problem>(paused)).reason).toBe('tenant_paused');
    // A dry run still shows the messages, and says why they could not go.
    const dry = await json<TestSend>(
      await testSend(q, campaign.id, { test_number_ids: [fresh.id], dry_run: true }),
    );
    expect(dry.warnings.join(' ')).toContain('kill switch');
    expect(await directRows(t)).toHaveLength(0);
    expect(q.send.sent).toHaveLength(0);
  });

  it('error: a STOP or the kill switch after queuing wins at send time', async () => {
    const { t, campaign, q } = await world();
    const [a, b] = [await testNumber(t), await testNumber(t)];
    const answer = await json<TestSend>(await testSend(q, campaign.id, { test_number_ids: [a.id, b.id] }));
    await addDoNotContactRow(t.db, t.tenantId, a.phone, 'STOP');
    const tw = mockTwilio();
    await runDirect(q.queues, [{ messageId: answer.messages[0]!.id!, tenantId: t.tenantId }]);
    await updateTenant(t.tenantId, { isPaused: true });
    await runDirect(q.queues, [{ messageId: answer.messages[1]!.id!, tenantId: t.tenantId }]);
    expect(tw.calls).toHaveLength(0);
    const reasons = new Map((await directRows(t, 'test')).map((r) => [r.id, r.failureReason]));
    expect(answer.messages.map((m) => reasons.get(m.id ?? ''))).toEqual(['do_not_contact', 'tenant_paused']);
  });

  it('error: unknown numbers, contacts and templates name their field (422); viewers cannot send', async () => {
    const { t, campaign, q } = await world();
    const n = await testNumber(t);
    const other = await createTenant('Other Co');
    const [stranger] = await addContacts(other.tenantId, 1);
    const res = await testSend(q, campaign.id, {
      test_number_ids: [n.id, uuidv7()],
      contact_id: stranger!.id,
      template_ids: [uuidv7()],
    });
    expect(res.status).toBe(422);
    expect((await json<Problem>(res)).errors?.map((e) => e.path).sort()).toEqual([
      'contact_id',
      'template_ids.0',
      'test_number_ids.1',
    ]);
    expect((await testSend(q, campaign.id, { test_number_ids: [] })).status).toBe(422);
    expect((await testSend(q, campaign.id, { test_number_ids: [n.id] }, 'viewer')).status).toBe(403);
    expect(await directRows(t)).toHaveLength(0);
  });

  it('security: another tenant can neither test my campaign nor send to my test numbers', async () => {
    const { t, campaign } = await world();
    const mine = await testNumber(t);
    const { t: other, campaign: theirs, q: theirQ } = await world();
    const qa = withCapturedQueues(other);
    expect((await testSend(qa, campaign.id, { test_number_ids: [mine.id] })).status).toBe(404);
    const res = await testSend(theirQ, theirs.id, { test_number_ids: [mine.id] });
    expect(res.status).toBe(422);
    expect(await directRows(t)).toHaveLength(0);
    expect(await directRows(other)).toHaveLength(0);
  });
});
