// A validated segment filter → a SQL condition over `contacts c`. Pure: the caller supplies "now",
// the tenant's time zone and the segments the filter names, and binds the result.
//
// Every value goes into one JSON array bound to a single placeholder (`valuesRef`), read back with
// json_extract(?, '$[i]'): D1 binds at most 100 parameters per statement, and a filter that
// includes other segments can have hundreds of values. SQLite evaluates those constant
// expressions once per statement, and they still drive index lookups.
//
// Conditions may be NULL where a column is (SQL's "unknown"); under AND / OR that behaves exactly
// like false, and every negation wraps its operand in coalesce(…, 0), so "not in segment X"
// includes the contacts for whom X's conditions are unknown.
import { addDays, startOfLocalDay } from '../local-time';
import {
  type ActivityField,
  CUSTOM_PREFIX,
  type Filter,
  type Group,
  groupItems,
  type InstantField,
  isGroup,
  type Node,
  type Op,
} from './grammar';

export type CompileContext = {
  /** `within_days` counts back from this instant. */
  now: Date;
  /** The tenant's zone: the zone of contacts without their own, and where a date-only bound's day begins. */
  timezone: string;
  /** Every segment reachable through `segment in/not_in`, by id. */
  segments: ReadonlyMap<string, Filter>;
  /** The placeholder bound to the tenant id (e.g. `?1`). */
  tenantRef: string;
  /** The placeholder the caller binds to `JSON.stringify(values)`. */
  valuesRef: string;
};

export type CompiledFilter = { sql: string; values: unknown[] };

const DAY_MS = 86_400_000;

/** Conditions as the compiler reads them (already validated: each op has the value it needs). */
type Loose = { field: string; op: Op; value?: unknown };

const COLUMN: Record<InstantField, string> = {
  created_at: 'c.created_at',
  last_sent_at: 'c.last_sent_at',
  last_human_click_at: 'c.last_human_click_at',
  last_reply_at: 'c.last_reply_at',
};

const STRICT: Record<'gt' | 'gte' | 'lt' | 'lte', string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * The instant bound of `op value` on a timestamp column. A date-only value means that whole day in
 * the tenant's zone: after 2026-03-01 = from the next local midnight on; before it = up to its start.
 */
export function instantBound(
  op: 'gt' | 'gte' | 'lt' | 'lte',
  value: string,
  timeZone: string,
): { cmp: string; iso: string } {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = (date: string) => new Date(startOfLocalDay(date, timeZone)).toISOString();
    if (op === 'gt') return { cmp: '>=', iso: start(addDays(value, 1)) };
    if (op === 'gte') return { cmp: '>=', iso: start(value) };
    if (op === 'lt') return { cmp: '<', iso: start(value) };
    return { cmp: '<', iso: start(addDays(value, 1)) };
  }
  return { cmp: STRICT[op], iso: new Date(value).toISOString() };
}

/** Compiles `filter`; throws on a segment cycle or an unknown segment (validation prevents both). */
export function compileFilter(filter: Filter, ctx: CompileContext): CompiledFilter {
  const values: unknown[] = [];
  const val = (v: unknown) => {
    values.push(v);
    return `json_extract(${ctx.valuesRef}, '$[${values.length - 1}]')`;
  };
  const not = (sql: string) => `NOT coalesce(${sql}, 0)`;

  const group = (g: Group, visiting: readonly string[]): string => {
    const items = groupItems(g);
    if (items.length === 0) return '1';
    const parts = items.map((n: Node) => (isGroup(n) ? group(n, visiting) : condition(n, visiting)));
    if (parts.length === 1) return parts[0] as string;
    return `(${parts.join('all' in g ? ' AND ' : ' OR ')})`;
  };

  const tagSet = (tags: string[], having: string) =>
    `c.id IN (SELECT t.contact_id FROM contact_tags t WHERE t.tenant_id = ${ctx.tenantRef}` +
    ` AND t.tag IN (SELECT value FROM json_each(${val(JSON.stringify(tags))}))${having})`;

  const instant = (field: InstantField, cond: Loose): string => {
    const col = COLUMN[field];
    switch (cond.op) {
      case 'within_days':
      case 'not_within_days': {
        const cutoff = val(new Date(ctx.now.getTime() - (cond.value as number) * DAY_MS).toISOString());
        return cond.op === 'within_days' ? `${col} >= ${cutoff}` : `(${col} IS NULL OR ${col} < ${cutoff})`;
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const b = instantBound(cond.op, cond.value as string, ctx.timezone);
        return `${col} ${b.cmp} ${val(b.iso)}`;
      }
      case 'is_set':
        return `${col} IS NOT NULL`;
      case 'not_set':
        return `${col} IS NULL`;
      default:
        throw new Error(`segment compiler: ${cond.op} on ${field}`);
    }
  };

  const custom = (key: string, cond: Loose): string => {
    const x = `json_extract(c.custom_fields, ${val(`$."${key}"`)})`;
    // Plain numbers only (digits, sign, decimal point); "$1,200" or "soon" never compare as numbers.
    const numeric = (cmp: string, n: number) =>
      `(trim(${x}) NOT GLOB '*[^0-9.+-]*' AND trim(${x}) GLOB '*[0-9]*' AND CAST(trim(${x}) AS REAL) ${cmp} ${val(n)})`;
    const equals = () =>
      typeof cond.value === 'number' ? numeric('=', cond.value) : `${x} = ${val(cond.value)} COLLATE NOCASE`;
    switch (cond.op) {
      case 'eq':
        return equals();
      case 'neq':
        return not(equals());
      case 'contains':
        return `instr(lower(${x}), lower(${val(cond.value)})) > 0`;
      case 'is_set':
        return `coalesce(${x}, '') <> ''`;
      case 'not_set':
        return `coalesce(${x}, '') = ''`;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const cmp = STRICT[cond.op];
        const v = cond.value as string | number;
        if (typeof v === 'number') return numeric(cmp, v);
        // A date compares with the date as written at the start of the value (2026-03-01, 2026-03-01T…).
        if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
          return `(${x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' AND substr(${x}, 1, 10) ${cmp} ${val(v)})`;
        }
        return `julianday(${x}) ${cmp} julianday(${val(v)})`;
      }
      default:
        throw new Error(`segment compiler: ${cond.op} on custom.${key}`);
    }
  };

  const condition = (cond: Loose, visiting: readonly string[]): string => {
    const { field } = cond;
    if (field.startsWith(CUSTOM_PREFIX)) return custom(field.slice(CUSTOM_PREFIX.length), cond);
    switch (field) {
      case 'consent_status':
        return `c.consent_status ${cond.op === 'eq' ? '=' : '<>'} ${val(cond.value)}`;
      case 'tags': {
        const tags = cond.value as string[];
        if (cond.op === 'has_any') return tagSet(tags, '');
        if (cond.op === 'has_all')
          return tagSet(tags, ` GROUP BY t.contact_id HAVING count(*) = ${tags.length}`);
        return not(tagSet(tags, ''));
      }
      case 'timezone': {
        // The zone the person lives by: their own, else the tenant's (as quiet hours use it).
        if (cond.op === 'is_set') return 'c.timezone IS NOT NULL';
        if (cond.op === 'not_set') return 'c.timezone IS NULL';
        const zone = `coalesce(c.timezone, ${val(ctx.timezone)})`;
        if (cond.op === 'contains') return `instr(lower(${zone}), lower(${val(cond.value)})) > 0`;
        return `${zone} ${cond.op === 'eq' ? '=' : '<>'} ${val(cond.value)} COLLATE NOCASE`;
      }
      case 'import_batch_id':
        if (cond.op === 'is_set') return 'c.import_batch_id IS NOT NULL';
        if (cond.op === 'not_set') return 'c.import_batch_id IS NULL';
        if (cond.op === 'eq') return `c.import_batch_id = ${val(cond.value)}`;
        return `(c.import_batch_id IS NULL OR c.import_batch_id <> ${val(cond.value)})`;
      case 'created_at':
      case 'last_sent_at':
      case 'last_human_click_at':
      case 'last_reply_at':
        return instant(field as ActivityField | 'created_at', cond);
      case 'segment': {
        const id = cond.value as string;
        if (visiting.includes(id)) throw new Error(`segment compiler: cycle through ${id}`);
        const inner = ctx.segments.get(id);
        if (!inner) throw new Error(`segment compiler: unknown segment ${id}`);
        const sql = group(inner, [...visiting, id]);
        return cond.op === 'in' ? sql : not(sql);
      }
      default:
        throw new Error(`segment compiler: unknown field ${field}`);
    }
  };

  return { sql: group(filter, []), values };
}
