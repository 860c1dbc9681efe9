import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addDoNotContactRow } from '../../workers/db/do-not-contact';
import { uuidv7 } from '../../workers/db/ids';
import {
  campaigns,
  events,
  importBatches,
  messageTemplates,
  suppressionRules,
} from '../../workers/db/schema';
import { pickTemplate } from '../../workers/domain/ab-split';
import { MAX_PAGE as FANOUT_PAGE_SIZE } from '../../workers/domain/pacing';
import { fanoutPage } from '../../workers/queues/fanout';
import { usePinnedClock } from '../helpers/clock';
import { shardDb } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  DAYTIME,
  jobsOf,
  queuedCampaign,
  runFanout,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';

usePinnedClock(DAYTIME);

async function bulkContacts(tenantId: string, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: uuidv7(),
    phone: `+6143${String(i).padStart(7, '0')}`,
  }));
  await shardDb(tenantId)
    .$client.prepare(
      `INSERT INTO contacts (id, tenant_id, phone_e164, consent_status)
     SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.phone'), 'explicit' FROM json_each(?2)`,
    )
    .bind(tenantId, JSON.stringify(rows))
    .run();
}

describe('fan-out', () => {
  it('happy: queues every eligible contact, counts the rest by reason, sets running; the job row is the record (no QUEUED event)', async () => {
    const t = await setupSendTenant();
    const ok = await addContacts(t.tenantId, 3);
    await addContacts(t.tenantId, 2, { consentStatus: 'unknown' });
    const [dnc] = await addContacts(t.tenantId, 1);
    await addDoNotContactRow(t.db, t.tenantId, dnc!.phoneE164, 'STOP');
    await addContacts(t.tenantId, 1, { lastSentAt: new Date(DAYTIME.getTime() - 86400_000).toISOString() });
    await addContacts(t.tenantId, 1, { erasedAt: DAYTIME.toISOString() });
    await t.db
      .insert(suppressionRules)
      .values({ id: uuidv7(), tenantId: t.tenantId, name: 'Weekly', windowDays: 7 });
    const c = await queuedCampaign(t);
    const e = testEnv();

    const ids = await runFanout(e, c, DAYTIME);

    expect(ids).toHaveLength(3);
    const jobs = await jobsOf(c.id);
    expect(jobs.map((j) => j.contactId).sort()).toEqual(ok.map((p) => p.id).sort());
    // One template: the campaign names it once; the job rows do not repeat it (issue 11's storage).
    expect(jobs.every((j) => j.status === 'queued' && j.templateId === null)).toBe(true);
    expect(await t.db.select().from(events).where(eq(events.campaignId, c.id))).toEqual([]);
    const row = await campaignRow(c.id);
    expect(row.status).toBe('running');
    expect(row.skippedCounts).toEqual({ no_consent: 2, do_not_contact: 1, suppressed: 1 });
    // Erased contacts are no longer part of any audience.
    expect(row.audienceCount).toBe(7);
    expect(row.fanoutDoneAt).toBe(DAYTIME.toISOString());
  });

  it('a tenant that allows unknown consent includes those contacts', async () => {
    const t = await setupSendTenant({ allowUnknownConsent: true });
    await addContacts(t.tenantId, 2, { consentStatus: 'unknown' });
    const c = await queuedCampaign(t);
    expect(await runFanout(testEnv(), c, DAYTIME)).toHaveLength(2);
  });

  it('A/B: several templates split the audience deterministically per contact', async () => {
    const t = await setupSendTenant();
    const other = uuidv7();
    await t.db
      .insert(messageTemplates)
      .values({ id: other, tenantId: t.tenantId, name: 'B', body: 'Hello B' });
    await addContacts(t.tenantId, 40);
    const c = await queuedCampaign(t, { templateIds: [t.templateId, other] });
    await runFanout(testEnv(), c, DAYTIME);
    const jobs = await jobsOf(c.id);
    for (const j of jobs) expect(j.templateId).toBe(pickTemplate(c.id, j.contactId, [t.templateId, other]));
    expect(new Set(jobs.map((j) => j.templateId)).size).toBe(2);
  });

  it('a redelivered page changes nothing twice: no new jobs, events or counts; its jobs are re-enqueued', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 3);
    await addContacts(t.tenantId, 1, { consentStatus: 'unknown' });
    const c = await queuedCampaign(t);
    const e = testEnv();
    const msg = { campaignId: c.id, tenantId: t.tenantId, cursor: null };
    await fanoutPage(e.env, msg, DAYTIME);
    const afterFirst = await campaignRow(c.id);
    // Pretend the first run died after committing, before it could finish.
    await t.db.update(campaigns).set({ fanoutDoneAt: null }).where(eq(campaigns.id, c.id));
    await fanoutPage(e.env, msg, DAYTIME);

    expect(await jobsOf(c.id)).toHaveLength(3);
    expect((await jobsOf(c.id)).length).toBe(3);
    const after = await campaignRow(c.id);
    expect(after.skippedCounts).toEqual(afterFirst.skippedCounts);
    expect(after.audienceCount).toBe(4);
    expect(e.send.sent).toHaveLength(6);
  });

  it('pages through a large audience with a keyset cursor, one page per message', async () => {
    const t = await setupSendTenant();
    await bulkContacts(t.tenantId, FANOUT_PAGE_SIZE * 2 + 37);
    const c = await queuedCampaign(t);
    const e = testEnv();

    const ids = await runFanout(e, c, DAYTIME);

    expect(ids).toHaveLength(FANOUT_PAGE_SIZE * 2 + 37);
    expect(new Set(ids).size).toBe(ids.length);
    expect(e.fanout.sent).toHaveLength(2);
    const row = await campaignRow(c.id);
    expect(row.audienceCount).toBe(FANOUT_PAGE_SIZE * 2 + 37);
    expect(row.fanoutDoneAt).not.toBeNull();
    const [n] = await t.db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM send_jobs WHERE campaign_id = ${c.id}`,
    );
    expect(n?.n).toBe(FANOUT_PAGE_SIZE * 2 + 37);
  });

  it('pacing: queues only what the senders can send in the next minutes, each job delayed to its turn', async () => {
    // One number at 60 a minute: 1 message a second, so a page is 5 minutes of sending.
    const t = await setupSendTenant({ perMinuteLimit: 60 });
    await bulkContacts(t.tenantId, 700);
    const c = await queuedCampaign(t);
    const e = testEnv();

    await fanoutPage(e.env, { campaignId: c.id, tenantId: t.tenantId, cursor: null }, DAYTIME);
    expect(e.send.sent).toHaveLength(300);
    expect(e.send.sent.map((m) => m.delaySeconds ?? 0)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // The next page is due at once (this one is no longer than the lookahead) and queues behind it.
    const next = e.fanout.sent.at(-1)!;
    expect(next.delaySeconds ?? 0).toBe(0);
    expect(next.body.startDelay).toBe(300);

    await fanoutPage(e.env, next.body, DAYTIME);
    expect(e.send.sent.slice(300).map((m) => m.delaySeconds)).toEqual(
      Array.from({ length: 300 }, (_, i) => 300 + i),
    );
    // Now 10 minutes are queued: the third page waits until only the lookahead is left.
    const third = e.fanout.sent.at(-1)!;
    expect(third.delaySeconds).toBe(300);
    expect(third.body.startDelay).toBe(300);
  });

  it('audience filters: by import batch and by custom field', async () => {
    const t = await setupSendTenant();
    const batchId = uuidv7();
    await t.db
      .insert(importBatches)
      .values({ id: batchId, tenantId: t.tenantId, fileName: 'a.csv', fileHash: 'x' });
    const fromBatch = await addContacts(t.tenantId, 2, { importBatchId: batchId });
    const vip = await addContacts(t.tenantId, 2, { customFields: { tier: 'gold' } });
    await addContacts(t.tenantId, 2, { customFields: { tier: 'silver' } });

    const byBatch = await queuedCampaign(t, { audience: { import_batch_id: batchId } });
    await runFanout(testEnv(), byBatch, DAYTIME);
    expect((await jobsOf(byBatch.id)).map((j) => j.contactId).sort()).toEqual(
      fromBatch.map((p) => p.id).sort(),
    );

    const byField = await queuedCampaign(t, { audience: { custom_field: { key: 'tier', value: 'gold' } } });
    await runFanout(testEnv(), byField, DAYTIME);
    expect((await jobsOf(byField.id)).map((j) => j.contactId).sort()).toEqual(vip.map((p) => p.id).sort());
  });

  it('an empty audience completes the campaign at once', async () => {
    const t = await setupSendTenant();
    const c = await queuedCampaign(t);
    await runFanout(testEnv(), c, DAYTIME);
    const row = await campaignRow(c.id);
    expect(row.status).toBe('completed');
    expect(row.audienceCount).toBe(0);
  });

  it('a paused campaign stops fanning out; a cancelled one never starts', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 2);
    const paused = await queuedCampaign(t, { status: 'paused' });
    const done = await queuedCampaign(t, { status: 'completed', cancelledAt: DAYTIME.toISOString() });
    const e = testEnv();
    await runFanout(e, paused, DAYTIME);
    await runFanout(e, done, DAYTIME);
    expect(await jobsOf(paused.id)).toHaveLength(0);
    expect(await jobsOf(done.id)).toHaveLength(0);
    expect(e.send.sent).toHaveLength(0);
  });

  it('security: a message naming another tenant for a campaign does nothing', async () => {
    const a = await setupSendTenant();
    const b = await setupSendTenant();
    await addContacts(a.tenantId, 2);
    await addContacts(b.tenantId, 2);
    const c = await queuedCampaign(a);
    const e = testEnv();
    await fanoutPage(e.env, { campaignId: c.id, tenantId: b.tenantId, cursor: null }, DAYTIME);
    expect(await jobsOf(c.id)).toHaveLength(0);
    // And a real run only ever takes the campaign's own tenant's contacts.
    await runFanout(e, c, DAYTIME);
    const jobs = await jobsOf(c.id);
    expect(jobs).toHaveLength(2);
    expect(jobs.every((j) => j.tenantId === a.tenantId)).toBe(true);
  });
});
