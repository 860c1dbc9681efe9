import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { auditLog, deadLetters, importBatches, sendJobs } from '../../workers/db/schema';
import worker from '../../workers/index';
import { consumeDeadLetters } from '../../workers/queues/dead-letters';
import { BASE, control, createTenant, json, type TestTenant } from '../helpers/fixtures';
import {
  addContacts,
  captureQueue,
  DAYTIME,
  jobsOf,
  mockTwilio,
  queuedCampaign,
  runFanout,
  runSend,
  sentCount,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';

afterEach(() => {
  vi.restoreAllMocks();
});

let seq = 0;
/** Delivers bodies to the DLQ consumer as Cloudflare would, with a pinned clock. */
async function deadLetter(bodies: unknown[], at: Date, e: Env = env, attempts = 1) {
  const batch = createMessageBatch<unknown>(
    'sms-dlq',
    bodies.map((body) => ({ id: `dlq-${++seq}`, timestamp: at, attempts, body })),
  );
  const ctx = createExecutionContext();
  await consumeDeadLetters(batch, e, () => at);
  return getQueueResult(batch, ctx);
}

const lettersOf = (tenantId: string) =>
  control().select().from(deadLetters).where(eq(deadLetters.tenantId, tenantId)).orderBy(deadLetters.id);

/** Calls the Worker as tenant `t` (admin key) with queues that capture what is sent to them. */
function withQueues(t: TestTenant) {
  const send = captureQueue<unknown>();
  const fanout = captureQueue<unknown>();
  const imports = captureQueue<unknown>();
  const e = { ...env, SEND_QUEUE: send, FANOUT_QUEUE: fanout, IMPORT_QUEUE: imports } as unknown as Env;
  const api = async (path: string, init: RequestInit & { role?: 'admin' | 'staff' | 'viewer' } = {}) => {
    const { role = 'admin', ...rest } = init;
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${BASE}/api/v1${path}`, {
        ...rest,
        headers: { authorization: `Bearer ${t.keys[role]}` },
      }) as Request<unknown, IncomingRequestCfProperties>,
      e,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  };
  return { api, send, fanout, imports, env: e };
}

const T0 = new Date('2026-11-25T01:00:00.000Z');
const T1 = new Date('2026-11-25T02:00:00.000Z');

describe('dead-letter queue consumer', () => {
  it('happy: stores every message with its queue, owner, attempts and what is known, then acks', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const [jobId] = await runFanout(testEnv(), c, DAYTIME);
    await t.db
      .update(sendJobs)
      .set({ status: 'failed', failureReason: 'provider_error', errorCode: '30008' })
      .where(eq(sendJobs.id, jobId!));
    const batchId = uuidv7();
    await t.db.insert(importBatches).values({
      id: batchId,
      tenantId: t.tenantId,
      fileName: 'a.csv',
      fileHash: 'h',
      status: 'failed',
      failureReason: 'chunk 3 failed 6 times',
    });

    const result = await deadLetter(
      [{ jobId }, { campaignId: c.id, tenantId: t.tenantId, cursor: null }, { batchId, seq: 2 }],
      T0,
    );

    expect(result.explicitAcks).toHaveLength(3);
    expect(result.retryMessages).toHaveLength(0);
    // Stored within one (pinned) millisecond, so ordered by queue here rather than by id.
    const order = ['sms-send', 'sms-fanout', 'sms-import'];
    const rows = (await lettersOf(t.tenantId)).sort(
      (a, b) => order.indexOf(a.queue) - order.indexOf(b.queue),
    );
    expect(rows.map((r) => [r.queue, r.attempts, r.status, r.firstSeenAt, r.lastSeenAt])).toEqual([
      ['sms-send', 9, 'pending', T0.toISOString(), T0.toISOString()],
      ['sms-fanout', 11, 'pending', T0.toISOString(), T0.toISOString()],
      ['sms-import', 6, 'pending', T0.toISOString(), T0.toISOString()],
    ]);
    // The send body carries no tenant: the owner comes from the job row, and so does the reason.
    expect(rows[0]?.body).toEqual({ jobId });
    expect(rows[0]?.error).toBe(
      'gave up after 9 deliveries on sms-send; the send job is failed (provider_error, Twilio error 30008)',
    );
    expect(rows[1]?.error).toContain('the campaign is running');
    expect(rows[2]?.error).toBe(
      'gave up after 6 deliveries on sms-import; the import is failed (chunk 3 failed 6 times)',
    );
  });

  it('the same message landing twice updates its row instead of adding one', async () => {
    const t = await createTenant();
    const body = { campaignId: uuidv7(), tenantId: t.tenantId, cursor: 'c1' };
    await deadLetter([body], T0);
    await deadLetter([{ cursor: 'c1', tenantId: t.tenantId, campaignId: body.campaignId }], T1);
    const [row, ...rest] = await lettersOf(t.tenantId);
    expect(rest).toHaveLength(0);
    expect(row).toMatchObject({
      firstSeenAt: T0.toISOString(),
      lastSeenAt: T1.toISOString(),
      seenCount: 2,
      attempts: 11,
      status: 'pending',
    });
    expect(row?.error).toContain('the campaign no longer exists');
  });

  it('a message that dies again after a retry is pending again, its attempts summed', async () => {
    const t = await createTenant();
    const body = { campaignId: uuidv7(), tenantId: t.tenantId, cursor: null };
    await deadLetter([body], T0);
    await control()
      .update(deadLetters)
      .set({ status: 'retried', resolvedAt: T0.toISOString(), retryCount: 1 });
    await deadLetter([body], T1);
    const [row] = await lettersOf(t.tenantId);
    expect(row).toMatchObject({
      status: 'pending',
      resolvedAt: null,
      attempts: 22,
      retryCount: 1,
      seenCount: 2,
    });
  });

  it('a body no producer of ours sends is kept as platform-wide (no tenant)', async () => {
    const odd = { hello: `world-${uuidv7()}` };
    await deadLetter([odd], T0);
    const [row] = await control()
      .select()
      .from(deadLetters)
      .where(eq(deadLetters.dedupeKey, await dedupeKeyOf('unknown', odd)));
    expect(row).toMatchObject({ queue: 'unknown', tenantId: null, body: odd, attempts: 1 });
  });

  it('error: a message that cannot be stored is retried and logged with its body, never acked', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken = {
      ...env,
      CONTROL_DB: {
        prepare() {
          throw new Error('D1_ERROR: overloaded');
        },
      },
    } as unknown as Env;
    const result = await deadLetter([{ batchId: 'b-lost', seq: 1 }], T0, broken, 3);
    expect(result.explicitAcks).toHaveLength(0);
    expect(result.retryMessages).toHaveLength(1);
    expect(errors.mock.calls.some((c) => c.join(' ').includes('b-lost'))).toBe(true);
  });
});

async function dedupeKeyOf(queue: string, body: unknown) {
  const { sha256Hex } = await import('../../workers/lib/crypto');
  const { canonicalJson } = await import('../../workers/domain/dead-letters');
  return sha256Hex(`${queue}\n${canonicalJson(body)}`);
}

describe('dead letters API', () => {
  it('happy: an admin lists their tenant’s letters only; platform-wide ones are not shown', async () => {
    const a = await createTenant();
    const b = await createTenant();
    await deadLetter(
      [
        { campaignId: uuidv7(), tenantId: a.tenantId, cursor: null },
        { campaignId: uuidv7(), tenantId: b.tenantId, cursor: null },
        { stray: uuidv7() },
      ],
      T0,
    );
    const list = await json<{ data: { id: string; queue: string; retryable: boolean }[]; next_cursor: null }>(
      await a.api('/api/v1/dead-letters'),
    );
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ queue: 'sms-fanout', retryable: true, status: 'pending' });
    expect(JSON.stringify(list)).not.toContain(b.tenantId);
    expect((await a.api('/api/v1/dead-letters?status=retried')).status).toBe(200);
    expect(await json(await a.api('/api/v1/dead-letters?status=retried'))).toEqual({
      data: [],
      next_cursor: null,
    });
  });

  it('security: staff and viewers get 403; another tenant’s letter answers 404 and stays pending', async () => {
    const a = await createTenant();
    const b = await createTenant();
    await deadLetter([{ campaignId: uuidv7(), tenantId: a.tenantId, cursor: null }], T0);
    const [letter] = await lettersOf(a.tenantId);
    expect((await a.api('/api/v1/dead-letters', { role: 'staff' })).status).toBe(403);
    expect((await a.api('/api/v1/dead-letters', { role: 'viewer' })).status).toBe(403);
    expect(
      (await a.api(`/api/v1/dead-letters/${letter!.id}`, { method: 'DELETE', role: 'staff' })).status,
    ).toBe(403);
    const qb = withQueues(b);
    expect((await qb.api(`/dead-letters/${letter!.id}/retry`, { method: 'POST' })).status).toBe(404);
    expect((await qb.api(`/dead-letters/${letter!.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(qb.fanout.sent).toHaveLength(0);
    expect((await lettersOf(a.tenantId))[0]?.status).toBe('pending');
  });

  it('happy: retry puts the body back on its own queue, once, audited; a second retry is 409', async () => {
    const t = await createTenant();
    const body = { campaignId: uuidv7(), tenantId: t.tenantId, cursor: 'c9' };
    await deadLetter([body, { batchId: uuidv7(), seq: 4 }], T0);
    const q = withQueues(t);
    const fanoutLetter = (await lettersOf(t.tenantId)).find((l) => l.queue === 'sms-fanout');

    const res = await q.api(`/dead-letters/${fanoutLetter!.id}/retry`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'retried', retry_count: 1, retryable: false });
    expect(q.fanout.sent.map((m) => m.body)).toEqual([body]);
    expect(q.send.sent).toHaveLength(0);

    const again = await q.api(`/dead-letters/${fanoutLetter!.id}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(q.fanout.sent).toHaveLength(1);
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.resourceId, fanoutLetter!.id)));
    expect(audit.map((r) => r.action)).toEqual(['dead_letter.retried']);
  });

  it('two admins retrying at once enqueue it once', async () => {
    const t = await createTenant();
    await deadLetter([{ campaignId: uuidv7(), tenantId: t.tenantId, cursor: null }], T0);
    const q = withQueues(t);
    const [letter] = await lettersOf(t.tenantId);
    const statuses = await Promise.all(
      [1, 2, 3].map(
        async () => (await q.api(`/dead-letters/${letter!.id}/retry`, { method: 'POST' })).status,
      ),
    );
    expect(statuses.sort()).toEqual([200, 409, 409]);
    expect(q.fanout.sent).toHaveLength(1);
  });

  it('error: the queue refusing the message leaves the letter pending', async () => {
    const t = await createTenant();
    await deadLetter([{ campaignId: uuidv7(), tenantId: t.tenantId, cursor: null }], T0);
    const q = withQueues(t);
    q.fanout.send = async () => {
      throw new Error('Queue send failed: overloaded');
    };
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const [letter] = await lettersOf(t.tenantId);
    expect((await q.api(`/dead-letters/${letter!.id}/retry`, { method: 'POST' })).status).toBe(500);
    expect((await lettersOf(t.tenantId))[0]).toMatchObject({
      status: 'pending',
      retryCount: 0,
      resolvedAt: null,
    });
  });

  it('happy: discard marks it discarded (audited); discarding or retrying it again is 409', async () => {
    const t = await createTenant();
    await deadLetter([{ campaignId: uuidv7(), tenantId: t.tenantId, cursor: null }], T0);
    const q = withQueues(t);
    const [letter] = await lettersOf(t.tenantId);
    expect((await q.api(`/dead-letters/${letter!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await lettersOf(t.tenantId))[0]).toMatchObject({
      status: 'discarded',
      resolvedAt: expect.any(String),
    });
    expect((await q.api(`/dead-letters/${letter!.id}`, { method: 'DELETE' })).status).toBe(409);
    expect((await q.api(`/dead-letters/${letter!.id}/retry`, { method: 'POST' })).status).toBe(409);
    expect(q.fanout.sent).toHaveLength(0);
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.resourceId, letter!.id)));
    expect(audit.map((r) => r.action)).toEqual(['dead_letter.discarded']);
  });
});

describe('invariant: a retried send job is claimed at most once', () => {
  it('retrying a dead send job that was already sent sends no second SMS', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const [jobId] = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio(undefined, () => DAYTIME);
    await runSend(e, [jobId!], { clock: () => DAYTIME });
    expect(tw.calls).toHaveLength(1);
    // A duplicate of its message exhausted its retries and reached the dead-letter queue.
    await deadLetter([{ jobId }], T0);
    const q = withQueues(t);
    const [letter] = await lettersOf(t.tenantId);
    expect((await q.api(`/dead-letters/${letter!.id}/retry`, { method: 'POST' })).status).toBe(200);
    expect(q.send.sent.map((m) => m.body)).toEqual([{ jobId }]);

    const verdict = await runSend(e, [jobId!], { clock: () => DAYTIME });

    expect(verdict.explicitAcks).toHaveLength(1);
    expect(tw.calls).toHaveLength(1);
    expect(await sentCount(c.id)).toBe(1);
    expect((await jobsOf(c.id))[0]).toMatchObject({ status: 'sent', attemptCount: 1 });
  });

  it('a dead job still queued is sent exactly once, even when its retry races a redelivery', async () => {
    const t = await setupSendTenant();
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const [jobId] = await runFanout(e, c, DAYTIME);
    await deadLetter([{ jobId }], T0);
    const q = withQueues(t);
    const [letter] = await lettersOf(t.tenantId);
    expect((await q.api(`/dead-letters/${letter!.id}/retry`, { method: 'POST' })).status).toBe(200);
    const tw = mockTwilio(undefined, () => DAYTIME);

    // The retried message and a redelivery of the job (e.g. the lease cron) arrive together.
    await Promise.all([
      runSend(e, [jobId!], { clock: () => DAYTIME }),
      runSend(e, [jobId!], { clock: () => DAYTIME }),
    ]);
    await runSend(e, [jobId!], { clock: () => DAYTIME, attempts: 2 });

    expect(tw.calls).toHaveLength(1);
    expect(await sentCount(c.id)).toBe(1);
  });
});
