// Clicks during a tenant move. The redirect counts a click on its link's row (click_count,
// human_click_count, the first human click `clicked_at`, the last ten human click times
// `recent_clicks`) and in its campaign's minute (`click_counts`), with no row per click
// (workers/redirect/clicks.ts). While the tenant is fenced, and until every redirect cache has let
// go of the old shard after the switch, those writes land on the old shard, after the move copied
// the rows. So each copied row's counters are recorded, in the same write as the row, in
// `move_click_baselines` on the new shard; after the wait the old shard is frozen, and
// (old now − baseline) is added to the new shard's row — which has been counting its own clicks
// since the switch — in one transaction with the baseline moved up to "old now". A re-run after a
// crash finds the baseline already there and adds nothing: every click counts once.
import { bindSql, insertStatements, quoteIdent, sqlLiteral } from './ops-db.mjs';
import { cursorOf, pageSql } from './ops-move-plan.mjs';

export const BASELINES = 'move_click_baselines';
/** The tables whose rows clicks change, and how their counters are named. */
const COUNTERS = {
  short_links: { clicks: 'click_count', human: 'human_click_count' },
  click_counts: { clicks: 'clicks', human: 'human_clicks' },
};
/** workers/redirect/clicks.ts RECENT_CLICKS_KEPT: how many human click times a link keeps. */
export const RECENT_CLICKS_KEPT = 10;
const KEYS_PER_LOOKUP = 300;
const CALL_BYTES = 85_000;

export const clickedTable = (table) => Object.hasOwn(COUNTERS, table);

/** The baselines of copied rows: written with the rows, in the same call (upserts, as a re-copy reads afresh). */
export function baselineStatements(plan, rows, move) {
  const names = COUNTERS[plan.table];
  if (!names || rows.length === 0) return [];
  const link = plan.table === 'short_links';
  return insertStatements(
    BASELINES,
    rows.map((r) => ({
      tenant_id: move.tenant_id,
      move_id: move.id,
      table_name: plan.table,
      row_key: cursorOf(plan, r),
      clicks: r[names.clicks],
      human_clicks: r[names.human],
      clicked_at: link ? r.clicked_at : null,
      recent_clicks: link ? r.recent_clicks : null,
    })),
    { conflict: ['tenant_id', 'move_id', 'table_name', 'row_key'] },
  );
}

const baselineWhere = (move, table, key) =>
  bindSql('tenant_id = ? AND move_id = ? AND table_name = ? AND row_key = ?', [
    move.tenant_id,
    move.id,
    table,
    key,
  ]);

/** Statements in calls under the size a remote call allows, never splitting a group (a transaction). */
export function packCalls(groups, remote) {
  if (!remote) return groups.length ? [groups.flat()] : [];
  const calls = [];
  let call = [];
  let bytes = 0;
  for (const g of groups) {
    const size = g.reduce((n, s) => n + s.length + 2, 0);
    if (call.length && bytes + size > CALL_BYTES) {
      calls.push(call);
      call = [];
      bytes = 0;
    }
    call.push(...g);
    bytes += size;
  }
  if (call.length) calls.push(call);
  return calls;
}

async function readBaselines(ctx, shard, move, table, keys) {
  const statements = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_LOOKUP) {
    const list = keys
      .slice(i, i + KEYS_PER_LOOKUP)
      .map(sqlLiteral)
      .join(', ');
    statements.push(
      `${bindSql(`SELECT * FROM ${BASELINES} WHERE tenant_id = ? AND move_id = ? AND table_name = ?`, [move.tenant_id, move.id, table])} AND row_key IN (${list})`,
    );
  }
  const out = new Map();
  for (const call of packCalls(
    statements.map((s) => [s]),
    ctx.target.remote,
  )) {
    for (const rows of await ctx.target.query(shard, call)) for (const b of rows) out.set(b.row_key, b);
  }
  return out;
}

function parseList(json) {
  try {
    const v = JSON.parse(json ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** The entries of `now` that are not in `before` (a multiset difference: two clicks may share a time). */
export function newClickTimes(now, before) {
  const left = new Map();
  for (const t of parseList(before)) left.set(t, (left.get(t) ?? 0) + 1);
  const out = [];
  for (const t of parseList(now)) {
    const n = left.get(t) ?? 0;
    if (n > 0) left.set(t, n - 1);
    else out.push(t);
  }
  return out;
}

/**
 * The statements bringing one row's clicks over, or null when the old shard took none since the
 * baseline. The write is guarded by the baseline it was computed from (a click always raises the
 * click count, so the count identifies the baseline), and moves the baseline up in the same call.
 */
function catchUpGroup(plan, row, base, move) {
  const names = COUNTERS[plan.table];
  if (base && Number(row[names.clicks]) === Number(base.clicks)) return null;
  // Every link was copied with its baseline: one without is not on the new shard (the final check says so).
  if (!base && plan.table === 'short_links') return null;
  const key = cursorOf(plan, row);
  const where = baselineWhere(move, plan.table, key);
  const clicks = Number(row[names.clicks]) - Number(base?.clicks ?? 0);
  const human = Number(row[names.human]) - Number(base?.human_clicks ?? 0);
  // Appended after binding: the fragments hold literals already.
  const guard = base
    ? ` AND EXISTS (SELECT 1 FROM ${BASELINES} WHERE ${where} AND clicks = ${sqlLiteral(Number(base.clicks))})`
    : ` AND NOT EXISTS (SELECT 1 FROM ${BASELINES} WHERE ${where})`;
  const advance = base
    ? `${bindSql(`UPDATE ${BASELINES} SET clicks = ?, human_clicks = ?, clicked_at = ?, recent_clicks = ?`, [
        row[names.clicks],
        row[names.human],
        row.clicked_at ?? null,
        row.recent_clicks ?? null,
      ])} WHERE ${where} AND clicks = ${sqlLiteral(Number(base.clicks))}`
    : insertStatements(BASELINES, [
        {
          tenant_id: move.tenant_id,
          move_id: move.id,
          table_name: plan.table,
          row_key: key,
          clicks: row[names.clicks],
          human_clicks: row[names.human],
          clicked_at: null,
          recent_clicks: null,
        },
      ])[0];
  if (plan.table === 'short_links') {
    const fresh = JSON.stringify(newClickTimes(row.recent_clicks, base.recent_clicks));
    const first = row.clicked_at ?? null;
    const update = bindSql(
      `UPDATE short_links
          SET click_count = click_count + ?, human_click_count = human_click_count + ?,
              clicked_at = CASE WHEN ? IS NOT NULL AND (clicked_at IS NULL OR clicked_at > ?) THEN ? ELSE clicked_at END,
              recent_clicks = CASE WHEN json_array_length(?) = 0 THEN recent_clicks ELSE (
                SELECT json_group_array(value) FROM (
                  SELECT value FROM (
                    SELECT value FROM json_each(coalesce(short_links.recent_clicks, '[]'))
                    UNION ALL SELECT value FROM json_each(?))
                  ORDER BY value DESC LIMIT ${RECENT_CLICKS_KEPT})) END
        WHERE id = ?`,
      [clicks, human, first, first, first, fresh, fresh, row.id],
    );
    return { clicks, statements: [update + guard, advance] };
  }
  // A minute the new shard may already count clicks in (after the switch), or a new one.
  const values = { ...row, [names.clicks]: clicks, [names.human]: human };
  const cols = Object.keys(values);
  const c = quoteIdent(names.clicks);
  const h = quoteIdent(names.human);
  return {
    clicks,
    statements: [
      `INSERT INTO ${quoteIdent(plan.table)} (${cols.map(quoteIdent).join(', ')})
       SELECT ${cols.map((k) => sqlLiteral(values[k])).join(', ')} WHERE 1${guard}
       ON CONFLICT (${plan.pk.map(quoteIdent).join(', ')}) DO UPDATE SET ${c} = ${c} + excluded.${c}, ${h} = ${h} + excluded.${h}`,
      advance,
    ],
  };
}

/**
 * After the wait: every row of the clicked tables on the old shard, page by page, against its
 * baseline on the new one. `crashPoint` (ops-move-steps.mjs) runs after each page is written and
 * before its cursor is saved (the worst moment for a crash). Returns how many clicks (and links
 * and minute counts) were brought over.
 */
export async function catchUpClicks(ctx, move, plans, pageSize, { crashPoint, saveCounts }) {
  const { from_shard: from, to_shard: to, tenant_id: tenantId } = move;
  move.counts.__catchup ??= {};
  const state = move.counts.__catchup;
  const added = { clicks: 0, links: 0, minutes: 0 };
  const clicked = Object.keys(COUNTERS).flatMap((t) => plans.filter((p) => p.table === t));
  for (const plan of clicked) {
    let cursor = state[plan.table]?.cursor ?? null;
    if (state[plan.table]?.done) continue;
    for (;;) {
      const rows = await ctx.target.rows(from, pageSql(plan, tenantId, cursor, pageSize));
      const keys = rows.map((r) => cursorOf(plan, r));
      const bases = rows.length ? await readBaselines(ctx, to, move, plan.table, keys) : new Map();
      const groups = [];
      for (const row of rows) {
        const g = catchUpGroup(plan, row, bases.get(cursorOf(plan, row)), move);
        if (!g) continue;
        groups.push(g.statements);
        if (plan.table === 'short_links') {
          added.clicks += g.clicks;
          added.links += 1;
        } else added.minutes += 1;
      }
      for (const call of packCalls(groups, ctx.target.remote)) await ctx.target.run(to, call);
      crashPoint(ctx, 'catch-up-page');
      if (rows.length) cursor = keys.at(-1);
      state[plan.table] = { cursor, done: rows.length < pageSize };
      await saveCounts(ctx, move);
      if (rows.length < pageSize) break;
    }
  }
  return added;
}

/**
 * After the catch-up: the old shard's click totals equal the baselines' (a baseline never exceeds
 * its row, so equal sums mean every row was brought over), and every row has one.
 */
export async function clickTotalsProblems(ctx, move, plans) {
  const clicked = plans.filter((p) => clickedTable(p.table));
  const old = await ctx.target.query(
    move.from_shard,
    clicked.map((p) => {
      const n = COUNTERS[p.table];
      return `SELECT count(*) AS n, coalesce(sum(${quoteIdent(n.clicks)}), 0) AS clicks, coalesce(sum(${quoteIdent(n.human)}), 0) AS human FROM ${quoteIdent(p.table)} WHERE ${p.filter(move.tenant_id)}`;
    }),
  );
  const bases = await ctx.target.rows(
    move.to_shard,
    bindSql(
      `SELECT table_name, count(*) AS n, coalesce(sum(clicks), 0) AS clicks, coalesce(sum(human_clicks), 0) AS human FROM ${BASELINES} WHERE tenant_id = ? AND move_id = ? GROUP BY table_name`,
      [move.tenant_id, move.id],
    ),
  );
  const problems = [];
  clicked.forEach((p, i) => {
    const a = old[i]?.[0] ?? { n: 0, clicks: 0, human: 0 };
    const b = bases.find((r) => r.table_name === p.table) ?? { n: 0, clicks: 0, human: 0 };
    const said = (r) => `${r.n} rows, ${r.clicks} clicks (${r.human} human)`;
    if (['n', 'clicks', 'human'].some((k) => Number(a[k]) !== Number(b[k]))) {
      problems.push(
        `${p.table}:clicks: ${said(a)} on ${move.from_shard}, ${said(b)} brought over to ${move.to_shard}`,
      );
    }
  });
  return problems;
}

/** The move's baselines on a shard, in bounded batches (after the move, or its abort). */
export async function deleteBaselines(ctx, move, shard, batch = 500) {
  for (;;) {
    const [gone] = await ctx.target.query(shard, [
      bindSql(
        `DELETE FROM ${BASELINES} WHERE rowid IN (SELECT rowid FROM ${BASELINES} WHERE tenant_id = ? AND move_id = ? LIMIT ${batch}) RETURNING 1 AS x`,
        [move.tenant_id, move.id],
      ),
    ]);
    if ((gone?.length ?? 0) < batch) return;
  }
}
