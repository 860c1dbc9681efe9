// What a sender is (issue 10): a phone number, a Twilio Messaging Service or an alphanumeric sender
// ID, and the rules each must follow. Pure: no I/O.

export const SENDER_KINDS = ['phone', 'messaging_service', 'alphanumeric'] as const;
export type SenderKind = (typeof SENDER_KINDS)[number];

/**
 * Where an alphanumeric ID stands on the ACMA SMS Sender ID Register. From 1 July 2026 Australian
 * carriers show messages from an unregistered ID as "Unverified", so the state is recorded and shown.
 * There is no API to ask the Register: an admin records what Twilio / ACMA Assist told them.
 */
export const ACMA_STATUSES = ['unregistered', 'pending', 'registered', 'rejected'] as const;
export type AcmaStatus = (typeof ACMA_STATUSES)[number];

/** Replies reach us through a phone number or a Messaging Service; Twilio accepts none to an alphanumeric ID. */
export function canReceiveReplies(kind: SenderKind): boolean {
  return kind !== 'alphanumeric';
}

export const SENDER_ID_MAX = 11;

export type SenderIdRule =
  | 'required'
  | 'too_long'
  | 'invalid_character'
  | 'needs_letter'
  | 'edge_space'
  | 'reserved_word';

export type SenderIdCheck =
  | { ok: true; senderId: string }
  | { ok: false; rule: SenderIdRule; message: string };

/**
 * An alphanumeric sender ID as Twilio and the ACMA Register accept it: 1–11 characters, only ASCII
 * letters, digits and spaces, at least one letter (an all-digit ID would pass for a phone number).
 * Two ACMA rules on top: no space at either end, and never the word "Unverified" (the label carriers
 * put on unregistered IDs).
 */
export function checkSenderId(input: string): SenderIdCheck {
  if (input.length === 0) return { ok: false, rule: 'required', message: 'Enter a sender ID.' };
  if (input.length > SENDER_ID_MAX) {
    return {
      ok: false,
      rule: 'too_long',
      message: `A sender ID has at most ${SENDER_ID_MAX} characters; "${input}" has ${input.length}.`,
    };
  }
  const bad = [...input].find((ch) => !/^[A-Za-z0-9 ]$/.test(ch));
  if (bad !== undefined) {
    return {
      ok: false,
      rule: 'invalid_character',
      message: `Only letters A–Z, digits and spaces are allowed; "${bad}" is not.`,
    };
  }
  if (!/[A-Za-z]/.test(input)) {
    return {
      ok: false,
      rule: 'needs_letter',
      message: 'A sender ID needs at least one letter (digits only would look like a phone number).',
    };
  }
  if (input.startsWith(' ') || input.endsWith(' ')) {
    return { ok: false, rule: 'edge_space', message: 'A sender ID cannot start or end with a space.' };
  }
  if (/unverified/i.test(input)) {
    return {
      ok: false,
      rule: 'reserved_word',
      message: 'A sender ID cannot contain "Unverified": carriers use that word for unregistered IDs.',
    };
  }
  return { ok: true, senderId: input };
}

const MG_SID = /^MG[0-9a-fA-F]{32}$/;

/** A Messaging Service sid as Twilio issues them (MG + 32 hex digits). */
export function isMessagingServiceSid(s: string): boolean {
  return MG_SID.test(s);
}
