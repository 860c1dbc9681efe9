// The segment filter language (API.md, "Segment conditions"; docs/segments.md): which fields exist,
// which operators each takes and what value each operator needs. Pure data and types; the validator
// (validate.ts) and the SQL compiler (compile.ts) both read these tables, so they cannot disagree.
import { CONSENT_STATUSES } from '../../db/schema';

export const OPS = [
  'eq',
  'neq',
  'contains',
  'gt',
  'gte',
  'lt',
  'lte',
  'is_set',
  'not_set',
  'has_any',
  'has_all',
  'has_none',
  'within_days',
  'not_within_days',
  'in',
  'not_in',
] as const;
export type Op = (typeof OPS)[number];

/** The fields that are one column of `contacts` (or derived from one). */
export const PLAIN_FIELDS = [
  'consent_status',
  'tags',
  'timezone',
  'created_at',
  'import_batch_id',
  'last_sent_at',
  'last_human_click_at',
  'last_reply_at',
  'segment',
] as const;
export type PlainField = (typeof PLAIN_FIELDS)[number];
export type ActivityField = 'last_sent_at' | 'last_human_click_at' | 'last_reply_at';
export type InstantField = ActivityField | 'created_at';

export const CUSTOM_PREFIX = 'custom.';

/** What a field's operators compare, which decides the value each needs. */
export type FieldKind =
  | 'consent'
  | 'tags'
  | 'timezone'
  | 'instant'
  | 'activity'
  | 'id'
  | 'custom'
  | 'segment';

export const FIELD_KIND: Record<PlainField, FieldKind> = {
  consent_status: 'consent',
  tags: 'tags',
  timezone: 'timezone',
  created_at: 'instant',
  import_batch_id: 'id',
  last_sent_at: 'activity',
  last_human_click_at: 'activity',
  last_reply_at: 'activity',
  segment: 'segment',
};

const COMPARE = ['gt', 'gte', 'lt', 'lte'] as const;
const PRESENCE = ['is_set', 'not_set'] as const;
const RECENCY = ['within_days', 'not_within_days'] as const;

export const OPS_BY_KIND: Record<FieldKind, readonly Op[]> = {
  consent: ['eq', 'neq'],
  tags: ['has_any', 'has_all', 'has_none'],
  timezone: ['eq', 'neq', 'contains', ...PRESENCE],
  instant: [...RECENCY, ...COMPARE],
  activity: [...RECENCY, ...COMPARE, ...PRESENCE],
  id: ['eq', 'neq', ...PRESENCE],
  custom: ['eq', 'neq', 'contains', ...COMPARE, ...PRESENCE],
  segment: ['in', 'not_in'],
};

export const CONSENT_VALUES = CONSENT_STATUSES;

/** Custom field names as the contacts API and imports allow them, minus `"` (it ends a JSON path key). */
export const CUSTOM_KEY_MAX = 100;

// Bounds that keep one filter's SQL small and its evaluation fast.
export const MAX_ITEMS_PER_GROUP = 50;
export const MAX_CONDITIONS = 100;
export const MAX_TAGS_PER_CONDITION = 50;
export const MAX_TEXT_VALUE = 500;
export const MAX_DAYS = 36_500;
/** Segments inside segments: how deep references may go, and how many conditions all of them may add up to. */
export const MAX_SEGMENT_DEPTH = 5;
export const MAX_INLINED_CONDITIONS = 500;

/** A validated condition. `value` is absent for is_set / not_set. */
export type Condition =
  | { field: 'consent_status'; op: 'eq' | 'neq'; value: (typeof CONSENT_STATUSES)[number] }
  | { field: 'tags'; op: 'has_any' | 'has_all' | 'has_none'; value: string[] }
  | { field: 'timezone'; op: 'eq' | 'neq' | 'contains'; value: string }
  | { field: 'timezone' | ActivityField | 'import_batch_id'; op: 'is_set' | 'not_set' }
  | { field: InstantField; op: 'within_days' | 'not_within_days'; value: number }
  | { field: InstantField; op: 'gt' | 'gte' | 'lt' | 'lte'; value: string }
  | { field: 'import_batch_id'; op: 'eq' | 'neq'; value: string }
  | { field: `custom.${string}`; op: 'eq' | 'neq'; value: string | number }
  | { field: `custom.${string}`; op: 'contains'; value: string }
  | { field: `custom.${string}`; op: 'gt' | 'gte' | 'lt' | 'lte'; value: string | number }
  | { field: `custom.${string}`; op: 'is_set' | 'not_set' }
  | { field: 'segment'; op: 'in' | 'not_in'; value: string };

/** A group holds conditions and, at the top level only, groups of conditions. */
export type Group = { all: Node[] } | { any: Node[] };
export type Node = Condition | Group;
/** A whole filter is a group. */
export type Filter = Group;

export const isGroup = (n: Node): n is Group => 'all' in n || 'any' in n;
export const groupItems = (g: Group): Node[] => ('all' in g ? g.all : g.any);

/** Every condition of a filter, with its path below the filter (`all[2].any[0]`). */
export function conditionsOf(filter: Filter, base = ''): { condition: Condition; path: string }[] {
  const out: { condition: Condition; path: string }[] = [];
  const key = 'all' in filter ? 'all' : 'any';
  groupItems(filter).forEach((n, i) => {
    const path = `${base}${base ? '.' : ''}${key}[${i}]`;
    if (isGroup(n)) out.push(...conditionsOf(n, path));
    else out.push({ condition: n, path });
  });
  return out;
}

/** The segments a filter names directly (`segment in/not_in`), with the path of each condition. */
export function segmentRefs(filter: Filter): { id: string; path: string }[] {
  return conditionsOf(filter)
    .filter((c) => c.condition.field === 'segment')
    .map((c) => ({ id: (c.condition as { value: string }).value, path: c.path }));
}
