// A fake Twilio for tests (issue 10): several accounts with their own auth tokens and API keys,
// IncomingPhoneNumbers (list by PhoneNumber, fetch, update SmsUrl/SmsMethod), Messaging Services
// (fetch, update the inbound URL; sends with MessagingServiceSid pick a number of the service),
// alphanumeric `From`, and the Messages API. It authenticates like Twilio: a wrong secret or an
// unknown Account SID is 401 (20003); credentials valid for another account than the URL names
// are 404 (20404). It also signs webhooks with an account's auth token, so tests can play Twilio
// calling us. Install it with `fake.install()` (a fetch spy; undo with vi.restoreAllMocks()).
// workers/cli/twilio-simulator.mjs speaks the same API for local runs.
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { vi } from 'vitest';
import { BASE, call } from './fixtures';

export const FAKE_API_BASE = 'https://twilio.mock';
export const FAKE_MESSAGING_BASE = 'https://messaging.twilio.mock';

const hex32 = () => crypto.randomUUID().replace(/-/g, '');
export const fakeSid = (prefix: string) => `${prefix}${hex32()}`;

export type FakeAccount = {
  sid: string;
  authToken: string;
  /** Twilio's secondary token during a rotation: valid for REST calls, never used to sign webhooks. */
  secondaryAuthToken: string | null;
  status: 'active' | 'suspended' | 'closed';
  friendlyName: string;
};
export type FakeApiKey = {
  sid: string;
  secret: string;
  accountSid: string;
  type: 'standard' | 'main' | 'restricted';
};
export type FakeNumber = {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  smsUrl: string;
  smsMethod: string;
  sms: boolean;
};
export type FakeService = {
  sid: string;
  accountSid: string;
  friendlyName: string;
  inboundRequestUrl: string;
  inboundMethod: string;
  useInboundWebhookOnNumber: boolean;
  numberSids: string[];
};
export type FakeMessage = {
  sid: string;
  accountSid: string;
  to: string;
  /** The number or sender ID it went out from (for a Messaging Service: the number picked). */
  from: string;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  /** Who authenticated the call: the account sid (auth token) or the API key sid. */
  authUser: string;
  form: URLSearchParams;
  dateCreated: string;
};
export type FakeRequest = { method: string; url: string; authUser: string | null; status: number };

type Identity = { accountSid: string; key: FakeApiKey | null; user: string };

const ALNUM = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const E164 = /^\+[1-9]\d{6,14}$/;

export class FakeTwilio {
  readonly accounts = new Map<string, FakeAccount>();
  readonly keys = new Map<string, FakeApiKey>();
  readonly numbers = new Map<string, FakeNumber>();
  readonly services = new Map<string, FakeService>();
  readonly messages: FakeMessage[] = [];
  readonly requests: FakeRequest[] = [];
  /** When set, every call answers this HTTP status (a Twilio outage: 503, or 429). */
  outage: number | null = null;
  /** Twilio's clock for date_created (tests that pin "now" pin it here too). */
  clock: () => Date = () => new Date();
  private picks = 0;

  constructor(
    readonly apiBase = FAKE_API_BASE,
    readonly messagingBase = FAKE_MESSAGING_BASE,
  ) {}

  addAccount(over: Partial<FakeAccount> = {}): FakeAccount {
    const a: FakeAccount = {
      sid: fakeSid('AC'),
      authToken: hex32(),
      secondaryAuthToken: null,
      status: 'active',
      friendlyName: 'Test account',
      ...over,
    };
    this.accounts.set(a.sid, a);
    return a;
  }

  /** The platform account of the test environment (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN). */
  addPlatformAccount(env: Pick<Env, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'>): FakeAccount {
    return this.addAccount({
      sid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      friendlyName: 'Platform',
    });
  }

  addApiKey(accountSid: string, type: FakeApiKey['type'] = 'standard'): FakeApiKey {
    const k: FakeApiKey = { sid: fakeSid('SK'), secret: hex32(), accountSid, type };
    this.keys.set(k.sid, k);
    return k;
  }

  addNumber(accountSid: string, phoneNumber: string, over: Partial<FakeNumber> = {}): FakeNumber {
    const n: FakeNumber = {
      sid: fakeSid('PN'),
      accountSid,
      phoneNumber,
      friendlyName: phoneNumber,
      smsUrl: '',
      smsMethod: 'POST',
      sms: true,
      ...over,
    };
    this.numbers.set(n.sid, n);
    return n;
  }

  addService(accountSid: string, over: Partial<FakeService> & { phones?: string[] } = {}): FakeService {
    const { phones = [], ...rest } = over;
    const s: FakeService = {
      sid: fakeSid('MG'),
      accountSid,
      friendlyName: 'Test service',
      inboundRequestUrl: '',
      inboundMethod: 'POST',
      useInboundWebhookOnNumber: false,
      numberSids: phones.map((p) => this.addNumber(accountSid, p).sid),
      ...rest,
    };
    this.services.set(s.sid, s);
    return s;
  }

  numberByPhone(phone: string): FakeNumber | undefined {
    return [...this.numbers.values()].find((n) => n.phoneNumber === phone);
  }

  /** Routes every fetch to a Twilio host here; any other host fails the test loudly. */
  install() {
    return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      const origin = new URL(req.url).origin;
      if (origin !== this.apiBase && origin !== this.messagingBase)
        throw new Error(`unexpected fetch ${req.url}`);
      return this.handle(req);
    });
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const who = this.identify(req);
    const res = await this.route(req, url, who);
    this.requests.push({
      method: req.method,
      url: req.url,
      authUser: who === 'anonymous' || who === 'denied' ? null : who.user,
      status: res.status,
    });
    return res;
  }

  // ---- webhooks: the fake calling us, signed like Twilio -----------------------------------------

  /** The X-Twilio-Signature an account's (primary) auth token gives these parameters at this URL. */
  signature(accountSid: string, url: string, params: Record<string, string>): string {
    const a = this.accounts.get(accountSid);
    if (!a) throw new Error(`no fake account ${accountSid}`);
    return getExpectedTwilioSignature(a.authToken, url, params);
  }

  /** POSTs a signed webhook to our Worker (the URL must be on the test origin). */
  async post(url: string, accountSid: string, params: Record<string, string>): Promise<Response> {
    if (!url.startsWith(BASE)) throw new Error(`webhook URL ${url} is not ours`);
    return call(url.slice(BASE.length), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': this.signature(accountSid, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  }

  /** A status callback for a message this fake accepted. */
  statusCallback(message: FakeMessage, status: string, extra: Record<string, string> = {}) {
    if (!message.statusCallback) throw new Error('the message had no StatusCallback');
    return this.post(message.statusCallback, message.accountSid, {
      AccountSid: message.accountSid,
      ApiVersion: '2010-04-01',
      From: message.from,
      To: message.to,
      MessageSid: message.sid,
      SmsSid: message.sid,
      MessageStatus: status,
      SmsStatus: status,
      ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
      ...extra,
    });
  }

  /**
   * A reply from `from` to one of the fake's numbers, delivered where Twilio would deliver it: the
   * service's inbound URL, or the number's SmsUrl. Null when that is not our Worker (the reply is
   * lost to us: the case "Check wiring" exists for).
   */
  async inbound(from: string, to: string, body: string): Promise<Response | null> {
    const n = this.numberByPhone(to);
    if (!n) throw new Error(`no fake number ${to}`);
    const service = [...this.services.values()].find((s) => s.numberSids.includes(n.sid));
    const url = service && !service.useInboundWebhookOnNumber ? service.inboundRequestUrl : n.smsUrl;
    if (!url.startsWith(BASE)) return null;
    const sid = fakeSid('SM');
    return this.post(url, n.accountSid, {
      AccountSid: n.accountSid,
      ApiVersion: '2010-04-01',
      Body: body,
      From: from,
      To: to,
      MessageSid: sid,
      SmsSid: sid,
      SmsMessageSid: sid,
      NumMedia: '0',
      NumSegments: '1',
      ...(service ? { MessagingServiceSid: service.sid } : {}),
    });
  }

  // ---- the REST API --------------------------------------------------------------------------------

  private identify(req: Request): Identity | 'anonymous' | 'denied' {
    const m = /^Basic (.+)$/i.exec(req.headers.get('authorization') ?? '');
    if (!m) return 'anonymous';
    const [user = '', ...rest] = atob(m[1] ?? '').split(':');
    const pass = rest.join(':');
    const account = this.accounts.get(user);
    if (account) {
      return pass === account.authToken ||
        (account.secondaryAuthToken !== null && pass === account.secondaryAuthToken)
        ? { accountSid: account.sid, key: null, user }
        : 'denied';
    }
    const key = this.keys.get(user);
    if (key && key.secret === pass) return { accountSid: key.accountSid, key, user };
    return 'denied';
  }

  private async route(req: Request, url: URL, who: Identity | 'anonymous' | 'denied'): Promise<Response> {
    if (this.outage !== null) return error(this.outage, 20500, 'Service unavailable');
    if (who === 'anonymous' || who === 'denied') return error(401, 20003, 'Authenticate');
    const path = url.pathname;
    if (url.origin === this.messagingBase) {
      const m = /^\/v1\/Services\/([^/]+)$/.exec(path);
      const service = m ? this.services.get(decodeURIComponent(m[1] ?? '')) : undefined;
      if (!service || service.accountSid !== who.accountSid) return notFound(path);
      if (req.method === 'POST') {
        const form = new URLSearchParams(await bodyText(req));
        if (form.has('InboundRequestUrl')) service.inboundRequestUrl = form.get('InboundRequestUrl') ?? '';
        if (form.has('InboundMethod')) service.inboundMethod = form.get('InboundMethod') ?? 'POST';
        if (form.has('UseInboundWebhookOnNumber'))
          service.useInboundWebhookOnNumber = form.get('UseInboundWebhookOnNumber') === 'true';
      }
      return Response.json(serviceJson(service));
    }
    const m = /^\/2010-04-01\/Accounts\/([^/.]+)(\.json|\/.*)$/.exec(path);
    if (!m) return notFound(path);
    const accountSid = decodeURIComponent(m[1] ?? '');
    if (accountSid !== who.accountSid) return notFound(path);
    const account = this.accounts.get(accountSid) as FakeAccount;
    const rest = m[2] ?? '';
    if (rest === '.json') {
      if (who.key && who.key.type !== 'main') return error(403, 20003, 'Permission denied');
      return Response.json({
        sid: account.sid,
        friendly_name: account.friendlyName,
        status: account.status,
        type: 'Full',
      });
    }
    if (who.key?.type === 'restricted' && rest.startsWith('/IncomingPhoneNumbers'))
      return error(403, 20003, 'Permission denied');
    if (rest === '/IncomingPhoneNumbers.json' && req.method === 'GET') {
      const filter = url.searchParams.get('PhoneNumber');
      const size = Number(url.searchParams.get('PageSize') ?? 50);
      const list = [...this.numbers.values()]
        .filter((n) => n.accountSid === accountSid && (!filter || n.phoneNumber.includes(filter)))
        .slice(0, size);
      return Response.json({ incoming_phone_numbers: list.map(numberJson), page: 0, page_size: size });
    }
    const pn = /^\/IncomingPhoneNumbers\/([^/]+)\.json$/.exec(rest);
    if (pn) {
      const n = this.numbers.get(decodeURIComponent(pn[1] ?? ''));
      if (!n || n.accountSid !== accountSid) return notFound(path);
      if (req.method === 'POST') {
        const form = new URLSearchParams(await bodyText(req));
        if (form.has('SmsUrl')) n.smsUrl = form.get('SmsUrl') ?? '';
        if (form.has('SmsMethod')) n.smsMethod = form.get('SmsMethod') ?? 'POST';
      }
      return Response.json(numberJson(n));
    }
    if (rest === '/Messages.json' && req.method === 'POST') return this.createMessage(req, account, who);
    if (rest === '/Messages.json' && req.method === 'GET') {
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const found = this.messages
        .filter((x) => x.accountSid === accountSid && (!to || x.to === to) && (!from || x.from === from))
        .reverse()
        .map(messageJson);
      return Response.json({ messages: found, page: 0, page_size: 50 });
    }
    return notFound(path);
  }

  private async createMessage(req: Request, account: FakeAccount, who: Identity): Promise<Response> {
    const form = new URLSearchParams(await bodyText(req));
    const to = form.get('To') ?? '';
    const body = form.get('Body') ?? '';
    const serviceSid = form.get('MessagingServiceSid');
    let from = form.get('From') ?? '';
    if (!E164.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!body) return error(400, 21602, 'Message body is required.');
    if (serviceSid) {
      const s = this.services.get(serviceSid);
      if (!s || s.accountSid !== account.sid)
        return error(400, 21701, 'The Messaging Service does not exist');
      if (s.numberSids.length === 0)
        return error(400, 21704, 'The Messaging Service contains no phone numbers');
      const picked = this.numbers.get(s.numberSids[this.picks++ % s.numberSids.length] ?? '');
      from = picked?.phoneNumber ?? '';
    } else if (E164.test(from)) {
      const owned = [...this.numbers.values()].some(
        (n) => n.phoneNumber === from && n.accountSid === account.sid,
      );
      if (!owned) {
        return error(
          400,
          21606,
          `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
        );
      }
    } else if (!ALNUM.test(from)) {
      return error(
        400,
        21212,
        `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
      );
    }
    const msg: FakeMessage = {
      sid: fakeSid('SM'),
      accountSid: account.sid,
      to,
      from,
      messagingServiceSid: serviceSid,
      body,
      statusCallback: form.get('StatusCallback'),
      authUser: who.user,
      form,
      dateCreated: this.clock().toUTCString(),
    };
    this.messages.push(msg);
    return Response.json(
      { ...messageJson(msg), status: serviceSid ? 'accepted' : 'queued', from: serviceSid ? null : from },
      { status: 201 },
    );
  }
}

function error(status: number, code: number, message: string) {
  return Response.json(
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    { status },
  );
}

const notFound = (path: string) => error(404, 20404, `The requested resource ${path} was not found`);

function numberJson(n: FakeNumber) {
  return {
    sid: n.sid,
    account_sid: n.accountSid,
    phone_number: n.phoneNumber,
    friendly_name: n.friendlyName,
    sms_url: n.smsUrl,
    sms_method: n.smsMethod,
    capabilities: { sms: n.sms, mms: false, voice: true },
  };
}

function serviceJson(s: FakeService) {
  return {
    sid: s.sid,
    account_sid: s.accountSid,
    friendly_name: s.friendlyName,
    inbound_request_url: s.inboundRequestUrl || null,
    inbound_method: s.inboundMethod,
    use_inbound_webhook_on_number: s.useInboundWebhookOnNumber,
  };
}

function messageJson(m: FakeMessage) {
  return {
    sid: m.sid,
    account_sid: m.accountSid,
    to: m.to,
    from: m.from,
    body: m.body,
    status: 'queued',
    messaging_service_sid: m.messagingServiceSid,
    num_segments: '1',
    date_created: m.dateCreated,
    date_sent: null,
  };
}

/** A form body as text (workerd warns on .text() of a form-encoded body). */
async function bodyText(req: Request) {
  return new TextDecoder().decode(await req.arrayBuffer());
}
