// What a dead letter is: Cloudflare's dead-letter queue hands over the body and its own delivery
// count, not the queue the message died on. Every producer's body has its own shape, so the
// source queue is read from the shape (an explicit `queue` field, if a producer adds one, wins).

/** The queues whose consumers send to sms-dlq (wrangler.toml), with their `max_retries`. */
export const SOURCE_QUEUES = {
  'sms-send': { maxRetries: 8 },
  'sms-fanout': { maxRetries: 10 },
  'sms-import': { maxRetries: 5 },
} as const;

export type SourceQueue = keyof typeof SOURCE_QUEUES;
export type DeadLetterQueue = SourceQueue | 'unknown';

/** The row a dead letter's body names, where its owner and its failure reason can be read. */
export type LetterSubject =
  | { kind: 'send_job'; id: string }
  | { kind: 'campaign'; id: string }
  | { kind: 'import_batch'; id: string }
  | null;

export type LetterSource = { queue: DeadLetterQueue; tenantId: string | null; subject: LetterSubject };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function isSourceQueue(q: unknown): q is SourceQueue {
  return typeof q === 'string' && Object.hasOwn(SOURCE_QUEUES, q);
}

/**
 * sms-send `{jobId, tenantId?}`, sms-fanout `{campaignId, tenantId, cursor}`, sms-import
 * `{batchId, seq}`; anything else is 'unknown' (kept, but cannot be retried).
 */
export function inferSource(body: unknown): LetterSource {
  if (!isRecord(body)) return { queue: 'unknown', tenantId: null, subject: null };
  const tenantId = str(body.tenantId);
  const explicit = isSourceQueue(body.queue) ? body.queue : null;
  const jobId = str(body.jobId);
  const campaignId = str(body.campaignId);
  const batchId = str(body.batchId);
  const queue: DeadLetterQueue =
    explicit ??
    (jobId
      ? 'sms-send'
      : campaignId && 'cursor' in body
        ? 'sms-fanout'
        : batchId && typeof body.seq === 'number'
          ? 'sms-import'
          : 'unknown');
  const subject: LetterSubject =
    queue === 'sms-send' && jobId
      ? { kind: 'send_job', id: jobId }
      : queue === 'sms-fanout' && campaignId
        ? { kind: 'campaign', id: campaignId }
        : queue === 'sms-import' && batchId
          ? { kind: 'import_batch', id: batchId }
          : null;
  return { queue, tenantId, subject };
}

/** JSON with object keys sorted at every level: the same body always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Deliveries the message got on its source queue: the dead-letter queue restarts its own count, so
 * this is the source consumer's limit (max_retries + the first delivery).
 */
export function sourceAttempts(queue: DeadLetterQueue, dlqAttempts: number): number {
  return isSourceQueue(queue) ? SOURCE_QUEUES[queue].maxRetries + 1 : Math.max(1, dlqAttempts);
}

/** A body as storable JSON; a body JSON cannot express is kept as its text. */
export function storableBody(body: unknown): unknown {
  try {
    const text = JSON.stringify(body);
    return text === undefined ? { unreadable: String(body) } : JSON.parse(text);
  } catch {
    return { unreadable: String(body).slice(0, 1000) };
  }
}
