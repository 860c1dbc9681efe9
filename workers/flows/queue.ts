// The flow queue (`sms-flows`, issue 14): work over many enrolments, one page per message, never a
// scan of every enrolment. `wake` starts the runners of one flow's enrolments in progress again (a
// paused flow resumed, its steps changed: a runner whose step is not due just sets its alarm
// again). `tagged` enrols the contacts a bulk tag change just tagged in the flows that tag starts
// (the contact_tags rows that change wrote carry its time).
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { flows } from '../db/schema';
import { shardOrNull } from '../db/shards';
import { backoffSeconds } from '../domain/twilio-errors';
import { enrolContact, startRunner } from './enrol';

export const WAKE_PAGE = 100;
/** Each enrolment costs a D1 batch and a runner call: 50 keep a batch of 5 messages within limits. */
export const TAGGED_PAGE = 50;

const FlowQueueMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('wake'),
    tenantId: z.string().min(1),
    flowId: z.string().min(1),
    cursor: z.string().nullable(),
  }),
  z.object({
    type: z.literal('tagged'),
    tenantId: z.string().min(1),
    flowId: z.string().min(1),
    tag: z.string().min(1),
    at: z.string().min(1),
    cursor: z.string().nullable(),
  }),
]);
export type FlowQueueMessage = z.infer<typeof FlowQueueMessage>;

export async function enqueueWake(
  env: Pick<Env, 'FLOW_QUEUE'>,
  tenantId: string,
  flowId: string,
): Promise<void> {
  await env.FLOW_QUEUE.send({ type: 'wake', tenantId, flowId, cursor: null } satisfies FlowQueueMessage);
}

/**
 * After a bulk tag change: one message per active flow started by one of the tags added (none,
 * and one indexed query, when no flow listens). Failures are logged: the tags stay.
 */
export async function enqueueTagged(
  env: Pick<Env, 'FLOW_QUEUE'>,
  db: Db,
  p: { tenantId: string; tags: readonly string[]; at: string },
): Promise<number> {
  if (p.tags.length === 0) return 0;
  try {
    const listening = await db
      .select({ id: flows.id, tag: flows.triggerTag })
      .from(flows)
      .where(
        and(
          eq(flows.tenantId, p.tenantId),
          eq(flows.triggerType, 'tag_added'),
          eq(flows.isActive, true),
          isNull(flows.archivedAt),
          inArray(flows.triggerTag, [...p.tags]),
        ),
      );
    for (const f of listening)
      await env.FLOW_QUEUE.send({
        type: 'tagged',
        tenantId: p.tenantId,
        flowId: f.id,
        tag: f.tag ?? '',
        at: p.at,
        cursor: null,
      } satisfies FlowQueueMessage);
    return listening.length;
  } catch (err) {
    console.error('bulk tag: flows not started', p.tenantId, err);
    return 0;
  }
}

/** Runs one page; answers the next message, if there is more. */
export async function runFlowPage(
  env: Env,
  msg: FlowQueueMessage,
  now: Date,
): Promise<FlowQueueMessage | null> {
  const shard = await shardOrNull(env, msg.tenantId);
  if (!shard) return null;
  if (msg.type === 'wake') {
    const rows = await shard.db.all<{ id: string }>(sql`
      SELECT id FROM flow_enrolments
       WHERE flow_id = ${msg.flowId} AND status = 'active' AND id > ${msg.cursor ?? ''}
       ORDER BY id LIMIT ${WAKE_PAGE}`);
    await Promise.all(rows.map((r) => startRunner(env, { tenantId: msg.tenantId, enrolmentId: r.id }, now)));
    const last = rows[rows.length - 1];
    return rows.length === WAKE_PAGE && last ? { ...msg, cursor: last.id } : null;
  }
  const flow = await shard.db.query.flows.findFirst({
    where: and(eq(flows.id, msg.flowId), eq(flows.tenantId, msg.tenantId)),
  });
  if (!flow) return null;
  // Through the (tenant, tag, contact) index; the rows this bulk change wrote carry its time.
  const rows = await shard.db.all<{ contact_id: string }>(sql`
    SELECT contact_id FROM contact_tags
     WHERE tenant_id = ${msg.tenantId} AND tag = ${msg.tag} AND created_at = ${msg.at} AND contact_id > ${msg.cursor ?? ''}
     ORDER BY contact_id LIMIT ${TAGGED_PAGE}`);
  for (const r of rows)
    await enrolContact(env, shard.db, {
      flow,
      contactId: r.contact_id,
      source: { type: 'tag_added', tag: msg.tag },
      now,
    });
  const last = rows[rows.length - 1];
  return rows.length === TAGGED_PAGE && last ? { ...msg, cursor: last.contact_id } : null;
}

/** Consumer for `sms-flows`. */
export async function consumeFlowBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const m of batch.messages) {
    const parsed = FlowQueueMessage.safeParse(m.body);
    if (!parsed.success) {
      console.error('flow queue: unreadable message, dropped', JSON.stringify(m.body));
      m.ack();
      continue;
    }
    try {
      const next = await runFlowPage(env, parsed.data, new Date());
      if (next) await env.FLOW_QUEUE.send(next);
      m.ack();
    } catch (err) {
      console.error('flow queue page failed', parsed.data, err);
      m.retry({ delaySeconds: backoffSeconds(m.attempts) });
    }
  }
}
