// The address a sender sends as (campaign messages and direct messages alike).
import type { NumberRow } from './types';

/** What a sender sends as: a number or an alphanumeric ID (`from`), or a Messaging Service. */
export function senderAddress(n: NumberRow): { from: string } | { messagingServiceSid: string } | null {
  if (n.kind === 'messaging_service')
    return n.messagingServiceSid ? { messagingServiceSid: n.messagingServiceSid } : null;
  const from = n.kind === 'alphanumeric' ? n.senderId : n.phoneE164;
  return from ? { from } : null;
}
