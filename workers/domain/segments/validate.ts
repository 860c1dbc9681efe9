// Validating a segment filter: pure, so the API, the UI's live preview and the tests agree on
// every message. Two steps: `validateFilter` checks the shape, fields, operators and values of one
// filter (no I/O), `checkReferences` then checks its `segment in/not_in` conditions against the
// segments they name (loaded by the caller): unknown ids, cycles, depth and total size.
// Errors name the JSON path of the offending part, e.g. `filter.all[2].any[0].op`.
import { z } from 'zod';
import { normalizeTags } from '../tags';
import {
  CONSENT_VALUES,
  type Condition,
  CUSTOM_KEY_MAX,
  CUSTOM_PREFIX,
  conditionsOf,
  FIELD_KIND,
  type FieldKind,
  type Filter,
  type Group,
  MAX_CONDITIONS,
  MAX_DAYS,
  MAX_INLINED_CONDITIONS,
  MAX_ITEMS_PER_GROUP,
  MAX_SEGMENT_DEPTH,
  MAX_TAGS_PER_CONDITION,
  MAX_TEXT_VALUE,
  type Node,
  OPS,
  OPS_BY_KIND,
  type Op,
  PLAIN_FIELDS,
  type PlainField,
  segmentRefs,
} from './grammar';

export type PathError = { path: string; message: string };
export type FilterCheck = { ok: true; filter: Filter } | { ok: false; errors: PathError[] };

const MAX_ERRORS = 50;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const Uuid = z.uuid();
const IsoDate = /^\d{4}-\d{2}-\d{2}$/;
const IsoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** `YYYY-MM-DD` (a calendar date) or a date-time with its offset; anything else is not a date. */
export function isIsoDateValue(s: string): boolean {
  if (IsoDate.test(s)) {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }
  return IsoDateTime.test(s) && !Number.isNaN(Date.parse(s));
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-AU', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const list = (ops: readonly string[]) =>
  ops.length === 1 ? ops[0] : `${ops.slice(0, -1).join(', ')} or ${ops[ops.length - 1]}`;

function fieldKind(field: string): FieldKind | null {
  if (field.startsWith(CUSTOM_PREFIX)) return 'custom';
  return (PLAIN_FIELDS as readonly string[]).includes(field) ? FIELD_KIND[field as PlainField] : null;
}

function customKeyProblem(key: string): string | null {
  if (key.trim() === '') return 'Name the custom field after "custom." (e.g. custom.city)';
  if (key.length > CUSTOM_KEY_MAX) return `A custom field name has at most ${CUSTOM_KEY_MAX} characters`;
  if (/["\\\p{Cc}]/u.test(key)) return 'A custom field name used in a segment cannot contain " or \\';
  return null;
}

type Ctx = { errors: PathError[]; conditions: number };

function fail(ctx: Ctx, path: string, message: string): null {
  if (ctx.errors.length < MAX_ERRORS) ctx.errors.push({ path, message });
  return null;
}

function checkValue(ctx: Ctx, kind: FieldKind, op: Op, value: unknown, path: string): unknown {
  const vp = `${path}.value`;
  if (op === 'is_set' || op === 'not_set') {
    return value === undefined || value === null ? undefined : fail(ctx, vp, `${op} takes no value`);
  }
  if (value === undefined || value === null) return fail(ctx, vp, `${op} needs a value`);
  if (op === 'within_days' || op === 'not_within_days') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_DAYS) {
      return fail(ctx, vp, `A whole number of days from 1 to ${MAX_DAYS}`);
    }
    return value;
  }
  switch (kind) {
    case 'consent':
      return typeof value === 'string' && (CONSENT_VALUES as readonly string[]).includes(value)
        ? value
        : fail(ctx, vp, `One of ${list(CONSENT_VALUES)}`);
    case 'tags': {
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
        return fail(ctx, vp, 'A non-empty list of tags');
      }
      if (value.length > MAX_TAGS_PER_CONDITION)
        return fail(ctx, vp, `At most ${MAX_TAGS_PER_CONDITION} tags`);
      const tags = normalizeTags(value as string[]);
      return tags.ok ? tags.tags : fail(ctx, `${vp}[${tags.index}]`, tags.reason);
    }
    case 'timezone': {
      if (typeof value !== 'string' || value.trim() === '' || value.length > 100) {
        return fail(ctx, vp, 'A time zone name, e.g. Australia/Sydney');
      }
      const tz = value.trim();
      if (op !== 'contains' && !isValidTimeZone(tz)) {
        return fail(ctx, vp, `"${tz}" is not an IANA time zone (e.g. Australia/Sydney)`);
      }
      return tz;
    }
    case 'id':
    case 'segment':
      return typeof value === 'string' && Uuid.safeParse(value).success
        ? value.toLowerCase()
        : fail(ctx, vp, kind === 'segment' ? 'A segment id' : 'An import id');
    case 'instant':
    case 'activity':
      return typeof value === 'string' && isIsoDateValue(value)
        ? value
        : fail(ctx, vp, 'An ISO date (2026-03-01) or date-time with offset (2026-03-01T09:00:00+11:00)');
    case 'custom': {
      if (op === 'contains') {
        return typeof value === 'string' && value !== '' && value.length <= MAX_TEXT_VALUE
          ? value
          : fail(ctx, vp, `Some text (1 to ${MAX_TEXT_VALUE} characters)`);
      }
      if (op === 'eq' || op === 'neq') {
        if (typeof value === 'number' && Number.isFinite(value)) return value;
        return typeof value === 'string' && value.length <= MAX_TEXT_VALUE
          ? value
          : fail(ctx, vp, `Text (at most ${MAX_TEXT_VALUE} characters) or a number`);
      }
      // gt / gte / lt / lte: a number, or a date
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
      if (typeof value === 'string' && isIsoDateValue(value)) return value;
      return fail(ctx, vp, 'A number, or an ISO date (2026-03-01) or date-time with offset');
    }
  }
}

function checkCondition(ctx: Ctx, raw: Record<string, unknown>, path: string): Condition | null {
  ctx.conditions++;
  for (const k of Object.keys(raw)) {
    if (k !== 'field' && k !== 'op' && k !== 'value') {
      fail(ctx, `${path}.${k}`, 'Unknown key: a condition is {field, op, value}');
    }
  }
  const { field, op, value } = raw;
  if (typeof field !== 'string' || field === '') return fail(ctx, `${path}.field`, 'Name a field');
  const kind = fieldKind(field);
  if (!kind) {
    return fail(
      ctx,
      `${path}.field`,
      `Unknown field "${field}". Fields: ${PLAIN_FIELDS.join(', ')} and custom.<name>`,
    );
  }
  if (kind === 'custom') {
    const problem = customKeyProblem(field.slice(CUSTOM_PREFIX.length));
    if (problem) return fail(ctx, `${path}.field`, problem);
  }
  const allowed = OPS_BY_KIND[kind];
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
    return fail(ctx, `${path}.op`, `Unknown operator; ${field} takes ${list(allowed)}`);
  }
  if (!allowed.includes(op as Op)) {
    return fail(ctx, `${path}.op`, `"${op}" does not apply to ${field}; use ${list(allowed)}`);
  }
  const checked = checkValue(ctx, kind, op as Op, value, path);
  if (checked === null) return null;
  return (checked === undefined ? { field, op } : { field, op, value: checked }) as Condition;
}

function checkGroup(ctx: Ctx, raw: unknown, path: string, depth: number): Group | null {
  if (!isRecord(raw)) return fail(ctx, path, 'A group: {"all": [...]} or {"any": [...]}');
  const keys = Object.keys(raw);
  const kind = keys.length === 1 && (keys[0] === 'all' || keys[0] === 'any') ? keys[0] : null;
  if (!kind) {
    return fail(ctx, path, 'A group has exactly one key, "all" (every condition) or "any" (at least one)');
  }
  const items = raw[kind];
  if (!Array.isArray(items)) return fail(ctx, `${path}.${kind}`, 'A list of conditions');
  if (items.length > MAX_ITEMS_PER_GROUP) {
    return fail(ctx, `${path}.${kind}`, `At most ${MAX_ITEMS_PER_GROUP} entries in a group`);
  }
  const out: Node[] = [];
  let bad = false;
  items.forEach((item, i) => {
    const p = `${path}.${kind}[${i}]`;
    if (isRecord(item) && ('all' in item || 'any' in item)) {
      if (depth >= 1) {
        bad = true;
        fail(ctx, p, 'Groups nest one level deep: a group inside a group holds conditions only');
        return;
      }
      const g = checkGroup(ctx, item, p, depth + 1);
      if (g) out.push(g);
      else bad = true;
      return;
    }
    if (!isRecord(item)) {
      bad = true;
      fail(ctx, p, 'A condition {field, op, value} or a group {all|any: [...]}');
      return;
    }
    const c = checkCondition(ctx, item, p);
    if (c) out.push(c);
    else bad = true;
  });
  if (bad) return null;
  return kind === 'all' ? { all: out } : { any: out };
}

/**
 * Checks one filter and returns it normalised (tags trimmed and de-duplicated, ids lower-case,
 * numeric strings of gt/lt as numbers). `at` is the path of the filter in the request body.
 */
export function validateFilter(raw: unknown, at = 'filter'): FilterCheck {
  const ctx: Ctx = { errors: [], conditions: 0 };
  const filter = checkGroup(ctx, raw, at, 0);
  if (ctx.conditions > MAX_CONDITIONS) {
    fail(ctx, at, `At most ${MAX_CONDITIONS} conditions in one segment (this one has ${ctx.conditions})`);
  }
  if (!filter || ctx.errors.length > 0) return { ok: false, errors: ctx.errors };
  return { ok: true, filter };
}

export type SegmentDefinition = { name: string; filter: Filter };

/**
 * The `segment in/not_in` conditions of `filter` against the segments they name, as loaded
 * (`known`: every segment reachable from the filter, by id; an id missing from it does not exist).
 * `selfId` is the segment being saved (null for a new one or a preview).
 */
export function checkReferences(
  filter: Filter,
  known: ReadonlyMap<string, SegmentDefinition>,
  selfId: string | null,
  at = 'filter',
): PathError[] {
  const errors: PathError[] = [];
  const nameOf = (id: string) => (id === selfId ? 'this segment' : `"${known.get(id)?.name ?? id}"`);
  let inlined = conditionsOf(filter).length;
  // Depth-first through the references; `chain` is the path of segments from the root.
  const walk = (id: string, chain: string[], path: string): boolean => {
    if (id === selfId || chain.slice(0, -1).includes(id)) {
      const names = ['this segment', ...chain.map(nameOf)];
      errors.push({ path, message: `Segments would include each other: ${names.join(' → ')}` });
      return false;
    }
    if (chain.length > MAX_SEGMENT_DEPTH) {
      errors.push({
        path,
        message: `Segments may include segments at most ${MAX_SEGMENT_DEPTH} levels deep`,
      });
      return false;
    }
    const def = known.get(id);
    if (!def) {
      errors.push({
        path,
        message: chain.length === 1 ? 'No such segment' : `A segment it includes no longer exists`,
      });
      return false;
    }
    inlined += conditionsOf(def.filter).length;
    for (const ref of segmentRefs(def.filter)) if (!walk(ref.id, [...chain, ref.id], path)) return false;
    return true;
  };
  for (const ref of segmentRefs(filter)) walk(ref.id, [ref.id], `${at}.${ref.path}.value`);
  if (errors.length === 0 && inlined > MAX_INLINED_CONDITIONS) {
    errors.push({
      path: at,
      message: `With the segments it includes this filter has ${inlined} conditions; at most ${MAX_INLINED_CONDITIONS}`,
    });
  }
  return errors;
}
