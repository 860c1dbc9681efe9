import { describe, expect, it } from 'vitest';
import {
  fnv1a,
  jobTemplateId,
  pickTemplate,
  stickyIndex,
  storedTemplateId,
} from '../../workers/domain/ab-split';

const templates = ['t-a', 't-b', 't-c'];
const ids = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `0190${i.toString(16).padStart(4, '0')}-0000-7000-8000-${i.toString().padStart(12, '0')}`,
  );

describe('pickTemplate', () => {
  it('is deterministic per campaign and contact', () => {
    for (const c of ids(50)) {
      expect(pickTemplate('camp-1', c, templates)).toBe(pickTemplate('camp-1', c, templates));
    }
  });

  it('a single template is always chosen', () => {
    expect(new Set(ids(100).map((c) => pickTemplate('camp', c, ['only'])))).toEqual(new Set(['only']));
  });

  it('splits an audience roughly evenly (each arm within 10% of its share)', () => {
    const counts = new Map<string, number>();
    for (const c of ids(9000)) {
      const t = pickTemplate('0190abcd-0000-7000-8000-000000000001', c, templates);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    for (const t of templates) expect(Math.abs((counts.get(t) ?? 0) - 3000)).toBeLessThan(300);
  });

  it('another campaign reshuffles who gets which arm', () => {
    const contacts = ids(200);
    const same = contacts.filter(
      (c) => pickTemplate('camp-1', c, templates) === pickTemplate('camp-2', c, templates),
    );
    expect(same.length).toBeLessThan(150);
  });

  it('error: a campaign without templates is refused', () => {
    expect(() => pickTemplate('c', 'x', [])).toThrow(/at least one template/);
  });
});

describe('fnv1a / stickyIndex', () => {
  it('matches the FNV-1a reference values', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('stays within range', () => {
    for (const c of ids(100)) {
      const i = stickyIndex(c, 3);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(3);
    }
    expect(stickyIndex('x', 0)).toBe(0);
  });
});

describe('storedTemplateId / jobTemplateId', () => {
  it('happy: a single-template campaign stores nothing per job and reads back its template', () => {
    expect(storedTemplateId(['only'], 'only')).toBeNull();
    expect(jobTemplateId(storedTemplateId(['only'], 'only'), ['only'])).toBe('only');
  });

  it('happy: an A/B job keeps its variant, whatever the campaign lists', () => {
    for (const pick of templates) {
      expect(storedTemplateId(templates, pick)).toBe(pick);
      expect(jobTemplateId(storedTemplateId(templates, pick), templates)).toBe(pick);
    }
  });

  it('edge: a job that names its template (written before the change) keeps it', () => {
    expect(jobTemplateId('only', ['only'])).toBe('only');
    expect(storedTemplateId(['only'], 'other')).toBe('other');
  });

  it('error: an A/B job without a template (its template deleted) stays without one', () => {
    expect(jobTemplateId(null, templates)).toBeNull();
    expect(jobTemplateId(null, [])).toBeNull();
  });
});
