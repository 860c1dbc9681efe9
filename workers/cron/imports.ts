import { failBatch, readOptions, writeOptions } from '../db/imports';
import { type Shard, shards } from '../db/shards';
import type { CronScope } from './scope';

/** A running import whose heartbeat is older than this is presumed dead (crash, deploy, lost message). */
export const STALE_AFTER_MS = 5 * 60_000;
/** Resumes in a row without any chunk completing before the batch is failed. */
export const MAX_STALLED_RESUMES = 3;

type Stale = {
  id: string;
  tenant_id: string;
  options: string | null;
  chunks_total: number;
  chunks_done: number;
  total_rows: number;
  created_count: number;
  updated_count: number;
  skipped_count: number;
  rejected_count: number;
};

/**
 * Cron job (every minute): no import stays `processing` forever. A stale batch is resumed from its
 * first unprocessed chunk; one that keeps stalling is failed with the counts it reached.
 */
export async function watchImports(env: Env, now: Date, scope?: CronScope): Promise<void> {
  await Promise.all(shards(env).map((shard) => watchShard(env, shard, now, scope)));
}

async function watchShard(env: Env, shard: Shard, now: Date, scope?: CronScope): Promise<void> {
  const d1 = shard.d1;
  const cutoff = new Date(now.getTime() - STALE_AFTER_MS).toISOString();
  const { results } = await d1
    .prepare(
      `SELECT id, tenant_id, options, chunks_total, chunks_done, total_rows, created_count, updated_count,
              skipped_count, rejected_count
         FROM import_batches
        WHERE status IN ('pending', 'processing') AND COALESCE(heartbeat_at, created_at) < ?1
          AND tenant_id IN (SELECT id FROM tenants WHERE shard = ?2) AND (?3 IS NULL OR tenant_id = ?3)
        ORDER BY created_at LIMIT 50`,
    )
    .bind(cutoff, shard.name, scope?.tenantId ?? null)
    .all<Stale>();
  for (const b of results) {
    const options = readOptions(b.options);
    const stalled = b.chunks_done <= options.resumeChunksDone && options.resumes > 0;
    const resumes = stalled ? options.resumes + 1 : 1;
    if (resumes > MAX_STALLED_RESUMES) {
      const processed = b.created_count + b.updated_count + b.skipped_count + b.rejected_count;
      await failBatch(
        d1,
        b.id,
        `Stopped after ${MAX_STALLED_RESUMES} attempts to resume made no progress: ${processed} of ${b.total_rows} rows were processed (chunks ${b.chunks_done} of ${b.chunks_total}); the rest were not imported. Upload the file again to finish it.`,
      );
      continue;
    }
    const next = await d1
      .prepare(
        'SELECT seq FROM import_chunks WHERE batch_id = ? AND processed_at IS NULL ORDER BY seq LIMIT 1',
      )
      .bind(b.id)
      .first<{ seq: number }>();
    const iso = now.toISOString();
    if (!next) {
      await d1
        .prepare(
          `UPDATE import_batches SET status = 'completed', completed_at = COALESCE(completed_at, ?) WHERE id = ?`,
        )
        .bind(iso, b.id)
        .run();
      continue;
    }
    // The heartbeat moves forward so the batch is not re-enqueued every minute while the resume runs.
    await d1
      .prepare('UPDATE import_batches SET heartbeat_at = ?, options = ? WHERE id = ?')
      .bind(iso, JSON.stringify(writeOptions({ ...options, resumes, resumeChunksDone: b.chunks_done })), b.id)
      .run();
    await env.IMPORT_QUEUE.send({ batchId: b.id, tenantId: b.tenant_id, seq: next.seq });
  }
}
