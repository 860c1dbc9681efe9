// What a tenant move copies: every table of the shard schema (workers/db/schema-shard.ts) except the
// copies of control rows (tenants, users, sending_numbers: those are copied from the control
// database), in foreign-key order, each with the SQL that finds the tenant's rows in it. Columns,
// primary keys and foreign keys come from the source shard itself (PRAGMA), so a table added to
// the schema later is moved without changes here; a table whose rows cannot be tied to a tenant
// stops the move before anything is written.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './node.mjs';
import { bindSql, quoteIdent } from './ops-db.mjs';

/** Rows copied from the control database, not moved as data (see copyControlRows). */
export const CONTROL_COPIES = ['tenants', 'users', 'sending_numbers'];
/** The move's own bookkeeping on the new shard (ops-move-clicks.mjs), never moved as data. */
export const MOVE_BOOKKEEPING = ['move_click_baselines'];
/** short_links columns a click changes (workers/redirect/clicks.ts). */
export const LINK_CLICK_COLUMNS = ['click_count', 'human_click_count', 'clicked_at', 'recent_clicks'];
/** click_counts columns a click changes. */
export const SLOT_CLICK_COLUMNS = ['clicks', 'human_clicks'];

/** SQL table names of the shard schema, in the order schema-shard.ts lists them. */
export function shardSchemaTables(root = ROOT) {
  const entry = readFileSync(join(root, 'workers/db/schema-shard.ts'), 'utf8');
  // The schema is one file per concern in workers/db/schema/: read them all.
  const dir = join(root, 'workers/db/schema');
  const schema = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  const names = /export\s*\{([^}]*)\}/.exec(entry)?.[1];
  if (!names) throw new Error('workers/db/schema-shard.ts exports no tables.');
  return names
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .map((exportName) => {
      const m = new RegExp(`export const ${exportName}\\s*=\\s*sqliteTable\\(\\s*'([^']+)'`).exec(schema);
      if (!m) throw new Error(`Cannot find the table of ${exportName} in workers/db/schema/.`);
      return m[1];
    });
}

/**
 * The plan: [{table, columns, pk, filter(tenantId) → SQL, dependsOn}] in copy order.
 * `introspect(tables)` returns {table: {columns: [{name, pk}], fks: [{from, table, to}]}}.
 */
export function buildPlan(tables, info) {
  const moved = tables.filter((t) => !CONTROL_COPIES.includes(t) && !MOVE_BOOKKEEPING.includes(t));
  const byName = new Map();
  for (const t of moved) {
    const i = info[t];
    if (!i || i.columns.length === 0)
      throw new Error(`Table ${t} does not exist on the source shard (are its migrations applied?).`);
    const pk = i.columns
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    byName.set(t, {
      table: t,
      columns: i.columns.map((c) => c.name),
      pk: pk.length ? pk : ['rowid'],
      fks: i.fks,
      hasTenant: i.columns.some((c) => c.name === 'tenant_id'),
    });
  }
  // How each table finds the tenant's rows: its tenant_id, or its foreign key into a table that can.
  const filters = new Map();
  const resolve = (t, seen = new Set()) => {
    if (filters.has(t)) return filters.get(t);
    const p = byName.get(t);
    if (!p) return null;
    if (p.hasTenant) {
      const f = (id) => bindSql('tenant_id = ?', [id]);
      filters.set(t, f);
      return f;
    }
    seen.add(t);
    for (const fk of p.fks) {
      if (seen.has(fk.table) || !byName.has(fk.table)) continue;
      const parent = resolve(fk.table, seen);
      const parentPlan = byName.get(fk.table);
      if (parent && parentPlan.pk.length === 1) {
        const f = (id) =>
          `${quoteIdent(fk.from)} IN (SELECT ${quoteIdent(fk.to ?? parentPlan.pk[0])} FROM ${quoteIdent(fk.table)} WHERE ${parent(id)})`;
        filters.set(t, f);
        return f;
      }
    }
    return null;
  };
  for (const t of byName.keys()) {
    if (!resolve(t)) {
      throw new Error(
        `Table ${t} has no tenant_id and no foreign key to a table that has one: a move cannot tell which of its rows are the tenant's. Give it a tenant_id (workers/db/schema/).`,
      );
    }
  }
  // Dependencies: the tables each one references.
  const deps = new Map();
  for (const [t, p] of byName) {
    deps.set(t, new Set(p.fks.map((fk) => fk.table).filter((x) => x !== t && byName.has(x))));
  }
  const order = [];
  const state = new Map();
  const visit = (t, path) => {
    if (state.get(t) === 'done') return;
    if (state.get(t) === 'visiting')
      throw new Error(`Foreign keys form a cycle: ${[...path, t].join(' → ')}.`);
    state.set(t, 'visiting');
    for (const d of [...deps.get(t)].sort()) visit(d, [...path, t]);
    state.set(t, 'done');
    order.push(t);
  };
  for (const t of byName.keys()) visit(t, []);
  return order.map((t) => ({ ...byName.get(t), filter: filters.get(t) }));
}

/** Reads columns and foreign keys of the tables from a shard (two PRAGMAs per table, one call). */
export async function introspect(target, shard, tables) {
  const stmts = tables.flatMap((t) => [
    `PRAGMA table_info(${quoteIdent(t)})`,
    `PRAGMA foreign_key_list(${quoteIdent(t)})`,
  ]);
  const results = await target.query(shard, stmts);
  const info = {};
  tables.forEach((t, i) => {
    info[t] = {
      columns: (results[2 * i] ?? []).map((c) => ({ name: c.name, pk: Number(c.pk) })),
      fks: (results[2 * i + 1] ?? []).map((f) => ({ from: f.from, table: f.table, to: f.to })),
    };
  });
  return info;
}

/** The tenant's rows of a table, beyond the keyset cursor, one page. */
export function pageSql(plan, tenantId, cursor, limit, extra = null) {
  const order = plan.pk.map(quoteIdent).join(', ');
  const where = [plan.filter(tenantId)];
  if (extra) where.push(extra);
  if (cursor !== null && cursor !== undefined) {
    const values = plan.pk.length === 1 ? [cursor] : JSON.parse(cursor);
    const lhs = plan.pk.length === 1 ? quoteIdent(plan.pk[0]) : `(${order})`;
    const rhs = plan.pk.length === 1 ? '?' : `(${values.map(() => '?').join(', ')})`;
    where.push(bindSql(`${lhs} > ${rhs}`, values));
  }
  const cols = plan.pk[0] === 'rowid' ? `rowid AS "rowid", *` : '*';
  return `SELECT ${cols} FROM ${quoteIdent(plan.table)} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`;
}

export function cursorOf(plan, row) {
  return plan.pk.length === 1 ? row[plan.pk[0]] : JSON.stringify(plan.pk.map((c) => row[c]));
}

/**
 * Count and a cheap checksum (total length of each row as JSON) of the tenant's rows, and the sums
 * of `sums` columns.
 */
export function checksumSql(plan, tenantId, { exclude = [], extra = null, sums = [] } = {}) {
  const cols = plan.columns.filter((c) => !exclude.includes(c)).map(quoteIdent);
  const where = [plan.filter(tenantId), ...(extra ? [extra] : [])].join(' AND ');
  const totals = sums.map((c, i) => `, coalesce(sum(${quoteIdent(c)}), 0) AS s${i}`).join('');
  return `SELECT count(*) AS n, coalesce(sum(length(json_array(${cols.join(', ')}))), 0) AS bytes${totals} FROM ${quoteIdent(plan.table)} WHERE ${where}`;
}

/** The minute slot (workers/redirect/clicks.ts clickSlot) of an ISO time. */
export const slotOf = (iso) => iso.slice(0, 16);

/**
 * What to compare for a table: [{key, exclude, extra, sums, growing}]. Clicks keep landing on the
 * old shard after the copy (ops-move-clicks.mjs), so a link's click columns are left out of its
 * checksum and summed instead, and click_counts splits at `since` (the move's start, less the
 * clock skew allowed): older minutes never change again and are compared whole; newer ones may
 * still gain clicks and new rows (`growing`: the copy may only lag the source).
 */
export function checksumParts(plan, since) {
  if (plan.table === 'short_links') {
    return [{ key: 'short_links', exclude: LINK_CLICK_COLUMNS, sums: ['click_count', 'human_click_count'] }];
  }
  if (plan.table === 'click_counts') {
    return [
      { key: 'click_counts', extra: bindSql('slot < ?', [since]) },
      {
        key: 'click_counts:recent',
        extra: bindSql('slot >= ?', [since]),
        exclude: SLOT_CLICK_COLUMNS,
        sums: SLOT_CLICK_COLUMNS,
        growing: true,
      },
    ];
  }
  return [{ key: plan.table }];
}
