import { beforeAll, describe, expect, it } from 'vitest';
import { filterWhere, loadSegmentGraph } from '../../workers/db/audience';
import { uuidv7 } from '../../workers/db/ids';
import { contacts, contactTags, importBatches, segments } from '../../workers/db/schema';
import type { Filter } from '../../workers/domain/segments/grammar';
import { validateFilter } from '../../workers/domain/segments/validate';
import { createTenant, shardDb } from '../helpers/fixtures';

const NOW = new Date('2026-06-15T02:00:00.000Z'); // 12:00 in Sydney (+10)
const DAY = 86_400_000;
const ago = (days: number, ms = 0) => new Date(NOW.getTime() - days * DAY - ms).toISOString();

let tenantId = '';
const ids: Record<string, string> = {};
const B1 = uuidv7();
const B2 = uuidv7();
const seg: Record<string, string> = {};

type Person = {
  consent: 'explicit' | 'implied' | 'unknown';
  tags: string[];
  tz: string | null;
  custom: Record<string, string>;
  created: string;
  click?: string;
  reply?: string;
  sent?: string;
  batch?: string;
  erased?: boolean;
};

const PEOPLE: Record<string, Person> = {
  ann: {
    consent: 'explicit',
    tags: ['VIP', 'NSW'],
    tz: 'Australia/Sydney',
    custom: { city: 'Sydney', spend: '150', joined: '2024-03-01' },
    created: '2026-01-10T00:00:00.000Z',
    click: ago(5),
    sent: ago(14),
    batch: B1,
  },
  bob: {
    consent: 'implied',
    tags: ['vip'],
    tz: 'Australia/Perth',
    custom: { city: 'sydney', spend: ' 99.5 ' },
    created: '2026-03-01T05:00:00.000Z', // 16:00 on 1 March in Sydney
    click: ago(75),
    reply: ago(1),
    batch: B1,
  },
  cat: {
    consent: 'unknown',
    tags: [],
    tz: null, // lives by the tenant's zone, Sydney
    custom: { spend: 'lots', note: 'Gold member' },
    created: ago(1),
    batch: B2,
  },
  dan: {
    consent: 'explicit',
    tags: ['NSW', 'Gold'],
    tz: 'Australia/Adelaide',
    custom: {},
    created: '2025-12-31T13:30:00.000Z', // 00:30 on 1 January 2026 in Sydney
    click: ago(30), // exactly 30 × 24 h ago: within 30 days
  },
  eve: {
    consent: 'explicit',
    tags: ['VIP', 'Gold', 'nsw'],
    tz: 'Pacific/Auckland',
    custom: { city: 'Melbourne', spend: '1000' },
    created: '2025-06-01T00:00:00.000Z',
    click: ago(30, 1), // a millisecond earlier: not within 30 days
  },
  zed: {
    consent: 'explicit',
    tags: ['VIP'],
    tz: 'Australia/Sydney',
    custom: { city: 'Sydney' },
    created: '2026-01-10T00:00:00.000Z',
    erased: true, // erased people are in no segment
  },
};

beforeAll(async () => {
  const t = await createTenant('Segments fixture', { timezone: 'Australia/Sydney' });
  tenantId = t.tenantId;
  const d = t.db;
  await d.insert(importBatches).values([
    { id: B1, tenantId, fileName: 'one.csv', fileHash: 'h1' },
    { id: B2, tenantId, fileName: 'two.csv', fileHash: 'h2' },
  ]);
  let n = 0;
  for (const [name, p] of Object.entries(PEOPLE)) {
    const id = uuidv7();
    ids[name] = id;
    await d.insert(contacts).values({
      id,
      tenantId,
      phoneE164: `+6141230000${n++}`,
      firstName: name,
      consentStatus: p.consent,
      timezone: p.tz,
      customFields: p.custom,
      createdAt: p.created,
      lastHumanClickAt: p.click ?? null,
      lastReplyAt: p.reply ?? null,
      lastSentAt: p.sent ?? null,
      importBatchId: p.batch ?? null,
      erasedAt: p.erased ? ago(2) : null,
    });
    if (p.tags.length)
      await d.insert(contactTags).values(p.tags.map((tag) => ({ tenantId, contactId: id, tag })));
  }
  const save = async (name: string, filter: Filter) => {
    seg[name] = uuidv7();
    await d.insert(segments).values({ id: seg[name]!, tenantId, name, filter });
  };
  await save('vip', { all: [{ field: 'tags', op: 'has_any', value: ['VIP'] }] });
  await save('engaged vip', {
    all: [
      { field: 'segment', op: 'in', value: seg.vip! },
      { field: 'last_human_click_at', op: 'within_days', value: 30 },
    ],
  });
  await save('big spenders', { all: [{ field: 'custom.spend', op: 'gt', value: 100 }] });
});

/** Who the filter matches, by name, compiled and run exactly as the preview and the fan-out do. */
async function members(raw: unknown): Promise<string[]> {
  const checked = validateFilter(raw);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const refs =
    JSON.stringify(raw).match(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
  const graph = await loadSegmentGraph(shardDb(tenantId).$client, tenantId, refs);
  const w = filterWhere(tenantId, checked.filter, {
    now: NOW,
    timezone: 'Australia/Sydney',
    segments: graph,
  });
  const rows = await shardDb(tenantId)
    .$client.prepare(`SELECT c.first_name AS name FROM contacts c WHERE ${w.clause} ORDER BY 1`)
    .bind(...w.params)
    .all<{ name: string }>();
  return rows.results.map((r) => r.name);
}

const one = (field: string, op: string, value?: unknown) => ({ all: [{ field, op, value }] });

describe('segment evaluation: every operator against known answers', () => {
  const cases: [string, unknown, string[]][] = [
    ['an empty group: everyone not erased', { all: [] }, ['ann', 'bob', 'cat', 'dan', 'eve']],
    ['consent_status eq', one('consent_status', 'eq', 'explicit'), ['ann', 'dan', 'eve']],
    ['consent_status neq', one('consent_status', 'neq', 'explicit'), ['bob', 'cat']],
    ['tags has_any, any case', one('tags', 'has_any', ['vip']), ['ann', 'bob', 'eve']],
    ['tags has_any of several', one('tags', 'has_any', ['gold', 'nobody']), ['dan', 'eve']],
    ['tags has_all', one('tags', 'has_all', ['VIP', 'nsw']), ['ann', 'eve']],
    ['tags has_all needs every one', one('tags', 'has_all', ['VIP', 'NSW', 'Gold']), ['eve']],
    ['tags has_none', one('tags', 'has_none', ['VIP']), ['cat', 'dan']],
    ['timezone eq (own, else the tenant’s)', one('timezone', 'eq', 'Australia/Sydney'), ['ann', 'cat']],
    ['timezone neq', one('timezone', 'neq', 'australia/sydney'), ['bob', 'dan', 'eve']],
    ['timezone contains', one('timezone', 'contains', 'australia'), ['ann', 'bob', 'cat', 'dan']],
    ['timezone is_set', one('timezone', 'is_set'), ['ann', 'bob', 'dan', 'eve']],
    ['timezone not_set', one('timezone', 'not_set'), ['cat']],
    ['created_at within_days', one('created_at', 'within_days', 30), ['cat']],
    ['created_at not_within_days', one('created_at', 'not_within_days', 30), ['ann', 'bob', 'dan', 'eve']],
    // A date is a whole day in the tenant's zone: dan joined at 00:30 on 1 January, Sydney time.
    ['created_at gte a date', one('created_at', 'gte', '2026-01-01'), ['ann', 'bob', 'cat', 'dan']],
    ['created_at lt a date', one('created_at', 'lt', '2026-01-01'), ['eve']],
    ['created_at gt a date: after that whole day', one('created_at', 'gt', '2026-03-01'), ['cat']],
    [
      'created_at lte a date: up to its end',
      one('created_at', 'lte', '2026-03-01'),
      ['ann', 'bob', 'dan', 'eve'],
    ],
    ['created_at gt an instant', one('created_at', 'gt', '2026-03-01T15:00:00+11:00'), ['bob', 'cat']],
    ['import_batch_id eq', one('import_batch_id', 'eq', B1), ['ann', 'bob']],
    ['import_batch_id neq', one('import_batch_id', 'neq', B1), ['cat', 'dan', 'eve']],
    ['import_batch_id is_set', one('import_batch_id', 'is_set'), ['ann', 'bob', 'cat']],
    ['import_batch_id not_set', one('import_batch_id', 'not_set'), ['dan', 'eve']],
    ['custom eq, any case', one('custom.city', 'eq', 'SYDNEY'), ['ann', 'bob']],
    ['custom neq includes those without it', one('custom.city', 'neq', 'Sydney'), ['cat', 'dan', 'eve']],
    ['custom contains', one('custom.city', 'contains', 'mel'), ['eve']],
    [
      'custom gt a number (text that is no number never matches)',
      one('custom.spend', 'gt', 100),
      ['ann', 'eve'],
    ],
    ['custom lte a number', one('custom.spend', 'lte', 99.5), ['bob']],
    ['custom gte numeric text', one('custom.spend', 'gte', '99.5'), ['ann', 'bob', 'eve']],
    ['custom eq a number', one('custom.spend', 'eq', 1000), ['eve']],
    ['custom lt a date', one('custom.joined', 'lt', '2025-01-01'), ['ann']],
    ['custom gte a date', one('custom.joined', 'gte', '2024-03-01'), ['ann']],
    ['custom is_set', one('custom.note', 'is_set'), ['cat']],
    ['custom not_set', one('custom.note', 'not_set'), ['ann', 'bob', 'dan', 'eve']],
    [
      'last_human_click_at within_days (boundary inclusive)',
      one('last_human_click_at', 'within_days', 30),
      ['ann', 'dan'],
    ],
    [
      'last_human_click_at not_within_days (never clicked included)',
      one('last_human_click_at', 'not_within_days', 30),
      ['bob', 'cat', 'eve'],
    ],
    ['last_reply_at within_days', one('last_reply_at', 'within_days', 7), ['bob']],
    ['last_reply_at not_set', one('last_reply_at', 'not_set'), ['ann', 'cat', 'dan', 'eve']],
    ['last_sent_at within_days', one('last_sent_at', 'within_days', 30), ['ann']],
    [
      'last_sent_at not_within_days',
      one('last_sent_at', 'not_within_days', 7),
      ['ann', 'bob', 'cat', 'dan', 'eve'],
    ],
    ['last_sent_at lt a date', one('last_sent_at', 'lt', '2026-06-02'), ['ann']],
  ];
  for (const [label, filter, expected] of cases) {
    it(label, async () => {
      expect(await members(filter)).toEqual(expected);
    });
  }
});

describe('segment evaluation: groups, nesting and segments', () => {
  it('any: at least one condition', async () => {
    expect(
      await members({
        any: [
          { field: 'tags', op: 'has_any', value: ['Gold'] },
          { field: 'custom.note', op: 'is_set' },
        ],
      }),
    ).toEqual(['cat', 'dan', 'eve']);
  });

  it('all with a nested any', async () => {
    expect(
      await members({
        all: [
          { field: 'consent_status', op: 'neq', value: 'unknown' },
          {
            any: [
              { field: 'timezone', op: 'eq', value: 'Australia/Perth' },
              { field: 'tags', op: 'has_all', value: ['Gold', 'NSW'] },
            ],
          },
        ],
      }),
    ).toEqual(['bob', 'dan', 'eve']);
  });

  it('any with nested alls: “VIPs in NSW who clicked lately, or anyone who replied”', async () => {
    expect(
      await members({
        any: [
          {
            all: [
              { field: 'tags', op: 'has_all', value: ['VIP', 'NSW'] },
              { field: 'last_human_click_at', op: 'within_days', value: 30 },
            ],
          },
          { all: [{ field: 'last_reply_at', op: 'within_days', value: 7 }] },
        ],
      }),
    ).toEqual(['ann', 'bob']);
  });

  it('segment in / not_in', async () => {
    expect(
      await members({
        all: [
          { field: 'segment', op: 'in', value: seg.vip },
          { field: 'consent_status', op: 'eq', value: 'explicit' },
        ],
      }),
    ).toEqual(['ann', 'eve']);
    expect(await members(one('segment', 'not_in', seg.vip))).toEqual(['cat', 'dan']);
  });

  it('a segment that includes a segment, and its complement', async () => {
    expect(await members(one('segment', 'in', seg['engaged vip']))).toEqual(['ann']);
    expect(await members(one('segment', 'not_in', seg['engaged vip']))).toEqual(['bob', 'cat', 'dan', 'eve']);
  });

  it('not_in a segment whose condition is unknown for some includes them (no SQL NULL surprises)', async () => {
    expect(await members(one('segment', 'in', seg['big spenders']))).toEqual(['ann', 'eve']);
    expect(await members(one('segment', 'not_in', seg['big spenders']))).toEqual(['bob', 'cat', 'dan']);
  });

  it('tags match without regard to ASCII case only, as documented', async () => {
    const extra = uuidv7();
    await shardDb(tenantId)
      .insert(contacts)
      .values({
        id: extra,
        tenantId,
        phoneE164: '+61412399999',
        firstName: 'émile',
        consentStatus: 'explicit',
        createdAt: ago(400),
      });
    await shardDb(tenantId).insert(contactTags).values({ tenantId, contactId: extra, tag: 'Été' });
    try {
      // É/é are not ASCII: they must match exactly; T/t is folded.
      expect(await members(one('tags', 'has_any', ['ÉTé']))).toEqual(['émile']);
      expect(await members(one('tags', 'has_any', ['été']))).toEqual([]);
    } finally {
      await shardDb(tenantId)
        .$client.prepare('DELETE FROM contact_tags WHERE contact_id = ?')
        .bind(extra)
        .run();
      await shardDb(tenantId).$client.prepare('DELETE FROM contacts WHERE id = ?').bind(extra).run();
    }
  });
});
