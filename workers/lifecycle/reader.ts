// Reading an archived campaign back from R2: its send jobs in contact order (with each recipient's
// link totals), for recipients.csv once the rows have left D1. Parts are read one at a time, so an
// export holds one part (PART_ROWS rows) in memory whatever the campaign's size.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { fromNdjson, gunzip } from './ndjson';
import type { ArchivedJob } from './tables';

/** The archived send jobs of a campaign whose contact_id sorts after `after`, part by part. */
export async function* archivedJobs(
  db: Db,
  bucket: R2Bucket,
  campaign: { id: string; tenantId: string },
  after: string,
): AsyncGenerator<ArchivedJob[]> {
  const parts = await db.all<{ key: string }>(sql`
    SELECT key FROM campaign_archive_parts
     WHERE campaign_id = ${campaign.id} AND tenant_id = ${campaign.tenantId} AND table_name = 'send_jobs'
       AND last_key > ${after}
     ORDER BY part`);
  for (const p of parts) {
    const obj = await bucket.get(p.key);
    if (!obj) throw new Error(`The archive object ${p.key} is missing.`);
    const rows = fromNdjson<ArchivedJob>(await gunzip(new Uint8Array(await obj.arrayBuffer())));
    yield rows.filter((r) => r.contact_id > after);
  }
}
