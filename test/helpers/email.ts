// Email test doubles: a fake `send_email` binding, a Resend-shaped fetch mock, a console that
// remembers every line, and a way to call the Worker with another environment (production, a
// provider) and wait for what it sends after the response.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { type MockInstance, vi } from 'vitest';
import worker from '../../workers/index';
import { BASE } from './fixtures';

export type SentMessage = {
  from: { email: string; name: string };
  to: string;
  subject: string;
  text: string;
  html: string;
};

/** A stand-in for `env.EMAIL` that records each message, or fails like the binding does. */
export function fakeEmailBinding(fail?: Error) {
  const sent: SentMessage[] = [];
  const binding = {
    send: vi.fn(async (message: SentMessage) => {
      if (fail) throw fail;
      sent.push(message);
      return { messageId: `<${sent.length}@fake>` };
    }),
  };
  return { binding: binding as unknown as SendEmail, sent, send: binding.send };
}

/** A production deployment on Cloudflare Email Service (the binding is given by the test). */
export function productionEnv(overrides: Partial<Env> = {}): Partial<Env> & { ENVIRONMENT: string } {
  return {
    ENVIRONMENT: 'production',
    EMAIL_PROVIDER: 'cloudflare',
    EMAIL_FROM: 'login@sms.example.test',
    EMAIL_FROM_NAME: 'Acme SMS',
    ...overrides,
  };
}

export type ResendCall = { url: string; headers: Headers; body: Record<string, unknown> };

/** Mocks fetch for Resend's API only; any other host fails the test loudly. */
export function mockResend(answer: () => Response | Promise<Response>) {
  const calls: ResendCall[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    if (new URL(req.url).origin !== 'https://api.resend.com') throw new Error(`unexpected fetch ${req.url}`);
    calls.push({ url: req.url, headers: req.headers, body: (await req.json()) as Record<string, unknown> });
    return answer();
  });
  return { calls, spy };
}

/** Every console line the Worker writes from now on (and silences them). */
export function captureConsole() {
  const lines: string[] = [];
  const spies: MockInstance[] = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (a instanceof Error ? `${a.message}` : String(a))).join(' '));
    }),
  );
  return {
    lines,
    text: () => lines.join('\n'),
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

/** Calls the Worker with env overrides and waits for its waitUntil work (emails sent after the answer). */
export async function callWith(overrides: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}${path}`, { redirect: 'manual', ...init }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    { ...env, ...overrides } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

export function requestLink(overrides: Partial<Env>, email: string, ip = '203.0.113.50') {
  return callWith(overrides, '/auth/magic-link', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
    body: JSON.stringify({ email }),
  });
}

/** The sign-in link in an email's text part. */
export function linkIn(text: string): string {
  const m = text.match(/https:\/\/\S+\/auth\/verify\?token=[\w-]+/);
  if (!m) throw new Error(`no sign-in link in:\n${text}`);
  return m[0];
}
