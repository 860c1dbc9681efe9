import { describe, expect, it } from 'vitest';
import {
  conditionsOf,
  type Filter,
  MAX_CONDITIONS,
  OPS_BY_KIND,
} from '../../workers/domain/segments/grammar';
import {
  checkReferences,
  isIsoDateValue,
  type SegmentDefinition,
  validateFilter,
} from '../../workers/domain/segments/validate';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const C = '01900000-0000-7000-8000-00000000000c';
const SELF = '01900000-0000-7000-8000-0000000000ff';

function errorsOf(raw: unknown) {
  const r = validateFilter(raw);
  if (r.ok) throw new Error(`expected errors, got ${JSON.stringify(r.filter)}`);
  return r.errors;
}

describe('validateFilter: happy', () => {
  it('accepts every field with each of its operators, in both group kinds and one level of nesting', () => {
    const filter = {
      all: [
        { field: 'consent_status', op: 'eq', value: 'explicit' },
        { field: 'consent_status', op: 'neq', value: 'unknown' },
        { field: 'tags', op: 'has_any', value: ['VIP'] },
        { field: 'tags', op: 'has_all', value: ['a', 'b'] },
        { field: 'tags', op: 'has_none', value: ['blocked'] },
        { field: 'timezone', op: 'eq', value: 'Australia/Sydney' },
        { field: 'timezone', op: 'contains', value: 'Australia/' },
        { field: 'timezone', op: 'not_set' },
        { field: 'created_at', op: 'within_days', value: 30 },
        { field: 'created_at', op: 'gte', value: '2026-01-01' },
        { field: 'import_batch_id', op: 'eq', value: A },
        { field: 'import_batch_id', op: 'is_set' },
        {
          any: [
            { field: 'custom.city', op: 'eq', value: 'Sydney' },
            { field: 'custom.spend', op: 'gt', value: 100 },
            { field: 'custom.birthday', op: 'lt', value: '2000-01-01' },
            { field: 'custom.note', op: 'contains', value: 'gold' },
            { field: 'custom.note', op: 'is_set' },
            { field: 'last_sent_at', op: 'not_within_days', value: 7 },
            { field: 'last_human_click_at', op: 'within_days', value: 30 },
            { field: 'last_reply_at', op: 'is_set' },
            { field: 'segment', op: 'in', value: A },
            { field: 'segment', op: 'not_in', value: B },
          ],
        },
      ],
    };
    const r = validateFilter(filter);
    expect(r.ok).toBe(true);
    if (r.ok) expect(conditionsOf(r.filter)).toHaveLength(22);
  });

  it('normalises: tags trimmed and de-duplicated, numeric text of gt/lt as numbers, ids lower-case', () => {
    const r = validateFilter({
      any: [
        { field: 'tags', op: 'has_any', value: [' VIP ', 'vip', 'Gold'] },
        { field: 'custom.spend', op: 'gte', value: ' 12.5 ' },
        { field: 'segment', op: 'in', value: A.toUpperCase() },
      ],
    });
    expect(r).toEqual({
      ok: true,
      filter: {
        any: [
          { field: 'tags', op: 'has_any', value: ['VIP', 'Gold'] },
          { field: 'custom.spend', op: 'gte', value: 12.5 },
          { field: 'segment', op: 'in', value: A },
        ],
      },
    });
  });

  it('an empty group is allowed (it places no condition)', () => {
    expect(validateFilter({ all: [] })).toEqual({ ok: true, filter: { all: [] } });
  });

  it('every kind lists its operators (the table the UI builds its menus from)', () => {
    expect(OPS_BY_KIND.tags).toEqual(['has_any', 'has_all', 'has_none']);
    expect(OPS_BY_KIND.segment).toEqual(['in', 'not_in']);
  });
});

describe('validateFilter: errors name the JSON path', () => {
  it('an unknown field', () => {
    expect(
      errorsOf({
        all: [
          { field: 'tags', op: 'has_any', value: ['x'] },
          { field: 'timezone', op: 'is_set' },
          { field: 'postcode', op: 'eq', value: '2000' },
        ],
      }),
    ).toEqual([{ path: 'filter.all[2].field', message: expect.stringMatching(/Unknown field "postcode"/) }]);
  });

  it('a wrong operator for the type, inside a nested group', () => {
    expect(
      errorsOf({
        all: [
          { field: 'consent_status', op: 'eq', value: 'implied' },
          { field: 'consent_status', op: 'eq', value: 'explicit' },
          {
            any: [
              { field: 'tags', op: 'has_any', value: ['a'] },
              { field: 'consent_status', op: 'gt', value: 'implied' },
            ],
          },
        ],
      }),
    ).toEqual([
      { path: 'filter.all[2].any[1].op', message: '"gt" does not apply to consent_status; use eq or neq' },
    ]);
    expect(errorsOf({ all: [{ field: 'tags', op: 'eq', value: 'x' }] })[0]).toMatchObject({
      path: 'filter.all[0].op',
      message: expect.stringMatching(/has_any, has_all or has_none/),
    });
    expect(errorsOf({ all: [{ field: 'created_at', op: 'is_set' }] })[0]?.path).toBe('filter.all[0].op');
    expect(errorsOf({ all: [{ field: 'timezone', op: 'bogus', value: 'x' }] })[0]?.path).toBe(
      'filter.all[0].op',
    );
  });

  it('bad values, each with its reason', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ field: 'consent_status', op: 'eq', value: 'yes' }, 'value', /explicit, implied or unknown/],
      [{ field: 'tags', op: 'has_any', value: [] }, 'value', /non-empty list/],
      [{ field: 'tags', op: 'has_all', value: ['ok', 'a;b'] }, 'value[1]', /cannot contain/],
      [{ field: 'timezone', op: 'eq', value: 'Mars/Olympus' }, 'value', /not an IANA time zone/],
      [{ field: 'created_at', op: 'within_days', value: 0 }, 'value', /whole number of days/],
      [{ field: 'created_at', op: 'within_days', value: 2.5 }, 'value', /whole number of days/],
      [{ field: 'created_at', op: 'gt', value: '2026-02-30' }, 'value', /ISO date/],
      [{ field: 'created_at', op: 'gt', value: '01/02/2026' }, 'value', /ISO date/],
      [{ field: 'import_batch_id', op: 'eq', value: 'batch-1' }, 'value', /import id/],
      [{ field: 'segment', op: 'in', value: 42 }, 'value', /segment id/],
      [{ field: 'custom.spend', op: 'gt', value: 'lots' }, 'value', /number/],
      [{ field: 'custom.note', op: 'contains', value: '' }, 'value', /Some text/],
      [{ field: 'custom.note', op: 'is_set', value: true }, 'value', /takes no value/],
      [{ field: 'custom.note', op: 'eq' }, 'value', /needs a value/],
      [{ field: 'custom.', op: 'is_set' }, 'field', /Name the custom field/],
      [{ field: 'custom.say "hi"', op: 'is_set' }, 'field', /cannot contain "/],
    ];
    for (const [cond, at, message] of cases) {
      const [e] = errorsOf({ any: [cond] });
      expect(e, JSON.stringify(cond)).toEqual({
        path: `filter.any[0].${at}`,
        message: expect.stringMatching(message),
      });
    }
  });

  it('shape: a group needs exactly one of all/any, nests one level, conditions have no other keys', () => {
    expect(errorsOf({ all: [], any: [] })).toEqual([
      { path: 'filter', message: expect.stringMatching(/exactly one key/) },
    ]);
    expect(errorsOf([])[0]?.path).toBe('filter');
    expect(errorsOf({ all: {} })[0]?.path).toBe('filter.all');
    expect(errorsOf({ all: [{ any: [{ all: [] }] }] })).toEqual([
      { path: 'filter.all[0].any[0]', message: expect.stringMatching(/one level deep/) },
    ]);
    expect(errorsOf({ all: ['vip'] })[0]?.path).toBe('filter.all[0]');
    expect(errorsOf({ all: [{ field: 'last_reply_at', op: 'is_set', extra: 1 }] })[0]?.path).toBe(
      'filter.all[0].extra',
    );
  });

  it('every problem is reported, not only the first', () => {
    const errors = errorsOf({
      all: [
        { field: 'nope', op: 'eq', value: 1 },
        { field: 'tags', op: 'gt', value: 1 },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual(['filter.all[0].field', 'filter.all[1].op']);
  });

  it('size: more than the allowed conditions is refused', () => {
    const cond = { field: 'last_reply_at', op: 'is_set' };
    const groups = Array.from({ length: 3 }, () => ({ all: Array.from({ length: 40 }, () => cond) }));
    expect(errorsOf({ any: groups })).toEqual([
      { path: 'filter', message: `At most ${MAX_CONDITIONS} conditions in one segment (this one has 120)` },
    ]);
  });
});

describe('isIsoDateValue', () => {
  it('dates and date-times with an offset; not impossible dates or local times without a zone', () => {
    expect(isIsoDateValue('2026-03-01')).toBe(true);
    expect(isIsoDateValue('2026-03-01T09:00:00+11:00')).toBe(true);
    expect(isIsoDateValue('2026-03-01T09:00Z')).toBe(true);
    expect(isIsoDateValue('2026-02-29')).toBe(false);
    expect(isIsoDateValue('2026-03-01T09:00:00')).toBe(false);
  });
});

describe('checkReferences', () => {
  const seg = (name: string, filter: Filter): SegmentDefinition => ({ name, filter });
  const inSeg = (id: string) => ({ field: 'segment' as const, op: 'in' as const, value: id });
  const plain: Filter = { all: [{ field: 'last_reply_at', op: 'is_set' }] };

  it('happy: references to existing segments, in and not_in, through other segments', () => {
    const known = new Map([
      [A, seg('A', { all: [inSeg(B)] })],
      [B, seg('B', plain)],
    ]);
    expect(
      checkReferences({ any: [inSeg(A), { field: 'segment', op: 'not_in', value: B }] }, known, SELF),
    ).toEqual([]);
  });

  it('error: an unknown (or another tenant’s) segment', () => {
    expect(checkReferences({ all: [plain.all[0]!, inSeg(C)] } as Filter, new Map(), null)).toEqual([
      { path: 'filter.all[1].value', message: 'No such segment' },
    ]);
  });

  it('error: a segment that includes itself, directly or through others, names the chain', () => {
    expect(checkReferences({ all: [inSeg(SELF)] }, new Map([[SELF, seg('Me', plain)]]), SELF)).toEqual([
      {
        path: 'filter.all[0].value',
        message: 'Segments would include each other: this segment → this segment',
      },
    ]);
    const known = new Map([
      [A, seg('VIPs', { all: [inSeg(B)] })],
      [B, seg('Buyers', { any: [{ field: 'segment', op: 'not_in', value: SELF }] })],
      [SELF, seg('Me', plain)],
    ]);
    expect(checkReferences({ all: [plain.all[0]!, { any: [inSeg(A)] }] } as Filter, known, SELF)).toEqual([
      {
        path: 'filter.all[1].any[0].value',
        message: 'Segments would include each other: this segment → "VIPs" → "Buyers" → this segment',
      },
    ]);
  });

  it('error: a cycle among the segments it includes is found too (never loops)', () => {
    const known = new Map([
      [A, seg('A', { all: [inSeg(B)] })],
      [B, seg('B', { all: [inSeg(A)] })],
    ]);
    expect(checkReferences({ all: [inSeg(A)] }, known, null)[0]?.message).toMatch(/include each other/);
  });

  it('error: too deep, and too many conditions once included segments are counted', () => {
    const ids = Array.from(
      { length: 8 },
      (_, i) => `01900000-0000-7000-8000-0000000001${String(i).padStart(2, '0')}`,
    );
    const chain = new Map(
      ids.map((id, i) => [id, seg(`S${i}`, ids[i + 1] ? { all: [inSeg(ids[i + 1]!)] } : plain)]),
    );
    expect(checkReferences({ all: [inSeg(ids[0]!)] }, chain, null)[0]?.message).toMatch(/levels deep/);
    const big: Filter = { all: Array.from({ length: 100 }, () => plain.all[0]!) };
    const wide = new Map([[A, seg('Big', big)]]);
    const filter: Filter = { any: Array.from({ length: 6 }, () => inSeg(A)) };
    expect(checkReferences(filter, wide, null)).toEqual([
      { path: 'filter', message: expect.stringMatching(/606 conditions; at most 500/) },
    ]);
  });
});
