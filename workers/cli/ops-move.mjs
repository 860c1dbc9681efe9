// `npm run ops -- tenant move ID --to SHARD_n`: moves a paused tenant's data to another shard. A
// state machine recorded in the control database (`tenant_moves`); every step is idempotent, so
// running the command again after a crash at any point finishes the job:
//
//   marked     tenants.shard = "A>B" in control and in both shards' copies: the Worker stops
//              writing the tenant anywhere (API 503, queues wait, webhooks parked, crons skip it);
//              then wait longer than SHARD_CACHE_TTL_MS so every isolate has seen it.
//   copying    every tenant table, in foreign-key order, in keyset pages (cursor saved per page),
//              written to B with multi-row upserts. Short links travel with their click events in
//              one read, so each copied counter matches its copied events.
//   copied     counts and checksums of A and B compared (clicks may still land on A: compared later)
//   verified   → switched: tenants.shard = B in control and both copies (new writes go to B)
//   switched   wait until no isolate and no redirect cache can still write to A (shard cache 30 s,
//              short-link caches 10 min), copy the clicks A took meanwhile (each event once, its
//              counters with it), then compare every table again: A must be wholly in B
//   caught_up  → deleting: A's rows deleted in bounded batches, children first
//   done       parked webhooks applied through the Worker (or at `tenant resume`)
//
// `--abort` before the switch undoes it: B's partial copy deleted, the tenant back on A.
import { checkShardName, checkTenantId, UsageError, uuidv7 } from './ops-args.mjs';
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
import { CONTROL, copyControlRows, findTenant, MOVING_SHARD, OpsError } from './ops-tenants.mjs';

/** workers/db/shards.ts SHARD_CACHE_TTL_MS (30 s) and a margin. */
export const MARK_WAIT_SECONDS = 35;
/**
 * After the switch: the shard cache (30 s) and the redirect's caches of a resolved link (its
 * isolate LRU 5 min, filled from the colo Cache API entry of up to 5 min): 10 min 30 s.
 */
export const SWITCH_WAIT_SECONDS = 630;
const DELETE_BATCH = 500;
/** Clicks are stamped by the Worker's clock, the move by this machine's: allow for skew. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A crash injected by tests: OPS_MOVE_CRASH_AFTER=point (the process dies) or ctx.crashAfter (in-process). */
export class SimulatedCrash extends Error {}

function crashPoint(ctx, point) {
  if (ctx.crashAfter === point) throw new SimulatedCrash(`simulated crash after ${point}`);
  if (process.env.OPS_MOVE_CRASH_AFTER === point) {
    ctx.warn(`(test) simulated crash after ${point}`);
    process.exit(137);
  }
}

async function activeMove(ctx, tenantId) {
  const [m] = await ctx.target.rows(
    CONTROL,
    bindSql("SELECT * FROM tenant_moves WHERE tenant_id = ? AND state NOT IN ('done', 'cancelled')", [
      tenantId,
    ]),
  );
  if (!m) return null;
  return { ...m, counts: JSON.parse(m.counts || '{}') };
}

async function setState(ctx, move, state, extra = []) {
  const now = ctx.now().toISOString();
  await ctx.target.run(CONTROL, [
    ...extra,
    bindSql(
      `UPDATE tenant_moves SET state = ?, state_at = ?, updated_at = ?, last_error = NULL${state === 'done' || state === 'cancelled' ? ', finished_at = ?' : ''} WHERE id = ?`,
      state === 'done' || state === 'cancelled'
        ? [state, now, now, now, move.id]
        : [state, now, now, move.id],
    ),
  ]);
  move.state = state;
  move.state_at = now;
  ctx.warn(`move ${move.tenant_id}: ${state}`);
}

async function saveCounts(ctx, move) {
  await ctx.target.run(CONTROL, [
    bindSql('UPDATE tenant_moves SET counts = ?, updated_at = ? WHERE id = ?', [
      JSON.stringify(move.counts),
      ctx.now().toISOString(),
      move.id,
    ]),
  ]);
}

async function waitSince(ctx, since, seconds, why) {
  const until = new Date(since).getTime() + seconds * 1000;
  const left = until - ctx.now().getTime();
  if (left <= 0) return;
  ctx.warn(`waiting ${Math.ceil(left / 1000)} s (${why})`);
  await ctx.sleep(left);
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
async function copyAll(ctx, move, plans, pageSize) {
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

async function verify(ctx, move, plans, { final }) {
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
async function catchUpClicks(ctx, move, pageSize) {
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
async function deleteTenantRows(ctx, move, shard, plans, { phase }) {
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

async function loadPlan(ctx, shard) {
  const tables = shardSchemaTables();
  const info = await introspect(ctx.target, shard, tables);
  return buildPlan(tables, info);
}

export async function tenantMove(ctx, flags, positionals) {
  const tenantId = checkTenantId(positionals[0]);
  const pageSize = flags['page-size'] ? Number(flags['page-size']) : 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000) {
    throw new UsageError('--page-size must be a whole number from 1 to 5000.');
  }
  let markWait = MARK_WAIT_SECONDS;
  let switchWait = SWITCH_WAIT_SECONDS;
  if (flags['wait-seconds'] !== undefined) {
    const w = Number(flags['wait-seconds']);
    if (!Number.isInteger(w) || w < 0)
      throw new UsageError('--wait-seconds must be a whole number, 0 or more.');
    markWait = w;
    switchWait = w;
    if (w < SWITCH_WAIT_SECONDS) {
      ctx.warn(
        `--wait-seconds ${w}: shorter than the caches (${MARK_WAIT_SECONDS} s, then ${SWITCH_WAIT_SECONDS} s). Only safe when no Worker serves this tenant (tests, an idle local app).`,
      );
    }
  }
  const to = flags.to !== undefined ? checkShardName(flags.to, ctx.shards) : null;
  const tenant = await findTenant(ctx, tenantId);
  let move = await activeMove(ctx, tenantId);

  if (flags.abort) return abortMove(ctx, tenant, move);
  if (move) {
    if (to && to !== move.to_shard) {
      throw new UsageError(
        `Tenant ${tenantId} is already being moved to ${move.to_shard} (state ${move.state}): run this with --to ${move.to_shard} to finish it, or --abort.`,
      );
    }
    ctx.warn(
      `Resuming the move of ${tenantId} from ${move.from_shard} to ${move.to_shard} (state ${move.state}).`,
    );
  } else {
    if (!to) throw new UsageError('--to is required (the shard to move to, e.g. SHARD_1).');
    if (MOVING_SHARD.test(tenant.shard)) {
      throw new OpsError(
        `Tenant ${tenantId} reads shard "${tenant.shard}" but has no active move: fix tenants.shard by hand.`,
      );
    }
    if (tenant.shard === to) {
      // A re-run after the move finished (or crashed right after): say so, and apply parked webhooks.
      const [last] = await ctx.target.rows(
        CONTROL,
        bindSql(
          "SELECT * FROM tenant_moves WHERE tenant_id = ? AND state = 'done' AND to_shard = ? ORDER BY started_at DESC LIMIT 1",
          [tenantId, to],
        ),
      );
      if (last) return finish(ctx, { ...last, counts: JSON.parse(last.counts || '{}') });
      throw new UsageError(`Tenant ${tenantId} already lives on ${to}.`);
    }
    if (!ctx.shards.includes(tenant.shard)) {
      throw new OpsError(
        `Tenant ${tenantId} lives on ${tenant.shard}, which this configuration does not bind.`,
      );
    }
    if (!tenant.is_paused) {
      throw new UsageError(
        `Tenant ${tenantId} is not paused. Pause it first (npm run ops -- tenant pause ${tenantId}${ctx.flagsSuffix}); a move runs only while nothing sends.`,
      );
    }
    // Refuse before anything is written if a table cannot be moved.
    await loadPlan(ctx, tenant.shard);
    const id = uuidv7();
    const now = ctx.now().toISOString();
    const fence = `${tenant.shard}>${to}`;
    // One call: the move and the fence commit together; the UPDATE only fences a still-paused tenant.
    await ctx.target.run(CONTROL, [
      ...insertStatements('tenant_moves', [
        {
          id,
          tenant_id: tenantId,
          from_shard: tenant.shard,
          to_shard: to,
          state: 'marked',
          counts: '{}',
          state_at: now,
          started_at: now,
          updated_at: now,
        },
      ]),
      bindSql('UPDATE tenants SET shard = ?, updated_at = ? WHERE id = ? AND shard = ? AND is_paused = 1', [
        fence,
        now,
        tenantId,
        tenant.shard,
      ]),
    ]);
    move = await activeMove(ctx, tenantId);
    const fenced = await findTenant(ctx, tenantId);
    if (fenced.shard !== fence) {
      await setState(ctx, move, 'cancelled');
      throw new OpsError(`Tenant ${tenantId} changed while the move started (resumed?). Nothing was moved.`);
    }
    ctx.warn(`move ${tenantId}: marked (${tenant.shard} → ${to})`);
  }

  const from = move.from_shard;
  const plans = await loadPlan(ctx, from);
  const fence = `${from}>${move.to_shard}`;

  for (;;) {
    switch (move.state) {
      case 'marked': {
        // The shard copies carry the fence too (their crons keep to homed tenants).
        await ctx.target.run(from, [bindSql('UPDATE tenants SET shard = ? WHERE id = ?', [fence, tenantId])]);
        await copyControlRows(ctx, tenantId, move.to_shard, { shardValue: fence });
        crashPoint(ctx, 'marked');
        await waitSince(ctx, move.state_at, markWait, 'every isolate must see the move before copying');
        await setState(ctx, move, 'copying');
        break;
      }
      case 'copying': {
        await copyAll(ctx, move, plans, pageSize);
        await setState(ctx, move, 'copied');
        crashPoint(ctx, 'copied');
        break;
      }
      case 'copied': {
        const problems = await verify(ctx, move, plans, { final: false });
        if (problems.length) {
          // Copy the differing tables again from the start (upserts), once; then stop for a person.
          if (move.counts.__recopied) {
            await recordError(ctx, move, problems);
            throw new OpsError(
              `The copy does not match the source after a second pass:\n  ${problems.join('\n  ')}\nNothing was switched or deleted. Investigate, then run again, or --abort.`,
            );
          }
          ctx.warn(`Copy differs, copying again:\n  ${problems.join('\n  ')}`);
          for (const key of Object.keys(move.counts)) {
            if (problems.some((p) => p.startsWith(`${key}:`))) move.counts[key] = { cursor: null, copied: 0 };
          }
          move.counts.__recopied = true;
          await saveCounts(ctx, move);
          await setState(ctx, move, 'copying');
          break;
        }
        await setState(ctx, move, 'verified');
        crashPoint(ctx, 'verified');
        break;
      }
      case 'verified': {
        // The switch: control first, in the same call as the state.
        await setState(ctx, move, 'switched', [
          bindSql('UPDATE tenants SET shard = ?, updated_at = ? WHERE id = ?', [
            move.to_shard,
            ctx.now().toISOString(),
            tenantId,
          ]),
        ]);
        crashPoint(ctx, 'switched');
        break;
      }
      case 'switched': {
        await ctx.target.run(from, [
          bindSql('UPDATE tenants SET shard = ? WHERE id = ?', [move.to_shard, tenantId]),
        ]);
        await copyControlRows(ctx, tenantId, move.to_shard);
        await waitSince(ctx, move.state_at, switchWait, 'until nothing can still write to the old shard');
        const clicks = await catchUpClicks(ctx, move, pageSize);
        if (clicks) ctx.warn(`copied ${clicks} clicks taken on ${from} during the move`);
        const problems = await verify(ctx, move, plans, { final: true });
        if (problems.length) {
          await recordError(ctx, move, problems);
          throw new OpsError(
            `The new shard is missing rows of the old one:\n  ${problems.join('\n  ')}\nNothing was deleted; the tenant already reads from ${move.to_shard}. Investigate, then run again.`,
          );
        }
        await setState(ctx, move, 'caught_up');
        crashPoint(ctx, 'caught_up');
        break;
      }
      case 'caught_up':
        await setState(ctx, move, 'deleting');
        break;
      case 'deleting': {
        await deleteTenantRows(ctx, move, from, plans, { phase: 'delete' });
        await setState(ctx, move, 'done');
        crashPoint(ctx, 'done');
        return finish(ctx, move);
      }
      default:
        throw new OpsError(`Move ${move.id} is in an unknown state ${move.state}.`);
    }
  }
}

async function recordError(ctx, move, problems) {
  await ctx.target.run(CONTROL, [
    bindSql('UPDATE tenant_moves SET last_error = ?, updated_at = ? WHERE id = ?', [
      problems.join('; ').slice(0, 2000),
      ctx.now().toISOString(),
      move.id,
    ]),
  ]);
}

async function finish(ctx, move) {
  let parked = 'none';
  const [row] = await ctx.target.rows(
    CONTROL,
    bindSql('SELECT count(*) AS n FROM parked_webhooks WHERE tenant_id = ?', [move.tenant_id]),
  );
  if (Number(row?.n) > 0) {
    const problem = await ctx.worker.problem();
    if (!problem) {
      const res = await ctx.worker.post(`/tenants/${move.tenant_id}/parked-webhooks/replay`);
      parked = res.ok ? `${res.body.replayed} applied` : `not applied (${res.body.detail ?? res.status})`;
    } else {
      parked = `${row.n} waiting: applied by \`tenant resume\` while the app runs (${problem})`;
    }
  }
  const tables = Object.fromEntries(
    Object.entries(move.counts)
      .filter(([k]) => !k.startsWith('__'))
      .map(([k, c]) => [k, { source: c.source, target: c.target, deleted: c.deleted ?? 0 }]),
  );
  ctx.out(
    JSON.stringify({
      tenant_id: move.tenant_id,
      from: move.from_shard,
      to: move.to_shard,
      state: 'done',
      tables,
      parked_webhooks: parked,
    }),
  );
  ctx.warn(
    `The tenant is still paused: resume it with npm run ops -- tenant resume ${move.tenant_id}${ctx.flagsSuffix}`,
  );
  return 0;
}

async function abortMove(ctx, tenant, move) {
  if (!move) throw new OpsError(`Tenant ${tenant.id} has no move to abort.`);
  if (!['marked', 'copying', 'copied', 'verified'].includes(move.state)) {
    throw new OpsError(
      `The move of ${tenant.id} is past its switch (state ${move.state}): it can only be finished (run it again without --abort).`,
    );
  }
  const plans = await loadPlan(ctx, move.from_shard);
  // Back home first, so nothing reads the partial copy; then remove it.
  await ctx.target.run(CONTROL, [
    bindSql('UPDATE tenants SET shard = ?, updated_at = ? WHERE id = ?', [
      move.from_shard,
      ctx.now().toISOString(),
      tenant.id,
    ]),
  ]);
  await ctx.target.run(move.from_shard, [
    bindSql('UPDATE tenants SET shard = ? WHERE id = ?', [move.from_shard, tenant.id]),
  ]);
  await deleteTenantRows(ctx, move, move.to_shard, plans, { phase: 'abort' });
  await setState(ctx, move, 'cancelled');
  ctx.out(
    JSON.stringify({ tenant_id: tenant.id, from: move.from_shard, to: move.to_shard, state: 'cancelled' }),
  );
  return 0;
}
