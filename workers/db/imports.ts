// Import processing against D1: one chunk of rows per transaction (D1 batch), in file order, each chunk
// exactly once. Raw D1 statements (not drizzle) because a whole chunk is written with one JSON
// parameter through `json_each`: a single statement per 1,000 rows instead of 100-parameter slices.
// The chunk itself: import-chunk.ts; the batch's options: import-options.ts.
import { type ImportDefaults, planColumns } from '../domain/csv-import';
import { processChunk } from './import-chunk';
import { readOptions } from './import-options';
import type { ImportStatus } from './schema';

export { type ChunkOutcome, processChunk } from './import-chunk';
export { type ImportOptions, readOptions, writeOptions } from './import-options';

/** Queue message: ids only. `seq` is where the chain stood; processing always takes the lowest unprocessed chunk. */
/** An import queue message: the tenant id finds the shard holding the batch. */
export type ImportMessage = { batchId: string; tenantId: string; seq: number };

export type BatchRow = {
  id: string;
  tenant_id: string;
  status: ImportStatus;
  options: string | null;
  chunks_total: number;
  chunks_done: number;
  created_by: string | null;
};

/**
 * Works through a batch's unprocessed chunks in order until none is left or the budget is spent.
 * Returns `more` when chunks remain (the caller re-enqueues), `done` otherwise.
 */
export async function runImport(
  d1: D1Database,
  batchId: string,
  budget: { maxChunks: number; maxMs: number } = { maxChunks: 50, maxMs: 20_000 },
): Promise<'done' | 'more'> {
  const started = Date.now();
  const batch = await d1
    .prepare(
      'SELECT id, tenant_id, status, options, chunks_total, chunks_done, created_by FROM import_batches WHERE id = ?',
    )
    .bind(batchId)
    .first<BatchRow>();
  if (!batch || batch.status === 'completed' || batch.status === 'failed') return 'done';
  const tenant = await d1
    .prepare('SELECT country FROM tenants WHERE id = ?')
    .bind(batch.tenant_id)
    .first<{ country: string }>();
  const options = readOptions(batch.options);
  const planned = planColumns(options.headers);
  if (!planned.ok) {
    await failBatch(d1, batchId, planned.reason);
    return 'done';
  }
  const defaults: ImportDefaults = {
    defaultConsentStatus: options.defaultConsentStatus,
    consentSource: options.consentSource,
    defaultCountry: tenant?.country ?? 'AU',
  };
  await d1
    .prepare(
      "UPDATE import_batches SET status = 'processing', heartbeat_at = ? WHERE id = ? AND status = 'pending'",
    )
    .bind(new Date().toISOString(), batchId)
    .run();
  for (let n = 0; n < budget.maxChunks; n++) {
    const chunk = await d1
      .prepare(
        `SELECT c.id, c.seq, c.first_row, c.rows FROM import_chunks c JOIN import_batches b ON b.id = c.batch_id
          WHERE c.batch_id = ? AND c.processed_at IS NULL AND b.status IN ('pending', 'processing')
          ORDER BY c.seq LIMIT 1`,
      )
      .bind(batchId)
      .first<{ id: string; seq: number; first_row: number; rows: string }>();
    if (!chunk) {
      await completeIfDone(d1, batchId);
      return 'done';
    }
    await processChunk(d1, { batch, plan: planned.plan, defaults, options }, chunk);
    if (Date.now() - started > budget.maxMs) break;
  }
  const left = await d1
    .prepare('SELECT 1 AS one FROM import_chunks WHERE batch_id = ? AND processed_at IS NULL LIMIT 1')
    .bind(batchId)
    .first();
  return left ? 'more' : 'done';
}

async function completeIfDone(d1: D1Database, batchId: string) {
  await d1
    .prepare(
      `UPDATE import_batches SET status = 'completed', completed_at = COALESCE(completed_at, ?)
        WHERE id = ? AND status IN ('pending', 'processing') AND chunks_done >= chunks_total`,
    )
    .bind(new Date().toISOString(), batchId)
    .run();
}

export async function failBatch(d1: D1Database, batchId: string, reason: string) {
  await d1
    .prepare(
      `UPDATE import_batches SET status = 'failed', failure_reason = ?, completed_at = ?
        WHERE id = ? AND status IN ('pending', 'processing')`,
    )
    .bind(reason, new Date().toISOString(), batchId)
    .run();
}
