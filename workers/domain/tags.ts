// Contact tags, the pure part: what a tag may look like and when two spellings are the same tag.
//
// A tag keeps the spelling it was given (trimmed, runs of white space collapsed to one space,
// Unicode NFC) and matches without regard to ASCII case: `VIP`, `vip` and ` Vip ` are one tag.
// The database compares with SQLite's NOCASE collation (contact_tags.tag), which folds A–Z only, so
// `tagKey` folds exactly the same letters and nothing else. `,` and `;` separate tags in a CSV cell,
// so a tag cannot contain them (an export re-imports as it was).

export const MAX_TAG_LENGTH = 64;
/** Tags one contact may carry; more are refused (API) or left out (imports, bulk tagging). */
export const MAX_TAGS_PER_CONTACT = 100;
/** Tags one request may add or remove. */
export const MAX_TAGS_PER_REQUEST = 50;

export type TagCheck = { ok: true; tag: string } | { ok: false; reason: string };

// Control characters (including tabs and new lines inside the value) and the CSV separators.
const FORBIDDEN = /[\p{Cc},;]/u;

export function normalizeTag(raw: string): TagCheck {
  const tag = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (tag === '') return { ok: false, reason: 'A tag cannot be empty' };
  if (FORBIDDEN.test(tag))
    return { ok: false, reason: `"${tag}": a tag cannot contain , ; or control characters` };
  if ([...tag].length > MAX_TAG_LENGTH) {
    return { ok: false, reason: `"${tag.slice(0, 20)}…" is longer than ${MAX_TAG_LENGTH} characters` };
  }
  return { ok: true, tag };
}

/** What makes two tags the same: ASCII letters folded, as SQLite's NOCASE does. */
export function tagKey(tag: string): string {
  return tag.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
}

/** Drops repeats (by `tagKey`), keeping the first spelling and the order. */
export function uniqueTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of tags) {
    const k = tagKey(t);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(t);
  }
  return out;
}

export type TagsCheck = { ok: true; tags: string[] } | { ok: false; index: number; reason: string };

/** Normalises a list, reporting the first bad entry with its position; the result has no repeats. */
export function normalizeTags(raw: readonly string[]): TagsCheck {
  const out: string[] = [];
  for (const [i, r] of raw.entries()) {
    const t = normalizeTag(r);
    if (!t.ok) return { ok: false, index: i, reason: t.reason };
    out.push(t.tag);
  }
  return { ok: true, tags: uniqueTags(out) };
}

/** A CSV cell (`vip; NSW, newsletter`) → its tags; empty pieces are ignored. */
export function splitTagCell(cell: string): TagsCheck {
  const pieces = cell
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return normalizeTags(pieces);
}
