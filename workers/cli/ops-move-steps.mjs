// The steps of a tenant move (ops-move.mjs runs them as a state machine): copy, verify, delete
// (the clicks taken meanwhile: ops-move-clicks.mjs). Each is idempotent: run again after a crash,
// it does only what is left.
import { bindSql, insertStatements, quoteIdent } from './ops-db.mjs';
import { baselineStatements } from './ops-move-clicks.mjs';
import {
  buildPlan,
  checksumParts,
  checksumSql,
  cursorOf,
  introspect,
  pageSql,
  shardSchemaTables,
  slotOf,
} from './ops-move-plan.mjs';
import { CONTROL } from './ops-tenants.mjs';

const DELETE_BATCH = 500;

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

/** A copied page: its rows, and the click counters they carry as the move's baselines. */
function pageWrites(plan, rows, move) {
  return [
    ...insertStatements(plan.table, rows, { conflict: plan.pk }),
    ...baselineStatements(plan, rows, move),
  ];
}

function recordPage(move, plan, rows, pageSize) {
  const c = countsOf(move, plan.table);
  if (rows.length) c.cursor = cursorOf(plan, rows.at(-1));
  c.copied += rows.length;
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
  const reads = pending.map((p) => pageSql(p, tenantId, move.counts[p.table]?.cursor ?? null, pageSize));
  const results = await ctx.target.query(from, reads);
  const first = new Map(pending.map((p, i) => [p.table, results[i] ?? []]));
  let batch = [];
  let batched = [];
  const flush = async () => {
    if (batch.length) await writeAll(ctx, to, batch);
    for (const [plan, rows] of batched) recordPage(move, plan, rows, pageSize);
    if (batched.length) {
      await saveCounts(ctx, move);
      crashPoint(ctx, 'copy-page');
    }
    batch = [];
    batched = [];
  };
  for (const plan of pending) {
    const rows = first.get(plan.table);
    if (rows.length < pageSize) {
      batch.push(...pageWrites(plan, rows, move));
      batched.push([plan, rows]);
      continue;
    }
    await flush();
    let current = rows;
    for (;;) {
      await writeAll(ctx, to, pageWrites(plan, current, move));
      recordPage(move, plan, current, pageSize);
      await saveCounts(ctx, move);
      crashPoint(ctx, 'copy-page');
      if (move.counts[plan.table].done) break;
      current = await ctx.target.rows(
        from,
        pageSql(plan, tenantId, move.counts[plan.table].cursor, pageSize),
      );
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

/** Clicks are stamped by the Worker's clock, the move by this machine's: allow for skew. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The first click_counts minute a click taken during the move can land in. */
export function movingSince(move) {
  return slotOf(new Date(new Date(move.started_at).getTime() - CLOCK_SKEW_MS).toISOString());
}

/** Count + checksum (+ sums) of every part on a shard, one call. */
async function measure(ctx, shard, plans, move) {
  const since = movingSince(move);
  const parts = plans.flatMap((p) => checksumParts(p, since).map((part) => ({ plan: p, part })));
  const results = await ctx.target.query(
    shard,
    parts.map(({ plan, part }) => checksumSql(plan, move.tenant_id, part)),
  );
  const out = {};
  parts.forEach(({ part }, i) => {
    const r = results[i]?.[0] ?? { n: 0, bytes: 0 };
    out[part.key] = {
      n: Number(r.n),
      bytes: Number(r.bytes),
      sums: (part.sums ?? []).map((_, j) => Number(r[`s${j}`] ?? 0)),
      growing: Boolean(part.growing),
    };
  });
  return out;
}

/**
 * The copy against its source, before the switch. The source may have taken clicks since its
 * rows were copied (the redirect writes them there until the switch): the copy's click sums and
 * its newest minutes may only lag, never lead; everything else must be identical.
 */
function compareCopy(a, b) {
  const problems = [];
  for (const [key, src] of Object.entries(a)) {
    const dst = b[key] ?? { n: 0, bytes: 0, sums: [] };
    const leads = src.sums.some((s, i) => (dst.sums[i] ?? 0) > s);
    if (src.growing ? dst.n > src.n || leads : src.n !== dst.n || src.bytes !== dst.bytes || leads) {
      const sums = src.sums.length ? `, clicks ${src.sums.join('/')} → ${dst.sums.join('/')}` : '';
      problems.push(
        `${key}: source ${src.n} rows/${src.bytes} bytes, target ${dst.n} rows/${dst.bytes} bytes${sums}`,
      );
    }
  }
  return problems;
}

/** Before the switch: the new shard holds a copy of every row (its clicks may lag: caught up later). */
export async function verifyCopy(ctx, move, plans) {
  const [a, b] = await Promise.all([
    measure(ctx, move.from_shard, plans, move),
    measure(ctx, move.to_shard, plans, move),
  ]);
  for (const [key, src] of Object.entries(a)) {
    const c = countsOf(move, key);
    c.source = src.n;
    c.sourceBytes = src.bytes;
    c.target = b[key]?.n ?? 0;
  }
  await saveCounts(ctx, move);
  return compareCopy(a, b);
}

/**
 * After the switch and the wait: nothing but the redirect's clicks has written to the old shard
 * since the copy was verified. (The new shard is the tenant's home by now and may change: it is
 * not compared. Clicks are checked by the catch-up's own totals.)
 */
export async function verifyOldShardUnchanged(ctx, move, plans) {
  const a = await measure(ctx, move.from_shard, plans, move);
  const problems = [];
  for (const [key, now] of Object.entries(a)) {
    if (now.growing) continue;
    const then = move.counts[key] ?? {};
    if (now.n !== then.source || now.bytes !== then.sourceBytes) {
      problems.push(
        `${key}: ${now.n} rows/${now.bytes} bytes on ${move.from_shard} now, ${then.source} rows/${then.sourceBytes} bytes when the copy was verified`,
      );
    }
  }
  return problems;
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
