// Join keywords ("JOIN", "COFFEE"): validation when a tenant defines one, and matching an inbound
// message against them. Pure: no I/O. Matching follows the STOP matcher (keywords.ts): the whole
// message, case-insensitive, ignoring surrounding whitespace, punctuation and emoji; STOP, START
// and HELP words always keep their meaning and win over any custom keyword.
import {
  classifyInbound,
  HELP_KEYWORDS,
  normaliseKeyword,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
} from './keywords';

/** Replies that confirm a double opt-in ("Reply Y to confirm"): a keyword may not be one of them. */
export const CONFIRMATION_REPLIES = ['Y'] as const;

const RESERVED = new Map<string, string>([
  ...OPT_OUT_KEYWORDS.map((k) => [k, 'an opt-out word (STOP and its synonyms)'] as const),
  ...OPT_IN_KEYWORDS.map((k) => [k, 'an opt-in word (START and its synonyms)'] as const),
  ...HELP_KEYWORDS.map((k) => [k, 'a help word (HELP, INFO)'] as const),
  ...CONFIRMATION_REPLIES.map((k) => [k, 'the reply that confirms a double opt-in'] as const),
]);

export const KEYWORD_MAX_LENGTH = 30;

/** A keyword as stored and compared: NFKC, trimmed of punctuation, upper case, single spaces. */
export function normaliseJoinKeyword(input: string): string {
  return normaliseKeyword(input).replace(/\s+/g, ' ');
}

export type KeywordCheck = { ok: true; keyword: string } | { ok: false; reason: string };

/** Letters and digits (any script), words separated by single spaces, at most 30 characters. */
export function validateJoinKeyword(input: string): KeywordCheck {
  const keyword = normaliseJoinKeyword(input);
  if (keyword === '') return { ok: false, reason: 'The keyword is empty.' };
  if (keyword.length > KEYWORD_MAX_LENGTH) {
    return { ok: false, reason: `At most ${KEYWORD_MAX_LENGTH} characters.` };
  }
  if (!/^[\p{L}\p{N}]+(?: [\p{L}\p{N}]+)*$/u.test(keyword)) {
    return { ok: false, reason: 'Use letters and digits only (words may be separated by spaces).' };
  }
  const reserved = RESERVED.get(keyword);
  if (reserved) return { ok: false, reason: `${keyword} is ${reserved} and keeps that meaning.` };
  return { ok: true, keyword };
}

export type KeywordScope = { id?: string; keyword: string; sendingNumberId: string | null };

/**
 * The existing keyword a new one would clash with: the same word on the same number, a tenant-wide
 * keyword with the same word (it already answers on every number), or — for a new tenant-wide
 * keyword — the same word on any one number.
 */
export function findClash<T extends KeywordScope>(candidate: KeywordScope, existing: readonly T[]): T | null {
  for (const k of existing) {
    if (candidate.id !== undefined && k.id === candidate.id) continue;
    if (k.keyword !== candidate.keyword) continue;
    if (
      k.sendingNumberId === null ||
      candidate.sendingNumberId === null ||
      k.sendingNumberId === candidate.sendingNumberId
    ) {
      return k;
    }
  }
  return null;
}

export type JoinKeyword = { keyword: string; sendingNumberId: string | null; isActive?: boolean };

/**
 * The join keyword an inbound message to `numberId` asks for, or null. STOP/START/HELP words
 * never match (they are handled as opt-out, opt-in and help); a keyword on the number itself wins
 * over a tenant-wide one with the same word; inactive keywords never match.
 */
export function matchJoinKeyword<T extends JoinKeyword>(
  body: string,
  keywords: readonly T[],
  numberId: string | null,
): T | null {
  if (classifyInbound(body).intent !== 'message') return null;
  const word = normaliseJoinKeyword(body);
  if (word === '' || RESERVED.has(word)) return null;
  let tenantWide: T | null = null;
  for (const k of keywords) {
    if (k.isActive === false || k.keyword !== word) continue;
    if (k.sendingNumberId !== null && k.sendingNumberId === numberId) return k;
    if (k.sendingNumberId === null) tenantWide ??= k;
  }
  return tenantWide;
}

/**
 * Whether an inbound body is the "Y" that confirms a pending double opt-in. "YES" confirms too
 * (people answer that); it is also a START synonym, so the inbound handler checks for a pending
 * opt-in first and treats YES as START only when there is none.
 */
export function isConfirmationReply(body: string): boolean {
  const word = normaliseJoinKeyword(body);
  return word === 'Y' || word === 'YES';
}
