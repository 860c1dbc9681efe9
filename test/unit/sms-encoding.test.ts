import { describe, expect, it } from 'vitest';
import { analyzeSms, smartEncode } from '../../workers/domain/sms-encoding';

const a = (n: number) => 'a'.repeat(n);
const u = (n: number) => 'ж'.repeat(n); // Cyrillic: one UTF-16 unit, not GSM-7
const EMOJI = '😀'; // a surrogate pair: two UTF-16 units, one character

describe('analyzeSms: segment counting agrees with Twilio', () => {
  it.each([
    ['empty text is 0 parts (cannot be sent)', '', 'GSM-7', 0, 0],
    ['one GSM char', 'a', 'GSM-7', 1, 1],
    ['160 GSM chars fit one part', a(160), 'GSM-7', 160, 1],
    ['161 GSM chars need two parts', a(161), 'GSM-7', 161, 2],
    ['306 = 2 × 153 fits two parts', a(306), 'GSM-7', 306, 2],
    ['307 needs three parts', a(307), 'GSM-7', 307, 3],
    ['70 UCS-2 units fit one part', u(70), 'UCS-2', 70, 1],
    ['71 UCS-2 units need two parts', u(71), 'UCS-2', 71, 2],
    ['134 = 2 × 67 fits two parts', u(134), 'UCS-2', 134, 2],
    ['135 needs three parts', u(135), 'UCS-2', 135, 3],
  ])('%s', (_name, text, encoding, characters, segments) => {
    expect(analyzeSms(text)).toMatchObject({ encoding, characters, segments });
  });

  it('counts extension characters as two septets (€ ^ { } [ ] ~ | \\ and form feed)', () => {
    const r = analyzeSms('€^{}[]~|\\\f');
    expect(r).toMatchObject({ encoding: 'GSM-7', characters: 20, segments: 1, nonGsmCharacters: [] });
  });

  it('80 euro signs are 160 septets: one part; 81 are two', () => {
    expect(analyzeSms('€'.repeat(80))).toMatchObject({ characters: 160, segments: 1 });
    expect(analyzeSms('€'.repeat(81))).toMatchObject({ characters: 162, segments: 2 });
  });

  it('never splits an escape pair across parts at the 153 boundary', () => {
    // 152 + € (2) + 152 = 306 septets: naive ceil(306/153) = 2 parts, but the € does not fit
    // in what is left of part one (1 septet), so it opens part two and the text spills into three.
    expect(analyzeSms(`${a(152)}€${a(152)}`)).toMatchObject({ characters: 306, segments: 3 });
    // One septet earlier the pair fits exactly: 151 + 2 = 153, then 153 more.
    expect(analyzeSms(`${a(151)}€${a(153)}`)).toMatchObject({ characters: 306, segments: 2 });
  });

  it('never splits a surrogate pair across parts at the 67 boundary', () => {
    // 66 units + emoji (2) + 66 units = 134 units: naive 2 parts, but the emoji opens part two.
    expect(analyzeSms(`${u(66)}${EMOJI}${u(66)}`)).toMatchObject({
      encoding: 'UCS-2',
      characters: 134,
      segments: 3,
    });
    expect(analyzeSms(`${u(65)}${EMOJI}${u(67)}`)).toMatchObject({ characters: 134, segments: 2 });
  });

  it('counts an emoji as two UTF-16 units and names it as the UCS-2 culprit', () => {
    const r = analyzeSms(`Hi ${EMOJI}`);
    expect(r).toMatchObject({ encoding: 'UCS-2', characters: 5, segments: 1, nonGsmCharacters: [EMOJI] });
  });

  it('35 emoji are 70 units (one part); 36 are two parts', () => {
    expect(analyzeSms(EMOJI.repeat(35))).toMatchObject({ characters: 70, segments: 1 });
    expect(analyzeSms(EMOJI.repeat(36))).toMatchObject({ characters: 72, segments: 2 });
  });

  it('lists each non-GSM character once, in order of appearance', () => {
    expect(analyzeSms('“Hi” — it’s ç “done”').nonGsmCharacters).toEqual(['“', '”', '—', '’', 'ç']);
  });

  it('keeps GSM-7 for accented letters of the basic table (é, ü, Ç, ñ, ß, Δ)', () => {
    expect(analyzeSms('éüÇñßΔ@£$¥')).toMatchObject({ encoding: 'GSM-7', characters: 10 });
  });

  it('treats a backtick and a tab as non-GSM (they are not in the table)', () => {
    expect(analyzeSms('a`b\tc').nonGsmCharacters).toEqual(['`', '\t']);
  });
});

describe('smartEncode', () => {
  it('replaces curly quotes, dashes, ellipsis and no-break spaces so the text becomes GSM-7', () => {
    const r = smartEncode('“Sale” – it’s on… 50%\u00a0off — now');
    expect(r.text).toBe('"Sale" - it\'s on... 50% off - now');
    expect(analyzeSms(r.text).encoding).toBe('GSM-7');
    expect(r.replaced).toEqual([
      { from: '“', to: '"' },
      { from: '”', to: '"' },
      { from: '–', to: '-' },
      { from: '’', to: "'" },
      { from: '…', to: '...' },
      { from: '\u00a0', to: ' ' },
      { from: '—', to: '-' },
    ]);
  });

  it('keeps characters without a stand-in (emoji stays UCS-2)', () => {
    const r = smartEncode(`Hi ${EMOJI}’`);
    expect(r.text).toBe(`Hi ${EMOJI}'`);
    expect(analyzeSms(r.text).encoding).toBe('UCS-2');
  });

  it('changes nothing in plain GSM text', () => {
    expect(smartEncode('Hello {name}!')).toEqual({ text: 'Hello {name}!', replaced: [] });
  });

  it('drops invisible characters', () => {
    expect(smartEncode('a\u200bb\ufeffc').text).toBe('abc');
  });
});
