import { describe, expect, it } from 'vitest';
import {
  MAX_TAG_LENGTH,
  normalizeTag,
  normalizeTags,
  splitTagCell,
  tagKey,
  uniqueTags,
} from '../../workers/domain/tags';

describe('normalizeTag', () => {
  it('happy: trims, collapses inner white space and keeps the spelling', () => {
    expect(normalizeTag('  VIP  ')).toEqual({ ok: true, tag: 'VIP' });
    expect(normalizeTag('Spring\t 2026\n sale')).toEqual({ ok: true, tag: 'Spring 2026 sale' });
    expect(normalizeTag('Café')).toEqual({ ok: true, tag: 'Café' });
  });

  it('edge: Unicode is stored composed (NFC), so the two spellings of é are one tag', () => {
    const decomposed = 'Cafe\u0301';
    const t = normalizeTag(decomposed);
    expect(t).toEqual({ ok: true, tag: 'Café' });
  });

  it('error: empty, separators, control characters and over-long tags are refused with a reason', () => {
    expect(normalizeTag('   ')).toMatchObject({ ok: false, reason: /empty/ });
    expect(normalizeTag('a,b')).toMatchObject({ ok: false, reason: /, ;/ });
    expect(normalizeTag('a;b')).toMatchObject({ ok: false });
    expect(normalizeTag('a\u0000b')).toMatchObject({ ok: false });
    expect(normalizeTag('x'.repeat(MAX_TAG_LENGTH))).toMatchObject({ ok: true });
    expect(normalizeTag('x'.repeat(MAX_TAG_LENGTH + 1))).toMatchObject({
      ok: false,
      reason: /longer than 64/,
    });
    // Length counts characters, not UTF-16 units: 64 emoji fit.
    expect(normalizeTag('🎉'.repeat(MAX_TAG_LENGTH))).toMatchObject({ ok: true });
  });
});

describe('tag identity', () => {
  it('folds ASCII case exactly as SQLite NOCASE does, and nothing else', () => {
    expect(tagKey('VIP')).toBe(tagKey('vip'));
    expect(tagKey('Vip Club')).toBe('vip club');
    // NOCASE leaves non-ASCII letters alone; so does the key, so JS and SQL agree on "same tag".
    expect(tagKey('ÉTÉ')).toBe('ÉtÉ');
  });

  it('uniqueTags keeps the first spelling and the order', () => {
    expect(uniqueTags(['VIP', 'nsw', 'vip', 'NSW', 'Gold'])).toEqual(['VIP', 'nsw', 'Gold']);
  });

  it('normalizeTags reports the position of the first bad tag', () => {
    expect(normalizeTags([' a ', 'A', 'b'])).toEqual({ ok: true, tags: ['a', 'b'] });
    expect(normalizeTags(['ok', '', 'x'])).toMatchObject({ ok: false, index: 1 });
  });
});

describe('splitTagCell (the CSV column)', () => {
  it('happy: ; and , both separate; empty pieces and repeats are dropped', () => {
    expect(splitTagCell('vip; NSW, newsletter')).toEqual({ ok: true, tags: ['vip', 'NSW', 'newsletter'] });
    expect(splitTagCell(' ; vip;;VIP , ')).toEqual({ ok: true, tags: ['vip'] });
    expect(splitTagCell('')).toEqual({ ok: true, tags: [] });
  });

  it('error: an over-long piece rejects the cell', () => {
    expect(splitTagCell(`ok; ${'x'.repeat(65)}`)).toMatchObject({ ok: false, index: 1 });
  });
});
