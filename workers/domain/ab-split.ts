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
