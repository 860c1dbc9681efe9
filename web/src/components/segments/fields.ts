// The segment filter language as the builder offers it: the same fields and operators as the API
// (workers/domain/segments/grammar.ts, docs/segments.md), with labels and default values.
import type { SegmentCondition, SegmentGroup, SegmentNode } from '../../types';

export type FieldKind =
  | 'consent'
  | 'tags'
  | 'timezone'
  | 'instant'
  | 'activity'
  | 'id'
  | 'custom'
  | 'segment';

export const FIELDS: { value: string; label: string; kind: FieldKind }[] = [
  { value: 'tags', label: 'Tags', kind: 'tags' },
  { value: 'consent_status', label: 'Consent', kind: 'consent' },
  { value: 'timezone', label: 'Time zone', kind: 'timezone' },
  { value: 'last_human_click_at', label: 'Last human click', kind: 'activity' },
  { value: 'last_reply_at', label: 'Last reply', kind: 'activity' },
  { value: 'last_sent_at', label: 'Last message sent', kind: 'activity' },
  { value: 'created_at', label: 'Added', kind: 'instant' },
  { value: 'import_batch_id', label: 'Import', kind: 'id' },
  { value: 'custom', label: 'Custom field…', kind: 'custom' },
  { value: 'segment', label: 'Another segment', kind: 'segment' },
];

const COMPARE_DATES = ['gt', 'gte', 'lt', 'lte'];
export const OPS_BY_KIND: Record<FieldKind, string[]> = {
  consent: ['eq', 'neq'],
  tags: ['has_any', 'has_all', 'has_none'],
  timezone: ['eq', 'neq', 'contains', 'is_set', 'not_set'],
  instant: ['within_days', 'not_within_days', ...COMPARE_DATES],
  activity: ['within_days', 'not_within_days', ...COMPARE_DATES, 'is_set', 'not_set'],
  id: ['eq', 'neq', 'is_set', 'not_set'],
  custom: ['eq', 'neq', 'contains', 'gt', 'gte', 'lt', 'lte', 'is_set', 'not_set'],
  segment: ['in', 'not_in'],
};

const DATE_OP: Record<string, string> = {
  gt: 'after',
  gte: 'on or after',
  lt: 'before',
  lte: 'on or before',
  within_days: 'within the last (days)',
  not_within_days: 'not within the last (days)',
  is_set: 'ever',
  not_set: 'never',
};

const OP_LABEL: Record<string, string> = {
  eq: 'is',
  neq: 'is not',
  contains: 'contains',
  gt: 'greater than / after',
  gte: 'at least / on or after',
  lt: 'less than / before',
  lte: 'at most / on or before',
  is_set: 'has a value',
  not_set: 'has no value',
  has_any: 'has any of',
  has_all: 'has all of',
  has_none: 'has none of',
  in: 'is in',
  not_in: 'is not in',
};

export function opLabel(kind: FieldKind, op: string): string {
  if (kind === 'instant' || kind === 'activity') return DATE_OP[op] ?? op;
  if (kind === 'timezone' && op === 'is_set') return 'is their own';
  if (kind === 'timezone' && op === 'not_set') return 'is the account’s';
  return OP_LABEL[op] ?? op;
}

export function kindOf(field: string): FieldKind {
  if (field.startsWith('custom.')) return 'custom';
  return FIELDS.find((f) => f.value === field)?.kind ?? 'tags';
}

/** What a new condition of this field and operator starts with. */
export function defaultValue(kind: FieldKind, op: string): unknown {
  if (op === 'is_set' || op === 'not_set') return undefined;
  if (op === 'within_days' || op === 'not_within_days') return 30;
  if (kind === 'consent') return 'explicit';
  if (kind === 'tags') return [];
  return '';
}

export function newCondition(field = 'tags'): SegmentCondition {
  const kind = kindOf(field);
  const op = OPS_BY_KIND[kind][0] as string;
  return { field, op, value: defaultValue(kind, op) };
}

export const isGroup = (n: SegmentNode): n is SegmentGroup => 'all' in n || 'any' in n;
export const itemsOf = (g: SegmentGroup): SegmentNode[] => ('all' in g ? g.all : g.any);
export const modeOf = (g: SegmentGroup): 'all' | 'any' => ('all' in g ? 'all' : 'any');
export const makeGroup = (mode: 'all' | 'any', items: SegmentNode[]): SegmentGroup =>
  mode === 'all' ? { all: items } : { any: items };

/** The filter with the JSON path of each condition, as the API names it in errors (`filter.all[2].any[0]`). */
export function pathOf(base: string, mode: 'all' | 'any', index: number): string {
  return `${base}.${mode}[${index}]`;
}

export const AU_ZONES = [
  'Australia/Sydney',
  'Australia/Melbourne',
  'Australia/Brisbane',
  'Australia/Adelaide',
  'Australia/Perth',
  'Australia/Hobart',
  'Australia/Darwin',
  'Pacific/Auckland',
];

/** A filter a campaign's include / exclude lists amount to (for the live count). */
export function audienceFilter(include: string[], exclude: string[]): SegmentGroup {
  const all: SegmentNode[] = [];
  if (include.length) all.push({ any: include.map((value) => ({ field: 'segment', op: 'in', value })) });
  for (const value of exclude) all.push({ field: 'segment', op: 'not_in', value });
  return { all };
}
