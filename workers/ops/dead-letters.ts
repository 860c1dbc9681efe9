// Dead letters (issue 9): every message that reaches sms-dlq is stored in the control database,
// with its owner and what is known about why it died, and can be put back on its queue.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { controlDb, shards, tenantDb } from '../db/shards';
import {
  canonicalJson,
  type DeadLetterQueue,
  inferSource,
  type LetterSource,
  type SourceQueue,
  sourceAttempts,
  storableBody,
} from '../domain/dead-letters';
import { sha256Hex } from '../lib/crypto';
import { errorText } from '../lib/error-text';

type Found = { tenant_id: string; status: string; reason: string | null; code: string | null };

const LOOKUPS = {
  send_job: sql`SELECT tenant_id, status, failure_reason AS reason, error_code AS code FROM send_jobs WHERE id = `,
  campaign: sql`SELECT tenant_id, status, status_reason AS reason, NULL AS code FROM campaigns WHERE id = `,
  import_batch: sql`SELECT tenant_id, status, failure_reason AS reason, NULL AS code FROM import_batches WHERE id = `,
} as const;

const NOUN = { send_job: 'send job', campaign: 'campaign', import_batch: 'import' } as const;

/** The row the body names, on the shard of the tenant it names, else on any shard. */
async function findSubject(env: Env, src: LetterSource): Promise<Found | null> {
  if (!src.subject) return null;
  const query = sql`${LOOKUPS[src.subject.kind]}${src.subject.id}`;
  const dbs: Db[] = src.tenantId ? [await tenantDb(env, src.tenantId)] : shards(env).map((s) => s.db);
  for (const db of dbs) {
    const row = await db.get<Found>(query);
    if (row) return row;
  }
  return null;
}

/** The owner and a sentence on why, from the row the body names ("what is known"). */
export async function describeLetter(
  env: Env,
  src: LetterSource,
  attempts: number,
): Promise<{ tenantId: string | null; error: string }> {
  const gaveUp =
    src.queue === 'unknown'
      ? 'a message no queue of this Worker sends (it cannot be retried)'
      : `gave up after ${attempts} deliveries on ${src.queue}`;
  if (!src.subject) return { tenantId: src.tenantId, error: gaveUp };
  const noun = NOUN[src.subject.kind];
  try {
    const row = await findSubject(env, src);
    if (!row) return { tenantId: src.tenantId, error: `${gaveUp}; the ${noun} no longer exists` };
    const why = [row.reason, row.code ? `Twilio error ${row.code}` : null].filter(Boolean).join(', ');
    return {
      tenantId: row.tenant_id,
      error: `${gaveUp}; the ${noun} is ${row.status}${why ? ` (${why})` : ''}`,
    };
  } catch (err) {
    return {
      tenantId: src.tenantId,
      error: `${gaveUp}; the ${noun} could not be read: ${errorText(err, 120)}`,
    };
  }
}

export type IncomingLetter = { body: unknown; attempts: number };

/**
 * Stores one message from the dead-letter queue. The same body on the same queue again (the DLQ
 * redelivering, or a retried message dying again) updates its row: last seen, count, back to
 * pending; a new round of deliveries after a retry or a discard adds to its attempts.
 */
export async function recordDeadLetter(
  env: Env,
  letter: IncomingLetter,
  now: Date,
): Promise<{ id: string; queue: DeadLetterQueue; tenantId: string | null }> {
  const body = storableBody(letter.body);
  const src = inferSource(body);
  const attempts = sourceAttempts(src.queue, letter.attempts);
  const { tenantId, error } = await describeLetter(env, src, attempts);
  const key = await sha256Hex(`${src.queue}\n${canonicalJson(body)}`);
  const at = now.toISOString();
  const row = await controlDb(env).get<{ id: string }>(sql`
    INSERT INTO dead_letters (id, queue, body, tenant_id, dedupe_key, attempts, error, status, seen_count,
                              retry_count, first_seen_at, last_seen_at)
    VALUES (${uuidv7(now.getTime())}, ${src.queue}, ${JSON.stringify(body)}, ${tenantId}, ${key}, ${attempts},
            ${error}, 'pending', 1, 0, ${at}, ${at})
    ON CONFLICT (dedupe_key) DO UPDATE SET
      last_seen_at = excluded.last_seen_at,
      seen_count = dead_letters.seen_count + 1,
      attempts = dead_letters.attempts + CASE WHEN dead_letters.status = 'pending' THEN 0 ELSE excluded.attempts END,
      error = excluded.error,
      tenant_id = coalesce(dead_letters.tenant_id, excluded.tenant_id),
      status = 'pending',
      resolved_at = NULL
    RETURNING id`);
  return { id: row?.id ?? '', queue: src.queue, tenantId };
}

/** Puts a body back on the queue it died on. */
export async function requeue(env: Env, queue: SourceQueue, body: unknown): Promise<void> {
  const queues: Record<SourceQueue, Queue<unknown>> = {
    'sms-send': env.SEND_QUEUE,
    'sms-fanout': env.FANOUT_QUEUE,
    'sms-import': env.IMPORT_QUEUE,
  };
  await queues[queue].send(body);
}
