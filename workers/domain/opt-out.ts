// How a message tells its recipient how to opt out, per sender (issue 10). A sender that can
// receive replies (a number, a Messaging Service) takes "Reply STOP"; an alphanumeric sender ID
// cannot receive replies, so its messages carry the recipient's personal opt-out link (`{{optout}}`
// in the template, or the automatic footer). Pure: the preview, the launch check and the send path
// all decide here, so what the preview counts is what is sent.
import { applyComplianceFooter } from './compliance';

export const OPT_OUT_VARIABLE = 'optout';
const OPT_OUT_PLACEHOLDER = /\{\{\s*optout\s*(\|[^}]*)?\}\}/i;
export const OPT_OUT_LINK_LABEL = 'Opt out:';

/** Does the template place the personal opt-out link itself? */
export function usesOptOutLink(templateBody: string): boolean {
  return OPT_OUT_PLACEHOLDER.test(templateBody);
}

export type SenderReach = { canReceiveReplies: boolean };

/** Does a message from this sender need the opt-out URL (in the body, or in the footer)? */
export function needsOptOutUrl(templateBody: string, sender: SenderReach): boolean {
  return usesOptOutLink(templateBody) || !sender.canReceiveReplies;
}

/**
 * The body as sent, from the rendered template text:
 * - a template with `{{optout}}` already carries a working opt-out: nothing is added;
 * - a sender that can receive replies: "Reply STOP to opt out" when the text has no instruction and
 *   the tenant wants the footer (as before issue 10);
 * - a sender that cannot: "Opt out: <link>", whatever the tenant's footer setting and whatever the
 *   text says ("reply STOP" does not work there). The launch check refuses such a campaign when the
 *   footer is off, so this only ever happens for a sender added after launch: the law comes first.
 */
export function finishBody(
  text: string,
  tenant: { appendOptOutFooter: boolean },
  sender: SenderReach,
  optOut: { templateHasLink: boolean; url: string | null },
): string {
  if (text.trim() === '' || optOut.templateHasLink) return text;
  if (sender.canReceiveReplies) return applyComplianceFooter(text, tenant);
  if (!optOut.url) throw new Error('A sender that cannot receive replies needs the opt-out URL.');
  return `${text.replace(/\s+$/, '')}\n${OPT_OUT_LINK_LABEL} ${optOut.url}`;
}

export type LaunchTemplate = { id: string; name: string; body: string };
export type LaunchSender = { id: string; label: string; canReceiveReplies: boolean };
export type FieldProblem = { path: string; message: string };

/**
 * Why a campaign may not launch: a template that can go out from a sender recipients cannot reply
 * to, without `{{optout}}`, while the automatic footer is off. With sticky senders any template can
 * go out from any of the campaign's senders, so every pair counts.
 */
export function optOutLaunchProblems(
  templates: LaunchTemplate[],
  senders: LaunchSender[],
  tenant: { appendOptOutFooter: boolean },
): FieldProblem[] {
  if (tenant.appendOptOutFooter) return [];
  const silent = senders.filter((s) => !s.canReceiveReplies);
  if (silent.length === 0) return [];
  const names = silent.map((s) => `"${s.label}"`).join(', ');
  const problems: FieldProblem[] = [];
  templates.forEach((t, i) => {
    if (usesOptOutLink(t.body)) return;
    problems.push({
      path: `template_ids.${i}`,
      message:
        `Template "${t.name}" has no opt-out link and ${silent.length === 1 ? 'sender' : 'senders'} ${names} ` +
        'cannot receive replies, so "Reply STOP" cannot work: add {{optout}} to the template, or turn on ' +
        'the automatic opt-out footer in Settings.',
    });
  });
  return problems;
}

/** Advice for the template editor and the launch preview about a sender that cannot receive replies. */
export function optOutWarnings(
  templateBody: string,
  tenant: { appendOptOutFooter: boolean },
  sender: SenderReach,
): string[] {
  if (sender.canReceiveReplies || usesOptOutLink(templateBody)) return [];
  const warnings = [
    tenant.appendOptOutFooter
      ? `Recipients cannot reply to this sender: "${OPT_OUT_LINK_LABEL} <personal link>" is added at the end (included in the count).`
      : 'Recipients cannot reply to this sender and the automatic footer is off: add {{optout}}, or the campaign cannot launch.',
  ];
  if (/\b(reply|text|txt|sms)\b[^\n]{0,20}?\bstop\b/i.test(templateBody)) {
    warnings.push('The text asks recipients to reply STOP, which cannot work from this sender.');
  }
  return warnings;
}
