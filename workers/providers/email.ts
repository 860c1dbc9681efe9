// Where the platform's emails go. Configuration picks one provider:
//   EMAIL_PROVIDER=cloudflare  Cloudflare Email Service through the `EMAIL` send_email binding
//   EMAIL_PROVIDER=resend      Resend's HTTP API with the RESEND_API_KEY secret
//   EMAIL_PROVIDER=outbox      the development outbox (GET /dev/outbox); local runs only
// with EMAIL_FROM (a bare address on a domain onboarded with the provider) and EMAIL_FROM_NAME.
// Local runs (ENVIRONMENT development/test) always keep the outbox; a provider configured there is
// called as well, so `wrangler dev` exercises the real send_email code path (wrangler simulates the
// binding: it logs the message and writes it to a local file, and sends nothing).
// Nothing here ever logs a link or a token; production never logs an address in full.
import { lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { devOutbox, type EmailKind, type EmailProviderName, emailFailures } from '../db/schema';
import type { RenderedEmail } from './email-messages';

export type OutgoingEmail = RenderedEmail & {
  to: string;
  kind: EmailKind;
  /** The sign-in link the email carries; kept only by the development outbox. */
  link: string;
};

export interface EmailSender {
  readonly provider: EmailProviderName | 'outbox';
  /** Resolves once the provider accepted the message; throws EmailDeliveryError otherwise. */
  send(email: OutgoingEmail): Promise<void>;
}

/** The provider refused the message or never answered. Carries no address and no link. */
export class EmailDeliveryError extends Error {
  constructor(
    readonly provider: EmailProviderName,
    /** The provider's HTTP status; null when there was no HTTP answer (binding error, timeout). */
    readonly status: number | null,
    readonly reason: string,
  ) {
    super(`${provider} ${status ?? 'no answer'}: ${reason}`);
  }
}

export type EmailEnv = Pick<Env, 'ENVIRONMENT'> &
  Partial<Pick<Env, 'EMAIL_PROVIDER' | 'EMAIL_FROM' | 'EMAIL_FROM_NAME' | 'RESEND_API_KEY'>> & {
    EMAIL?: Pick<SendEmail, 'send'>;
  };

export const DEFAULT_FROM_NAME = 'SMS Campaigns';
export const RESEND_ENDPOINT = 'https://api.resend.com/emails';
const PROVIDER_TIMEOUT_MS = 10_000;

export function isDevelopment(env: Pick<Env, 'ENVIRONMENT'>) {
  return env.ENVIRONMENT === 'development' || env.ENVIRONMENT === 'test';
}

/** "a***@example.com": enough for an operator to tell two failures apart, not enough to read. */
export function redactAddress(address: string) {
  const at = address.lastIndexOf('@');
  return at < 0 ? '***' : `${address.slice(0, 1)}***${address.slice(at)}`;
}

/** A provider's error text, safe to log and store: no addresses, no URLs, one short line. */
export function safeReason(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : value instanceof Error
        ? [(value as Error & { code?: unknown }).code, value.message].filter(Boolean).join(': ')
        : 'unknown error';
  return (
    text
      .replace(/https?:\/\/\S+/gi, '<link>')
      .replace(/[^\s@<>"']+@[^\s@<>"']+/g, '<address>')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 200) || 'unknown error'
  );
}

export class DevOutboxSender implements EmailSender {
  readonly provider = 'outbox';
  constructor(
    private readonly control: Db,
    private readonly echo: boolean,
  ) {}

  async send(email: OutgoingEmail) {
    await this.control.insert(devOutbox).values({
      id: uuidv7(),
      to: email.to,
      subject: email.subject,
      text: email.text,
      link: email.link,
    });
    // Local only: the link is what a developer needs to sign in.
    if (this.echo) console.log(`[dev outbox] to ${email.to}: ${email.subject}\n  ${email.link}`);
  }
}

type From = { email: string; name: string };

/** Cloudflare Email Service: `env.EMAIL.send({from, to, subject, text, html})` (public beta). */
export class CloudflareEmailSender implements EmailSender {
  readonly provider = 'cloudflare';
  constructor(
    private readonly binding: Pick<SendEmail, 'send'>,
    private readonly from: From,
  ) {}

  async send(email: OutgoingEmail) {
    try {
      await this.binding.send({
        from: { email: this.from.email, name: this.from.name },
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
      });
    } catch (err) {
      // The binding throws an Error whose `code`/message says why (sender not verified, limits, ...).
      throw new EmailDeliveryError('cloudflare', null, safeReason(err));
    }
  }
}

/** `"Name" <address>` with the name quoted, so a comma or angle bracket in it cannot add a recipient. */
export function formatFrom(from: From): string {
  const name = from.name.replace(/[\r\n"\\]/g, ' ').trim();
  return name ? `"${name}" <${from.email}>` : from.email;
}

/** Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email). */
export class ResendEmailSender implements EmailSender {
  readonly provider = 'resend';
  constructor(
    private readonly apiKey: string,
    private readonly from: From,
  ) {}

  async send(email: OutgoingEmail) {
    let res: Response;
    try {
      res = await fetch(RESEND_ENDPOINT, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          from: formatFrom(this.from),
          to: [email.to],
          subject: email.subject,
          text: email.text,
          html: email.html,
        }),
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      throw new EmailDeliveryError('resend', null, timedOut ? 'timed out' : safeReason(err));
    }
    const body = (await res.json().catch(() => null)) as { name?: unknown; message?: unknown } | null;
    if (!res.ok) {
      // Resend answers {statusCode, name, message}; the name is a stable code (validation_error, ...).
      const reason = [body?.name, body?.message].filter((v) => typeof v === 'string').join(': ');
      throw new EmailDeliveryError('resend', res.status, safeReason(reason || res.statusText));
    }
  }
}

/** Local runs: the outbox always, and the configured provider too. */
class LocalTeeSender implements EmailSender {
  readonly provider;
  constructor(
    private readonly outbox: DevOutboxSender,
    private readonly real: EmailSender,
  ) {
    this.provider = real.provider;
  }

  async send(email: OutgoingEmail) {
    await this.outbox.send(email);
    await this.real.send(email);
  }
}

export type EmailSetup = {
  /** What sends: null when nothing will (production without a complete configuration). */
  sender: EmailSender | null;
  /** What is wrong with the configuration, naming the setting to fix; null when nothing is. */
  problem: string | null;
  /** One line for health: the provider and the sender address. */
  description: string;
};

const ADDRESS = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;

function providerFor(env: EmailEnv, name: EmailProviderName): { sender: EmailSender } | { problem: string } {
  const missing: string[] = [];
  const from = (env.EMAIL_FROM ?? '').trim();
  if (!from) missing.push('EMAIL_FROM (the sender address, a var)');
  else if (!ADDRESS.test(from))
    return {
      problem: `EMAIL_FROM must be a bare address such as login@example.com (put the name in EMAIL_FROM_NAME); it is "${from}"`,
    };
  if (name === 'cloudflare' && typeof env.EMAIL?.send !== 'function')
    missing.push('the EMAIL send_email binding ([[send_email]] name = "EMAIL" in wrangler.toml)');
  if (name === 'resend' && !(env.RESEND_API_KEY ?? '').trim())
    missing.push('RESEND_API_KEY (a secret: wrangler secret put RESEND_API_KEY)');
  if (missing.length) return { problem: `EMAIL_PROVIDER=${name} needs ${missing.join(' and ')}` };
  const sender = { email: from, name: (env.EMAIL_FROM_NAME ?? '').trim() || DEFAULT_FROM_NAME };
  return {
    sender:
      name === 'cloudflare'
        ? new CloudflareEmailSender(env.EMAIL as Pick<SendEmail, 'send'>, sender)
        : new ResendEmailSender((env.RESEND_API_KEY ?? '').trim(), sender),
  };
}

/** Reads the email configuration. Cheap and synchronous: call it per email. */
export function emailSetup(env: EmailEnv, control: Db): EmailSetup {
  const local = isDevelopment(env);
  const name = (env.EMAIL_PROVIDER ?? '').trim().toLowerCase();
  const outbox = new DevOutboxSender(control, env.ENVIRONMENT === 'development');
  const fromLine = `from ${formatFrom({ email: (env.EMAIL_FROM ?? '').trim(), name: (env.EMAIL_FROM_NAME ?? '').trim() || DEFAULT_FROM_NAME })}`;

  if (name === '' || name === 'outbox') {
    if (local) return { sender: outbox, problem: null, description: 'development outbox (GET /dev/outbox)' };
    return {
      sender: null,
      problem:
        name === ''
          ? 'EMAIL_PROVIDER is not set: set it to "cloudflare" or "resend" (with EMAIL_FROM), or nobody can sign in'
          : 'EMAIL_PROVIDER=outbox only works in local runs: set it to "cloudflare" or "resend"',
      description: 'no email provider',
    };
  }
  if (name !== 'cloudflare' && name !== 'resend') {
    return {
      sender: local ? outbox : null,
      problem: `EMAIL_PROVIDER="${name}" is not one of cloudflare, resend, outbox`,
      description: 'no email provider',
    };
  }
  const found = providerFor(env, name);
  if ('problem' in found) {
    return { sender: local ? outbox : null, problem: found.problem, description: `${name} (incomplete)` };
  }
  return {
    sender: local ? new LocalTeeSender(outbox, found.sender) : found.sender,
    problem: null,
    description: `${name} ${fromLine}${local ? ', plus the development outbox' : ''}`,
  };
}

export type DeliveryOutcome =
  | { status: 'sent' }
  | { status: 'not_configured'; detail: string }
  | { status: 'failed'; detail: string; providerStatus: number | null };

/** How long a failure row is kept: health looks back one hour; a week helps an operator's inquiry. */
const FAILURE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Sends one email and never throws: a missing configuration or a provider failure is logged (one
 * line, naming the setting or the provider's status; never the link) and failures are recorded
 * for health. The caller decides what the person sees.
 */
export async function deliverEmail(
  env: EmailEnv,
  control: Db,
  email: OutgoingEmail,
  now = new Date(),
): Promise<DeliveryOutcome> {
  const setup = emailSetup(env, control);
  const what = `${email.kind} for ${redactAddress(email.to)}`;
  if (!setup.sender) {
    const problem = setup.problem ?? 'no email provider configured';
    console.error(`email not sent (${what}): ${problem}`);
    return { status: 'not_configured', detail: problem };
  }
  // Local runs still reach the outbox; say once per email what the real provider is missing.
  if (setup.problem) console.error(`email configuration (${what} went to the outbox only): ${setup.problem}`);
  try {
    await setup.sender.send(email);
    return { status: 'sent' };
  } catch (err) {
    const failure =
      err instanceof EmailDeliveryError
        ? err
        : new EmailDeliveryError(
            setup.sender.provider === 'resend' ? 'resend' : 'cloudflare',
            null,
            safeReason(err),
          );
    console.error(
      `email not sent (${what}): ${failure.provider} answered ${failure.status ?? 'nothing'} (${failure.reason})`,
    );
    await recordFailure(control, email.kind, failure, now).catch((dbErr) =>
      console.error('could not record the email failure', safeReason(dbErr)),
    );
    return {
      status: 'failed',
      detail: `${failure.provider} answered ${failure.status ?? 'nothing'} (${failure.reason})`,
      providerStatus: failure.status,
    };
  }
}

async function recordFailure(control: Db, kind: EmailKind, failure: EmailDeliveryError, now: Date) {
  await control.batch([
    control.insert(emailFailures).values({
      id: uuidv7(),
      provider: failure.provider,
      kind,
      status: failure.status,
      reason: failure.reason,
      createdAt: now.toISOString(),
    }),
    control
      .delete(emailFailures)
      .where(lt(emailFailures.createdAt, new Date(now.getTime() - FAILURE_RETENTION_MS).toISOString())),
  ]);
}
