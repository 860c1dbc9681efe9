import { describe, expect, it } from 'vitest';
import {
  needsPerson,
  PREVIEW_CHARS,
  parseThreadCursorKey,
  previewOf,
  replySender,
  threadCursorKey,
} from '../../workers/domain/conversations';

const n = (id: string, phone: string | null, over: Partial<{ isActive: boolean; kind: string }> = {}) => ({
  id,
  phoneE164: phone,
  isActive: true,
  kind: phone ? 'phone' : 'alphanumeric',
  ...over,
});

describe('conversation rules', () => {
  it('previews collapse whitespace, cut long messages and name pictures', () => {
    expect(previewOf('  Hi\n\nthere  ')).toBe('Hi there');
    const long = previewOf('x'.repeat(500));
    expect([...long]).toHaveLength(PREVIEW_CHARS);
    expect(long.endsWith('…')).toBe(true);
    // Emoji are never cut in half.
    expect([...previewOf('😀'.repeat(200))].every((ch) => ch === '😀' || ch === '…')).toBe(true);
    expect(previewOf('', 1)).toBe('(a picture)');
    expect(previewOf(null, 3)).toBe('(3 pictures)');
    expect(previewOf('')).toBe('(empty)');
  });

  it('a reply needs a person; STOP and START were answered automatically', () => {
    expect(needsPerson('REPLIED')).toBe(true);
    expect(needsPerson('OPT_OUT')).toBe(false);
    expect(needsPerson('RESUBSCRIBE')).toBe(false);
  });

  it('a reply goes from the number they texted, else our last number, skipping unusable ones', () => {
    const numbers = [
      n('a', '+61480000001'),
      n('b', '+61480000002'),
      n('c', null),
      n('d', '+61480000004', { isActive: false }),
    ];
    expect(replySender(numbers, '+61480000002', ['a'])?.id).toBe('b');
    // They texted a number that is now inactive: our last message's number.
    expect(replySender(numbers, '+61480000004', ['c', 'a'])?.id).toBe('a');
    // An alphanumeric sender cannot take an answer; an unknown number is skipped.
    expect(replySender(numbers, null, ['c', 'zz', 'b'])?.id).toBe('b');
    expect(replySender(numbers, null, [])).toBeNull();
  });

  it('thread cursors round-trip and refuse anything else', () => {
    const id = '0195f3a4-7b1c-7def-8abc-0123456789ab';
    const key = threadCursorKey('2026-11-25T01:00:00.000Z', id);
    expect(parseThreadCursorKey(key)).toEqual({ at: '2026-11-25T01:00:00.000Z', id });
    expect(parseThreadCursorKey('nope')).toBeNull();
    expect(parseThreadCursorKey(`not-a-date|${id}`)).toBeNull();
    expect(parseThreadCursorKey('2026-11-25T01:00:00.000Z|x; DROP')).toBeNull();
  });
});
