// `npm run ops -- tenant pause|resume ID`: the kill switch, through the Worker's operator endpoint
// when it answers (control row, shard copy, TenantGovernor, audit, all in the Worker), else locally
// straight into the databases.
import { checkTenantId, UsageError, uuidv7 } from './ops-args.mjs';
import { bindSql, insertStatements } from './ops-db.mjs';
import { CONTROL, copyControlRows, findTenant, MOVING_SHARD, OpsError } from './ops-tenants.mjs';

/**
 * The kill switch. Through the Worker when it answers (it updates the control row and the shard's
 * copy, tells the TenantGovernor and audits, like PATCH /api/v1/tenant); a deployment must
 * answer. Locally without a running Worker: the same database writes directly, and the
 * governor learns it when the app next runs this command (it keeps its last state meanwhile).
 */
export async function tenantPause(ctx, flags, positionals, paused) {
  const tenantId = checkTenantId(positionals[0]);
  const reason = flags.reason?.trim();
  if (reason !== undefined && (reason.length < 1 || reason.length > 500)) {
    throw new UsageError('--reason must be 1 to 500 characters.');
  }
  if (!paused && flags.reason !== undefined) throw new UsageError('--reason is for pause only.');
  const tenant = await findTenant(ctx, tenantId);
  const moving = MOVING_SHARD.exec(tenant.shard);
  if (moving) {
    throw new OpsError(
      `Tenant ${tenantId} is being moved from ${moving[1]} to ${moving[2]}; it stays paused until the move is done (npm run ops -- tenant move ${tenantId} --to ${moving[2]}${ctx.flagsSuffix}).`,
    );
  }
  const problem = await ctx.worker.problem();
  if (!problem) {
    const res = await ctx.worker.post(
      `/tenants/${tenantId}/${paused ? 'pause' : 'resume'}`,
      reason ? { reason } : {},
    );
    if (!res.ok) throw new OpsError(`The Worker refused: ${res.body.detail ?? `HTTP ${res.status}`}`);
    const t = res.body.tenant;
    ctx.out(
      JSON.stringify({
        tenant_id: tenantId,
        paused: t.is_paused,
        paused_reason: t.paused_reason,
        changed: res.body.changed,
        governor: 'told',
        ...(paused ? {} : { parked_webhooks_replayed: res.body.parked_webhooks_replayed }),
      }),
    );
    return 0;
  }
  if (ctx.target.remote) {
    throw new OpsError(
      `The kill switch must reach the Worker's TenantGovernor, and ${problem}. Nothing was written.`,
      3,
    );
  }
  return localPause(ctx, tenant, paused, reason, problem);
}

async function localPause(ctx, tenant, paused, reason, why) {
  const tenantId = tenant.id;
  if (!paused) {
    const [parked] = await ctx.target.rows(
      CONTROL,
      bindSql('SELECT count(*) AS n FROM parked_webhooks WHERE tenant_id = ?', [tenantId]),
    );
    if (Number(parked?.n) > 0) {
      throw new OpsError(
        `${parked.n} Twilio webhooks of this tenant were parked during a move and only the Worker can apply them: start the app (npm start) and run this again. Nothing was written.`,
      );
    }
  }
  const pausedReason = paused ? (reason ?? tenant.paused_reason ?? 'Paused by the operator') : null;
  const changed = Boolean(tenant.is_paused) !== paused || tenant.paused_reason !== pausedReason;
  const now = ctx.now().toISOString();
  await ctx.target.run(CONTROL, [
    bindSql('UPDATE tenants SET is_paused = ?, paused_reason = ?, updated_at = ? WHERE id = ?', [
      paused,
      pausedReason,
      changed ? now : tenant.updated_at,
      tenantId,
    ]),
  ]);
  await copyControlRows(ctx, tenantId, tenant.shard);
  if (changed) {
    await ctx.target.run(tenant.shard, [
      ...insertStatements('audit_log', [
        {
          id: uuidv7(),
          tenant_id: tenantId,
          user_id: null,
          api_key_id: null,
          action: paused ? 'tenant.paused' : 'tenant.resumed',
          resource_type: 'tenant',
          resource_id: tenantId,
          metadata: JSON.stringify({
            changes: {
              is_paused: { from: Boolean(tenant.is_paused), to: paused },
              paused_reason: { from: tenant.paused_reason, to: pausedReason },
            },
            via: 'operator',
          }),
        },
      ]),
    ]);
  }
  ctx.warn(
    `The app is not running (${why}): the databases say ${paused ? 'paused' : 'resumed'}, and the send path checks them, but the TenantGovernor keeps its last state until you run this command again while the app runs.`,
  );
  ctx.out(
    JSON.stringify({
      tenant_id: tenantId,
      paused,
      paused_reason: pausedReason,
      changed,
      governor: 'not_told',
    }),
  );
  return 0;
}
