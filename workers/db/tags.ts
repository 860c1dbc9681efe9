// contact_tags queries shared by the contacts API, bulk tagging, imports and exports. Raw D1
// statements with JSON parameters (json_each), so a list of ids or tags is one parameter.
import { MAX_TAGS_PER_CONTACT } from '../domain/tags';
import type { Where } from './audience';

/** The tags of each contact, in the order they were added. Contacts without tags are absent. */
export async function tagsOf(d1: D1Database, tenantId: string, contactIds: readonly string[]) {
  const out = new Map<string, string[]>();
  if (contactIds.length === 0) return out;
  const rows = await d1
    .prepare(
      `SELECT contact_id, tag FROM contact_tags
        WHERE tenant_id = ?1 AND contact_id IN (SELECT value FROM json_each(?2))
        ORDER BY contact_id, created_at, rowid`,
    )
    .bind(tenantId, JSON.stringify(contactIds))
    .all<{ contact_id: string; tag: string }>();
  for (const r of rows.results) {
    const list = out.get(r.contact_id);
    if (list) list.push(r.tag);
    else out.set(r.contact_id, [r.tag]);
  }
  return out;
}

/**
 * Statements that make the contact's tags exactly `tags` (already normalised): removes the others,
 * adds the missing ones. A tag the contact has in another case keeps its stored spelling.
 */
export function replaceTagsStatements(
  d1: D1Database,
  tenantId: string,
  contactId: string,
  tags: readonly string[],
  at: string,
): D1PreparedStatement[] {
  const json = JSON.stringify(tags);
  return [
    d1
      .prepare(
        `DELETE FROM contact_tags WHERE tenant_id = ?1 AND contact_id = ?2
            AND tag NOT IN (SELECT value FROM json_each(?3))`,
      )
      .bind(tenantId, contactId, json),
    d1
      .prepare(
        `INSERT INTO contact_tags (tenant_id, contact_id, tag, created_at)
         SELECT ?1, ?2, value, ?4 FROM json_each(?3) WHERE true
         ON CONFLICT (tenant_id, contact_id, tag) DO NOTHING`,
      )
      .bind(tenantId, contactId, json, at),
  ];
}

/** Who a bulk tag change applies to: listed contacts, or everyone a compiled filter matches. */
export type BulkTarget = { contactIds: readonly string[] } | { where: (first: number) => Where };

function targetSql(tenantId: string, target: BulkTarget, first: number): { sql: string; params: unknown[] } {
  if ('contactIds' in target) {
    return {
      sql: `SELECT c.id FROM contacts c WHERE c.tenant_id = ?${first} AND c.erased_at IS NULL
              AND c.id IN (SELECT value FROM json_each(?${first + 1}))`,
      params: [tenantId, JSON.stringify(target.contactIds)],
    };
  }
  const w = target.where(first);
  return { sql: `SELECT c.id FROM contacts c WHERE ${w.clause}`, params: w.params };
}

/**
 * Adds and removes tags for every targeted contact in bounded statements: one INSERT … SELECT per
 * added tag and one DELETE for the removals, whatever the number of contacts. (One statement per
 * tag, not one for all, so each sees the previous one's rows and the per-contact limit holds.)
 * Each statement's `meta.changes` is the number of tags it added or removed.
 */
export function bulkTagStatements(
  d1: D1Database,
  tenantId: string,
  target: BulkTarget,
  change: { add: readonly string[]; remove: readonly string[] },
  at: string,
): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (const tag of change.add) {
    const t = targetSql(tenantId, target, 4);
    statements.push(
      d1
        .prepare(
          `INSERT INTO contact_tags (tenant_id, contact_id, tag, created_at)
           SELECT ?1, x.id, ?2, ?3 FROM (${t.sql}) x
            WHERE (SELECT count(*) FROM contact_tags h WHERE h.tenant_id = ?1 AND h.contact_id = x.id) < ${MAX_TAGS_PER_CONTACT}
           ON CONFLICT (tenant_id, contact_id, tag) DO NOTHING`,
        )
        .bind(tenantId, tag, at, ...t.params),
    );
  }
  if (change.remove.length > 0) {
    const t = targetSql(tenantId, target, 3);
    statements.push(
      d1
        .prepare(
          `DELETE FROM contact_tags WHERE tenant_id = ?1 AND tag IN (SELECT value FROM json_each(?2))
              AND contact_id IN (${t.sql})`,
        )
        .bind(tenantId, JSON.stringify(change.remove), ...t.params),
    );
  }
  return statements;
}

/** The tenant's tags with how many contacts carry each, most used first. */
export async function tagCounts(d1: D1Database, tenantId: string, limit: number) {
  const rows = await d1
    .prepare(
      `SELECT tag, count(*) AS contacts FROM contact_tags WHERE tenant_id = ?1
        GROUP BY tag ORDER BY contacts DESC, tag LIMIT ?2`,
    )
    .bind(tenantId, limit)
    .all<{ tag: string; contacts: number }>();
  return rows.results;
}
