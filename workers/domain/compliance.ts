// Compliance of a message body: an opt-out instruction (Spam Act 2003 / carrier rules) and
// identification of the sender.

export const OPT_OUT_FOOTER = 'Reply STOP to opt out';

const OPT_OUT_PATTERNS = [
  // "Reply STOP", "Text STOP to 0400…", "SMS OPTOUT", "send stop to unsubscribe"
  /\b(reply|text|txt|sms|send|msg)\b[^\n]{0,20}?\b(stop|stopall|unsubscribe|unsub|optout|opt[\s-]out)\b/i,
  /\bopt[\s-]?out\b/i,
  /\bunsubscribe\b/i,
];

/** Does the body tell the recipient how to opt out? */
export function hasOptOutInstruction(body: string): boolean {
  return OPT_OUT_PATTERNS.some((p) => p.test(body));
}

/** The body as sent: with "Reply STOP to opt out" on a new line when missing and the tenant wants it. */
export function applyComplianceFooter(body: string, tenant: { appendOptOutFooter: boolean }): string {
  // An empty body is not a message (it cannot be sent), so it gets no footer either.
  if (!tenant.appendOptOutFooter || body.trim() === '' || hasOptOutInstruction(body)) return body;
  return `${body.replace(/\s+$/, '')}\n${OPT_OUT_FOOTER}`;
}

/** Human-readable warnings for the template editor. */
export function complianceWarnings(
  body: string,
  tenant: { name: string; senderName: string | null; appendOptOutFooter: boolean },
  /** The opt-out is taken care of elsewhere: an `{{optout}}` link, or the opt-out link footer (issue 10). */
  opts: { optOutHandled?: boolean } = {},
): string[] {
  const warnings: string[] = [];
  if (!opts.optOutHandled && !hasOptOutInstruction(body)) {
    warnings.push(
      tenant.appendOptOutFooter
        ? `No opt-out instruction: "${OPT_OUT_FOOTER}" will be added at the end (included in the count).`
        : `No opt-out instruction: add one such as "${OPT_OUT_FOOTER}"; the law requires it and the automatic footer is off.`,
    );
  }
  const sender = (tenant.senderName ?? tenant.name).trim();
  if (sender && !body.toLowerCase().includes(sender.toLowerCase())) {
    warnings.push(
      `The message does not identify the sender: include "${sender}" so recipients know who is writing.`,
    );
  }
  return warnings;
}
