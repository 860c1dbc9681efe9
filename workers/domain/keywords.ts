// Classifies an inbound SMS by Twilio's standard keywords. Pure: no I/O.
// Matching is on the whole message: case-insensitive, ignoring surrounding whitespace and
// punctuation ("Stop." and " STOP! " count; "don't stop" and "stop please" do not, and go to a human).

export const OPT_OUT_KEYWORDS = [
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
] as const;
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

export type KeywordIntent = 'opt_out' | 'opt_in' | 'help' | 'message';
export type Classification = { intent: KeywordIntent; keyword: string | null };

const TABLE = new Map<string, KeywordIntent>([
  ...OPT_OUT_KEYWORDS.map((k) => [k, 'opt_out'] as const),
  ...OPT_IN_KEYWORDS.map((k) => [k, 'opt_in'] as const),
  ...HELP_KEYWORDS.map((k) => [k, 'help'] as const),
]);

// Leading/trailing runs of whitespace, punctuation, symbols (emoji included) and invisible
// format characters such as zero-width spaces that phones sometimes append.
const EDGES = /^[\s\p{P}\p{S}\p{Cf}]+|[\s\p{P}\p{S}\p{Cf}]+$/gu;

/** The message reduced to what keyword matching compares: NFKC (full-width letters), trimmed, upper case. */
export function normaliseKeyword(body: string): string {
  return body.normalize('NFKC').replace(EDGES, '').toUpperCase();
}

const OPT_OUT_TYPES: Record<string, KeywordIntent> = { STOP: 'opt_out', START: 'opt_in', HELP: 'help' };

/**
 * `optOutType` is Twilio's own verdict (the `OptOutType` parameter sent when Advanced Opt-Out
 * is on, which also covers keywords configured in the Twilio console): it wins over our table.
 */
export function classifyInbound(body: string, optOutType?: string | null): Classification {
  const word = normaliseKeyword(body);
  const twilioIntent = optOutType ? OPT_OUT_TYPES[optOutType.trim().toUpperCase()] : undefined;
  if (twilioIntent)
    return { intent: twilioIntent, keyword: word || optOutType?.trim().toUpperCase() || null };
  const intent = TABLE.get(word);
  return intent ? { intent, keyword: word } : { intent: 'message', keyword: null };
}
