// Pacing the fan-out (pure): enqueue only what a campaign's senders can send in the next few
// minutes, each job delayed to roughly when its sender will have room, so a million-recipient
// campaign from one slow number waits in the queue instead of looping on permits.

/** How far ahead the fan-out queues work: the next page is due when this much is left to send. */
export const PACING_LOOKAHEAD_SECONDS = 300;
/** Cloudflare Queues' longest delivery delay. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 3600;
export const MAX_PAGE = 500;
export const MIN_PAGE = 20;

export type PacedSender = { perMinuteLimit: number; isActive: boolean };

/** Messages per second the campaign's active senders may send together (their per-minute limits). */
export function sendRate(senders: readonly PacedSender[]): number {
  return senders.filter((s) => s.isActive).reduce((sum, s) => sum + Math.max(0, s.perMinuteLimit), 0) / 60;
}

/** Contacts per fan-out page: about the lookahead's worth of sending, between MIN_PAGE and MAX_PAGE. */
export function pageSize(ratePerSecond: number): number {
  if (!(ratePerSecond > 0)) return MIN_PAGE;
  return Math.max(MIN_PAGE, Math.min(MAX_PAGE, Math.ceil(ratePerSecond * PACING_LOOKAHEAD_SECONDS)));
}

/**
 * The queue delay of each of `count` jobs of a page whose first job is due in `startDelay`
 * seconds: the i-th is due when the senders get to it at `rate`. No rate (no active sender yet)
 * sends at once: the send path then says why it waits.
 */
export function jobDelays(count: number, ratePerSecond: number, startDelay = 0): number[] {
  return Array.from({ length: count }, (_, i) =>
    ratePerSecond > 0
      ? Math.min(MAX_QUEUE_DELAY_SECONDS, Math.floor(startDelay + i / ratePerSecond))
      : Math.min(MAX_QUEUE_DELAY_SECONDS, Math.floor(startDelay)),
  );
}

/**
 * When to fan out the next page, and when that page's first job is due: the next page comes once
 * this one is down to the lookahead's worth of sending, and queues behind what is left of it.
 */
export function nextPage(
  count: number,
  ratePerSecond: number,
  startDelay = 0,
): { delaySeconds: number; startDelay: number } {
  if (!(ratePerSecond > 0)) return { delaySeconds: 0, startDelay: 0 };
  const end = startDelay + count / ratePerSecond;
  const delaySeconds = Math.min(
    MAX_QUEUE_DELAY_SECONDS,
    Math.max(0, Math.floor(end - PACING_LOOKAHEAD_SECONDS)),
  );
  return { delaySeconds, startDelay: Math.max(0, end - delaySeconds) };
}
