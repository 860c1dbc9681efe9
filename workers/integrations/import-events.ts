// `import.completed`: one webhook event per finished import, not one `contact.created` per row.
// A 100,000-row file would otherwise fire 100,000 requests at every receiver within minutes; the
// receiver gets the counts and fetches what it needs. The event id is derived from the import, so
// a redelivered queue message never sends it twice.
import { eq } from 'drizzle-orm';
import { importBatches } from '../db/schema';
import { shards } from '../db/shards';
import { emitEventSafely } from './events';

export async function emitImportCompleted(
  env: Pick<Env, 'DB' | 'WEBHOOK_QUEUE'>,
  batchId: string,
): Promise<void> {
  // The import message carries only the batch id; the batch is on its tenant's shard (once per import).
  let b: typeof importBatches.$inferSelect | undefined;
  for (const shard of shards(env)) {
    b = await shard.db.query.importBatches.findFirst({ where: eq(importBatches.id, batchId) });
    if (b) break;
  }
  if (b?.status !== 'completed') return;
  await emitEventSafely(
    env,
    b.tenantId,
    'import.completed',
    {
      import: {
        id: b.id,
        file_name: b.fileName,
        total_rows: b.totalRows,
        created_count: b.createdCount,
        updated_count: b.updatedCount,
        skipped_count: b.skippedCount,
        rejected_count: b.rejectedCount,
        completed_at: b.completedAt,
      },
    },
    { id: `import-completed-${b.id}`, at: b.completedAt ? new Date(b.completedAt) : undefined },
  );
}
