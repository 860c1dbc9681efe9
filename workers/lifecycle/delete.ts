// The last steps: switch the reports to the roll-ups (state → deleting, archived_at set) only if the
// rows are still exactly those archived, then delete them in bounded batches (state → archived).
// Once deleting has begun the archive is the record: reports read the roll-ups and recipients.csv
// reads R2, so a crash or a concurrent export in the middle sees the same numbers.
import { ARCHIVED_TABLES } from '../db/schema';
import { type Ctx, fault, readState, restart } from './context';
import { DELETE_ORDER, TABLES } from './tables';

/** verified → deleting, in one statement that recounts every table against the archive. */
export async function startDeleting(ctx: Ctx): Promise<void> {
  const { id, tenantId } = ctx.campaign;
  const { archive, expected } = await readState(ctx);
  if (!archive || !expected) throw new Error(`archive of campaign ${id}: verified without its record`);
  // ?1 campaign, ?2 tenant, ?3 now, ?4… the expected counts in ARCHIVED_TABLES order
  const same = ARCHIVED_TABLES.map((t, i) => `(${TABLES[t].countSql}) = ?${i + 4}`).join(' AND ');
  const [switched] = await ctx.d1.batch([
    ctx.d1
      .prepare(
        `UPDATE campaigns SET archive_state = 'deleting', archived_at = ?3
          WHERE id = ?1 AND tenant_id = ?2 AND archive_state = 'verified' AND ${same}
            AND NOT EXISTS (SELECT 1 FROM campaign_archive_parts WHERE campaign_id = ?1 AND verified_at IS NULL)`,
      )
      .bind(id, tenantId, ctx.at, ...ARCHIVED_TABLES.map((t) => expected[t])),
    ctx.d1
      .prepare(
        `UPDATE campaign_archives SET deleting_at = ?2
          WHERE campaign_id = ?1 AND (SELECT archive_state FROM campaigns WHERE id = ?1) = 'deleting'`,
      )
      .bind(id, ctx.at),
  ]);
  ctx.budget.left -= 1;
  if (!switched?.meta.changes) {
    const { state } = await readState(ctx);
    if (state === 'verified') await restart(ctx, archive.prefix, 'the rows changed after they were archived');
    return;
  }
  await fault(ctx, 'deleting');
}

/** Deletes the next batches within the budget; when no row is left, → archived. */
export async function deleteRows(ctx: Ctx): Promise<void> {
  const { id, tenantId } = ctx.campaign;
  const n = ctx.opts.deleteRows;
  // Which tables still hold rows (reads, not counted against the budget): a tick resuming the
  // deletion spends its statements on rows, not on tables already emptied.
  const left = await ctx.d1.batch(
    DELETE_ORDER.map((t) =>
      ctx.d1
        .prepare(`SELECT EXISTS (${TABLES[t].countSql.replace('count(*) AS n', '1')}) AS any`)
        .bind(id, tenantId),
    ),
  );
  for (const [i, table] of DELETE_ORDER.entries()) {
    if (!(left[i]?.results?.[0] as { any: number } | undefined)?.any) continue;
    while (true) {
      if (ctx.budget.left <= 0) return;
      const [gone] = await ctx.d1.batch([
        ctx.d1.prepare(TABLES[table].deleteSql).bind(id, tenantId, n),
        ctx.d1
          .prepare(
            'UPDATE campaign_archives SET rows_deleted = rows_deleted + changes() WHERE campaign_id = ?1',
          )
          .bind(id),
      ]);
      const changes = gone?.meta.changes ?? 0;
      ctx.budget.left -= 1;
      ctx.report.rows_deleted += changes;
      await fault(ctx, 'delete:batch');
      if (changes < n) break;
    }
  }
  const none = ARCHIVED_TABLES.map((t) => `(${TABLES[t].countSql}) = 0`).join(' AND ');
  const [done] = await ctx.d1.batch([
    ctx.d1
      .prepare(
        `UPDATE campaigns SET archive_state = 'archived'
          WHERE id = ?1 AND tenant_id = ?2 AND archive_state = 'deleting' AND ${none}`,
      )
      .bind(id, tenantId),
    ctx.d1
      .prepare(
        `UPDATE campaign_archives SET archived_at = ?2
          WHERE campaign_id = ?1 AND (SELECT archive_state FROM campaigns WHERE id = ?1) = 'archived'`,
      )
      .bind(id, ctx.at),
  ]);
  if (done?.meta.changes) {
    ctx.report.campaigns_archived += 1;
    await fault(ctx, 'archived');
  }
}
