// docs/indexes.md names the query (or constraint) behind every index of both databases (issue 11:
// "drop indexes that no query uses, show each remaining one's query"). It cannot go stale silently:
// an index added, dropped or redefined in a generated 0000_init.sql without its line in the doc
// (or a line left behind for an index that is gone) fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from './helpers.mjs';

const doc = readFileSync(join(ROOT, 'docs/indexes.md'), 'utf8');

/** Columns and partial condition as one comparable string: no quotes, no table qualifiers. */
function norm(s) {
  return s
    .replace(/"\w+"\./g, '')
    .replace(/["`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `a`,(expr) → "a, expr": split at top-level commas, drop one level of wrapping parentheses. */
function columnList(raw) {
  const parts = [];
  let depth = 0;
  let cur = '';
  for (const ch of raw) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => norm(p.trim().replace(/^\((.*)\)$/, '$1'))).join(', ');
}

// One generated statement: name, column list (expressions in parentheses), partial condition.
const CREATE_INDEX = /CREATE (?:UNIQUE )?INDEX `(\w+)` ON `\w+` \((.*?)\)(?: WHERE (.*?))?;?\s*$/s;

/** Every index of a migration: name → "columns (WHERE …)". */
function migrationIndexes(database) {
  const sql = readFileSync(join(ROOT, `migrations/${database}/0000_init.sql`), 'utf8');
  const out = new Map();
  for (const stmt of sql.split('--> statement-breakpoint')) {
    const m = CREATE_INDEX.exec(stmt.trim());
    if (!m) continue;
    out.set(m[1], columnList(m[2]) + (m[3] ? ` (WHERE ${norm(m[3])})` : ''));
  }
  return out;
}

/** The table rows of one `## …` section of the doc: name → {columns, usedBy, why}. */
function documented(heading) {
  const start = doc.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, `docs/indexes.md has a "## ${heading}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const rows = new Map();
  for (const line of section.split('\n')) {
    const m = /^\| `(\w+)` \| (.*?) \| (.*?) \| (.*?) \|$/.exec(line);
    if (!m) continue;
    assert.ok(!rows.has(m[1]), `${m[1]} is listed once in "${heading}"`);
    rows.set(m[1], { columns: norm(m[2]), usedBy: m[3].trim(), why: m[4].trim() });
  }
  return { rows, section };
}

describe('docs/indexes.md lists every index with its query', () => {
  for (const [database, heading] of [
    ['control', 'Control database'],
    ['shard', 'Shard databases'],
  ]) {
    test(`${database} database: the doc and 0000_init.sql name the same indexes, with the same columns`, () => {
      const actual = migrationIndexes(database);
      const { rows, section } = documented(heading);
      assert.ok(actual.size > 10, `found the indexes of migrations/${database}/0000_init.sql`);
      const missing = [...actual.keys()].filter((n) => !rows.has(n));
      const stale = [...rows.keys()].filter((n) => !actual.has(n));
      assert.deepEqual(missing, [], `indexes of ${database} missing from docs/indexes.md`);
      assert.deepEqual(stale, [], `docs/indexes.md names indexes that ${database} does not have`);
      for (const [name, columns] of actual) {
        assert.equal(
          rows.get(name).columns,
          columns,
          `${name}: columns (partial condition) as in the migration`,
        );
        assert.ok(rows.get(name).why.length > 0, `${name}: says why it exists`);
      }
      const count = /\((\d+) indexes/.exec(section.split('\n')[1] ?? '');
      assert.equal(Number(count?.[1]), actual.size, `the "${heading}" heading counts its indexes`);
    });
  }

  test('reads generated statements: expression columns and table-qualified partial conditions', () => {
    const stmt =
      "CREATE INDEX `x_idx` ON `x` (`tenant_id`,(metadata ->> '$.from')) WHERE \"x\".\"a\" IN ('p', 'q');";
    const m = CREATE_INDEX.exec(stmt);
    assert.equal(
      `${columnList(m[2])} (WHERE ${norm(m[3])})`,
      "tenant_id, metadata ->> '$.from' (WHERE a IN ('p', 'q'))",
    );
  });
});
