import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDueCampaigns } from '../../workers/cron/campaigns';
import { addDoNotContactRow } from '../../workers/db/do-not-contact';
import { uuidv7 } from '../../workers/db/ids';
import { auditLog, campaigns, messageTemplates, shortLinks } from '../../workers/db/schema';
import { usePinnedClock } from '../helpers/clock';
import { json } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  DAYTIME,
  holdRealQueues,
  jobsOf,
  mockTwilio,
  runFanout,
  runSend,
  type SendTenant,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';

usePinnedClock(DAYTIME);
afterEach(() => {
  vi.restoreAllMocks();
});

type CampaignJson = Record<string, unknown> & { id: string; status: string };

async function create(t: SendTenant, body: Record<string, unknown> = {}) {
  const res = await t.api('/api/v1/campaigns', {
    method: 'POST',
    json: { name: 'Spring sale', template_ids: [t.templateId], ...body },
  });
  return { res, body: (await json(res)) as CampaignJson };
}

describe('campaigns API', () => {
  it('happy: creates a draft with defaults, lists and reads it, and audits the creation', async () => {
    const t = await setupSendTenant();
    const { res, body } = await create(t, { utm_params: { utm_source: 'sms' } });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({
      status: 'draft',
      quiet_hours_start: '20:00',
      quiet_hours_end: '09:00',
      audience: {},
      sending_number_ids: [],
      template_ids: [t.templateId],
      utm_params: { utm_source: 'sms' },
    });
    const list = await json<{ data: CampaignJson[] }>(await t.api('/api/v1/campaigns', { role: 'viewer' }));
    expect(list.data.map((c) => c.id)).toEqual([body.id]);
    expect((await t.api(`/api/v1/campaigns/${body.id}`, { role: 'viewer' })).status).toBe(200);
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, body.id));
    expect(audits.map((a) => a.action)).toEqual(['campaign.created']);
  });

  it('error: invalid fields answer 422 with their paths', async () => {
    const t = await setupSendTenant();
    const other = await setupSendTenant();
    const cases: [Record<string, unknown>, string][] = [
      [{ template_ids: [] }, 'template_ids'],
      [{ template_ids: [other.templateId] }, 'template_ids.0'],
      [{ quiet_hours_start: '25:00' }, 'quiet_hours_start'],
      [{ quiet_hours_start: '09:00', quiet_hours_end: '09:00' }, 'quiet_hours_end'],
      [{ target_url: 'javascript:alert(1)' }, 'target_url'],
      [{ audience: { custom_field: { key: 'a"b', value: 'x' } } }, 'audience.custom_field.key'],
      [{ sending_number_ids: [other.numberIds[0]] }, 'sending_number_ids.0'],
      [{ scheduled_at: 'tomorrow' }, 'scheduled_at'],
    ];
    for (const [patch, path] of cases) {
      const { res, body } = await create(t, patch);
      expect(res.status, JSON.stringify(patch)).toBe(422);
      expect((body.errors as { path: string }[]).map((e) => e.path)).toContain(path);
    }
    const linkTemplate = uuidv7();
    await t.db
      .insert(messageTemplates)
      .values({ id: linkTemplate, tenantId: t.tenantId, name: 'L', body: 'Go {{link}}' });
    const { res, body } = await create(t, { template_ids: [linkTemplate] });
    expect(res.status).toBe(422);
    expect((body.errors as { path: string }[])[0]?.path).toBe('target_url');
  });

  it('security: viewers cannot write; another tenant’s campaign is 404 on every route', async () => {
    const t = await setupSendTenant();
    const other = await setupSendTenant();
    const { body } = await create(t);
    expect(
      (
        await t.api('/api/v1/campaigns', {
          method: 'POST',
          role: 'viewer',
          json: { name: 'x', template_ids: [t.templateId] },
        })
      ).status,
    ).toBe(403);
    expect(
      (await t.api(`/api/v1/campaigns/${body.id}/launch`, { method: 'POST', role: 'viewer' })).status,
    ).toBe(403);
    for (const [method, path] of [
      ['GET', ''],
      ['PATCH', ''],
      ['GET', '/launch-preview'],
      ['POST', '/launch'],
      ['POST', '/pause'],
      ['POST', '/resume'],
      ['POST', '/cancel'],
      ['GET', '/stats'],
      ['GET', '/jobs'],
    ] as const) {
      const res = await other.api(`/api/v1/campaigns/${body.id}${path}`, {
        method,
        ...(method === 'PATCH' ? { json: { name: 'stolen' } } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await campaignRow(body.id)).status).toBe('draft');
    expect((await campaignRow(body.id)).name).toBe('Spring sale');
  });

  it('PATCH edits a draft only; after launch it answers 409', async () => {
    const t = await setupSendTenant();
    const { body } = await create(t, { scheduled_at: '2099-01-01T09:00:00+11:00' });
    const patched = await t.api(`/api/v1/campaigns/${body.id}`, {
      method: 'PATCH',
      json: { name: 'Renamed', quiet_hours_start: '21:00' },
    });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({
      name: 'Renamed',
      quiet_hours_start: '21:00',
      scheduled_at: '2098-12-31T22:00:00.000Z',
    });
    expect((await t.api(`/api/v1/campaigns/${body.id}/launch`, { method: 'POST' })).status).toBe(202);
    const late = await t.api(`/api/v1/campaigns/${body.id}`, { method: 'PATCH', json: { name: 'Too late' } });
    expect(late.status).toBe(409);
    expect(late.headers.get('content-type')).toContain('application/problem+json');
  });

  it('launch preview: audience, exclusions by reason and the estimated cost', async () => {
    const t = await setupSendTenant({ perPartCents: 7 });
    await addContacts(t.tenantId, 4);
    await addContacts(t.tenantId, 2, { consentStatus: 'unknown' });
    const [stopped] = await addContacts(t.tenantId, 1);
    await addDoNotContactRow(t.db, t.tenantId, stopped!.phoneE164, 'STOP');
    await addContacts(t.tenantId, 1, { phoneE164: '12345' });
    const { body } = await create(t);

    const res = await t.api(`/api/v1/campaigns/${body.id}/launch-preview`, { role: 'viewer' });
    expect(res.status).toBe(200);
    const p = await json<Record<string, unknown>>(res);
    expect(p).toMatchObject({
      audience: 8,
      eligible: 4,
      excluded: { no_consent: 2, do_not_contact: 1, suppressed: 0, invalid: 1 },
      per_part_cents: 7,
      estimated_cost_cents: 4 * 7,
      sending_numbers: 1,
    });
    expect((p.templates as { segments: number }[])[0]?.segments).toBe(1);
    // The preview matches what the fan-out then does.
    const c = await campaignRow(body.id);
    await runFanout(testEnv(), { id: c.id, tenantId: c.tenantId }, DAYTIME);
    expect(await jobsOf(c.id)).toHaveLength(0); // still a draft: the fan-out leaves it alone
  });

  it('launch twice is harmless; a scheduled launch waits for the cron', async () => {
    const t = await setupSendTenant();
    const { body } = await create(t, { scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
    const first = await t.api(`/api/v1/campaigns/${body.id}/launch`, { method: 'POST' });
    expect(first.status).toBe(202);
    expect(await json(first)).toMatchObject({ status: 'queued', started_at: null });
    const second = await t.api(`/api/v1/campaigns/${body.id}/launch`, { method: 'POST' });
    expect(second.status).toBe(202);
    expect((await json(second)).status).toBe('queued');

    const e = testEnv();
    const mine = { tenantId: t.tenantId };
    await startDueCampaigns(e.env, new Date(), mine);
    expect(e.fanout.sent.filter((m) => m.body.campaignId === body.id)).toHaveLength(0);
    await startDueCampaigns(e.env, new Date(Date.now() + 3601_000), mine);
    await startDueCampaigns(e.env, new Date(Date.now() + 3661_000), mine);
    expect(e.fanout.sent.filter((m) => m.body.campaignId === body.id)).toEqual([
      { body: { campaignId: body.id, tenantId: t.tenantId, cursor: null }, delaySeconds: undefined },
    ]);
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.resourceId, body.id));
    expect(audits.filter((a) => a.action === 'campaign.launched')).toHaveLength(1);
  });

  it('pause, resume and cancel move the state, say why, and are audited', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 3);
    const { body } = await create(t, { scheduled_at: '2099-01-01T00:00:00Z' });
    await t.api(`/api/v1/campaigns/${body.id}/launch`, { method: 'POST' });
    const held = holdRealQueues();
    const e = testEnv();
    await t.db.update(campaigns).set({ startedAt: DAYTIME.toISOString() }).where(eq(campaigns.id, body.id));
    await runFanout(e, { id: body.id, tenantId: t.tenantId }, DAYTIME);

    const paused = await json(await t.api(`/api/v1/campaigns/${body.id}/pause`, { method: 'POST' }));
    expect(paused).toMatchObject({ status: 'paused', status_reason: 'paused by a user' });
    const resumed = await json(await t.api(`/api/v1/campaigns/${body.id}/resume`, { method: 'POST' }));
    expect(resumed).toMatchObject({ status: 'running', status_reason: null });
    // The jobs' queue messages are still on their way (leases live): nothing is enqueued twice.
    expect(held.send).toHaveLength(0);
    const cancelled = await json(await t.api(`/api/v1/campaigns/${body.id}/cancel`, { method: 'POST' }));
    expect(cancelled).toMatchObject({ status: 'completed', status_reason: 'cancelled' });
    expect(cancelled.cancelled_at).not.toBeNull();
    expect((await jobsOf(body.id)).map((j) => [j.status, j.failureReason])).toEqual([
      ['failed', 'cancelled'],
      ['failed', 'cancelled'],
      ['failed', 'cancelled'],
    ]);
    // Nothing is sent for a cancelled campaign, even from messages still in the queue.
    const tw = mockTwilio();
    await runSend(
      e,
      e.send.sent.map((m) => m.body.jobId),
      { clock: () => DAYTIME },
    );
    expect(tw.calls).toHaveLength(0);
    expect((await t.api(`/api/v1/campaigns/${body.id}/resume`, { method: 'POST' })).status).toBe(409);
    expect((await t.api(`/api/v1/campaigns/${body.id}/cancel`, { method: 'POST' })).status).toBe(200);
    const actions = (await t.db.select().from(auditLog).where(eq(auditLog.resourceId, body.id))).map(
      (a) => a.action,
    );
    expect(actions).toEqual([
      'campaign.created',
      'campaign.launched',
      'campaign.paused',
      'campaign.resumed',
      'campaign.cancelled',
    ]);
    const stats = await json(await t.api(`/api/v1/campaigns/${body.id}/stats`));
    expect(stats).toMatchObject({ status: 'completed', cancelled: 3, failed: 0, queued: 0 });
  });

  it('stats and jobs: counts by status, clicks, cost, per template; jobs filter by status', async () => {
    const t = await setupSendTenant({ templateBody: 'Hi {{first_name}} {{link}}' });
    await addContacts(t.tenantId, 3);
    await addContacts(t.tenantId, 1, { consentStatus: 'unknown' });
    const { body } = await create(t, { target_url: 'https://shop.example/' });
    await t.db
      .update(campaigns)
      .set({ status: 'queued', startedAt: DAYTIME.toISOString() })
      .where(eq(campaigns.id, body.id));
    const e = testEnv();
    const ids = await runFanout(e, { id: body.id, tenantId: t.tenantId }, DAYTIME);
    let n = 0;
    mockTwilio(() => (++n === 3 ? { status: 400, code: 21211 } : undefined));
    await runSend(e, ids, { clock: () => DAYTIME });
    const [link] = await t.db.select().from(shortLinks).where(eq(shortLinks.campaignId, body.id));
    await t.db
      .update(shortLinks)
      .set({ clickCount: 3, humanClickCount: 1 })
      .where(eq(shortLinks.id, link!.id));

    const stats = await json<Record<string, unknown>>(
      await t.api(`/api/v1/campaigns/${body.id}/stats`, { role: 'viewer' }),
    );
    expect(stats).toMatchObject({
      status: 'completed',
      audience: 4,
      eligible: 3,
      skipped: { no_consent: 1 },
      queued: 0,
      sent: 2,
      failed: 1,
      clicks: 3,
      human_clicks: 1,
      cost_cents: 10,
      failure_reasons: { invalid_number: 1 },
    });
    expect(stats.by_template).toEqual([
      expect.objectContaining({ template_id: t.templateId, name: 'Offer', sent: 2, failed: 1, clicks: 3 }),
    ]);
    const failed = await json<{ data: { status: string; failure_reason: string }[] }>(
      await t.api(`/api/v1/campaigns/${body.id}/jobs?status=failed`),
    );
    expect(failed.data).toEqual([
      expect.objectContaining({ status: 'failed', failure_reason: 'invalid_number' }),
    ]);
    const page1 = await json<{ data: unknown[]; next_cursor: string }>(
      await t.api(`/api/v1/campaigns/${body.id}/jobs?limit=2`),
    );
    expect(page1.data).toHaveLength(2);
    const page2 = await json<{ data: unknown[]; next_cursor: string | null }>(
      await t.api(`/api/v1/campaigns/${body.id}/jobs?limit=2&cursor=${page1.next_cursor}`),
    );
    expect(page2.data).toHaveLength(1);
    expect(page2.next_cursor).toBeNull();
  });

  it('end to end through the real queues: launch → fan-out → send → completed', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 3);
    // A quiet window that is certainly not now in Sydney.
    const hour = Number(
      new Intl.DateTimeFormat('en-AU', {
        timeZone: 'Australia/Sydney',
        hour: '2-digit',
        hourCycle: 'h23',
      }).format(new Date()),
    );
    const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
    const tw = mockTwilio();
    const { body } = await create(t, { quiet_hours_start: hh(hour + 2), quiet_hours_end: hh(hour + 3) });
    expect((await t.api(`/api/v1/campaigns/${body.id}/launch`, { method: 'POST' })).status).toBe(202);
    // Real queues deliver on their own schedule (1 s batch windows, three hops): wait for the
    // outcome with a deadline far beyond a slow machine's, never a fixed number of polls.
    let status = '';
    for (
      const deadline = performance.now() + 45_000;
      status !== 'completed' && performance.now() < deadline;
    ) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await campaignRow(body.id)).status;
    }
    expect(status).toBe('completed');
    expect(tw.calls).toHaveLength(3);
  });
});
