// SMS encoding and segment (part) counting, as Twilio bills it (GSM 03.38 / 3GPP TS 23.038).
//
// - GSM-7 when every character is in the basic table or the extension table; extension
//   characters (form feed ^ { } \ [ ] ~ | €) take two septets (ESC + char).
// - Otherwise UCS-2, counted in UTF-16 code units (an emoji outside the BMP is two).
// - One part holds 160 septets / 70 units; a multipart message loses room to the UDH and holds
//   153 septets / 67 units per part. A character is never split across parts: an escape pair
//   or a surrogate pair that does not fit in what is left of a part starts the next part.
// - Empty text is 0 parts: it cannot be sent (Twilio rejects an empty Body with 21602), so it
//   costs nothing. (Twilio's calculator shows 1 for an empty box; a send never happens.)

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export type SmsAnalysis = {
  encoding: SmsEncoding;
  segments: number;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  characters: number;
  /** The distinct characters that force UCS-2, in order of first appearance. */
  nonGsmCharacters: string[];
};

const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[]~|€');

export const SINGLE_PART = { 'GSM-7': 160, 'UCS-2': 70 } as const;
export const MULTI_PART = { 'GSM-7': 153, 'UCS-2': 67 } as const;

/** Septets one character takes in GSM-7, or null when it has no GSM-7 form. */
export function gsmSeptets(ch: string): 1 | 2 | null {
  if (GSM_BASIC.has(ch)) return 1;
  if (GSM_EXTENSION.has(ch)) return 2;
  return null;
}

export function analyzeSms(text: string): SmsAnalysis {
  const chars = Array.from(text); // code points: a surrogate pair stays one item
  const nonGsm: string[] = [];
  const seen = new Set<string>();
  for (const ch of chars) {
    if (gsmSeptets(ch) === null && !seen.has(ch)) {
      seen.add(ch);
      nonGsm.push(ch);
    }
  }
  const encoding: SmsEncoding = nonGsm.length === 0 ? 'GSM-7' : 'UCS-2';
  const sizes = chars.map((ch) => (encoding === 'GSM-7' ? (gsmSeptets(ch) as number) : ch.length));
  const characters = sizes.reduce((a, b) => a + b, 0);
  return { encoding, segments: countParts(sizes, encoding), characters, nonGsmCharacters: nonGsm };
}

function countParts(sizes: number[], encoding: SmsEncoding): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  if (total <= SINGLE_PART[encoding]) return 1;
  const room = MULTI_PART[encoding];
  let parts = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > room) {
      parts++;
      used = 0;
    }
    used += size;
  }
  return parts;
}

// Look-alikes that force UCS-2 for no visible gain, and their GSM-7 stand-ins.
const SMART_MAP: Record<string, string> = {
  '\u2018': "'", // left single quote
  '\u2019': "'", // right single quote / apostrophe
  '\u201A': "'", // single low-9 quote
  '\u201B': "'", // single high-reversed-9 quote
  '\u2032': "'", // prime
  '\u2035': "'", // reversed prime
  '\u02BC': "'", // modifier apostrophe
  '\u00B4': "'", // acute accent
  '`': "'", // grave accent (not in GSM-7)
  '\u201C': '"', // left double quote
  '\u201D': '"', // right double quote
  '\u201E': '"', // double low-9 quote
  '\u201F': '"', // double high-reversed-9 quote
  '\u2033': '"', // double prime
  '\u00AB': '"', // «
  '\u00BB': '"', // »
  '\u2039': '<', // ‹
  '\u203A': '>', // ›
  '\u2010': '-', // hyphen
  '\u2011': '-', // non-breaking hyphen
  '\u2012': '-', // figure dash
  '\u2013': '-', // en dash
  '\u2014': '-', // em dash
  '\u2015': '-', // horizontal bar
  '\u2212': '-', // minus sign
  '\u2022': '-', // bullet
  '\u2026': '...', // ellipsis
  '\u00A0': ' ', // no-break space
  '\u2000': ' ',
  '\u2001': ' ',
  '\u2002': ' ', // en space
  '\u2003': ' ', // em space
  '\u2004': ' ',
  '\u2005': ' ',
  '\u2006': ' ',
  '\u2007': ' ', // figure space
  '\u2008': ' ',
  '\u2009': ' ', // thin space
  '\u200A': ' ', // hair space
  '\u202F': ' ', // narrow no-break space
  '\u205F': ' ',
  '\u3000': ' ', // ideographic space
  '\t': ' ',
  '\u2028': '\n', // line separator
  '\u2029': '\n', // paragraph separator
  '\u200B': '', // zero-width space
  '\u200C': '', // zero-width non-joiner
  '\u200D': '', // zero-width joiner
  '\u2060': '', // word joiner
  '\uFEFF': '', // byte-order mark
  '\u00AD': '', // soft hyphen
  '\u02C6': '^', // modifier circumflex
  '\u02DC': '~', // small tilde
  '\u2044': '/', // fraction slash
  '\u2215': '/', // division slash
  '\u00F7': '/', // division sign
  '\u00BC': '1/4',
  '\u00BD': '1/2',
  '\u00BE': '3/4',
  '\u203C': '!!',
};

/**
 * Replaces look-alike characters with GSM-7 ones (curly quotes → straight, dashes → -,
 * … → ..., no-break and other spaces → space, invisible characters dropped). Characters with
 * no stand-in (emoji, non-Latin scripts) are kept: the text may still need UCS-2.
 */
export function smartEncode(text: string): { text: string; replaced: { from: string; to: string }[] } {
  const replaced: { from: string; to: string }[] = [];
  const seen = new Set<string>();
  let out = '';
  for (const ch of text) {
    const to = SMART_MAP[ch];
    if (to === undefined) {
      out += ch;
      continue;
    }
    out += to;
    if (!seen.has(ch)) {
      seen.add(ch);
      replaced.push({ from: ch, to });
    }
  }
  return { text: out, replaced };
}
