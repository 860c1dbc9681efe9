// `npm run ops -- tenant create|list|pause|resume|sync|invite`. Reads and writes go through
// wrangler (ops-db.mjs); what only the Worker can do (the invitation email, the TenantGovernor's
// kill switch) goes through its operator endpoints (ops-worker.mjs).
import { createHash, randomBytes } from 'node:crypto';
import {
  checkCountry,
  checkEmail,
  checkName,
  checkShardName,
  checkTenantId,
  checkTimezone,
  required,
  UsageError,
  uuidv7,
} from './ops-args.mjs';
import { bindSql, insertStatements, sqlLiteral } from './ops-db.mjs';

export const CONTROL = 'CONTROL_DB';
export const MOVING_SHARD = /^(SHARD_\d{1,2})>(SHARD_\d{1,2})$/;
/** Same as workers/auth/sign-in-link.ts INVITATION_TTL_MS. */
const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** A failure the operator can act on: a message and a non-zero exit, nothing more. */
export class OpsError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export async function findTenant(ctx, tenantId) {
  const [t] = await ctx.target.rows(CONTROL, bindSql('SELECT * FROM tenants WHERE id = ?', [tenantId]));
  if (!t) throw new OpsError(`No tenant ${tenantId} in the ${ctx.target.describe()} control database.`);
  return t;
}

/**
 * Makes the shard's copy of the tenant's control rows (tenants, users, sending_numbers) equal to
 * the control database, like workers/db/replicate.ts, in one call. `shardValue` overrides the
 * copy's `tenants.shard` (a move's fence). Idempotent.
 */
export async function copyControlRows(ctx, tenantId, shard, { shardValue, extra = [] } = {}) {
  const [tenantRows, userRows, numberRows] = await ctx.target.query(CONTROL, [
    bindSql('SELECT * FROM tenants WHERE id = ?', [tenantId]),
    bindSql('SELECT * FROM users WHERE tenant_id = ?', [tenantId]),
    bindSql('SELECT * FROM sending_numbers WHERE tenant_id = ?', [tenantId]),
  ]);
  const tenant = tenantRows[0];
  if (!tenant) throw new OpsError(`No tenant ${tenantId} in the control database.`);
  const copy = shardValue ? { ...tenant, shard: shardValue } : tenant;
  const ids = userRows.map((u) => sqlLiteral(u.id)).join(', ');
  const emails = userRows.map((u) => sqlLiteral(u.email)).join(', ');
  const stmts = [
    // UPSERTs throughout: INSERT OR REPLACE would delete the tenant row and cascade to its data.
    ...insertStatements('tenants', [copy], { conflict: ['id'] }),
    ids
      ? bindSql(`DELETE FROM users WHERE tenant_id = ? AND id NOT IN (${ids})`, [tenantId])
      : bindSql('DELETE FROM users WHERE tenant_id = ?', [tenantId]),
    // An address that moved here from a deleted user elsewhere on this shard.
    ...(ids ? [`DELETE FROM users WHERE email IN (${emails}) AND id NOT IN (${ids})`] : []),
    ...insertStatements('users', userRows, { conflict: ['id'] }),
    ...insertStatements('sending_numbers', numberRows, { conflict: ['id'] }),
    ...extra,
  ];
  await ctx.target.run(shard, stmts);
  return { users: userRows.length, numbers: numberRows.length };
}

/**
 * The shard a new tenant goes to, like workers/db/shards.ts emptiestShard(): the smallest
 * database (D1's `size_after`), then the fewest tenants, then the lowest index.
 */
export const TENANTS_PER_SHARD = 'SELECT shard, count(*) AS n FROM tenants GROUP BY shard';

export async function emptiestShard(ctx, counts) {
  counts ??= await ctx.target.rows(CONTROL, TENANTS_PER_SHARD);
  const tenantsOn = new Map();
  for (const r of counts) {
    const home = MOVING_SHARD.exec(r.shard)?.[2] ?? r.shard;
    tenantsOn.set(home, (tenantsOn.get(home) ?? 0) + Number(r.n));
  }
  const sized = [];
  for (const name of ctx.shards) {
    sized.push({ name, bytes: await ctx.target.sizeOf(name), n: tenantsOn.get(name) ?? 0 });
  }
  const index = (s) => Number(s.name.slice('SHARD_'.length));
  sized.sort((a, b) => a.bytes - b.bytes || a.n - b.n || index(a) - index(b));
  return sized[0].name;
}

export async function tenantCreate(ctx, flags) {
  const name = checkName(required(flags, 'name', 'the business name'));
  const country = checkCountry(required(flags, 'country', 'ISO code, e.g. AU'));
  const timezone = checkTimezone(required(flags, 'timezone', 'e.g. Australia/Sydney'));
  const email = checkEmail(required(flags, 'admin-email', 'the first admin'));
  const pinned = flags.shard ? checkShardName(flags.shard, ctx.shards) : null;
  const invite = !flags['no-invite'];

  // Against a deployment the invitation goes through the Worker: make sure it answers before
  // anything is written, so a tenant is never left without its invitation.
  if (ctx.target.remote && invite) {
    const problem = await ctx.worker.problem();
    if (problem) {
      throw new OpsError(
        `Cannot send the admin's invitation: ${problem}. Nothing was written. Fix that, or add --no-invite and send it later with \`npm run ops -- tenant invite ID${ctx.flagsSuffix}\`.`,
        3,
      );
    }
  }

  const [[existing], counts] = await ctx.target.query(CONTROL, [
    bindSql(
      `SELECT u.id AS user_id, u.role, t.id AS tenant_id, t.name, t.country, t.timezone, t.shard
         FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.email = ?`,
      [email],
    ),
    TENANTS_PER_SHARD,
  ]);
  let tenantId;
  let shard;
  let resumed = false;
  if (existing) {
    // A re-run of a create that stopped after the control write: the same tenant, no shard copy yet.
    const same =
      existing.name === name &&
      existing.country === country &&
      existing.timezone === timezone &&
      existing.role === 'admin' &&
      ctx.shards.includes(existing.shard);
    const copied =
      same &&
      (
        await ctx.target.rows(
          existing.shard,
          bindSql('SELECT 1 AS x FROM tenants WHERE id = ?', [existing.tenant_id]),
        )
      ).length > 0;
    if (!same || copied) {
      throw new UsageError(
        `${email} is already a user (of tenant ${existing.tenant_id}, "${existing.name}"). An address belongs to one tenant; choose another.`,
      );
    }
    tenantId = existing.tenant_id;
    shard = existing.shard;
    resumed = true;
    ctx.warn(`Finishing the creation of tenant ${tenantId} that an earlier run left half-done.`);
  } else {
    shard = pinned ?? (await emptiestShard(ctx, counts));
    tenantId = uuidv7();
    // One call = one D1 batch: the tenant and its admin commit together or not at all.
    await ctx.target.run(CONTROL, [
      ...insertStatements('tenants', [{ id: tenantId, name, timezone, country, shard }]),
      ...insertStatements('users', [{ id: uuidv7(), tenant_id: tenantId, email, role: 'admin' }]),
    ]);
  }
  // The shard's copy (the tenant's data lives there) and its budgets row. A failure here is
  // finished by running the same command again (see above) or `tenant sync`.
  await copyControlRows(ctx, tenantId, shard, {
    extra: [bindSql('INSERT OR IGNORE INTO budgets (id, tenant_id) VALUES (?, ?)', [uuidv7(), tenantId])],
  });

  const result = { tenant_id: tenantId, admin_email: email, shard };
  if (resumed) result.resumed = true;
  if (!invite) {
    result.invitation = { delivery: 'skipped' };
    ctx.out(JSON.stringify(result));
    return 0;
  }
  const invitation = await sendInvitation(ctx, tenantId, email);
  result.invitation = invitation;
  ctx.out(JSON.stringify(result));
  if (invitation.delivery === 'sent' || invitation.delivery === 'outbox') return 0;
  ctx.warn(
    `The tenant was created, but the invitation was not sent (${invitation.detail}). Send it with: npm run ops -- tenant invite ${tenantId}${ctx.flagsSuffix}`,
  );
  return 4;
}

/**
 * The admin's invitation: through the Worker when it answers (a deployment, or `npm start`
 * locally); locally without a running Worker, a sign-in link written straight into the local
 * database and its development outbox, printed here.
 */
async function sendInvitation(ctx, tenantId, email) {
  const problem = await ctx.worker.problem();
  if (!problem) {
    const res = await ctx.worker.post(`/tenants/${tenantId}/invitation`, { email });
    const b = res.body;
    if (res.ok) {
      if (b.outbox) {
        const link = await ctx.worker.outboxLink(email);
        if (link) ctx.warn(`Invitation in the local outbox: ${link}`);
      }
      return { delivery: 'sent', expires_at: b.expires_at };
    }
    return { delivery: b.delivery ?? 'failed', detail: b.detail ?? `HTTP ${res.status}` };
  }
  if (ctx.target.remote) return { delivery: 'failed', detail: problem };
  return localInvitation(ctx, tenantId, email, problem);
}

async function localInvitation(ctx, tenantId, email, why) {
  const token = randomBytes(32).toString('base64url');
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS).toISOString();
  const link = `${ctx.localBaseUrl}/auth/verify?token=${token}`;
  await ctx.target.run(CONTROL, [
    bindSql(
      `INSERT INTO magic_tokens (id, user_id, token, expires_at)
       SELECT ?, id, ?, ? FROM users WHERE tenant_id = ? AND email = ?`,
      [uuidv7(), createHash('sha256').update(token).digest('hex'), expiresAt, tenantId, email],
    ),
    ...insertStatements('dev_outbox', [
      {
        id: uuidv7(),
        to: email,
        subject: 'You have been invited',
        text: `Sign in within 7 days: ${link}`,
        link,
      },
    ]),
  ]);
  ctx.warn(
    `The app is not running (${why}), so no email: the invitation link (also in GET /dev/outbox) is\n  ${link}`,
  );
  return { delivery: 'outbox', expires_at: expiresAt, link };
}

export async function tenantInvite(ctx, flags, positionals) {
  const tenantId = checkTenantId(positionals[0]);
  const tenant = await findTenant(ctx, tenantId);
  let email = flags.email ? checkEmail(flags.email, 'email') : null;
  if (!email) {
    const [admin] = await ctx.target.rows(
      CONTROL,
      bindSql(
        "SELECT email FROM users WHERE tenant_id = ? AND role = 'admin' AND is_active = 1 ORDER BY created_at, id LIMIT 1",
        [tenantId],
      ),
    );
    if (!admin)
      throw new OpsError(`Tenant ${tenantId} ("${tenant.name}") has no active admin; give --email.`);
    email = admin.email;
  }
  const invitation = await sendInvitation(ctx, tenantId, email);
  ctx.out(JSON.stringify({ tenant_id: tenantId, email, invitation }));
  return invitation.delivery === 'sent' || invitation.delivery === 'outbox' ? 0 : 4;
}

export async function tenantList(ctx, flags) {
  const rows = await ctx.target.rows(
    CONTROL,
    `SELECT t.id, t.name, t.country, t.timezone, t.shard, t.is_paused, t.paused_reason, t.created_at,
            (SELECT count(*) FROM users u WHERE u.tenant_id = t.id) AS users,
            (SELECT m.state FROM tenant_moves m WHERE m.tenant_id = t.id
               AND m.state NOT IN ('done', 'cancelled')) AS move_state
       FROM tenants t ORDER BY t.created_at, t.id`,
  );
  const list = rows.map((r) => ({
    id: r.id,
    name: r.name,
    country: r.country,
    timezone: r.timezone,
    shard: r.shard,
    paused: Boolean(r.is_paused),
    paused_reason: r.paused_reason,
    users: Number(r.users),
    created_at: r.created_at,
    moving: r.move_state ?? null,
  }));
  if (flags.json) {
    for (const t of list) ctx.out(JSON.stringify(t));
    return 0;
  }
  if (list.length === 0) {
    ctx.out(`No tenants in the ${ctx.target.describe()} control database.`);
    return 0;
  }
  const table = list.map((t) => ({
    id: t.id,
    name: t.name,
    shard: t.moving ? `${t.shard} (moving: ${t.moving})` : t.shard,
    paused: t.paused ? `yes${t.paused_reason ? ` (${t.paused_reason})` : ''}` : 'no',
    users: String(t.users),
    created: t.created_at,
  }));
  const cols = Object.keys(table[0]);
  const width = (c) => Math.max(c.length, ...table.map((r) => r[c].length));
  const line = (r) =>
    cols
      .map((c) => r[c].padEnd(width(c)))
      .join('  ')
      .trimEnd();
  ctx.out(line(Object.fromEntries(cols.map((c) => [c, c]))));
  for (const r of table) ctx.out(line(r));
  return 0;
}

/** Re-copies the tenant's control rows to its shard; tells the governor when the Worker answers. */
export async function tenantSync(ctx, _flags, positionals) {
  const tenantId = checkTenantId(positionals[0]);
  const tenant = await findTenant(ctx, tenantId);
  if (MOVING_SHARD.test(tenant.shard)) {
    throw new OpsError(`Tenant ${tenantId} is being moved (${tenant.shard}); finish the move first.`);
  }
  const copied = await copyControlRows(ctx, tenantId, tenant.shard);
  const problem = await ctx.worker.problem();
  let governor = 'not_told';
  if (!problem) {
    const res = await ctx.worker.post(`/tenants/${tenantId}/sync`);
    if (res.ok) governor = 'told';
    else ctx.warn(`The Worker did not sync the governor: ${res.body.detail ?? `HTTP ${res.status}`}`);
  } else {
    ctx.warn(`The governor was not told (${problem}).`);
  }
  ctx.out(JSON.stringify({ tenant_id: tenantId, shard: tenant.shard, ...copied, governor }));
  return 0;
}
