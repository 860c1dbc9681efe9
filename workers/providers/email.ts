import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { devOutbox } from '../db/schema';

export type Email = { to: string; subject: string; text: string; link?: string };

/** Where login emails go. Local runs keep them in an outbox; production plugs a real sender in. */
export interface EmailSender {
  send(email: Email): Promise<void>;
}

export class DevOutboxSender implements EmailSender {
  constructor(
    private readonly db: Db,
    private readonly echo: boolean,
  ) {}

  async send(email: Email) {
    await this.db.insert(devOutbox).values({ id: uuidv7(), ...email, link: email.link ?? null });
    // Local only: the link is what a developer needs to sign in.
    if (this.echo)
      console.log(`[dev outbox] to ${email.to}: ${email.subject}${email.link ? `\n  ${email.link}` : ''}`);
  }
}

/** Until a provider is configured, production records that an email was due, never its content. */
export class UnconfiguredSender implements EmailSender {
  async send(email: Email) {
    console.warn(`email provider not configured; dropped "${email.subject}" for ${redact(email.to)}`);
  }
}

function redact(address: string) {
  const [user = '', domain = ''] = address.split('@');
  return `${user.slice(0, 1)}***@${domain}`;
}

export function isDevelopment(env: Pick<Env, 'ENVIRONMENT'>) {
  return env.ENVIRONMENT === 'development' || env.ENVIRONMENT === 'test';
}

export function emailSenderFor(env: Pick<Env, 'ENVIRONMENT'>, db: Db): EmailSender {
  return isDevelopment(env)
    ? new DevOutboxSender(db, env.ENVIRONMENT === 'development')
    : new UnconfiguredSender();
}
