// control database: operating the platform (dead letters, cron runs, tenant moves between shards and
// the webhooks parked while a tenant moves).
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, id, now, oneOf, updatedAt } from './columns';
import { tenants } from './control';

// ---------------------------------------------------------------------------------------------
// control database (issue 9: operating it)

export const DEAD_LETTER_STATUSES = ['pending', 'retried', 'discarded'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/**
 * Every message that reached the dead-letter queue (sms-dlq), kept until an admin retries or
 * discards it, then RETENTION_DEAD_LETTER_DAYS more. The same message landing again (the DLQ
 * redelivering, or a retried message dying again) updates its row through `dedupe_key`.
 */
export const deadLetters = sqliteTable(
  'dead_letters',
  {
    id: id(),
    /** The queue it died on (sms-send, sms-fanout, sms-import), or 'unknown'. */
    queue: text('queue').notNull(),
    body: text('body', { mode: 'json' }).$type<unknown>().notNull(),
    /** The owner, from the body or the row it names; NULL = platform-wide (operator only). */
    tenantId: text('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    /** SHA-256 of the queue and the canonical JSON body. */
    dedupeKey: text('dedupe_key').notNull(),
    /** Deliveries it got on its source queue before it died (summed over retries). */
    attempts: integer('attempts').notNull(),
    /** What is known about why (the job, import or campaign row's own reason). */
    error: text('error'),
    status: text('status', { enum: DEAD_LETTER_STATUSES }).notNull().default('pending'),
    /** How many times it landed on the dead-letter queue. */
    seenCount: integer('seen_count').notNull().default(1),
    retryCount: integer('retry_count').notNull().default(0),
    firstSeenAt: text('first_seen_at').notNull(),
    lastSeenAt: text('last_seen_at').notNull(),
    /** When it was retried or discarded; retention counts from here. */
    resolvedAt: text('resolved_at'),
  },
  (t) => [
    uniqueIndex('dead_letters_dedupe_key_unique').on(t.dedupeKey),
    index('dead_letters_tenant_id_idx').on(t.tenantId, t.status),
    index('dead_letters_status_idx').on(t.status, t.resolvedAt),
    check('dead_letters_status_enum', oneOf('status', DEAD_LETTER_STATUSES)),
    check('dead_letters_attempts_nonneg', sql`${t.attempts} >= 0`),
  ],
);

/** The last run of each cron job (one row per job), for the System page. */
export const cronRuns = sqliteTable(
  'cron_runs',
  {
    job: text('job').primaryKey(),
    lastStartedAt: text('last_started_at').notNull(),
    lastFinishedAt: text('last_finished_at'),
    /** Null while the first run is still going. */
    ok: bool('ok'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    lastSuccessAt: text('last_success_at'),
    /** What the job reported (counts), as JSON. */
    detail: text('detail', { mode: 'json' }).$type<Record<string, number>>(),
  },
  () => [check('cron_runs_ok_bool', sql.raw('"ok" IS NULL OR "ok" IN (0, 1)'))],
);

// ---------------------------------------------------------------------------------------------
// control database (issue 11): moving a tenant to another shard (`npm run ops -- tenant move`), a
// resumable state machine. While a move is not done (or cancelled), `tenants.shard` reads
// "SHARD_a>SHARD_b" (see workers/db/shards.ts) so nothing in the Worker writes to either copy.
// `counts` holds, per table, the copy's keyset cursor and the rows counted on each side.
export const MOVE_STATES = [
  'marked',
  'copying',
  'copied',
  'verified',
  'switched',
  'caught_up',
  'deleting',
  'done',
  'cancelled',
] as const;
export type MoveState = (typeof MOVE_STATES)[number];
export type MoveTableCounts = {
  cursor: string | null;
  copied: number;
  source: number | null;
  target: number | null;
  /** the source's checksum when the copy was verified (the old shard must not change after it) */
  sourceBytes?: number;
  deleted?: number;
};
export const tenantMoves = sqliteTable(
  'tenant_moves',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    fromShard: text('from_shard').notNull(),
    toShard: text('to_shard').notNull(),
    state: text('state', { enum: MOVE_STATES }).notNull().default('marked'),
    counts: text('counts', { mode: 'json' })
      .$type<Record<string, MoveTableCounts>>()
      .notNull()
      .default(sql`'{}'`),
    // when the current state was entered: the waits count from here, so a re-run does not restart them
    stateAt: text('state_at').notNull().default(now),
    lastError: text('last_error'),
    startedAt: text('started_at').notNull().default(now),
    updatedAt: updatedAt(),
    finishedAt: text('finished_at'),
  },
  (t) => [
    index('tenant_moves_tenant_id_idx').on(t.tenantId),
    // one move at a time per tenant
    uniqueIndex('tenant_moves_active_unique').on(t.tenantId).where(sql`state NOT IN ('done', 'cancelled')`),
    check('tenant_moves_state_enum', oneOf('state', MOVE_STATES)),
    check('tenant_moves_shards_differ', sql`${t.fromShard} <> ${t.toShard}`),
  ],
);

// control database (issue 11): Twilio webhooks that arrived while their tenant was being moved
// (its data was on neither shard for writing). Stored as received (already signature-checked) and
// applied by the Worker once the move is over: `POST /ops/v1/tenants/:id/parked-webhooks/replay`,
// which `tenant move` and `tenant resume` call. A STOP received mid-move is never lost.
export const PARKED_WEBHOOK_KINDS = ['status', 'inbound'] as const;
export const parkedWebhooks = sqliteTable(
  'parked_webhooks',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: PARKED_WEBHOOK_KINDS }).notNull(),
    // the callback URL's query (names the tenant and the job for status callbacks)
    query: text('query').notNull().default(''),
    params: text('params', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    idempotencyToken: text('idempotency_token'),
    receivedAt: text('received_at').notNull().default(now),
  },
  (t) => [
    index('parked_webhooks_tenant_received_idx').on(t.tenantId, t.receivedAt),
    check('parked_webhooks_kind_enum', oneOf('kind', PARKED_WEBHOOK_KINDS)),
  ],
);
