// One HTTP attempt of a webhook delivery: sign, POST with a 10 s timeout, never follow redirects,
// keep the status, the latency and the first 1 KB of the answer.

import { DELIVERY_TIMEOUT_MS, RESPONSE_SNIPPET_BYTES } from '../domain/webhook-retry';
import { SIGNATURE_HEADER, signatureHeader } from '../domain/webhook-signature';

export type AttemptOutcome = {
  /** The receiver's HTTP status; null when it timed out or could not be reached. */
  status: number | null;
  latencyMs: number;
  error: string | null;
  snippet: string | null;
};

export type AttemptOptions = {
  now: Date;
  timeoutMs?: number;
  fetchFn?: typeof fetch;
  headers: { eventId: string; eventType: string; deliveryId: string; attempt: number };
};

export const USER_AGENT = 'SMS-Campaigns-Webhooks/1.0';

/** Reads at most `max` bytes of a body, then lets the rest go. */
async function readSnippet(res: Response, max = RESPONSE_SNIPPET_BYTES): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const all = new Uint8Array(Math.min(size, max));
  let offset = 0;
  for (const c of chunks) {
    const part = c.subarray(0, Math.min(c.byteLength, all.byteLength - offset));
    all.set(part, offset);
    offset += part.byteLength;
    if (offset >= all.byteLength) break;
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(all);
  return text === '' ? null : text;
}

function describeError(err: unknown, timeoutMs: number): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeoutMs / 1000} s`;
  const message = err instanceof Error ? err.message : String(err);
  return `could not connect: ${message}`.slice(0, 300);
}

export async function attemptDelivery(
  url: string,
  body: string,
  secret: string,
  opts: AttemptOptions,
): Promise<AttemptOutcome> {
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const fetchFn = opts.fetchFn ?? fetch;
  const t = Math.floor(opts.now.getTime() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    [SIGNATURE_HEADER]: await signatureHeader(secret, body, t),
    'X-Webhook-Id': opts.headers.eventId,
    'X-Webhook-Event': opts.headers.eventType,
    'X-Webhook-Delivery': opts.headers.deliveryId,
    'X-Webhook-Attempt': String(opts.headers.attempt),
  };
  const started = Date.now();
  try {
    const res = await fetchFn(url, {
      method: 'POST',
      headers,
      body,
      // A redirect is an answer, not a success: following it could lead anywhere.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const snippet = await readSnippet(res).catch(() => null);
    return {
      status: res.status,
      latencyMs: Date.now() - started,
      error: res.status >= 300 && res.status < 400 ? 'redirects are not followed' : null,
      snippet,
    };
  } catch (err) {
    return {
      status: null,
      latencyMs: Date.now() - started,
      error: describeError(err, timeoutMs),
      snippet: null,
    };
  }
}
