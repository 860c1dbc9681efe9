// A/B test with a winner (issue 12, item 4): the test group honours its share, is stable and
// independent of the variant split; the winner follows the metric, ties go to the cheaper variant
// and then the lower id; the reason carries the numbers.
import { describe, expect, it } from 'vitest';
import { pickTemplate } from '../../workers/domain/ab-split';
import { abPhaseOf, inTestGroup, pickWinner, type VariantResult } from '../../workers/domain/ab-test';

// Fixed ids (not random ones): the share checks below measure the hash on a known set, so they
// pass or fail the same way every run.
const contacts = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `0190${i.toString(16).padStart(4, '0')}-0000-7000-8000-${i.toString().padStart(12, '0')}`,
  );
const CAMPAIGN = '019abcde-0000-7000-8000-000000000001';

describe('inTestGroup', () => {
  const ids = contacts(50_000);

  for (const share of [5, 10, 20, 33, 50]) {
    it(`honours a ${share}% share within half a point over 50,000 contacts`, () => {
      const n = ids.filter((id) => inTestGroup(CAMPAIGN, id, share)).length;
      expect(Math.abs((100 * n) / ids.length - share)).toBeLessThan(0.5);
    });
  }

  it('is deterministic, and a larger share contains the smaller one', () => {
    for (const id of ids.slice(0, 2000)) {
      expect(inTestGroup(CAMPAIGN, id, 20)).toBe(inTestGroup(CAMPAIGN, id, 20));
      if (inTestGroup(CAMPAIGN, id, 10)) expect(inTestGroup(CAMPAIGN, id, 20)).toBe(true);
    }
  });

  it('differs per campaign (not the same people tested every time)', () => {
    const other = '019abcde-0000-7000-8000-000000000002';
    const a = ids.slice(0, 20_000).filter((id) => inTestGroup(CAMPAIGN, id, 20));
    const both = a.filter((id) => inTestGroup(other, id, 20)).length;
    // Independent groups overlap by about 20% of 20%: far from "the same group".
    expect(both / a.length).toBeGreaterThan(0.15);
    expect(both / a.length).toBeLessThan(0.25);
  });

  it('splits the test group evenly between the variants (its hash is independent of the split)', () => {
    const templates = ['t-a', 't-b', 't-c'];
    const group = ids.filter((id) => inTestGroup(CAMPAIGN, id, 20));
    const counts = new Map<string, number>();
    for (const id of group) {
      const t = pickTemplate(CAMPAIGN, id, templates);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    for (const t of templates)
      expect(Math.abs((counts.get(t) ?? 0) / group.length - 1 / 3)).toBeLessThan(0.02);
  });
});

describe('abPhaseOf', () => {
  const started = '2026-12-01T00:00:00.000Z';
  it('a contact created after the start is never in the test: it gets the winner', () => {
    const ids = contacts(400);
    const tested = ids.filter(
      (id) => abPhaseOf(CAMPAIGN, { id, createdAt: '2026-11-01T00:00:00.000Z' }, started, 50) === 'test',
    );
    expect(tested.length).toBeGreaterThan(100);
    for (const id of tested) {
      expect(abPhaseOf(CAMPAIGN, { id, createdAt: '2026-12-01T00:00:01.000Z' }, started, 50)).toBe('winner');
    }
  });
});

const v = (templateId: string, over: Partial<VariantResult>): VariantResult => ({
  templateId,
  name: templateId.toUpperCase(),
  sent: 100,
  delivered: 95,
  clickers: 10,
  costCents: 500,
  parts: 100,
  ...over,
});

describe('pickWinner', () => {
  it('the best human click rate wins, and the reason says by how much', () => {
    const d = pickWinner(
      [v('a', { clickers: 8 }), v('b', { clickers: 25, sent: 200 })],
      'human_click_rate',
      true,
    );
    expect(d.winnerTemplateId).toBe('b');
    expect(d.metric).toBe('human_click_rate');
    expect(d.tieBreak).toBe('none');
    expect(d.reason).toBe(
      '“B” won on human click rate: 12.5% (25 of 200 clicked) against “A” 8.0% (8 of 100 clicked).',
    );
    expect(d.variants.find((x) => x.templateId === 'b')?.rate).toBeCloseTo(0.125);
  });

  it('clicks are per recipient sent, not per delivery: more clickers on fewer deliveries can win', () => {
    const d = pickWinner(
      [v('a', { clickers: 10, delivered: 100 }), v('b', { clickers: 11, delivered: 50 })],
      'human_click_rate',
      true,
    );
    expect(d.winnerTemplateId).toBe('b');
  });

  it('delivery rate when asked, or when no template has a link (said so in the reason)', () => {
    const asked = pickWinner(
      [v('a', { delivered: 90, clickers: 50 }), v('b', { delivered: 99 })],
      'delivery_rate',
      true,
    );
    expect(asked.winnerTemplateId).toBe('b');
    const fallback = pickWinner(
      [v('a', { delivered: 90, clickers: 50 }), v('b', { delivered: 99 })],
      'human_click_rate',
      false,
    );
    expect(fallback.winnerTemplateId).toBe('b');
    expect(fallback.metric).toBe('delivery_rate');
    expect(fallback.reason).toMatch(/^No template has a link, so the delivery rate decided/);
    expect(fallback.reason).toContain('99.0% (99 of 100 delivered)');
  });

  it('a tie goes to the cheaper variant (cost per message), whatever the order', () => {
    for (const order of [
      ['a', 'b'],
      ['b', 'a'],
    ]) {
      const all = {
        a: v('a', { clickers: 10, costCents: 1000, parts: 200 }),
        b: v('b', { clickers: 10, costCents: 500, parts: 100 }),
      };
      const d = pickWinner(
        order.map((k) => all[k as 'a' | 'b']),
        'human_click_rate',
        true,
      );
      expect(d.winnerTemplateId).toBe('b');
      expect(d.tieBreak).toBe('cost');
      expect(d.reason).toContain('tied on human click rate at 10.0%');
      expect(d.reason).toContain(
        '“B” won as the cheaper one: 5¢ and 1 part(s) per message against 10¢ and 2',
      );
    }
  });

  it('equal rates with different sample sizes are a tie (exact, no rounding)', () => {
    const d = pickWinner(
      [v('a', { sent: 300, clickers: 30, costCents: 3000, parts: 600 }), v('b', { sent: 100, clickers: 10 })],
      'human_click_rate',
      true,
    );
    expect(d.tieBreak).toBe('cost');
    expect(d.winnerTemplateId).toBe('b');
  });

  it('a tie at the same cost goes to the lower template id', () => {
    const d = pickWinner([v('zz', {}), v('aa', {})], 'human_click_rate', true);
    expect(d.winnerTemplateId).toBe('aa');
    expect(d.tieBreak).toBe('id');
    expect(d.reason).toContain('won as the first by template id');
  });

  it('no cost configured: the fewer parts per message win the tie', () => {
    const d = pickWinner(
      [v('a', { costCents: 0, parts: 300 }), v('b', { costCents: 0, parts: 100 })],
      'human_click_rate',
      true,
    );
    expect(d.winnerTemplateId).toBe('b');
    expect(d.tieBreak).toBe('cost');
  });

  it('three variants: the reason names every one', () => {
    const d = pickWinner(
      [v('a', { clickers: 5 }), v('b', { clickers: 7 }), v('c', { clickers: 20 })],
      'human_click_rate',
      true,
    );
    expect(d.winnerTemplateId).toBe('c');
    expect(d.reason).toContain('against “B” 7.0% (7 of 100 clicked), “A” 5.0% (5 of 100 clicked)');
  });

  it('nothing sent: a variant that sent nothing never beats one that did; all empty → the first by id', () => {
    const one = pickWinner(
      [v('a', { sent: 0, clickers: 0, delivered: 0 }), v('b', { clickers: 0 })],
      'human_click_rate',
      true,
    );
    expect(one.winnerTemplateId).toBe('b');
    const none = pickWinner(
      [v('b', { sent: 0, clickers: 0, delivered: 0 }), v('a', { sent: 0, clickers: 0, delivered: 0 })],
      'human_click_rate',
      true,
    );
    expect(none.winnerTemplateId).toBe('a');
    expect(none.reason).toMatch(/^No test message was sent/);
  });
});
