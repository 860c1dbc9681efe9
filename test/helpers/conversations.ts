// Issue 12 (conversations, test sends): the Worker called as a tenant with a send queue that
// captures what the routes queue (so a test decides when the send consumer runs, through
// runDirect), plus small lookups of the rows these features write.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import type { Role } from '../../workers/db/schema';
import { directMessages } from '../../workers/db/schema';
import worker from '../../workers/index';
import { BASE, type TestTenant } from './fixtures';
import { captureQueue, type testEnv } from './send-setup';

export type CapturedApi = ReturnType<typeof withCapturedQueues>;

/** `t.api`, but the Worker's SEND_QUEUE and FANOUT_QUEUE only record what they are given. */
export function withCapturedQueues(t: TestTenant) {
  const send = captureQueue<{ messageId: string; tenantId: string }>();
  const fanout = captureQueue<unknown>();
  const e = { ...env, SEND_QUEUE: send, FANOUT_QUEUE: fanout } as unknown as Env;
  const api = async (
    path: string,
    init: { method?: string; json?: unknown; role?: Role; headers?: Record<string, string> } = {},
  ) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${t.keys[init.role ?? 'admin']}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${BASE}/api/v1${path}`, {
        method: init.method ?? (init.json !== undefined ? 'POST' : 'GET'),
        headers,
        body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
      }) as Request<unknown, IncomingRequestCfProperties>,
      e,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  };
  // The shape runDirect takes (send-setup's testEnv()).
  const queues = { env: e, send, fanout } as unknown as ReturnType<typeof testEnv>;
  return { api, send, queues };
}

export async function directRows(t: TestTenant, kind?: 'reply' | 'test' | 'verification') {
  return t.db
    .select()
    .from(directMessages)
    .where(and(eq(directMessages.tenantId, t.tenantId), kind ? eq(directMessages.kind, kind) : undefined))
    .orderBy(directMessages.id);
}
