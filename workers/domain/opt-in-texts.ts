// The texts of a double opt-in (issue 14): the request to confirm and the answers after joining.
// Pure. The Spam Act wants the sender identified and an opt-out instruction in every message.
import { applyComplianceFooter } from './compliance';

export type SenderTexts = { name: string; senderName: string | null; appendOptOutFooter: boolean };

export function senderLabel(t: Pick<SenderTexts, 'name' | 'senderName'>): string {
  return t.senderName?.trim() || t.name;
}

/** "Reply Y to confirm": sent after a form sign-up or a join keyword with double opt-in. */
export function confirmationRequestText(t: Pick<SenderTexts, 'name' | 'senderName'>): string {
  return `${senderLabel(t)}: reply Y within 24 hours to confirm you want our texts. Msg&data rates may apply. Reply STOP to opt out.`;
}

/** After the "Y" (or a single opt-in keyword): the keyword's own reply, or a plain welcome. */
export function joinedText(t: SenderTexts, keywordReply: string | null): string {
  const body = keywordReply?.trim() || `${senderLabel(t)}: thanks, you're subscribed.`;
  // The opt-out instruction is part of every join answer, whatever the tenant's footer setting.
  return applyComplianceFooter(body, { appendOptOutFooter: true });
}

/** A "Y" that came after the 24 hours. */
export function expiredConfirmationText(
  t: Pick<SenderTexts, 'name' | 'senderName'>,
  keyword: string | null,
): string {
  return keyword
    ? `${senderLabel(t)}: that request has expired. Text ${keyword} again to join.`
    : `${senderLabel(t)}: that request has expired. Please sign up again.`;
}
