// A/B split: each contact always gets the same template of a campaign (stable across redelivery,
// re-runs of the fan-out and launch preview), and the templates share the audience evenly.

/** FNV-1a 32-bit: fast, dependency-free and well spread for short ASCII keys such as UUID pairs. */
export function fnv1a(input: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The template this contact receives in this campaign. Throws on an empty list: a campaign needs one. */
export function pickTemplate(campaignId: string, contactId: string, templateIds: readonly string[]): string {
  if (templateIds.length === 0) throw new Error('a campaign needs at least one template');
  const i = fnv1a(`${campaignId}:${contactId}`) % templateIds.length;
  return templateIds[i] as string;
}

/** Where to start in a list of sending numbers so a contact keeps hearing from the same number. */
export function stickyIndex(contactId: string, count: number): number {
  return count <= 0 ? 0 : fnv1a(contactId) % count;
}

/**
 * What a send job stores as its template: the pick when the campaign has a choice (A/B variants),
 * null when it has exactly one (its list says which, once, not per recipient: issue 11's storage
 * budget, and the job's template index then holds only A/B jobs). A campaign's templates are fixed
 * at launch (only a draft is edited), so the null never changes meaning.
 */
export function storedTemplateId(templateIds: readonly string[], chosen: string): string | null {
  return templateIds.length === 1 && templateIds[0] === chosen ? null : chosen;
}

/** The template a job sent or will send: its own, else its campaign's only one. */
export function jobTemplateId(stored: string | null, templateIds: readonly string[]): string | null {
  return stored ?? (templateIds.length === 1 ? (templateIds[0] as string) : null);
}
