// The rest of Twilio's REST API that senders need (issue 10), over fetch: the account itself,
// IncomingPhoneNumbers (find a number, read and set where its incoming messages go) and Messaging
// Services. Messaging Services live on another host (messaging.twilio.com), so there are two bases:
// TWILIO_API_BASE and TWILIO_MESSAGING_API_BASE (both point at the local simulator in development).
import { z } from 'zod';

/** Who we are at Twilio: the account, its auth token, and optionally an API key to call with. */
export type TwilioCredentials = {
  accountSid: string;
  /** The account's auth token: Twilio signs webhooks with it; it authenticates calls unless apiKey is set. */
  authToken: string;
  apiKey?: { sid: string; secret: string };
};

export type TwilioBases = { api: string; messaging: string };

export function twilioBasesFromEnv(
  env: Pick<Env, 'TWILIO_API_BASE'> & { TWILIO_MESSAGING_API_BASE?: string },
) {
  const trim = (s: string) => s.replace(/\/+$/, '');
  return {
    api: trim(env.TWILIO_API_BASE),
    messaging: trim(env.TWILIO_MESSAGING_API_BASE || 'https://messaging.twilio.com'),
  } satisfies TwilioBases;
}

/** A Twilio answer: the value, or why not (`status` 0: no answer at all, network or timeout). */
export type RestResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: number | null; message: string };

export type TwilioAccountInfo = { sid: string; friendlyName: string | null; status: string | null };

export type IncomingNumber = {
  sid: string;
  phoneNumber: string;
  friendlyName: string | null;
  smsUrl: string | null;
  smsMethod: string | null;
  /** False when Twilio says the number cannot handle SMS (a voice-only number). */
  sms: boolean;
};

export type MessagingService = {
  sid: string;
  friendlyName: string | null;
  inboundRequestUrl: string | null;
  inboundMethod: string | null;
  /** When true the service hands replies to each number's own SmsUrl instead of its own URL. */
  useInboundWebhookOnNumber: boolean;
};

const AccountJson = z.object({
  sid: z.string(),
  friendly_name: z.string().nullish(),
  status: z.string().nullish(),
});
const NumberJson = z.object({
  sid: z.string(),
  phone_number: z.string(),
  friendly_name: z.string().nullish(),
  sms_url: z.string().nullish(),
  sms_method: z.string().nullish(),
  capabilities: z.object({ sms: z.boolean().nullish() }).partial().nullish(),
});
const NumberListJson = z.object({ incoming_phone_numbers: z.array(NumberJson) });
const ServiceJson = z.object({
  sid: z.string(),
  friendly_name: z.string().nullish(),
  inbound_request_url: z.string().nullish(),
  inbound_method: z.string().nullish(),
  use_inbound_webhook_on_number: z.boolean().nullish(),
});
const ErrorJson = z.object({ code: z.number().nullish(), message: z.string().nullish() });

const numberOf = (n: z.infer<typeof NumberJson>): IncomingNumber => ({
  sid: n.sid,
  phoneNumber: n.phone_number,
  friendlyName: n.friendly_name ?? null,
  smsUrl: n.sms_url || null,
  smsMethod: n.sms_method ?? null,
  sms: n.capabilities?.sms !== false,
});

const serviceOf = (s: z.infer<typeof ServiceJson>): MessagingService => ({
  sid: s.sid,
  friendlyName: s.friendly_name ?? null,
  inboundRequestUrl: s.inbound_request_url || null,
  inboundMethod: s.inbound_method ?? null,
  useInboundWebhookOnNumber: s.use_inbound_webhook_on_number === true,
});

export class TwilioRest {
  constructor(
    private readonly bases: TwilioBases,
    private readonly creds: TwilioCredentials,
    private readonly timeoutMs = 10_000,
  ) {}

  get accountSid() {
    return this.creds.accountSid;
  }

  private get accountPath() {
    return `${this.bases.api}/2010-04-01/Accounts/${encodeURIComponent(this.creds.accountSid)}`;
  }

  /**
   * GET /Accounts/{sid}.json with the account sid and auth token: proves the token belongs to the
   * account. (An API key cannot do this unless it is a Main key: see checkApiKey.)
   */
  async fetchAccountWithAuthToken(): Promise<RestResult<TwilioAccountInfo>> {
    const res = await this.call(`${this.accountPath}.json`, {}, 'auth_token');
    return parsed(res, AccountJson, (a) => ({
      sid: a.sid,
      friendlyName: a.friendly_name ?? null,
      status: a.status ?? null,
    }));
  }

  /**
   * A cheap call a Standard API key may make (it may not read the Account resource): one page of
   * one phone number. Succeeds only when the key belongs to this account.
   */
  async checkApiKey(): Promise<RestResult<true>> {
    const res = await this.call(`${this.accountPath}/IncomingPhoneNumbers.json?PageSize=1`, {});
    return res.ok ? { ok: true, value: true } : res;
  }

  /** The account's number with this E.164, or null when the account does not own it. */
  async findIncomingNumber(phoneE164: string): Promise<RestResult<IncomingNumber | null>> {
    const q = new URLSearchParams({ PhoneNumber: phoneE164, PageSize: '20' });
    const res = await this.call(`${this.accountPath}/IncomingPhoneNumbers.json?${q}`, {});
    return parsed(res, NumberListJson, (l) => {
      const n = l.incoming_phone_numbers.find((x) => x.phone_number === phoneE164);
      return n ? numberOf(n) : null;
    });
  }

  async fetchIncomingNumber(sid: string): Promise<RestResult<IncomingNumber>> {
    const res = await this.call(
      `${this.accountPath}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`,
      {},
    );
    return parsed(res, NumberJson, numberOf);
  }

  /** Points the number's incoming messages at `smsUrl`. */
  async setIncomingNumberSmsUrl(
    sid: string,
    smsUrl: string,
    smsMethod: 'POST' | 'GET' = 'POST',
  ): Promise<RestResult<IncomingNumber>> {
    const res = await this.call(`${this.accountPath}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`, {
      method: 'POST',
      form: { SmsUrl: smsUrl, SmsMethod: smsMethod },
    });
    return parsed(res, NumberJson, numberOf);
  }

  async fetchMessagingService(sid: string): Promise<RestResult<MessagingService>> {
    const res = await this.call(`${this.bases.messaging}/v1/Services/${encodeURIComponent(sid)}`, {});
    return parsed(res, ServiceJson, serviceOf);
  }

  /** Sends the service's replies to `url` (its own inbound URL, not each number's). */
  async setMessagingServiceInbound(sid: string, url: string): Promise<RestResult<MessagingService>> {
    const res = await this.call(`${this.bases.messaging}/v1/Services/${encodeURIComponent(sid)}`, {
      method: 'POST',
      form: { InboundRequestUrl: url, InboundMethod: 'POST', UseInboundWebhookOnNumber: 'false' },
    });
    return parsed(res, ServiceJson, serviceOf);
  }

  private async call(
    url: string,
    init: { method?: 'GET' | 'POST'; form?: Record<string, string> },
    auth: 'auth_token' | 'default' = 'default',
  ): Promise<RestResult<unknown>> {
    const key = auth === 'default' ? this.creds.apiKey : undefined;
    const user = key ? key.sid : this.creds.accountSid;
    const pass = key ? key.secret : this.creds.authToken;
    const headers: Record<string, string> = {
      authorization: `Basic ${btoa(`${user}:${pass}`)}`,
      accept: 'application/json',
    };
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    let res: Response;
    try {
      res = await fetch(url, {
        method: init.method ?? 'GET',
        headers,
        body: init.form ? new URLSearchParams(init.form).toString() : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      return {
        ok: false,
        status: 0,
        code: null,
        message: timedOut ? 'Twilio did not answer in time' : 'Twilio could not be reached',
      };
    }
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.ok) return { ok: true, value: json };
    const e = ErrorJson.safeParse(json);
    return {
      ok: false,
      status: res.status,
      code: e.success ? (e.data.code ?? null) : null,
      message: (e.success ? e.data.message : null) ?? (res.statusText || `HTTP ${res.status}`),
    };
  }
}

function parsed<S extends z.ZodType, T>(
  res: RestResult<unknown>,
  schema: S,
  map: (v: z.infer<S>) => T,
): RestResult<T> {
  if (!res.ok) return res;
  const p = schema.safeParse(res.value);
  if (!p.success)
    return { ok: false, status: 502, code: null, message: 'Twilio answered something unreadable' };
  return { ok: true, value: map(p.data) };
}
