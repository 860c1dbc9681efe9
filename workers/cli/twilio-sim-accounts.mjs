// The Twilio simulator's accounts (issue 10): accounts with their auth tokens and API keys, their
// phone numbers (IncomingPhoneNumbers) and Messaging Services, seeded so `npm start` works out of
// the box, and authentication the way Twilio does it. Plain Node, no dependencies.
import { randomBytes, timingSafeEqual } from 'node:crypto';

const hex32 = () => randomBytes(16).toString('hex');
export const newSid = (prefix) => prefix + hex32();

/**
 * A second account, as a tenant would bring its own (paste these into Settings → Twilio account).
 * Fixed values, so docs and local runs can name them. Local development only.
 */
export const DEMO_ACCOUNT = {
  sid: 'AC22222222222222222222222222222222',
  authToken: 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2',
  apiKeySid: 'SK33333333333333333333333333333333',
  apiKeySecret: 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3',
  /** Owned, not wired: adding it as a sender wires it. */
  numberUnwired: '+61480000002',
  /** Owned, wired somewhere else: "Check wiring" shows the mismatch. */
  numberElsewhere: '+61480000003',
  serviceSid: 'MG44444444444444444444444444444444',
  servicePhones: ['+61480000004', '+61480000005'],
};

/** The seed's demo number (workers/cli/seed.mjs), owned by the default account and wired. */
export const SEED_NUMBER = '+61480000001';
export const SEED_NUMBER_SID = `PN${'0'.repeat(31)}1`;
/** wrangler.toml's TWILIO_ACCOUNT_SID: the simulator's default (platform) account. */
export const DEFAULT_ACCOUNT_SID = 'AC00000000000000000000000000000000';

export class SimAccounts {
  /**
   * @param {{defaultSid: string, defaultToken: string, strictDefault: boolean, webhookBase: string}} o
   * strictDefault false: like the simulator always was, any Account SID with the default token is
   * accepted (and becomes an account).
   */
  constructor(o) {
    this.o = o;
    /** @type {Map<string, {sid: string, authToken: string, secondaryAuthToken: string|null, status: string, friendlyName: string}>} */
    this.accounts = new Map();
    /** @type {Map<string, {sid: string, secret: string, accountSid: string, type: string}>} */
    this.keys = new Map();
    /** @type {Map<string, {sid: string, accountSid: string, phoneNumber: string, friendlyName: string, smsUrl: string, smsMethod: string, sms: boolean}>} */
    this.numbers = new Map();
    /** @type {Map<string, {sid: string, accountSid: string, friendlyName: string, inboundRequestUrl: string, inboundMethod: string, useInboundWebhookOnNumber: boolean, numberSids: string[]}>} */
    this.services = new Map();
    this.picks = 0;
  }

  seed() {
    const inbound = `${this.o.webhookBase}/webhooks/twilio/inbound`;
    const main = this.addAccount({
      sid: this.o.defaultSid,
      authToken: this.o.defaultToken,
      friendlyName: 'Platform',
    });
    this.addNumber(main.sid, SEED_NUMBER, {
      sid: `PN${'0'.repeat(31)}1`,
      smsUrl: inbound,
      friendlyName: 'Demo number',
    });
    const demo = this.addAccount({
      sid: DEMO_ACCOUNT.sid,
      authToken: DEMO_ACCOUNT.authToken,
      friendlyName: 'Demo Coffee (own account)',
    });
    this.keys.set(DEMO_ACCOUNT.apiKeySid, {
      sid: DEMO_ACCOUNT.apiKeySid,
      secret: DEMO_ACCOUNT.apiKeySecret,
      accountSid: demo.sid,
      type: 'standard',
    });
    this.addNumber(demo.sid, DEMO_ACCOUNT.numberUnwired, {});
    this.addNumber(demo.sid, DEMO_ACCOUNT.numberElsewhere, { smsUrl: 'https://demo.twil.io/old-reply' });
    this.addService(demo.sid, {
      sid: DEMO_ACCOUNT.serviceSid,
      friendlyName: 'Demo Coffee service',
      phones: DEMO_ACCOUNT.servicePhones,
    });
  }

  addAccount({
    sid = newSid('AC'),
    authToken = hex32(),
    secondaryAuthToken = null,
    status = 'active',
    friendlyName = 'Simulated account',
  } = {}) {
    const a = { sid, authToken, secondaryAuthToken, status, friendlyName };
    this.accounts.set(sid, a);
    return a;
  }

  addKey(accountSid, type = 'standard') {
    const k = { sid: newSid('SK'), secret: hex32(), accountSid, type };
    this.keys.set(k.sid, k);
    return k;
  }

  numberByPhone(phone) {
    for (const n of this.numbers.values()) if (n.phoneNumber === phone) return n;
    return undefined;
  }

  /** Adds a number to an account, or moves and updates it when the phone exists already. */
  addNumber(
    accountSid,
    phoneNumber,
    { sid, smsUrl = '', smsMethod = 'POST', sms = true, friendlyName } = {},
  ) {
    const existing = this.numberByPhone(phoneNumber);
    const n = existing ?? { sid: sid ?? newSid('PN'), phoneNumber };
    Object.assign(n, {
      accountSid,
      smsUrl,
      smsMethod,
      sms,
      friendlyName: friendlyName ?? existing?.friendlyName ?? phoneNumber,
    });
    this.numbers.set(n.sid, n);
    return n;
  }

  addService(
    accountSid,
    {
      sid = newSid('MG'),
      friendlyName = 'Simulated service',
      phones = [],
      inboundRequestUrl = '',
      useInboundWebhookOnNumber = false,
    } = {},
  ) {
    const s = {
      sid,
      accountSid,
      friendlyName,
      inboundRequestUrl,
      inboundMethod: 'POST',
      useInboundWebhookOnNumber,
      numberSids: phones.map((p) => this.addNumber(accountSid, p).sid),
    };
    this.services.set(sid, s);
    return s;
  }

  serviceOfNumber(n) {
    for (const s of this.services.values()) if (s.numberSids.includes(n.sid)) return s;
    return undefined;
  }

  /** Round-robin over the service's numbers, as a stand-in for Twilio's sender pool. */
  pickFromService(s) {
    const sid = s.numberSids[this.picks++ % s.numberSids.length];
    return this.numbers.get(sid);
  }

  /**
   * Who the Basic credentials are, like Twilio: an account with its auth token (or secondary token),
   * or an API key with its secret. Null when they are wrong.
   */
  identify(authorization) {
    const m = /^Basic (.+)$/i.exec(authorization ?? '');
    if (!m) return null;
    const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    const pass = rest.join(':');
    const account = this.accounts.get(user);
    if (account) {
      const ok =
        same(pass, account.authToken) ||
        (account.secondaryAuthToken && same(pass, account.secondaryAuthToken));
      return ok ? { accountSid: account.sid, key: null, user } : null;
    }
    const key = this.keys.get(user);
    if (key) return same(pass, key.secret) ? { accountSid: key.accountSid, key, user } : null;
    // The simulator's old behaviour: any Account SID with the default token.
    if (!this.o.strictDefault && /^AC/.test(user) && same(pass, this.o.defaultToken)) {
      this.addAccount({ sid: user, authToken: this.o.defaultToken });
      return { accountSid: user, key: null, user };
    }
    return null;
  }

  /** The primary auth token of an account: what Twilio signs its webhooks with. */
  signingToken(accountSid) {
    return this.accounts.get(accountSid)?.authToken ?? this.o.defaultToken;
  }

  snapshot() {
    return {
      accounts: [...this.accounts.values()].map((a) => ({
        sid: a.sid,
        auth_token: a.authToken,
        secondary_auth_token: a.secondaryAuthToken,
        status: a.status,
        friendly_name: a.friendlyName,
        api_keys: [...this.keys.values()]
          .filter((k) => k.accountSid === a.sid)
          .map((k) => ({ sid: k.sid, secret: k.secret, type: k.type })),
      })),
      numbers: [...this.numbers.values()].map(numberJson),
      services: [...this.services.values()].map((s) => ({
        ...serviceJson(s),
        phone_numbers: s.numberSids.map((sid) => this.numbers.get(sid)?.phoneNumber),
      })),
    };
  }
}

function same(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

export function numberJson(n) {
  return {
    sid: n.sid,
    account_sid: n.accountSid,
    phone_number: n.phoneNumber,
    friendly_name: n.friendlyName,
    sms_url: n.smsUrl,
    sms_method: n.smsMethod,
    capabilities: { sms: n.sms, mms: false, voice: true },
    uri: `/2010-04-01/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}.json`,
  };
}

export function serviceJson(s) {
  return {
    sid: s.sid,
    account_sid: s.accountSid,
    friendly_name: s.friendlyName,
    inbound_request_url: s.inboundRequestUrl || null,
    inbound_method: s.inboundMethod,
    use_inbound_webhook_on_number: s.useInboundWebhookOnNumber,
    url: `https://messaging.twilio.com/v1/Services/${s.sid}`,
  };
}
