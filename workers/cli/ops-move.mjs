// `npm run ops -- tenant move ID --to SHARD_n`: moves a paused tenant's data to another shard. A
// state machine recorded in the control database (`tenant_moves`); every step is idempotent, so
// running the command again after a crash at any point finishes the job:
//
//   marked     tenants.shard = "A>B" in control and in both shards' copies: the Worker stops
//              writing the tenant anywhere (API 503, queues wait, webhooks parked, crons skip it);
//              then wait longer than SHARD_CACHE_TTL_MS so every isolate has seen it. Only the
//              redirect still writes: the clicks of links sent before, counted on A (a click is
//              a counter update on its link and its campaign's minute, no row of its own).
//   copying    every tenant table, in foreign-key order, in keyset pages (cursor saved per page),
//              written to B with multi-row upserts; with each page of short_links and
//              click_counts, in the same write, its click counters as the move's baselines on B
//              (move_click_baselines).
//   copied     counts and checksums of A and B compared (click counters may have grown on A since
//              their copy: B's may only lag)
//   verified   → switched: tenants.shard = B in control and both copies (new writes go to B)
//   switched   wait until no isolate and no redirect cache can still write to A (shard cache 30 s,
//              short-link caches 10 min, counted from when A's copy of the tenant said B), then
//              add to B what A's counters gained over their baselines (ops-move-clicks.mjs: each
//              row once, its baseline moved up in the same transaction), then check that nothing
//              else wrote to A since the copy was verified and that A's click totals are all in B
//   caught_up  → deleting: A's rows deleted in bounded batches, children first; B's baselines
//   done       parked webhooks applied through the Worker (or at `tenant resume`)
//
// `--abort` before the switch undoes it: B's partial copy deleted, the tenant back on A.
import { checkShardName, checkTenantId, UsageError, uuidv7 } from './ops-args.mjs';
import { bindSql, insertStatements } from './ops-db.mjs';
import { catchUpClicks, clickTotalsProblems, deleteBaselines } from './ops-move-clicks.mjs';
import {
  copyAll,
  crashPoint,
  deleteTenantRows,
  loadPlan,
  SimulatedCrash,
  saveCounts,
  verifyCopy,
  verifyOldShardUnchanged,
} from './ops-move-steps.mjs';
import { CONTROL, copyControlRows, findTenant, MOVING_SHARD, OpsError } from './ops-tenants.mjs';

export { SimulatedCrash };

/** workers/db/shards.ts SHARD_CACHE_TTL_MS (30 s) and a margin. */
export const MARK_WAIT_SECONDS = 35;
/**
 * After the switch: the shard cache (30 s) and the redirect's caches of a resolved link (its
 * isolate LRU 5 min, filled from the colo Cache API entry of up to 5 min): 10 min 30 s.
 */
export const SWITCH_WAIT_SECONDS = 630;
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

async function waitSince(ctx, since, seconds, why) {
  const until = new Date(since).getTime() + seconds * 1000;
  const left = until - ctx.now().getTime();
  if (left <= 0) return;
  ctx.warn(`waiting ${Math.ceil(left / 1000)} s (${why})`);
  await ctx.sleep(left);
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
        const problems = await verifyCopy(ctx, move, plans);
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
        // The redirect learns a link's home from the shard copies: the wait counts from their
        // switch (a crash before it and a late re-run would otherwise leave no wait at all).
        if (!move.counts.__copiesSwitchedAt) {
          move.counts.__copiesSwitchedAt = ctx.now().toISOString();
          await saveCounts(ctx, move);
        }
        await waitSince(
          ctx,
          move.counts.__copiesSwitchedAt,
          switchWait,
          'until nothing can still write to the old shard',
        );
        const added = await catchUpClicks(ctx, move, plans, pageSize, { crashPoint, saveCounts });
        if (added.clicks) {
          ctx.warn(
            `added ${added.clicks} clicks taken on ${from} during the move (${added.links} links, ${added.minutes} minute counts)`,
          );
        }
        const problems = [
          ...(await verifyOldShardUnchanged(ctx, move, plans)),
          ...(await clickTotalsProblems(ctx, move, plans)),
        ];
        if (problems.length) {
          // A re-run looks at every row again (clicks that came later than the wait allows).
          delete move.counts.__catchup;
          await saveCounts(ctx, move);
          await recordError(ctx, move, problems);
          throw new OpsError(
            `The old shard changed after the copy was verified, or its clicks are not all on the new one:\n  ${problems.join('\n  ')}\nNothing was deleted; the tenant already reads from ${move.to_shard}. Investigate, then run again.`,
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
        await deleteBaselines(ctx, move, move.to_shard);
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
  await deleteBaselines(ctx, move, move.to_shard);
  await deleteTenantRows(ctx, move, move.to_shard, plans, { phase: 'abort' });
  await setState(ctx, move, 'cancelled');
  ctx.out(
    JSON.stringify({ tenant_id: tenant.id, from: move.from_shard, to: move.to_shard, state: 'cancelled' }),
  );
  return 0;
}
