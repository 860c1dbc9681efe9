// Issue 11: while a tenant is being moved to another shard (`tenants.shard` = "SHARD_a>SHARD_b",
// set by `npm run ops -- tenant move`), the Worker writes it nowhere: the API answers 503, queue
// messages wait, Twilio webhooks are parked in the control database and applied afterwards. Links
// sent before the move keep redirecting, and count their clicks where the tenant now lives.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../workers/db/client';
import { uuidv7 } from '../../workers/db/ids';
import { copyTenantRows } from '../../workers/db/replicate';
import {
  campaigns,
  clickCounts,
  contacts,
  doNotContact,
  events,
  parkedWebhooks,
  sendJobs,
  shortLinks,
  tenants,
} from '../../workers/db/schema';
import {
  controlDb,
  forgetShards,
  movingRetryDelaySeconds,
  type Shard,
  shards,
} from '../../workers/db/shards';
import worker from '../../workers/index';
import { shortLinkFor } from '../../workers/redirect/links';
import { callWith, captureConsole } from '../helpers/email';
import { BASE, control, createTenant, json, type TestTenant } from '../helpers/fixtures';
import { nextSeq } from '../helpers/seq';
import {
  addCampaign,
  addContact,
  inbound,
  seedSentMessage,
  statusCallback,
} from '../helpers/twilio-webhooks';

const TOKEN = 'ops-token-for-tests-0123456789abcdefghijklmnop';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => {
  logs.restore();
  forgetShards();
});

const other = (t: TestTenant): Shard => shards(env).find((s) => s.name !== t.shard.name) as Shard;

/** Sets `tenants.shard` in control and on the shard copies (as the move's steps do). */
async function setShard(t: TestTenant, value: string, copies: Shard[] = [t.shard]) {
  await control().update(tenants).set({ shard: value }).where(eq(tenants.id, t.tenantId));
  for (const s of copies) await s.db.update(tenants).set({ shard: value }).where(eq(tenants.id, t.tenantId));
  forgetShards();
}

const fence = (t: TestTenant) => setShard(t, `${t.shard.name}>${other(t).name}`);

function replay(t: TestTenant) {
  return callWith({ OPS_TOKEN: TOKEN }, `/ops/v1/tenants/${t.tenantId}/parked-webhooks/replay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: '{}',
  });
}

const parked = (t: TestTenant) =>
  control()
    .select()
    .from(parkedWebhooks)
    .where(eq(parkedWebhooks.tenantId, t.tenantId))
    .orderBy(parkedWebhooks.receivedAt);

describe('a tenant being moved: the Worker writes it nowhere', () => {
  it('the API answers 503 with Retry-After, for reads and writes; after the move it works again', async () => {
    const t = await createTenant('Fenced API Co');
    await fence(t);
    for (const [path, method] of [
      ['/api/v1/contacts', 'GET'],
      ['/api/v1/contacts', 'POST'],
    ] as const) {
      const res = await t.api(path, {
        method,
        json: method === 'POST' ? { phone: '+61412345678' } : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.headers.get('retry-after')).toBe('60');
      expect((await json<{ detail: string }>(res)).detail).toMatch(/being moved/);
    }
    expect(await t.db.select().from(contacts).where(eq(contacts.tenantId, t.tenantId))).toEqual([]);
    await setShard(t, t.shard.name);
    expect((await t.api('/api/v1/contacts')).status).toBe(200);
  });

  it('an inbound STOP is parked (200, no reply), applied by the replay once the move is over, never lost', async () => {
    const t = await createTenant('Fenced Inbound Co');
    const { number, contact } = await seedSentMessage(t.tenantId);
    await fence(t);
    const res = await inbound(contact.phone, number.phone, 'STOP');
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain('<Message>');
    const waiting = await parked(t);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.kind).toBe('inbound');
    for (const s of shards(env)) {
      const rows = await s.db.select().from(doNotContact).where(eq(doNotContact.tenantId, t.tenantId));
      expect(rows, s.name).toEqual([]);
    }
    // While fenced the replay refuses (409); after the move it applies the STOP and forgets the row.
    expect((await replay(t)).status).toBe(409);
    await setShard(t, t.shard.name);
    const done = await replay(t);
    expect(done.status).toBe(200);
    expect(await json(done)).toMatchObject({ replayed: 1 });
    const [dnc] = await t.db
      .select()
      .from(doNotContact)
      .where(and(eq(doNotContact.tenantId, t.tenantId), eq(doNotContact.phoneE164, contact.phone)));
    expect(dnc?.reason).toBe('STOP');
    expect(await parked(t)).toEqual([]);
    // A replay of the replay changes nothing.
    expect(await json(await replay(t))).toMatchObject({ replayed: 0 });
  });

  it('a status callback is parked and applied afterwards; resume replays what waits before sending can start', async () => {
    const t = await createTenant('Fenced Status Co');
    const { job } = await seedSentMessage(t.tenantId);
    await fence(t);
    expect((await statusCallback(job, 'delivered')).status).toBe(200);
    const [row] = await t.db.select().from(sendJobs).where(eq(sendJobs.id, job.id));
    expect(row?.status).toBe('sent');
    await setShard(t, t.shard.name);
    const resumed = await callWith({ OPS_TOKEN: TOKEN }, `/ops/v1/tenants/${t.tenantId}/resume`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(resumed.status).toBe(200);
    expect(await json(resumed)).toMatchObject({ parked_webhooks_replayed: 1 });
    const [after] = await t.db.select().from(sendJobs).where(eq(sendJobs.id, job.id));
    expect(after?.status).toBe('delivered');
  });

  it('queue messages wait in the queue (retried later with a delay, never acked or dead-lettered at once)', async () => {
    const t = await createTenant('Fenced Queue Co');
    await fence(t);
    for (const [queue, body] of [
      ['sms-send', { jobId: uuidv7(), tenantId: t.tenantId }],
      ['sms-fanout', { campaignId: uuidv7(), tenantId: t.tenantId, cursor: null }],
      ['sms-import', { batchId: uuidv7(), tenantId: t.tenantId, seq: 0 }],
    ] as const) {
      const message = {
        id: `m-${queue}`,
        timestamp: new Date(),
        attempts: 1,
        body,
        ack: vi.fn(),
        retry: vi.fn(),
      };
      const batch = { queue, messages: [message], ackAll: vi.fn(), retryAll: vi.fn() };
      await worker.queue(batch as unknown as MessageBatch<unknown>, env, createExecutionContext());
      expect(message.ack, queue).not.toHaveBeenCalled();
      expect(batch.retryAll, queue).not.toHaveBeenCalled();
      expect(message.retry, queue).toHaveBeenCalledWith({ delaySeconds: 60 });
    }
    // Later attempts wait longer, at most an hour (a big tenant's copy can take a while).
    expect(movingRetryDelaySeconds(3)).toBe(240);
    expect(movingRetryDelaySeconds(20)).toBe(3600);
  });

  it('the crons leave it alone on both shards (they keep to tenants homed on their shard)', async () => {
    const t = await createTenant('Fenced Cron Co');
    const campaign = await addCampaign(t.tenantId, 'Due', 'completed');
    await t.db
      .update(campaigns)
      .set({ status: 'queued', scheduledAt: '2020-01-01T00:00:00.000Z', startedAt: null })
      .where(eq(campaigns.id, campaign.id));
    await fence(t);
    const { runCron } = await import('../../workers/cron');
    await runCron(env, new Date());
    const [row] = await t.db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(row?.startedAt).toBeNull();
    // Home again, the same cron starts it.
    await setShard(t, t.shard.name);
    await runCron(env, new Date());
    const [after] = await t.db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(after?.startedAt).not.toBeNull();
  });
});

/** Copies a tenant's link rows to another shard (what the move's copy step does). */
async function copyLinkRows(from: Db, to: Db, tenantId: string, linkId: string) {
  const [link] = await from.select().from(shortLinks).where(eq(shortLinks.id, linkId));
  const [campaign] = await from.select().from(campaigns).where(eq(campaigns.id, link!.campaignId!));
  const [contact] = await from.select().from(contacts).where(eq(contacts.id, link!.contactId));
  await copyTenantRows(controlDb(env), to, tenantId);
  await to.insert(contacts).values(contact!);
  await to.insert(campaigns).values(campaign!);
  await to.insert(shortLinks).values(link!);
}

async function visit(token: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/l/${token}`, {
      // A new client each time: never a repeat within the window.
      headers: { 'user-agent': IPHONE, 'cf-connecting-ip': `203.0.113.${(nextSeq() % 250) + 1}` },
      redirect: 'manual',
    }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe('short links sent before a move', () => {
  /** A link on the tenant's shard; its token names `hint` (another shard: the tenant lived there before). */
  async function linkOf(t: TestTenant, hint = t.shard.index) {
    const contact = await addContact(t.tenantId);
    const campaign = await addCampaign(t.tenantId, 'Links');
    await t.db
      .update(campaigns)
      .set({ targetUrl: 'https://shop.example.com/' })
      .where(eq(campaigns.id, campaign.id));
    const link = await shortLinkFor(
      env,
      { db: t.shard.db, index: hint },
      {
        tenantId: t.tenantId,
        campaignId: campaign.id,
        contactId: contact.id,
      },
    );
    const [row] = await t.db.select().from(shortLinks).where(eq(shortLinks.token, link.token));
    return { token: link.token, id: row!.id };
  }

  const clicksOn = (s: Shard, t: TestTenant) =>
    s.db.select().from(clickCounts).where(eq(clickCounts.tenantId, t.tenantId));

  it('while it is being moved, count on the old shard, even when the token names the new one and it already has a copy', async () => {
    const t = await createTenant('Moving Links Co');
    const to = other(t);
    // The tenant came from `to` (its tokens name it) and is moving back: `to` has a copy of the link.
    const { token, id } = await linkOf(t, to.index);
    await copyLinkRows(t.db, to.db, t.tenantId, id);
    await setShard(t, `${t.shard.name}>${to.name}`, [t.shard, to]);
    const res = await visit(token);
    expect(res.status).toBe(302);
    const [old] = await t.db.select().from(shortLinks).where(eq(shortLinks.id, id));
    const [copy] = await to.db.select().from(shortLinks).where(eq(shortLinks.id, id));
    // The move adds the old shard's clicks to the copy after the switch: the copy takes none before it.
    expect([old?.clickCount, old?.humanClickCount, copy?.clickCount]).toEqual([1, 1, 0]);
    expect(old?.recentClicks).toHaveLength(1);
    expect((await clicksOn(t.shard, t)).map((r) => r.clicks)).toEqual([1]);
    expect(await clicksOn(to, t)).toEqual([]);
  });

  it('after the switch (rows on both shards) resolve and count on the new home', async () => {
    const t = await createTenant('Moved Links Co');
    const to = other(t);
    const { token, id } = await linkOf(t);
    await copyLinkRows(t.db, to.db, t.tenantId, id);
    await setShard(t, to.name, [t.shard, to]);
    const res = await visit(token);
    expect(res.status).toBe(302);
    const [moved] = await to.db.select().from(shortLinks).where(eq(shortLinks.id, id));
    const [old] = await t.db.select().from(shortLinks).where(eq(shortLinks.id, id));
    expect([moved?.clickCount, old?.clickCount]).toEqual([1, 0]);
    expect((await clicksOn(to, t)).map((r) => r.clicks)).toEqual([1]);
    expect(await clicksOn(t.shard, t)).toEqual([]);
  });

  it('after the old rows are deleted, resolve on the shard that has them (the token’s hint is stale)', async () => {
    const t = await createTenant('Gone Links Co');
    const to = other(t);
    const { token, id } = await linkOf(t);
    await copyLinkRows(t.db, to.db, t.tenantId, id);
    await setShard(t, to.name, [to]);
    await t.db.delete(events).where(eq(events.tenantId, t.tenantId));
    await t.db.delete(tenants).where(eq(tenants.id, t.tenantId));
    const res = await visit(token);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('https://shop.example.com/');
    const [moved] = await to.db.select().from(shortLinks).where(eq(shortLinks.id, id));
    expect([moved?.clickCount, moved?.humanClickCount]).toEqual([1, 1]);
    // The lean write path: the click is in the link's counters and its campaign's minute, no event row.
    expect((await clicksOn(to, t)).map((r) => [r.clicks, r.humanClicks])).toEqual([[1, 1]]);
  });
});
