// Shared fakes for the growth tests (issue 14): a fake internet (DNS-over-HTTPS answers, webhook
// receivers, image servers) behind a fetch mock, the webhook queue captured, and a driver for the
// webhook consumer with a pinned clock.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';
import { DOH_ENDPOINT } from '../../workers/integrations/dns';
import type { WebhookMessage } from '../../workers/integrations/events';
import { consumeWebhookBatch } from '../../workers/queues/webhooks';

export type Received = { url: string; method: string; headers: Headers; body: string; at: number };

/** Host → addresses for DNS; `null` = NXDOMAIN. Hosts not listed resolve to a public address. */
export type FakeDns = Record<string, string[] | null>;

export type FakeInternet = {
  received: Received[];
  dnsQueries: string[];
  /** How each non-DNS request is answered (the n-th request to any host, counting from 1). */
  respond: (req: Received, n: number, signal: AbortSignal | null | undefined) => Promise<Response> | Response;
};

export function fakeInternet(
  respond: FakeInternet['respond'] = () => new Response('ok'),
  dns: FakeDns = {},
): FakeInternet {
  const net: FakeInternet = { received: [], dnsQueries: [], respond };
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    if (req.url.startsWith(DOH_ENDPOINT)) {
      const name = url.searchParams.get('name') ?? '';
      const type = url.searchParams.get('type');
      net.dnsQueries.push(`${name}/${type}`);
      const addresses = Object.hasOwn(dns, name) ? dns[name] : ['93.184.216.34', '2606:2800:220:1::1'];
      if (addresses === null) return Response.json({ Status: 3 });
      const want = type === 'AAAA' ? 28 : 1;
      const answers = (addresses ?? [])
        .filter((a) => (a.includes(':') ? 28 : 1) === want)
        .map((data) => ({ name, type: want, TTL: 60, data }));
      return Response.json({ Status: 0, Answer: answers });
    }
    const received: Received = {
      url: req.url,
      method: req.method,
      headers: req.headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? '' : await req.text(),
      at: Date.now(),
    };
    net.received.push(received);
    return net.respond(received, net.received.length, init?.signal);
  });
  return net;
}

/** A fetch answer that never comes: it fails when the caller's timeout aborts it. */
export function hang(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason));
  });
}

export type Sent = { body: WebhookMessage; delaySeconds?: number };

/** Captures what the code puts on the webhook queue (nothing is delivered by itself). */
export function captureWebhookQueue(): Sent[] {
  const sent: Sent[] = [];
  vi.spyOn(env.WEBHOOK_QUEUE, 'sendBatch').mockImplementation(async (msgs) => {
    for (const m of msgs) sent.push({ body: m.body as WebhookMessage, delaySeconds: m.delaySeconds });
    return undefined as unknown as QueueSendBatchResponse;
  });
  vi.spyOn(env.WEBHOOK_QUEUE, 'send').mockImplementation(async (body, o) => {
    sent.push({ body: body as WebhookMessage, delaySeconds: o?.delaySeconds });
    return undefined as unknown as QueueSendResponse;
  });
  return sent;
}

let seq = 0;
/** Runs the webhook consumer on these messages at `now`; returns the queue's verdict. */
export async function runWebhookConsumer(messages: WebhookMessage[], now: Date, timeoutMs = 50) {
  const batch = createMessageBatch<WebhookMessage>(
    'sms-webhooks',
    messages.map((body) => ({ id: `wh-${++seq}`, timestamp: now, attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await consumeWebhookBatch(batch as MessageBatch<unknown>, env, ctx, {
    now: () => now,
    random: () => 0.5,
    timeoutMs,
  });
  return getQueueResult(batch, ctx);
}
