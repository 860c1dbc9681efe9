import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { DEAD_LETTER_STATUSES, deadLetters } from '../db/schema';
import { isSourceQueue } from '../domain/dead-letters';
import { audit } from '../http/audit';
import type { AppEnv } from '../http/context';
import { ApiError, notFound } from '../http/errors';
import { newestFirst } from '../http/pagination';
import { createRouter, errorResponses, IdParam, jsonResponse, PageQuery, page } from '../http/router';
import { requeue } from '../ops/dead-letters';

const DeadLetterSchema = z
  .object({
    id: z.string(),
    queue: z
      .string()
      .openapi({ description: 'The queue it died on: sms-send, sms-fanout, sms-import or unknown' }),
    body: z.unknown().openapi({ description: 'The message as its producer sent it (ids only)' }),
    attempts: z
      .number()
      .int()
      .openapi({ description: 'Deliveries on its source queue, summed over retries' }),
    error: z.string().nullable().openapi({ description: 'What is known about why' }),
    status: z.enum(DEAD_LETTER_STATUSES),
    retryable: z.boolean(),
    seen_count: z.number().int(),
    retry_count: z.number().int(),
    first_seen_at: z.string(),
    last_seen_at: z.string(),
    resolved_at: z.string().nullable(),
  })
  .openapi('DeadLetter');

type Row = typeof deadLetters.$inferSelect;
const letterJson = (r: Row) => ({
  id: r.id,
  queue: r.queue,
  body: r.body,
  attempts: r.attempts,
  error: r.error,
  status: r.status,
  retryable: r.status === 'pending' && isSourceQueue(r.queue),
  seen_count: r.seenCount,
  retry_count: r.retryCount,
  first_seen_at: r.firstSeenAt,
  last_seen_at: r.lastSeenAt,
  resolved_at: r.resolvedAt,
});

const conflict = { description: 'Not pending (already retried or discarded), or not retryable' } as const;

/** The caller tenant's letter; platform-wide ones (no tenant) and other tenants' answer 404. */
async function findLetter(c: Context<AppEnv>, id: string): Promise<Row> {
  const { tenantId } = c.get('principal');
  const [row] = await c
    .get('control')
    .select()
    .from(deadLetters)
    .where(and(eq(deadLetters.id, id), eq(deadLetters.tenantId, tenantId)));
  if (!row) throw notFound('Dead letter');
  return row;
}

function notPending(row: Row): ApiError {
  return new ApiError(
    'CONFLICT',
    `This dead letter was already ${row.status} at ${row.resolvedAt ?? 'an earlier time'}; it shows up as pending again if it dies again.`,
  );
}

/** Admin only (mounted behind requireRole('admin')). Dead letters live in the control database. */
export const deadLetterRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/dead-letters',
      tags: ['System'],
      summary: 'Messages that failed every delivery on their queue',
      request: { query: PageQuery.extend({ status: z.enum(DEAD_LETTER_STATUSES).optional() }) },
      responses: { 200: jsonResponse(page(DeadLetterSchema), 'Newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid('query');
      const p = await newestFirst(
        c.get('control'),
        deadLetters,
        { tenantId: c.get('principal').tenantId, cursor, limit },
        status ? eq(deadLetters.status, status) : undefined,
      );
      return c.json({ data: p.data.map(letterJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/dead-letters/{id}/retry',
      tags: ['System'],
      summary: 'Put the message back on its queue',
      description:
        'The message goes back on the queue it died on, unchanged. The consumers’ own guards still hold: a send ' +
        'job that was sent, failed or cancelled in the meantime is not sent again, and a job is claimed at most once.',
      request: { params: IdParam },
      responses: { 200: jsonResponse(DeadLetterSchema, 'Requeued'), 409: conflict, ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tenantId } = c.get('principal');
      const control = c.get('control');
      const before = await findLetter(c, id);
      const queue = before.queue;
      if (!isSourceQueue(queue)) {
        throw new ApiError('CONFLICT', 'Its source queue is unknown, so it cannot be retried; discard it.');
      }
      if (before.status !== 'pending') throw notPending(before);
      const now = new Date().toISOString();
      // The conditional update claims the retry: two admins clicking at once enqueue it once.
      const [claimed] = await control
        .update(deadLetters)
        .set({ status: 'retried', resolvedAt: now, retryCount: sql`${deadLetters.retryCount} + 1` })
        .where(
          and(eq(deadLetters.id, id), eq(deadLetters.tenantId, tenantId), eq(deadLetters.status, 'pending')),
        )
        .returning();
      if (!claimed) throw notPending(await findLetter(c, id));
      try {
        await requeue(c.env, queue, before.body);
      } catch (err) {
        await control
          .update(deadLetters)
          .set({ status: 'pending', resolvedAt: null, retryCount: before.retryCount })
          .where(eq(deadLetters.id, id));
        console.error('dead letter retry: the queue refused the message', id, err);
        throw new ApiError('INTERNAL', 'The queue did not take the message; nothing changed. Try again.');
      }
      await audit(c, {
        action: 'dead_letter.retried',
        resourceType: 'dead_letter',
        resourceId: id,
        metadata: { queue, attempts: before.attempts },
      });
      return c.json(letterJson(claimed), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/dead-letters/{id}',
      tags: ['System'],
      summary: 'Discard the message',
      description: 'Marks it discarded (it is deleted after RETENTION_DEAD_LETTER_DAYS).',
      request: { params: IdParam },
      responses: { 204: { description: 'Discarded' }, 409: conflict, ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { tenantId } = c.get('principal');
      const before = await findLetter(c, id);
      if (before.status !== 'pending') throw notPending(before);
      const [done] = await c
        .get('control')
        .update(deadLetters)
        .set({ status: 'discarded', resolvedAt: new Date().toISOString() })
        .where(
          and(eq(deadLetters.id, id), eq(deadLetters.tenantId, tenantId), eq(deadLetters.status, 'pending')),
        )
        .returning({ id: deadLetters.id });
      if (!done) throw notPending(await findLetter(c, id));
      await audit(c, {
        action: 'dead_letter.discarded',
        resourceType: 'dead_letter',
        resourceId: id,
        metadata: { queue: before.queue, error: before.error },
      });
      return c.body(null, 204);
    },
  );
