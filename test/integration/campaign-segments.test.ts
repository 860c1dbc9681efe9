// Campaign audiences built from segments (include any, exclude all), frozen at launch, through
// the real fan-out; and duplicating a campaign.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { auditLog, campaigns, contactTags } from '../../workers/db/schema';
import { json } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  DAYTIME,
  jobsOf,
  runFanout,
  type SendTenant,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';

type CampaignJson = { id: string; status: string; name: string; audience: Record<string, unknown> } & Record<
  string,
  unknown
>;
type Problem = { errors?: { path: string; message: string }[] };

async function segment(t: SendTenant, name: string, tag: string) {
  const res = await t.api('/api/v1/segments', {
    method: 'POST',
    role: 'staff',
    json: { name, filter: { all: [{ field: 'tags', op: 'has_any', value: [tag] }] } },
  });
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}

async function tag(t: SendTenant, contactId: string, ...tags: string[]) {
  await t.db.insert(contactTags).values(tags.map((x) => ({ tenantId: t.tenantId, contactId, tag: x })));
}

async function createCampaign(t: SendTenant, body: Record<string, unknown>) {
  const res = await t.api('/api/v1/campaigns', {
    method: 'POST',
    role: 'staff',
    json: { name: 'Winter VIPs', template_ids: [t.templateId], ...body },
  });
  return { res, body: await json<CampaignJson & Problem>(res) };
}

/** VIPs A and D (D without consent), B a blocked VIP, C untagged. */
async function audienceFixture(t: SendTenant) {
  const [a, b, c] = await addContacts(t.tenantId, 3);
  const [d] = await addContacts(t.tenantId, 1, { consentStatus: 'unknown' });
  await tag(t, a!.id, 'VIP');
  await tag(t, b!.id, 'VIP', 'blocked');
  await tag(t, d!.id, 'vip');
  const vip = await segment(t, 'VIPs', 'VIP');
  const blocked = await segment(t, 'Blocked', 'blocked');
  return { a: a!, b: b!, c: c!, d: d!, vip, blocked };
}

describe('campaign audience: segments', () => {
  it('error: unknown, another tenant’s, or both included and excluded segments are 422 with the path', async () => {
    const t = await setupSendTenant();
    const other = await setupSendTenant();
    const theirs = await segment(other, 'Theirs', 'x');
    const mine = await segment(t, 'Mine', 'y');
    const cases: [Record<string, unknown>, string][] = [
      [{ include_segment_ids: [uuidv7()] }, 'audience.include_segment_ids.0'],
      [{ include_segment_ids: [mine], exclude_segment_ids: [theirs] }, 'audience.exclude_segment_ids.0'],
      [{ include_segment_ids: [mine], exclude_segment_ids: [mine] }, 'audience.exclude_segment_ids.0'],
      [{ include_segment_ids: ['not-a-uuid'] }, 'audience.include_segment_ids.0'],
      [{ snapshot: {} }, 'audience'],
    ];
    for (const [audience, path] of cases) {
      const { res, body } = await createCampaign(t, { audience });
      expect(res.status, JSON.stringify(audience)).toBe(422);
      expect(body.errors?.map((e) => e.path)).toContain(path);
    }
    const ok = await createCampaign(t, { audience: { include_segment_ids: [mine] } });
    expect(ok.res.status).toBe(201);
    const patch = await t.api(`/api/v1/campaigns/${ok.body.id}`, {
      method: 'PATCH',
      role: 'staff',
      json: { audience: { exclude_segment_ids: [theirs] } },
    });
    expect(patch.status).toBe(422);
  });

  it('launch preview counts the include-minus-exclude audience like the segment preview does', async () => {
    const t = await setupSendTenant();
    const f = await audienceFixture(t);
    const { body } = await createCampaign(t, {
      audience: { include_segment_ids: [f.vip], exclude_segment_ids: [f.blocked] },
    });
    const preview = await json<{ audience: number; eligible: number; excluded: Record<string, number> }>(
      await t.api(`/api/v1/campaigns/${body.id}/launch-preview`),
    );
    expect(preview).toMatchObject({
      audience: 2,
      eligible: 1,
      excluded: { no_consent: 1, do_not_contact: 0 },
    });
    const same = await json<{ count: number; eligible: number }>(
      await t.api('/api/v1/segments/preview', {
        method: 'POST',
        json: {
          filter: {
            all: [
              { field: 'segment', op: 'in', value: f.vip },
              { field: 'segment', op: 'not_in', value: f.blocked },
            ],
          },
        },
      }),
    );
    expect(same).toMatchObject({ count: 2, eligible: 1 });
  });

  it('launch freezes the segments: editing one afterwards never changes who the fan-out texts', async () => {
    const t = await setupSendTenant();
    const f = await audienceFixture(t);
    const scheduled = '2099-01-01T00:00:00.000Z';
    const { body } = await createCampaign(t, {
      scheduled_at: scheduled,
      audience: { include_segment_ids: [f.vip], exclude_segment_ids: [f.blocked] },
    });
    expect(
      (await t.api(`/api/v1/campaigns/${body.id}/launch`, { method: 'POST', role: 'staff' })).status,
    ).toBe(202);
    const launched = await campaignRow(body.id);
    const snapshot = (launched.audience as { snapshot: { at: string; timezone: string; segments: object } })
      .snapshot;
    // "within N days" would count from when sending starts: the scheduled time.
    expect(snapshot.at).toBe(scheduled);
    expect(snapshot.timezone).toBe('Australia/Sydney');
    expect(Object.keys(snapshot.segments).sort()).toEqual([f.vip, f.blocked].sort());

    // The segment now means someone else entirely; the launched campaign keeps what it froze.
    await t.api(`/api/v1/segments/${f.vip}`, {
      method: 'PATCH',
      role: 'staff',
      json: { filter: { all: [{ field: 'tags', op: 'has_none', value: ['VIP'] }] } },
    });
    await t.db.update(campaigns).set({ startedAt: DAYTIME.toISOString() }).where(eq(campaigns.id, body.id));
    await runFanout(testEnv(), { id: body.id, tenantId: t.tenantId }, DAYTIME);
    expect((await jobsOf(body.id)).map((j) => j.contactId)).toEqual([f.a.id]);
    const done = await campaignRow(body.id);
    expect(done.audienceCount).toBe(2);
    expect(done.skippedCounts).toEqual({ no_consent: 1 });
    // Frozen, it no longer holds the segment: deleting it is allowed.
    expect((await t.api(`/api/v1/segments/${f.blocked}`, { method: 'DELETE', role: 'staff' })).status).toBe(
      204,
    );
  });

  it('no include list means everyone, minus the excluded', async () => {
    const t = await setupSendTenant();
    const f = await audienceFixture(t);
    const { body } = await createCampaign(t, {
      scheduled_at: '2099-01-01T00:00:00Z', // the test drives the fan-out itself
      audience: { exclude_segment_ids: [f.vip] },
    });
    await t.api(`/api/v1/campaigns/${body.id}/launch`, { method: 'POST', role: 'staff' });
    await t.db.update(campaigns).set({ startedAt: DAYTIME.toISOString() }).where(eq(campaigns.id, body.id));
    await runFanout(testEnv(), { id: body.id, tenantId: t.tenantId }, DAYTIME);
    expect((await jobsOf(body.id)).map((j) => j.contactId)).toEqual([f.c.id]);
  });
});

describe('POST /campaigns/:id/duplicate', () => {
  it('happy: a finished campaign becomes a new draft with the same settings, audited', async () => {
    const t = await setupSendTenant();
    const f = await audienceFixture(t);
    const { body: source } = await createCampaign(t, {
      quiet_hours_start: '21:00',
      quiet_hours_end: '08:30',
      target_url: 'https://shop.example/winter',
      sending_number_ids: t.numberIds,
      utm_params: { utm_source: 'sms', utm_campaign: 'winter' },
      scheduled_at: '2099-01-01T00:00:00Z',
      audience: { include_segment_ids: [f.vip], exclude_segment_ids: [f.blocked] },
    });
    await t.api(`/api/v1/campaigns/${source.id}/launch`, { method: 'POST', role: 'staff' });
    await t.db.update(campaigns).set({ status: 'completed' }).where(eq(campaigns.id, source.id));

    const res = await t.api(`/api/v1/campaigns/${source.id}/duplicate`, { method: 'POST', role: 'staff' });
    expect(res.status).toBe(201);
    const copy = await json<CampaignJson>(res);
    expect(copy.id).not.toBe(source.id);
    expect(copy).toMatchObject({
      name: 'Winter VIPs (copy)',
      status: 'draft',
      template_ids: [t.templateId],
      quiet_hours_start: '21:00',
      quiet_hours_end: '08:30',
      target_url: 'https://shop.example/winter',
      sending_number_ids: t.numberIds,
      utm_params: { utm_source: 'sms', utm_campaign: 'winter' },
      scheduled_at: null,
      audience_count: null,
      started_at: null,
      // The segments as named, not the launch's frozen copy.
      audience: { include_segment_ids: [f.vip], exclude_segment_ids: [f.blocked] },
    });
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'campaign.duplicated')));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      resourceId: copy.id,
      metadata: expect.objectContaining({ source_id: source.id }),
    });
    // The copy is a draft like any other: editable and launchable.
    expect(
      (
        await t.api(`/api/v1/campaigns/${copy.id}`, {
          method: 'PATCH',
          role: 'staff',
          json: { name: 'Again' },
        })
      ).status,
    ).toBe(200);
  });

  it('edge: segments deleted since are left out; a long name still fits', async () => {
    const t = await setupSendTenant();
    const f = await audienceFixture(t);
    const { body: source } = await createCampaign(t, {
      name: 'N'.repeat(200),
      scheduled_at: '2099-01-01T00:00:00Z',
      audience: { include_segment_ids: [f.vip, f.blocked] },
    });
    await t.api(`/api/v1/campaigns/${source.id}/launch`, { method: 'POST', role: 'staff' });
    await t.api(`/api/v1/segments/${f.blocked}`, { method: 'DELETE', role: 'staff' });
    const copy = await json<CampaignJson>(
      await t.api(`/api/v1/campaigns/${source.id}/duplicate`, { method: 'POST', role: 'staff' }),
    );
    expect(copy.name).toHaveLength(200);
    expect(copy.name.endsWith(' (copy)')).toBe(true);
    expect(copy.audience).toEqual({ include_segment_ids: [f.vip] });
  });

  it('security: another tenant’s campaign is 404; viewers cannot duplicate', async () => {
    const t = await setupSendTenant();
    const other = await setupSendTenant();
    const { body } = await createCampaign(t, {});
    expect((await other.api(`/api/v1/campaigns/${body.id}/duplicate`, { method: 'POST' })).status).toBe(404);
    expect(
      (await t.api(`/api/v1/campaigns/${body.id}/duplicate`, { method: 'POST', role: 'viewer' })).status,
    ).toBe(403);
  });
});
