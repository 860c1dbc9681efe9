// Twilio's Messages API over fetch (no SDK: it does not run on Workers and we need two calls).
// The base URL is configurable so local runs talk to workers/cli/twilio-simulator.mjs.
import { z } from 'zod';
import type { TwilioFailure } from '../domain/twilio-errors';
import { type MessageRef, statusCallbackQuery } from '../webhooks/routing';

export type TwilioConfig = {
  apiBase: string;
  accountSid: string;
  authToken: string;
  /**
   * An API key (SK…) to authenticate with instead of the auth token (issue 10: Twilio's
   * recommended credential). URLs still name `accountSid`.
   */
  apiKey?: { sid: string; secret: string };
  /** Where Twilio posts delivery receipts, e.g. https://sms.example.com/webhooks/twilio/status. */
  statusCallback: string;
  timeoutMs?: number;
};

/**
 * One SMS. `from` is an E.164 number or an alphanumeric sender ID; with `messagingServiceSid`
 * (MG…) Twilio picks the number from the service instead. `ref` goes on the StatusCallback URL
 * (`?t=&j=`): Twilio signs the full URL, so the receipt is routed by it.
 */
export type OutgoingSms = {
  to: string;
  body: string;
  /** One image: the message goes as an MMS (issue 14). */
  mediaUrl?: string;
  validityPeriodSeconds?: number;
  ref?: MessageRef;
} & ({ from: string; messagingServiceSid?: undefined } | { messagingServiceSid: string; from?: undefined });

export type SendResult =
  | { ok: true; sid: string; status: string; segments: number | null }
  | { ok: false; failure: TwilioFailure };

export type FoundMessage = {
  sid: string;
  to: string;
  from: string;
  body: string;
  dateCreated: string | null;
};
export type LookupResult = { ok: true; messages: FoundMessage[] } | { ok: false; failure: TwilioFailure };

const MessageJson = z.object({
  sid: z.string().min(1),
  status: z.string().default('queued'),
  num_segments: z.union([z.string(), z.number()]).nullish(),
});
const ListJson = z.object({
  messages: z.array(
    z.object({
      sid: z.string(),
      to: z.string(),
      from: z.string(),
      body: z.string().nullish(),
      date_created: z.string().nullish(),
    }),
  ),
});
const ErrorJson = z.object({ code: z.number().nullish(), message: z.string().nullish() });

export function twilioConfigFromEnv(env: Env): TwilioConfig {
  return {
    apiBase: env.TWILIO_API_BASE.replace(/\/+$/, ''),
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    statusCallback: `${env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/webhooks/twilio/status`,
  };
}

export class TwilioClient {
  constructor(private readonly cfg: TwilioConfig) {}

  private get messagesUrl() {
    return `${this.cfg.apiBase}/2010-04-01/Accounts/${encodeURIComponent(this.cfg.accountSid)}/Messages.json`;
  }

  private get authHeader() {
    const { apiKey } = this.cfg;
    return apiKey
      ? `Basic ${btoa(`${apiKey.sid}:${apiKey.secret}`)}`
      : `Basic ${btoa(`${this.cfg.accountSid}:${this.cfg.authToken}`)}`;
  }

  async send(msg: OutgoingSms): Promise<SendResult> {
    const form = new URLSearchParams({ To: msg.to });
    if (msg.messagingServiceSid !== undefined) form.set('MessagingServiceSid', msg.messagingServiceSid);
    else form.set('From', msg.from);
    form.set('Body', msg.body);
    if (msg.mediaUrl) form.set('MediaUrl', msg.mediaUrl);
    form.set(
      'StatusCallback',
      msg.ref ? `${this.cfg.statusCallback}?${statusCallbackQuery(msg.ref)}` : this.cfg.statusCallback,
    );
    if (msg.validityPeriodSeconds !== undefined)
      form.set('ValidityPeriod', String(msg.validityPeriodSeconds));
    const res = await this.request(this.messagesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    if (!res.ok) return res;
    const parsed = MessageJson.safeParse(res.json);
    if (!parsed.success) {
      // Accepted (2xx) but unreadable: we cannot tell which message it was, so treat it as unknown.
      return { ok: false, failure: { kind: 'network', message: 'unreadable Twilio response' } };
    }
    const segments = parsed.data.num_segments == null ? null : Number(parsed.data.num_segments);
    return {
      ok: true,
      sid: parsed.data.sid,
      status: parsed.data.status,
      segments: Number.isFinite(segments) ? segments : null,
    };
  }

  /**
   * The newest messages To (and From, when known), created on or after `since`. No `DateSent` filter: a message
   * still queued at Twilio has no date_sent yet, and it is exactly the one we must not resend.
   */
  async find(q: { to: string; from: string | null; since: Date }): Promise<LookupResult> {
    // A Messaging Service's message has the number Twilio picked as From: look it up by To alone.
    const params = new URLSearchParams({ To: q.to, PageSize: '50' });
    if (q.from) params.set('From', q.from);
    const res = await this.request(`${this.messagesUrl}?${params}`, { method: 'GET' });
    if (!res.ok) return res;
    const parsed = ListJson.safeParse(res.json);
    if (!parsed.success)
      return { ok: false, failure: { kind: 'network', message: 'unreadable Twilio list' } };
    return {
      ok: true,
      messages: parsed.data.messages
        .filter((m) => !m.date_created || Date.parse(m.date_created) >= q.since.getTime())
        .map((m) => ({
          sid: m.sid,
          to: m.to,
          from: m.from,
          body: m.body ?? '',
          dateCreated: m.date_created ?? null,
        })),
    };
  }

  private async request(
    url: string,
    init: RequestInit,
  ): Promise<{ ok: true; json: unknown } | { ok: false; failure: TwilioFailure }> {
    let res: Response;
    try {
      res = await fetch(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: this.authHeader },
        signal: AbortSignal.timeout(this.cfg.timeoutMs ?? 10_000),
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      if (name === 'TimeoutError' || name === 'AbortError')
        return { ok: false, failure: { kind: 'timeout' } };
      return {
        ok: false,
        failure: { kind: 'network', message: err instanceof Error ? err.message : String(err) },
      };
    }
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.ok) return { ok: true, json };
    const e = ErrorJson.safeParse(json);
    return {
      ok: false,
      failure: {
        kind: 'http',
        httpStatus: res.status,
        code: e.success ? (e.data.code ?? null) : null,
        message: (e.success ? e.data.message : null) ?? (text.slice(0, 200) || res.statusText),
      },
    };
  }
}
