// The third step: every part is read back from R2 and checked (present, same size and SHA-256,
// a whole gzip stream, as many lines as rows recorded, first and last keys as recorded, keys in
// order) before anything is deleted (state → verified). A bad part sends the archiving back to
// rolled_up from that part, which the writer copies again from the rows still in D1.
import { sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import type { ArchivedTable } from '../db/schema';
import { type Ctx, fault, manifestKey, readState } from './context';
import { fromNdjson, gunzip, sha256OfBytes } from './ndjson';
import { TABLES } from './tables';

type Part = {
  table_name: ArchivedTable;
  part: number;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
  first_key: string;
  last_key: string;
};

/** What is wrong with a part as read back, or null when it is exactly what was written. */
export async function checkPart(bucket: R2Bucket, p: Part): Promise<string | null> {
  const obj = await bucket.get(p.key);
  if (!obj) return 'missing';
  const bytes = new Uint8Array(await obj.arrayBuffer());
  if (bytes.byteLength !== p.bytes) return `${bytes.byteLength} bytes, ${p.bytes} written`;
  if ((await sha256OfBytes(bytes)) !== p.sha256) return 'SHA-256 differs';
  let rows: Record<string, unknown>[];
  try {
    rows = fromNdjson<Record<string, unknown>>(await gunzip(bytes));
  } catch (err) {
    return `unreadable: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (rows.length !== p.rows) return `${rows.length} rows, ${p.rows} written`;
  const spec = TABLES[p.table_name];
  const keys = rows.map(spec.keyOf);
  if (keys[0] !== p.first_key || keys[keys.length - 1] !== p.last_key) return 'first or last key differs';
  if (spec.ordered && keys.some((k, i) => i > 0 && !(k > (keys[i - 1] as string))))
    return 'keys out of order';
  return null;
}

/** Reads back the next unverified parts within the budget; when none is left, → verified. */
export async function verifyParts(ctx: Ctx): Promise<void> {
  const { id, tenantId } = ctx.campaign;
  const written = sql`(SELECT archive_state FROM campaigns WHERE id = ${id}) = 'written'`;
  const parts = await ctx.db.all<Part>(sql`
    SELECT table_name, part, key, rows, bytes, sha256, first_key, last_key FROM campaign_archive_parts
     WHERE campaign_id = ${id} AND tenant_id = ${tenantId} AND verified_at IS NULL
     ORDER BY table_name, part LIMIT ${Math.max(1, ctx.budget.left)}`);
  for (const p of parts) {
    const problem = await checkPart(ctx.bucket, p);
    ctx.budget.left -= 1;
    if (problem) {
      // Copy the table again from this part on (the rows are all still in D1).
      await runBatch(ctx.db, [
        sql`DELETE FROM campaign_archive_parts
             WHERE campaign_id = ${id} AND table_name = ${p.table_name} AND part >= ${p.part} AND ${written}`,
        sql`UPDATE campaign_archives SET last_error = ${`${p.key}: ${problem}`}, written_at = NULL
             WHERE campaign_id = ${id} AND ${written}`,
        sql`UPDATE campaigns SET archive_state = 'rolled_up'
             WHERE id = ${id} AND tenant_id = ${tenantId} AND archive_state = 'written'`,
      ]);
      ctx.report.rewrites += 1;
      console.warn('archive: part read back wrong, rewriting', p.key, problem);
      return;
    }
    await ctx.db.run(sql`
      UPDATE campaign_archive_parts SET verified_at = ${ctx.at}
       WHERE campaign_id = ${id} AND table_name = ${p.table_name} AND part = ${p.part} AND ${written}`);
    ctx.report.parts_verified += 1;
    await fault(ctx, 'part:verified');
  }
  const [left] = await ctx.db.all<{ n: number }>(sql`
    SELECT count(*) AS n FROM campaign_archive_parts WHERE campaign_id = ${id} AND verified_at IS NULL`);
  if ((left?.n ?? 0) > 0) return;
  // The table of contents too: without it the archive would not explain itself.
  const { archive } = await readState(ctx);
  const manifest = archive ? await ctx.bucket.get(manifestKey(archive.prefix)) : null;
  let readable = false;
  try {
    readable = manifest !== null && typeof (await manifest.json<{ tables?: unknown }>()).tables === 'object';
  } catch {
    readable = false;
  }
  if (!readable) {
    // Written again by the writer (it has nothing else left to copy).
    await runBatch(ctx.db, [
      sql`UPDATE campaign_archives SET last_error = 'manifest missing or unreadable', written_at = NULL
           WHERE campaign_id = ${id} AND ${written}`,
      sql`UPDATE campaigns SET archive_state = 'rolled_up'
           WHERE id = ${id} AND tenant_id = ${tenantId} AND archive_state = 'written'`,
    ]);
    ctx.report.rewrites += 1;
    return;
  }
  await runBatch(ctx.db, [
    sql`UPDATE campaigns SET archive_state = 'verified'
         WHERE id = ${id} AND tenant_id = ${tenantId} AND archive_state = 'written'
           AND NOT EXISTS (SELECT 1 FROM campaign_archive_parts WHERE campaign_id = ${id} AND verified_at IS NULL)`,
    sql`UPDATE campaign_archives SET verified_at = ${ctx.at} WHERE campaign_id = ${id}`,
  ]);
  await fault(ctx, 'verified');
}
