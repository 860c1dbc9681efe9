// Two-way conversations (issue 12), the pure parts: what the thread list shows of a message, which
// inbound messages need a person, which of our numbers a reply goes out from, and the thread's
// keyset cursor. No I/O: the queries are in workers/db/conversations.ts and workers/db/thread.ts.

/** How much of the latest message the list keeps. */
export const PREVIEW_CHARS = 160;

/** The start of a message for the thread list: whitespace collapsed, cut at PREVIEW_CHARS. */
export function previewOf(body: string | null | undefined, numMedia = 0): string {
  const text = (body ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return numMedia > 0 ? `(${numMedia === 1 ? 'a picture' : `${numMedia} pictures`})` : '(empty)';
  const chars = [...text];
  return chars.length <= PREVIEW_CHARS ? text : `${chars.slice(0, PREVIEW_CHARS - 1).join('')}…`;
}

/**
 * Whether an inbound message waits for a person: a reply (HELP included: the automatic answer
 * may not be enough) does; a STOP or START was answered automatically and only shows in the thread.
 */
export function needsPerson(eventType: 'REPLIED' | 'OPT_OUT' | 'RESUBSCRIBE'): boolean {
  return eventType === 'REPLIED';
}

export type SenderCandidate = { id: string; phoneE164: string | null; isActive: boolean; kind: string };

/**
 * The number a reply goes out from: the one the person last texted (they expect the answer from
 * it), else the one our last message to them came from, else none (the sender picks the tenant's
 * usual number for them). Inactive senders and senders that cannot take replies are skipped.
 */
export function replySender(
  numbers: SenderCandidate[],
  lastInboundTo: string | null,
  lastUsedNumberIds: (string | null)[],
): SenderCandidate | null {
  const usable = (n: SenderCandidate | undefined): n is SenderCandidate =>
    !!n && n.isActive && n.kind !== 'alphanumeric';
  if (lastInboundTo) {
    const n = numbers.find((x) => x.phoneE164 === lastInboundTo);
    if (usable(n)) return n;
  }
  for (const id of lastUsedNumberIds) {
    const n = numbers.find((x) => x.id === id);
    if (usable(n)) return n;
  }
  return null;
}

/** A thread page's position: the instant and id of the oldest message shown (`<at>|<id>`). */
export function threadCursorKey(at: string, id: string): string {
  return `${at}|${id}`;
}

export function parseThreadCursorKey(key: string): { at: string; id: string } | null {
  const i = key.lastIndexOf('|');
  if (i <= 0) return null;
  const at = key.slice(0, i);
  const id = key.slice(i + 1);
  if (Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  return { at, id };
}
