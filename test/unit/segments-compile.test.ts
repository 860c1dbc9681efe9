import { describe, expect, it } from 'vitest';
import { compileFilter, instantBound } from '../../workers/domain/segments/compile';
import type { Filter } from '../../workers/domain/segments/grammar';

const NOW = new Date('2026-06-15T02:00:00.000Z');
const ctx = (segments: Map<string, Filter> = new Map()) => ({
  now: NOW,
  timezone: 'Australia/Sydney',
  segments,
  tenantRef: '?1',
  valuesRef: '?2',
});

describe('instantBound: a date-only bound is a whole day in the tenant’s zone', () => {
  it('Sydney in winter (+10) and summer (+11)', () => {
    expect(instantBound('gte', '2026-07-01', 'Australia/Sydney')).toEqual({
      cmp: '>=',
      iso: '2026-06-30T14:00:00.000Z',
    });
    expect(instantBound('gte', '2026-01-15', 'Australia/Sydney')).toEqual({
      cmp: '>=',
      iso: '2026-01-14T13:00:00.000Z',
    });
  });

  it('gt is after the whole day, lte up to its end; on a DST day that day is 23 or 25 hours', () => {
    // Sydney, 5 April 2026: DST ends at 03:00 (+11 → +10), a 25-hour day.
    expect(instantBound('gt', '2026-04-05', 'Australia/Sydney')).toEqual({
      cmp: '>=',
      iso: '2026-04-05T14:00:00.000Z',
    });
    expect(instantBound('lt', '2026-04-05', 'Australia/Sydney')).toEqual({
      cmp: '<',
      iso: '2026-04-04T13:00:00.000Z',
    });
    expect(instantBound('lte', '2026-10-04', 'Australia/Sydney')).toEqual({
      cmp: '<',
      iso: '2026-10-04T13:00:00.000Z',
    });
    // The same date in Perth (+8, no DST) starts at another instant.
    expect(instantBound('gte', '2026-04-05', 'Australia/Perth')).toEqual({
      cmp: '>=',
      iso: '2026-04-04T16:00:00.000Z',
    });
  });

  it('a date-time bound is that instant, whatever offset it was written with', () => {
    expect(instantBound('gt', '2026-03-01T15:00:00+11:00', 'Australia/Perth')).toEqual({
      cmp: '>',
      iso: '2026-03-01T04:00:00.000Z',
    });
  });
});

describe('compileFilter', () => {
  it('binds every value through one JSON parameter and uses each one', () => {
    const filter: Filter = {
      all: [
        { field: 'tags', op: 'has_all', value: ['VIP', 'NSW'] },
        { field: 'custom.city', op: 'eq', value: 'O\'Brien"; DROP TABLE contacts; --' },
        { field: 'last_human_click_at', op: 'within_days', value: 30 },
        { field: 'timezone', op: 'is_set' },
      ],
    };
    const out = compileFilter(filter, ctx());
    expect(out.values).toEqual([
      '["VIP","NSW"]',
      '$."city"',
      'O\'Brien"; DROP TABLE contacts; --',
      '2026-05-16T02:00:00.000Z',
    ]);
    for (let i = 0; i < out.values.length; i++) expect(out.sql).toContain(`json_extract(?2, '$[${i}]')`);
    // User text never reaches the SQL text.
    expect(out.sql).not.toContain('Brien');
    expect(out.sql).not.toContain('VIP');
    expect(out.sql).toContain('HAVING count(*) = 2');
  });

  it('within_days counts whole 24-hour days back from the given now (not the real clock)', () => {
    const out = compileFilter({ all: [{ field: 'created_at', op: 'within_days', value: 1 }] }, ctx());
    expect(out.values).toEqual(['2026-06-14T02:00:00.000Z']);
  });

  it('an empty group is true; a single condition is not wrapped', () => {
    expect(compileFilter({ any: [] }, ctx())).toEqual({ sql: '1', values: [] });
    expect(compileFilter({ all: [{ field: 'last_reply_at', op: 'is_set' }] }, ctx()).sql).toBe(
      'c.last_reply_at IS NOT NULL',
    );
  });

  it('negations guard against NULL', () => {
    const A = '01900000-0000-7000-8000-00000000000a';
    const inner: Filter = { all: [{ field: 'custom.spend', op: 'gt', value: 100 }] };
    const out = compileFilter(
      { all: [{ field: 'segment', op: 'not_in', value: A }] },
      ctx(new Map([[A, inner]])),
    );
    expect(out.sql.startsWith('NOT coalesce(')).toBe(true);
  });

  it('refuses a cycle or an unknown segment instead of looping', () => {
    const A = '01900000-0000-7000-8000-00000000000a';
    const B = '01900000-0000-7000-8000-00000000000b';
    const loop = new Map<string, Filter>([
      [A, { all: [{ field: 'segment', op: 'in', value: B }] }],
      [B, { all: [{ field: 'segment', op: 'in', value: A }] }],
    ]);
    expect(() => compileFilter({ all: [{ field: 'segment', op: 'in', value: A }] }, ctx(loop))).toThrow(
      /cycle/,
    );
    expect(() => compileFilter({ all: [{ field: 'segment', op: 'in', value: B }] }, ctx())).toThrow(
      /unknown/,
    );
  });
});
