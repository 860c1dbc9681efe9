// Message templates: `{{name}}` placeholders with an optional fallback, `{{ first_name | there }}`.
// Names are matched exactly first, then case-insensitively (CSV headers vary in case).
// `{{link}}` and `{{optout}}` are ordinary variables: the caller supplies the recipient's short link
// and personal opt-out link.

const PLACEHOLDER = /\{\{\s*([^{}|]*?)\s*(?:\|\s*([^{}]*?)\s*)?\}\}/g;

export const STANDARD_VARIABLES = ['first_name', 'last_name', 'email', 'phone', 'link', 'optout'] as const;

/** The variable names a body uses, unique, in order of first use. */
export function extractVariables(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

function lookup(
  vars: Record<string, string | null | undefined>,
  name: string,
): { known: boolean; value: string } {
  if (Object.hasOwn(vars, name)) return { known: true, value: vars[name] ?? '' };
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(vars)) {
    if (k.toLowerCase() === lower) return { known: true, value: v ?? '' };
  }
  return { known: false, value: '' };
}

/**
 * Fills placeholders. A missing or empty (whitespace-only) value uses the fallback after `|`,
 * or nothing. `unknownVariables` names placeholders that `vars` has no key for at all
 * (likely a typo or a custom field no contact has), unique, in order.
 */
export function renderTemplate(
  body: string,
  vars: Record<string, string | null | undefined>,
): { text: string; unknownVariables: string[] } {
  const unknown: string[] = [];
  const text = body.replace(PLACEHOLDER, (whole, rawName: string, fallback: string | undefined) => {
    const name = rawName;
    if (!name) return whole;
    const { known, value } = lookup(vars, name);
    if (!known && !unknown.includes(name)) unknown.push(name);
    return value.trim() === '' ? (fallback ?? '') : value;
  });
  return { text, unknownVariables: unknown };
}

export type TemplateContact = {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneE164: string;
  customFields: Record<string, string> | null;
};

/** A contact's variables: the standard fields plus every custom field (standard names win). */
export function contactVariables(contact: TemplateContact): Record<string, string | undefined> {
  return {
    ...(contact.customFields ?? {}),
    first_name: contact.firstName ?? undefined,
    last_name: contact.lastName ?? undefined,
    email: contact.email ?? undefined,
    phone: contact.phoneE164,
  };
}
