// Look-alike replacements that turn a UCS-2 body into GSM-7 (a UCS-2 part holds 67 characters, a
// GSM-7 part 153), used when the preview does not send its own `smart_encoded` body.

const REPLACEMENTS: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u00AB': '"',
  '\u00BB': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2012': '-',
  '\u2010': '-',
  '\u2011': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00A0': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2009': ' ',
  '\u200A': ' ',
  '\u202F': ' ',
  '\u200B': '',
  '\uFEFF': '',
  '\u2022': '-',
  '\u00B7': '-',
  '\u2122': 'TM',
  '\u00A9': '(c)',
  '\u00AE': '(R)',
};

/** Whether one-click replacement can fix this character. */
export function hasReplacement(ch: string): boolean {
  return ch in REPLACEMENTS;
}

/** What the character becomes ("" shows as "nothing"). */
export function replacementFor(ch: string): string | undefined {
  return REPLACEMENTS[ch];
}

/** The body with every replaceable character swapped; characters without a look-alike (emoji) stay. */
export function smartEncode(body: string): string {
  let out = '';
  for (const ch of body) out += REPLACEMENTS[ch] ?? ch;
  return out;
}

/** A readable name for a character: "’ (U+2019)". */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const visible = /\s/.test(ch) || cp === 0x200b || cp === 0xfeff ? '' : `${ch} `;
  return `${visible}(${code})`;
}
