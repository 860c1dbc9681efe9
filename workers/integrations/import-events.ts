// `import.completed`: one webhook event per finished import, not one `contact.created` per row.
// A 100,000-row file would otherwise fire 100,000 requests at every receiver within minutes; the
// receiver gets the counts and fetches what it needs. The event id is derived from the import, so
// a redelivered queue message never sends it twice.
import { and, eq } from 'drizzle-orm';
import { importBatches } from '../db/schema';
import { tenantDb } from '../db/shards';
import { emitEventSafely } from './events';

export async function emitImportCompleted(
  env: Pick<Env, 'CONTROL_DB' | 'WEBHOOK_QUEUE'>,
  tenantId: string,
  batchId: string,
): Promise<void> {
  const db = await tenantDb(env, tenantId);
  const b = await db.query.importBatches.findFirst({
    where: and(eq(importBatches.id, batchId), eq(importBatches.tenantId, tenantId)),
  });
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
