import { describe, expect, it } from 'vitest';
import {
  findClash,
  isConfirmationReply,
  matchJoinKeyword,
  normaliseJoinKeyword,
  validateJoinKeyword,
} from '../../workers/domain/join-keywords';
import { HELP_KEYWORDS, OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS } from '../../workers/domain/keywords';

const N1 = 'number-1';
const N2 = 'number-2';
const kw = (
  keyword: string,
  sendingNumberId: string | null,
  extra: { isActive?: boolean; id?: string } = {},
) => ({
  id: extra.id ?? `${keyword}@${sendingNumberId ?? '*'}`,
  keyword,
  sendingNumberId,
  ...(extra.isActive === undefined ? {} : { isActive: extra.isActive }),
});

describe('validateJoinKeyword', () => {
  it('happy: normalises case, padding, punctuation and inner spaces', () => {
    expect(validateJoinKeyword('  join! ')).toEqual({ ok: true, keyword: 'JOIN' });
    expect(validateJoinKeyword('Coffee   Club')).toEqual({ ok: true, keyword: 'COFFEE CLUB' });
    expect(validateJoinKeyword('ＶＩＰ')).toEqual({ ok: true, keyword: 'VIP' });
    expect(validateJoinKeyword('café')).toEqual({ ok: true, keyword: 'CAFÉ' });
    expect(normaliseJoinKeyword('"Deals 2024"')).toBe('DEALS 2024');
  });

  it('error: every STOP, START and HELP word, and the confirmation "Y", are refused with the reason', () => {
    for (const word of [...OPT_OUT_KEYWORDS, ...OPT_IN_KEYWORDS, ...HELP_KEYWORDS, 'Y']) {
      for (const typed of [word, word.toLowerCase(), ` ${word}.`]) {
        const r = validateJoinKeyword(typed);
        expect(r.ok, typed).toBe(false);
      }
    }
    const stop = validateJoinKeyword('Unsubscribe');
    expect(stop.ok === false && stop.reason).toMatch(/opt-out word/);
    const help = validateJoinKeyword('info');
    expect(help.ok === false && help.reason).toMatch(/help word/);
    const start = validateJoinKeyword('yes');
    expect(start.ok === false && start.reason).toMatch(/opt-in word/);
  });

  it('error: empty, too long, or containing symbols inside', () => {
    expect(validateJoinKeyword('  !! ').ok).toBe(false);
    expect(validateJoinKeyword('A'.repeat(31)).ok).toBe(false);
    expect(validateJoinKeyword('A'.repeat(30)).ok).toBe(true);
    expect(validateJoinKeyword('JOIN-NOW').ok).toBe(false);
    expect(validateJoinKeyword('50%OFF').ok).toBe(false);
  });
});

describe('findClash', () => {
  const existing = [kw('JOIN', N1), kw('VIP', null)];

  it('the same word on the same number clashes; on another number it does not', () => {
    expect(findClash({ keyword: 'JOIN', sendingNumberId: N1 }, existing)?.id).toBe('JOIN@number-1');
    expect(findClash({ keyword: 'JOIN', sendingNumberId: N2 }, existing)).toBeNull();
  });

  it('a tenant-wide keyword clashes with the same word anywhere, both ways', () => {
    expect(findClash({ keyword: 'VIP', sendingNumberId: N2 }, existing)?.id).toBe('VIP@*');
    expect(findClash({ keyword: 'JOIN', sendingNumberId: null }, existing)?.id).toBe('JOIN@number-1');
  });

  it('a keyword never clashes with itself (an update)', () => {
    expect(findClash({ id: 'JOIN@number-1', keyword: 'JOIN', sendingNumberId: N1 }, existing)).toBeNull();
  });
});

describe('matchJoinKeyword', () => {
  const keywords = [
    kw('JOIN', null),
    kw('JOIN', N1, { id: 'join-n1' }),
    kw('COFFEE CLUB', N2),
    kw('OLD', null, { isActive: false }),
  ];

  it('happy: the whole body, whatever its case, padding, punctuation or emoji', () => {
    for (const body of ['JOIN', 'join', ' Join! ', '"join"', 'join 🙏', 'ｊｏｉｎ', 'join\u200b']) {
      expect(matchJoinKeyword(body, keywords, N2)?.id, body).toBe('JOIN@*');
    }
    expect(matchJoinKeyword('coffee  club.', keywords, N2)?.id).toBe('COFFEE CLUB@number-2');
  });

  it('the keyword of the number texted wins over the tenant-wide one', () => {
    expect(matchJoinKeyword('join', keywords, N1)?.id).toBe('join-n1');
  });

  it('a keyword of another number does not answer here; inactive keywords never do', () => {
    expect(matchJoinKeyword('coffee club', keywords, N1)).toBeNull();
    expect(matchJoinKeyword('old', keywords, N1)).toBeNull();
  });

  it('only the whole message counts: a sentence containing the keyword is a reply for a person', () => {
    expect(matchJoinKeyword('I want to join', keywords, N1)).toBeNull();
    expect(matchJoinKeyword('join please', keywords, N1)).toBeNull();
    expect(matchJoinKeyword('', keywords, N1)).toBeNull();
  });

  it('security: STOP, START and HELP always keep their meaning, even if such a keyword slipped in', () => {
    const sneaky = [kw('STOP', null), kw('HELP', N1), kw('START', null), kw('Y', null)];
    for (const body of ['STOP', 'stop.', 'HELP', 'start', 'unsubscribe', 'Y']) {
      expect(matchJoinKeyword(body, sneaky, N1), body).toBeNull();
    }
  });
});

describe('isConfirmationReply', () => {
  it('Y and YES (in any case and punctuation) confirm; anything else does not', () => {
    for (const body of ['Y', 'y', ' y. ', 'YES', 'Yes!', 'yes 👍'])
      expect(isConfirmationReply(body), body).toBe(true);
    for (const body of ['yeah', 'no', 'N', 'y y', 'JOIN', ''])
      expect(isConfirmationReply(body), body).toBe(false);
  });
});
