import { describe, expect, it } from 'vitest';
import {
  classifyInbound,
  HELP_KEYWORDS,
  normaliseKeyword,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
} from '../../workers/domain/keywords';

/** Ways people actually type a keyword: case, padding, punctuation, emoji, full-width letters. */
function variants(word: string): string[] {
  const lower = word.toLowerCase();
  const title = lower[0]?.toUpperCase() + lower.slice(1);
  return [
    word,
    lower,
    title,
    `  ${word}  `,
    `\n${lower}\t`,
    `${title}.`,
    `${word}!!!`,
    `"${lower}"`,
    `(${word})`,
    `${lower} 🙏`,
    `${title}?\u200b`,
    word.replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)),
  ];
}

describe('classifyInbound: the keyword table (happy)', () => {
  const table = [
    ...OPT_OUT_KEYWORDS.map((k) => [k, 'opt_out'] as const),
    ...OPT_IN_KEYWORDS.map((k) => [k, 'opt_in'] as const),
    ...HELP_KEYWORDS.map((k) => [k, 'help'] as const),
  ];

  it('covers exactly the keywords Twilio uses', () => {
    expect([...OPT_OUT_KEYWORDS]).toEqual([
      'STOP',
      'STOPALL',
      'UNSUBSCRIBE',
      'CANCEL',
      'END',
      'QUIT',
      'REVOKE',
      'OPTOUT',
    ]);
    expect([...OPT_IN_KEYWORDS]).toEqual(['START', 'YES', 'UNSTOP']);
    expect([...HELP_KEYWORDS]).toEqual(['HELP', 'INFO']);
  });

  for (const [keyword, intent] of table) {
    it(`${keyword} → ${intent}, whatever the case, padding or punctuation`, () => {
      for (const body of variants(keyword)) {
        expect(classifyInbound(body), JSON.stringify(body)).toEqual({ intent, keyword });
      }
    });
  }
});

describe('classifyInbound: everything else is a message for a human', () => {
  it.each([
    "don't stop",
    'stop please',
    'please stop',
    'STOP STOP',
    'S T O P',
    'stopp',
    'st.op',
    'unsubscribe me',
    'yes please',
    'yes, see you there',
    'help me book a table',
    'ending soon?',
    'Cancel my booking for Friday',
    '',
    '   ',
    '🙂',
  ])('%j → message', (body) => {
    expect(classifyInbound(body)).toEqual({ intent: 'message', keyword: null });
  });
});

describe("classifyInbound with Twilio's OptOutType", () => {
  it('follows Twilio when Advanced Opt-Out classified the message (custom keywords included)', () => {
    expect(classifyInbound('ARRET', 'STOP')).toEqual({ intent: 'opt_out', keyword: 'ARRET' });
    expect(classifyInbound('Subscribe', 'start')).toEqual({ intent: 'opt_in', keyword: 'SUBSCRIBE' });
    expect(classifyInbound('aide', 'HELP')).toEqual({ intent: 'help', keyword: 'AIDE' });
  });

  it('ignores an OptOutType it does not know, and falls back to the table', () => {
    expect(classifyInbound('stop', 'SOMETHING')).toEqual({ intent: 'opt_out', keyword: 'STOP' });
    expect(classifyInbound('hello', '')).toEqual({ intent: 'message', keyword: null });
  });
});

describe('normaliseKeyword', () => {
  it('only strips the edges: inner punctuation and spaces stay', () => {
    expect(normaliseKeyword(' ...Opt-Out!! ')).toBe('OPT-OUT');
    expect(normaliseKeyword('Stop all.')).toBe('STOP ALL');
  });
});
