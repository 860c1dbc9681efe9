// The steps of a tenant move (ops-move.mjs runs them as a state machine): copy, verify, catch up
// the clicks, delete. Each is idempotent: run again after a crash, it does only what is left.
import { bindSql, insertStatements, quoteIdent, sqlLiteral } from './ops-db.mjs';
import {
  buildPlan,
  CLICK,
  checksumParts,
  checksumSql,
  cursorOf,
  introspect,
  pageSql,
  shardSchemaTables,
} from './ops-move-plan.mjs';
import { CONTROL } from './ops-tenants.mjs';

const DELETE_BATCH = 500;
/** Clicks are stamped by the Worker's clock, the move by this machine's: allow for skew. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A crash injected by tests: OPS_MOVE_CRASH_AFTER=point (the process dies) or ctx.crashAfter (in-process). */
export class SimulatedCrash extends Error {}

export function crashPoint(ctx, point) {
  if (ctx.crashAfter === point) throw new SimulatedCrash(`simulated crash after ${point}`);
  if (process.env.OPS_MOVE_CRASH_AFTER === point) {
    ctx.warn(`(test) simulated crash after ${point}`);
    process.exit(137);
  }
}

export async function saveCounts(ctx, move) {
  await ctx.target.run(CONTROL, [
    bindSql('UPDATE tenant_moves SET counts = ?, updated_at = ? WHERE id = ?', [
      JSON.stringify(move.counts),
      ctx.now().toISOString(),
      move.id,
    ]),
  ]);
}

/** PRAGMA defer_foreign_keys: a call's rows may reference each other in any order. */
const DEFER = 'PRAGMA defer_foreign_keys = ON';

/** The move's record of a table (created on first use). */
function countsOf(move, key) {
  move.counts[key] ??= { cursor: null, copied: 0, source: null, target: null };
  return move.counts[key];
}

/** The statements reading one page of a table (short links: the page and its click events). */
function readPage(plan, tenantId, cursor, pageSize) {
  if (plan.table === 'short_links') {
    const page = pageSql(plan, tenantId, cursor, pageSize, null);
    // The page and its click events in one call: one snapshot, so counters and events agree.
    return [
      page,
      `SELECT * FROM events WHERE ${CLICK} AND short_link_id IN (SELECT id FROM (${page})) ORDER BY id`,
    ];
  }
  return [pageSql(plan, tenantId, cursor, pageSize, plan.table === 'events' ? `NOT (${CLICK})` : null)];
}

function pageWrites(plan, rows, clicks) {
  return [
    ...insertStatements(plan.table, rows, { conflict: plan.pk }),
    ...insertStatements('events', clicks, { conflict: ['id'] }),
  ];
}

function recordPage(move, plan, rows, clicks, pageSize) {
  const c = countsOf(move, plan.table);
  if (rows.length) c.cursor = cursorOf(plan, rows.at(-1));
  c.copied += rows.length;
  if (plan.table === 'short_links') c.clicks = (c.clicks ?? 0) + clicks.length;
  if (rows.length < pageSize) c.done = true;
}

/**
 * Copies every table in plan (foreign-key) order. The first page of every table is read in one
 * call; tables that fit in it are written together, and a bigger table is paged on its own before
 * the tables after it, so a row's parents are always on the target before it.
 */
export async function copyAll(ctx, move, plans, pageSize) {
  const { tenant_id: tenantId, from_shard: from, to_shard: to } = move;
  const pending = plans.filter((p) => !move.counts[p.table]?.done);
  if (pending.length === 0) return;
  const reads = pending.map((p) => readPage(p, tenantId, move.counts[p.table]?.cursor ?? null, pageSize));
  const results = await ctx.target.query(from, reads.flat());
  const first = new Map();
  let i = 0;
  for (const [k, p] of pending.entries()) {
    first.set(p.table, { rows: results[i], clicks: reads[k].length > 1 ? results[i + 1] : [] });
    i += reads[k].length;
  }
  let batch = [];
  let batched = [];
  const flush = async () => {
    if (batch.length) await writeAll(ctx, to, batch);
    for (const [plan, page] of batched) recordPage(move, plan, page.rows, page.clicks, pageSize);
    if (batched.length) {
      await saveCounts(ctx, move);
      crashPoint(ctx, 'copy-page');
    }
    batch = [];
    batched = [];
  };
  for (const plan of pending) {
    const page = first.get(plan.table);
    if (page.rows.length < pageSize) {
      batch.push(...pageWrites(plan, page.rows, page.clicks));
      batched.push([plan, page]);
      continue;
    }
    await flush();
    let current = page;
    for (;;) {
      await writeAll(ctx, to, pageWrites(plan, current.rows, current.clicks));
      recordPage(move, plan, current.rows, current.clicks, pageSize);
      await saveCounts(ctx, move);
      crashPoint(ctx, 'copy-page');
      if (move.counts[plan.table].done) break;
      const next = await ctx.target.query(
        from,
        readPage(plan, tenantId, move.counts[plan.table].cursor, pageSize),
      );
      current = { rows: next[0], clicks: next[1] ?? [] };
    }
  }
  await flush();
}

/** Writes in as few calls as the size limit allows, each with deferred foreign keys. */
async function writeAll(ctx, shard, statements) {
  if (statements.length === 0) return;
  if (!ctx.target.remote) return ctx.target.run(shard, [DEFER, ...statements]);
  let batch = [];
  let bytes = 0;
  for (const s of statements) {
    if (batch.length && bytes + s.length > 85_000) {
      await ctx.target.run(shard, [DEFER, ...batch]);
      batch = [];
      bytes = 0;
    }
    batch.push(s);
    bytes += s.length;
  }
  await ctx.target.run(shard, [DEFER, ...batch]);
}

/** Count + checksum of every part on a shard, one call. */
async function measure(ctx, shard, plans, tenantId) {
  const parts = plans.flatMap((p) => checksumParts(p).map((part) => ({ plan: p, part })));
  const results = await ctx.target.query(
    shard,
    parts.map(({ plan, part }) => checksumSql(plan, tenantId, part)),
  );
  const out = {};
  parts.forEach(({ part }, i) => {
    const r = results[i]?.[0] ?? { n: 0, bytes: 0 };
    out[part.key] = { n: Number(r.n), bytes: Number(r.bytes), clicks: Boolean(part.clicks) };
  });
  return out;
}

/**
 * Compares A and B. Before the catch-up, click events may still be arriving on A (B may lag);
 * after it, A is frozen and every click event of A must be in B (B may have more: clicks taken
 * after the switch).
 */
function compare(a, b, { final }) {
  const problems = [];
  for (const [key, src] of Object.entries(a)) {
    const dst = b[key] ?? { n: 0, bytes: 0 };
    if (src.clicks) {
      if (final && dst.n < src.n)
        problems.push(`${key}: ${src.n} on the source, only ${dst.n} on the target`);
      continue;
    }
    if (src.n !== dst.n || src.bytes !== dst.bytes) {
      problems.push(
        `${key}: source ${src.n} rows/${src.bytes} bytes, target ${dst.n} rows/${dst.bytes} bytes`,
      );
    }
  }
  return problems;
}

export async function verify(ctx, move, plans, { final }) {
  const [a, b] = await Promise.all([
    measure(ctx, move.from_shard, plans, move.tenant_id),
    measure(ctx, move.to_shard, plans, move.tenant_id),
  ]);
  for (const [key, src] of Object.entries(a)) {
    const c = countsOf(move, key);
    c.source = src.n;
    c.target = b[key]?.n ?? 0;
  }
  await saveCounts(ctx, move);
  return compare(a, b, { final });
}

/** Clicks A took after their link was copied: each event copied once, its link's counters with it. */
export async function catchUpClicks(ctx, move, pageSize) {
  const since = new Date(new Date(move.started_at).getTime() - CLOCK_SKEW_MS).toISOString();
  let cursor = null;
  let added = 0;
  for (;;) {
    const events = await ctx.target.rows(
      move.from_shard,
      bindSql(
        `SELECT * FROM events WHERE tenant_id = ? AND ${CLICK} AND created_at >= ?${cursor ? ' AND id > ?' : ''} ORDER BY id LIMIT ${pageSize}`,
        cursor ? [move.tenant_id, since, cursor] : [move.tenant_id, since],
      ),
    );
    if (events.length === 0) break;
    cursor = events.at(-1).id;
    const present = new Set(
      (
        await ctx.target.rows(
          move.to_shard,
          `SELECT id FROM events WHERE id IN (${events.map((e) => sqlLiteral(e.id)).join(', ')})`,
        )
      ).map((r) => r.id),
    );
    const missing = events.filter((e) => !present.has(e.id));
    if (missing.length) {
      const perLink = new Map();
      for (const e of missing) {
        const human = safeHuman(e.metadata);
        const l = perLink.get(e.short_link_id) ?? { clicks: 0, human: 0, firstHuman: null };
        l.clicks++;
        if (human) {
          l.human++;
          if (!l.firstHuman || e.created_at < l.firstHuman) l.firstHuman = e.created_at;
        }
        perLink.set(e.short_link_id, l);
      }
      // One call, one transaction: the events and their counters together (a re-run finds them present).
      await writeAll(ctx, move.to_shard, [
        ...insertStatements('events', missing, { conflict: ['id'] }),
        ...[...perLink].map(([linkId, l]) =>
          bindSql(
            `UPDATE short_links SET click_count = click_count + ?, human_click_count = human_click_count + ?,
               clicked_at = CASE WHEN ? IS NOT NULL AND (clicked_at IS NULL OR clicked_at > ?) THEN ? ELSE clicked_at END
             WHERE id = ?`,
            [l.clicks, l.human, l.firstHuman, l.firstHuman, l.firstHuman, linkId],
          ),
        ),
      ]);
      added += missing.length;
    }
    if (events.length < pageSize) break;
  }
  return added;
}

function safeHuman(metadata) {
  try {
    return JSON.parse(metadata ?? '{}').human === true;
  } catch {
    return false;
  }
}

/**
 * Deletes the tenant's rows on a shard in bounded batches, children before parents (a parent is
 * deleted only once every table referencing it is empty, so no cascade runs), a few tables per
 * call; then the shard's copies of the control rows.
 */
export async function deleteTenantRows(ctx, move, shard, plans, { phase }) {
  const dependents = new Map(plans.map((p) => [p.table, new Set()]));
  for (const p of plans) {
    for (const fk of p.fks)
      if (fk.table !== p.table && dependents.has(fk.table)) dependents.get(fk.table).add(p.table);
  }
  const done = new Set();
  while (done.size < plans.length) {
    const round = plans.filter(
      (p) => !done.has(p.table) && [...dependents.get(p.table)].every((d) => done.has(d)),
    );
    const results = await ctx.target.query(
      shard,
      round.map((plan) => {
        const pk = plan.pk.map(quoteIdent).join(', ');
        const sel = `SELECT ${pk} FROM ${quoteIdent(plan.table)} WHERE ${plan.filter(move.tenant_id)} LIMIT ${DELETE_BATCH}`;
        const where = plan.pk.length === 1 ? `${quoteIdent(plan.pk[0])} IN (${sel})` : `(${pk}) IN (${sel})`;
        return `DELETE FROM ${quoteIdent(plan.table)} WHERE ${where} RETURNING 1 AS x`;
      }),
    );
    round.forEach((plan, i) => {
      const gone = results[i]?.length ?? 0;
      if (phase === 'delete') {
        const c = countsOf(move, plan.table);
        c.deleted = (c.deleted ?? 0) + gone;
      }
      if (gone < DELETE_BATCH) done.add(plan.table);
    });
    if (phase === 'delete') {
      await saveCounts(ctx, move);
      crashPoint(ctx, 'delete-batch');
    }
  }
  // The copies of the control rows (users and numbers first: the tenant row would cascade to them).
  await ctx.target.run(shard, [
    bindSql('DELETE FROM sending_numbers WHERE tenant_id = ?', [move.tenant_id]),
    bindSql('DELETE FROM users WHERE tenant_id = ?', [move.tenant_id]),
    bindSql('DELETE FROM tenants WHERE id = ?', [move.tenant_id]),
  ]);
}

export async function loadPlan(ctx, shard) {
  const tables = shardSchemaTables();
  const info = await introspect(ctx.target, shard, tables);
  return buildPlan(tables, info);
}
