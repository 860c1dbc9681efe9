// The health check for sign-in email, from configuration only. The email-senders work exports
// `emailHealth(env, control)` from workers/providers/ (which also counts recent send failures);
// when it lands, workers/ops/health.ts calls that instead and this file goes.
import { type HealthCheck, isLocalEnvironment, looksLikePlaceholder } from '../domain/config-checks';

export type EmailEnv = {
  ENVIRONMENT?: string;
  EMAIL_PROVIDER?: string;
  EMAIL_FROM?: string;
  RESEND_API_KEY?: string;
  EMAIL?: unknown;
};

export const EMAIL_PROVIDERS = ['cloudflare', 'resend', 'outbox'] as const;

/** `name@domain.tld` or `Sender Name <name@domain.tld>`. */
const FROM = /^(?:[^<>]*<\s*)?([^\s@<>]+@([^\s@<>]+\.[^\s@<>]+?))\s*>?$/;

function fromProblem(value: string | undefined): string | null {
  const v = value?.trim() ?? '';
  if (v === '') return 'EMAIL_FROM is not set (e.g. "Acme SMS <login@mail.acme.com.au>")';
  const m = FROM.exec(v);
  if (!m) return 'EMAIL_FROM is not an email address';
  if (/(^|\.)example\.(com|net|org)$/i.test(m[2] ?? '')) return 'EMAIL_FROM is still an example.com address';
  return null;
}

export function emailConfigCheck(env: EmailEnv): HealthCheck {
  const name = 'email';
  const local = isLocalEnvironment(env);
  const provider = (env.EMAIL_PROVIDER ?? '').trim().toLowerCase();
  if (provider === '' || provider === 'outbox') {
    if (local) return { name, ok: true, detail: 'development outbox (GET /dev/outbox)' };
    return {
      name,
      ok: false,
      detail:
        provider === ''
          ? 'EMAIL_PROVIDER is not set: sign-in emails are dropped, so nobody can sign in; set it to cloudflare or resend'
          : 'EMAIL_PROVIDER is outbox, which is for local runs only: sign-in emails never leave the Worker',
    };
  }
  if (!(EMAIL_PROVIDERS as readonly string[]).includes(provider)) {
    return {
      name,
      ok: false,
      detail: `EMAIL_PROVIDER "${provider.slice(0, 20)}" is not one of ${EMAIL_PROVIDERS.join(', ')}`,
    };
  }
  const problems: string[] = [];
  if (provider === 'cloudflare') {
    const binding = env.EMAIL as { send?: unknown } | undefined;
    if (typeof binding?.send !== 'function') {
      problems.push('EMAIL_PROVIDER is cloudflare but the [[send_email]] binding EMAIL is missing');
    }
  } else {
    const key = (env.RESEND_API_KEY ?? '').trim();
    if (key === '') problems.push('RESEND_API_KEY is not set: `wrangler secret put RESEND_API_KEY`');
    else if (looksLikePlaceholder(key)) problems.push('RESEND_API_KEY is still a placeholder value');
  }
  const from = fromProblem(env.EMAIL_FROM);
  if (from) problems.push(from);
  if (problems.length > 0) return { name, ok: false, detail: problems.join('; ') };
  const address = FROM.exec((env.EMAIL_FROM ?? '').trim())?.[1] ?? '';
  return {
    name,
    ok: true,
    detail: `${provider === 'cloudflare' ? 'Cloudflare Email Service' : 'Resend'} from ${address}`,
  };
}
