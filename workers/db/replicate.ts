// Each shard keeps a copy of its tenants' `tenants`, `users` and `sending_numbers` rows, so that
// the shard's own foreign keys hold (send_jobs → sending_numbers, audit_log → users, everything →
// tenants) and the send path can check the kill switch in the same statement that claims a job.
// The control database is the source of truth: every write to those tables is followed by
// replicateTenant(), which makes the shard's copy equal to the control rows (idempotent, so a
// failed copy is repaired by the next write or by `npm run ops -- tenant sync`).
import { and, eq, inArray, notInArray } from 'drizzle-orm';
import type { Db } from './client';
import { sendingNumbers, tenants, users } from './schema';
import { controlDb, shardOf } from './shards';

type Parts = { tenant?: boolean; users?: boolean; numbers?: boolean };
const ALL: Required<Parts> = { tenant: true, users: true, numbers: true };

/** Copies the tenant's control rows (all of them, or the parts named) onto its shard. */
export async function replicateTenant(
  env: Pick<Env, 'CONTROL_DB'>,
  tenantId: string,
  parts: Parts = ALL,
): Promise<void> {
  const control = controlDb(env);
  const shard = (await shardOf(env, tenantId)).db;
  await copyTenantRows(control, shard, tenantId, parts);
}

/** The copy itself, between two databases (also used by tenant moves). */
export async function copyTenantRows(
  control: Db,
  shard: Db,
  tenantId: string,
  parts: Parts = ALL,
): Promise<void> {
  const [tenant] = await control.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  if (!tenant) return;
  const userRows = parts.users ? await control.select().from(users).where(eq(users.tenantId, tenantId)) : [];
  const numberRows = parts.numbers
    ? await control.select().from(sendingNumbers).where(eq(sendingNumbers.tenantId, tenantId))
    : [];

  const stmts = [];
  // The tenant row always goes first: the other copies reference it.
  stmts.push(shard.insert(tenants).values(tenant).onConflictDoUpdate({ target: tenants.id, set: tenant }));
  if (parts.users) {
    const ids = userRows.map((u) => u.id);
    const emails = userRows.map((u) => u.email);
    stmts.push(
      shard
        .delete(users)
        .where(and(eq(users.tenantId, tenantId), ids.length ? notInArray(users.id, ids) : undefined)),
    );
    // An address that moved here from a deleted user elsewhere on this shard.
    if (emails.length)
      stmts.push(shard.delete(users).where(and(inArray(users.email, emails), notInArray(users.id, ids))));
    for (const u of userRows)
      stmts.push(shard.insert(users).values(u).onConflictDoUpdate({ target: users.id, set: u }));
  }
  if (parts.numbers) {
    for (const n of numberRows)
      stmts.push(
        shard.insert(sendingNumbers).values(n).onConflictDoUpdate({ target: sendingNumbers.id, set: n }),
      );
  }
  await shard.batch(stmts as [(typeof stmts)[0], ...typeof stmts]);
}
