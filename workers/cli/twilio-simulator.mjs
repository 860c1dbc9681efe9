// A local stand-in for Twilio (development and benchmarks only; never part of the Worker and never
// routed in production). Plain Node, no dependencies.
//
//   POST /2010-04-01/Accounts/{Sid}/Messages.json   form To, From (a number or an alphanumeric ID) or
//                                                   MessagingServiceSid, Body, StatusCallback, ValidityPeriod
//   GET  /2010-04-01/Accounts/{Sid}/Messages.json   list, filtered by To, From, DateSent>
//   GET  /2010-04-01/Accounts/{Sid}/Messages/{MessageSid}.json
//   GET  /2010-04-01/Accounts/{Sid}.json             the account (auth token or a Main key only)
//   GET  /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers.json?PhoneNumber=   the account's numbers
//   GET/POST /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers/{PN}.json       fetch; update SmsUrl, SmsMethod
//   GET/POST /v1/Services/{MG}                      Messaging Services (messaging.twilio.com): fetch;
//                                                   update InboundRequestUrl, InboundMethod, UseInboundWebhookOnNumber
// Several accounts (workers/cli/twilio-sim-accounts.mjs), authenticated like Twilio: Basic
// AccountSid:AuthToken (or its secondary token) or ApiKeySid:Secret; wrong credentials 401 (20003),
// credentials of another account than the URL names 404 (20404). Twilio-shaped errors (21211 for a
// bad To); 201 {sid, status: "queued"} (with a Messaging Service: "accepted", the number picked from
// the service); later it POSTs status callbacks (sent, then delivered or undelivered with ErrorCode)
// signed with X-Twilio-Signature by the sending account's auth token, exactly as Twilio signs them.
//
// Seeded accounts: the default (platform) account owns the seed's number +61480000001, wired to
// WEBHOOK_BASE/webhooks/twilio/inbound; a second account (DEMO_ACCOUNT in twilio-sim-accounts.mjs)
// with an API key, numbers +61480000002 (not wired) and +61480000003 (wired elsewhere), and a
// Messaging Service with +61480000004/5. `GET /_sim/accounts` prints every credential.
//
// Control (JSON):
//   POST /_sim/config   {failure_rate, api_error_rate, latency_ms, callback_delay_ms, callbacks, strict_from}
//   POST /_sim/inbound  {from, to, body}   a reply, posted (signed by the number's account) where Twilio
//                       would post it: the number's SmsUrl, or its Messaging Service's inbound URL; a
//                       number the simulator does not know posts to WEBHOOK_BASE/webhooks/twilio/inbound
//   GET  /_sim/messages (?since=ISO)       what it received, with received_at; DELETE clears it
//   GET  /_sim/accounts                    accounts (with their secrets), numbers, services
//   POST /_sim/accounts {sid?, auth_token?, secondary_auth_token?, status?}   add or change an account
//   POST /_sim/keys     {account_sid, type?: "standard"|"main"|"restricted"} a new API key
//   POST /_sim/numbers  {phone, account_sid?, sms_url?, sms_method?, sms?}  add, move or re-point a number
//   DELETE /_sim/numbers?phone=+614...     release a number
//   POST /_sim/services {account_sid, phones, friendly_name?, inbound_request_url?, use_inbound_webhook_on_number?}
// Env: PORT (8788), WEBHOOK_BASE (http://127.0.0.1:8787), TWILIO_AUTH_TOKEN (else read from .dev.vars),
// TWILIO_ACCOUNT_SID (the default account; when unset, any Account SID with the default token is
// accepted, as before), SIM_FAILURE_RATE, SIM_API_ERROR_RATE, SIM_LATENCY_MS, SIM_CALLBACK_DELAY_MS,
// SIM_CALLBACKS=0 to send no status callbacks, SIM_STRICT_FROM=1 to refuse a From number the account
// does not own (Twilio's 21606; off by default so benchmarks can send from any number).
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  DEFAULT_ACCOUNT_SID,
  DEMO_ACCOUNT,
  numberJson,
  SimAccounts,
  serviceJson,
} from './twilio-sim-accounts.mjs';

const PORT = Number(process.env.PORT ?? 8788);
const WEBHOOK_BASE = (process.env.WEBHOOK_BASE ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');

function devVar(name) {
  if (process.env[name]) return process.env[name];
  const file = join(process.cwd(), '.dev.vars');
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && m[1] === name) return m[2].replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

const AUTH_TOKEN = devVar('TWILIO_AUTH_TOKEN') ?? 'dev-auth-token-for-the-local-simulator';
// wrangler.toml's TWILIO_ACCOUNT_SID, unless told otherwise.
const DEFAULT_SID = process.env.TWILIO_ACCOUNT_SID ?? devVar('TWILIO_ACCOUNT_SID') ?? DEFAULT_ACCOUNT_SID;

const sim = new SimAccounts({
  defaultSid: DEFAULT_SID,
  defaultToken: AUTH_TOKEN,
  strictDefault: Boolean(process.env.TWILIO_ACCOUNT_SID),
  webhookBase: WEBHOOK_BASE,
});
sim.seed();

const config = {
  failure_rate: Number(process.env.SIM_FAILURE_RATE ?? 0),
  api_error_rate: Number(process.env.SIM_API_ERROR_RATE ?? 0),
  latency_ms: Number(process.env.SIM_LATENCY_MS ?? 0),
  callback_delay_ms: Number(process.env.SIM_CALLBACK_DELAY_MS ?? 1000),
  callbacks: process.env.SIM_CALLBACKS !== '0',
  strict_from: process.env.SIM_STRICT_FROM === '1',
};

/** sid → message; insertion order is arrival order. */
const messages = new Map();
const MAX_KEPT = 200_000;

const E164 = /^\+[1-9]\d{6,14}$/;
const ALNUM = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const GSM = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXT = new Set('^{}\\[~]|€');

function segments(body) {
  let septets = 0;
  let gsm = true;
  for (const ch of body) {
    if (GSM.has(ch)) septets += 1;
    else if (GSM_EXT.has(ch)) septets += 2;
    else gsm = false;
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  const units = body.length;
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

const sid = (prefix) => prefix + randomBytes(16).toString('hex');
const rfc2822 = (d) => d.toUTCString().replace('GMT', '+0000');

/** Twilio's request signature: HMAC-SHA1 over the URL followed by each POST param (sorted) name+value. */
export function twilioSignature(token, url, params) {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', token).update(data).digest('base64');
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function twilioError(res, status, code, message) {
  send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

function messageJson(m) {
  return {
    sid: m.sid,
    account_sid: m.accountSid,
    to: m.to,
    from: m.from,
    body: m.body,
    status: m.status,
    num_segments: String(m.numSegments),
    num_media: '0',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    date_created: rfc2822(m.createdAt),
    date_updated: rfc2822(m.updatedAt),
    date_sent: m.sentAt ? rfc2822(m.sentAt) : null,
    price: null,
    price_unit: 'USD',
    error_code: m.errorCode,
    error_message: m.errorCode ? 'Unknown destination handset' : null,
    messaging_service_sid: m.messagingServiceSid,
    uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
  };
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function postSigned(url, params, token = AUTH_TOKEN) {
  const body = new URLSearchParams(params).toString();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(token, url, params),
        'user-agent': 'TwilioProxy/1.1',
      },
      body,
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { status: 0, text: String(err) };
  }
}

async function statusCallbacks(m) {
  if (!config.callbacks || !m.statusCallback) return;
  const base = {
    AccountSid: m.accountSid,
    ApiVersion: '2010-04-01',
    From: m.from,
    To: m.to,
    MessageSid: m.sid,
    SmsSid: m.sid,
    ...(m.messagingServiceSid ? { MessagingServiceSid: m.messagingServiceSid } : {}),
  };
  const token = sim.signingToken(m.accountSid);
  await sleep(config.callback_delay_ms);
  m.status = 'sent';
  m.sentAt = new Date();
  m.updatedAt = m.sentAt;
  await postSigned(m.statusCallback, { ...base, MessageStatus: 'sent', SmsStatus: 'sent' }, token);
  await sleep(config.callback_delay_ms);
  const failed = Math.random() < config.failure_rate;
  m.status = failed ? 'undelivered' : 'delivered';
  m.updatedAt = new Date();
  if (failed) m.errorCode = 30003;
  await postSigned(
    m.statusCallback,
    {
      ...base,
      MessageStatus: m.status,
      SmsStatus: m.status,
      ...(failed ? { ErrorCode: '30003' } : {}),
    },
    token,
  );
}

async function createMessage(req, res, accountSid) {
  const form = new URLSearchParams(await readBody(req));
  if (config.latency_ms > 0) await sleep(config.latency_ms);
  if (Math.random() < config.api_error_rate) return twilioError(res, 429, 20429, 'Too Many Requests');
  const to = form.get('To') ?? '';
  let from = form.get('From') ?? '';
  const serviceSid = form.get('MessagingServiceSid');
  const body = form.get('Body') ?? '';
  if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
  if (!from && !serviceSid) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
  if (!body) return twilioError(res, 400, 21602, 'Message body is required.');
  if (!E164.test(to))
    return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  if (serviceSid) {
    const s = sim.services.get(serviceSid);
    if (!s || s.accountSid !== accountSid)
      return twilioError(res, 400, 21701, `The Messaging Service ${serviceSid} does not exist.`);
    if (s.numberSids.length === 0)
      return twilioError(res, 400, 21704, 'The Messaging Service contains no phone numbers.');
    from = sim.pickFromService(s).phoneNumber;
  } else if (E164.test(from)) {
    const owner = sim.numberByPhone(from)?.accountSid;
    if (config.strict_from && owner !== accountSid) {
      return twilioError(
        res,
        400,
        21606,
        `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    }
  } else if (!ALNUM.test(from)) {
    return twilioError(
      res,
      400,
      21212,
      `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
    );
  }
  const validity = form.get('ValidityPeriod');
  if (validity !== null && !(Number(validity) >= 1 && Number(validity) <= 36000)) {
    return twilioError(res, 400, 21623, 'ValidityPeriod must be between 1 and 36000 seconds.');
  }
  const now = new Date();
  const m = {
    sid: sid('SM'),
    accountSid,
    to,
    from,
    messagingServiceSid: serviceSid,
    body,
    status: 'queued',
    numSegments: segments(body),
    createdAt: now,
    updatedAt: now,
    sentAt: null,
    errorCode: null,
    validityPeriod: validity === null ? null : Number(validity),
    statusCallback: form.get('StatusCallback'),
    receivedAt: now.toISOString(),
  };
  messages.set(m.sid, m);
  if (messages.size > MAX_KEPT) messages.delete(messages.keys().next().value);
  // With a Messaging Service Twilio answers "accepted" before it has picked the number.
  send(res, 201, serviceSid ? { ...messageJson(m), status: 'accepted', from: null } : messageJson(m));
  statusCallbacks(m);
}

function listMessages(url, res, accountSid) {
  const to = url.searchParams.get('To');
  const from = url.searchParams.get('From');
  const after = url.searchParams.get('DateSent>') ?? url.searchParams.get('DateSent>=');
  const afterMs = after ? Date.parse(after) : Number.NEGATIVE_INFINITY;
  const size = Math.min(1000, Number(url.searchParams.get('PageSize') ?? 50));
  const found = [...messages.values()]
    // Like Twilio: a DateSent filter never matches a message without date_sent (still queued).
    .filter(
      (m) =>
        m.accountSid === accountSid &&
        (!to || m.to === to) &&
        (!from || m.from === from) &&
        (!after || (m.sentAt != null && m.sentAt.getTime() >= afterMs)),
    )
    .reverse()
    .slice(0, size);
  send(res, 200, { messages: found.map(messageJson), page: 0, page_size: size, next_page_uri: null });
}

/** Where Twilio would post a reply to `to`, signed by whom; null when Twilio would drop it. */
function inboundTarget(to) {
  const n = sim.numberByPhone(to);
  if (!n) {
    // A number the simulator was never told about: the old behaviour, our webhook, default account.
    return { url: `${WEBHOOK_BASE}/webhooks/twilio/inbound`, accountSid: DEFAULT_SID, service: null };
  }
  const service = sim.serviceOfNumber(n);
  const url = service && !service.useInboundWebhookOnNumber ? service.inboundRequestUrl : n.smsUrl;
  return url ? { url, accountSid: n.accountSid, service } : null;
}

async function inbound(res, { from, to, body }) {
  if (!from || !to) return send(res, 400, { error: 'from and to are required' });
  if (!E164.test(to))
    return send(res, 400, { error: `Twilio accepts no replies to ${to}: only phone numbers receive SMS` });
  const target = inboundTarget(to);
  if (!target) {
    return send(res, 200, {
      message_sid: null,
      webhook_status: null,
      dropped: true,
      reason: `${to} has no incoming-message webhook at Twilio: the reply is lost`,
    });
  }
  const messageSid = sid('SM');
  const params = {
    AccountSid: target.accountSid,
    ApiVersion: '2010-04-01',
    Body: body ?? '',
    From: from,
    MessageSid: messageSid,
    NumMedia: '0',
    NumSegments: String(segments(body ?? '')),
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    SmsStatus: 'received',
    To: to,
    ...(target.service ? { MessagingServiceSid: target.service.sid } : {}),
  };
  const r = await postSigned(target.url, params, sim.signingToken(target.accountSid));
  return send(res, 200, {
    message_sid: messageSid,
    webhook_url: target.url,
    webhook_status: r.status,
    webhook_response: r.text,
  });
}

async function control(req, res, url) {
  const json = async () => JSON.parse((await readBody(req)) || '{}');
  if (url.pathname === '/_sim/config' && req.method === 'POST') {
    const patch = await json();
    for (const k of Object.keys(config)) {
      if (patch[k] === undefined) continue;
      config[k] = k === 'callbacks' || k === 'strict_from' ? !!patch[k] : Number(patch[k]);
    }
    return send(res, 200, config);
  }
  if (url.pathname === '/_sim/config' && req.method === 'GET') return send(res, 200, config);
  if (url.pathname === '/_sim/messages' && req.method === 'GET') {
    const since = url.searchParams.get('since');
    const list = [...messages.values()].filter((m) => !since || m.receivedAt >= since);
    return send(res, 200, {
      messages: list.map((m) => ({
        sid: m.sid,
        account_sid: m.accountSid,
        to: m.to,
        from: m.from,
        messaging_service_sid: m.messagingServiceSid,
        body: m.body,
        status: m.status,
        validity_period: m.validityPeriod,
        received_at: m.receivedAt,
      })),
    });
  }
  if (url.pathname === '/_sim/messages' && req.method === 'DELETE') {
    messages.clear();
    return send(res, 200, { cleared: true });
  }
  if (url.pathname === '/_sim/inbound' && req.method === 'POST') return inbound(res, await json());
  if (url.pathname === '/_sim/accounts' && req.method === 'GET') return send(res, 200, sim.snapshot());
  if (url.pathname === '/_sim/accounts' && req.method === 'POST') {
    const b = await json();
    const existing = b.sid ? sim.accounts.get(b.sid) : undefined;
    if (existing) {
      if (b.auth_token) existing.authToken = b.auth_token;
      if (b.secondary_auth_token !== undefined) existing.secondaryAuthToken = b.secondary_auth_token;
      if (b.status) existing.status = b.status;
      return send(
        res,
        200,
        sim.snapshot().accounts.find((a) => a.sid === existing.sid),
      );
    }
    const a = sim.addAccount({
      ...(b.sid ? { sid: b.sid } : {}),
      ...(b.auth_token ? { authToken: b.auth_token } : {}),
      ...(b.status ? { status: b.status } : {}),
    });
    return send(
      res,
      201,
      sim.snapshot().accounts.find((x) => x.sid === a.sid),
    );
  }
  if (url.pathname === '/_sim/keys' && req.method === 'POST') {
    const b = await json();
    if (!sim.accounts.has(b.account_sid)) return send(res, 400, { error: 'unknown account_sid' });
    const k = sim.addKey(b.account_sid, b.type ?? 'standard');
    return send(res, 201, { sid: k.sid, secret: k.secret, account_sid: k.accountSid, type: k.type });
  }
  if (url.pathname === '/_sim/numbers' && req.method === 'POST') {
    const b = await json();
    if (!b.phone || !E164.test(b.phone)) return send(res, 400, { error: 'phone (E.164) is required' });
    const current = sim.numberByPhone(b.phone);
    const accountSid = b.account_sid ?? current?.accountSid ?? DEFAULT_SID;
    if (!sim.accounts.has(accountSid)) return send(res, 400, { error: 'unknown account_sid' });
    const n = sim.addNumber(accountSid, b.phone, {
      smsUrl: b.sms_url ?? current?.smsUrl ?? '',
      smsMethod: b.sms_method ?? current?.smsMethod ?? 'POST',
      sms: b.sms ?? current?.sms ?? true,
    });
    return send(res, current ? 200 : 201, numberJson(n));
  }
  if (url.pathname === '/_sim/numbers' && req.method === 'DELETE') {
    const n = sim.numberByPhone(url.searchParams.get('phone') ?? '');
    if (!n) return send(res, 404, { error: 'no such number' });
    sim.numbers.delete(n.sid);
    for (const s of sim.services.values()) s.numberSids = s.numberSids.filter((x) => x !== n.sid);
    return send(res, 200, { released: n.phoneNumber });
  }
  if (url.pathname === '/_sim/services' && req.method === 'POST') {
    const b = await json();
    if (!sim.accounts.has(b.account_sid)) return send(res, 400, { error: 'unknown account_sid' });
    const s = sim.addService(b.account_sid, {
      phones: b.phones ?? [],
      ...(b.friendly_name ? { friendlyName: b.friendly_name } : {}),
      ...(b.inbound_request_url ? { inboundRequestUrl: b.inbound_request_url } : {}),
      useInboundWebhookOnNumber: !!b.use_inbound_webhook_on_number,
    });
    return send(res, 201, serviceJson(s));
  }
  return send(res, 404, { error: 'unknown simulator route' });
}

const notFound = (res, path) => twilioError(res, 404, 20404, `The requested resource ${path} was not found`);

/** Messaging Services (messaging.twilio.com/v1/Services/{MG}), served on the same port. */
async function messagingApi(req, res, url, who) {
  const m = /^\/v1\/Services\/([^/]+)$/.exec(url.pathname);
  const s = m ? sim.services.get(decodeURIComponent(m[1])) : undefined;
  if (!s || s.accountSid !== who.accountSid) return notFound(res, url.pathname);
  if (req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    if (form.has('InboundRequestUrl')) s.inboundRequestUrl = form.get('InboundRequestUrl') ?? '';
    if (form.has('InboundMethod')) s.inboundMethod = form.get('InboundMethod') ?? 'POST';
    if (form.has('UseInboundWebhookOnNumber'))
      s.useInboundWebhookOnNumber = form.get('UseInboundWebhookOnNumber') === 'true';
  } else if (req.method !== 'GET') {
    return twilioError(res, 405, 20004, 'Method not allowed');
  }
  return send(res, 200, serviceJson(s));
}

async function accountApi(req, res, url, who, accountSid, rest) {
  if (rest === '.json') {
    // Standard API keys may not read the Account resource (only Main keys and the auth token).
    if (who.key && who.key.type !== 'main') return twilioError(res, 403, 20003, 'Permission denied');
    const a = sim.accounts.get(accountSid);
    return send(res, 200, { sid: a.sid, friendly_name: a.friendlyName, status: a.status, type: 'Full' });
  }
  if (who.key?.type === 'restricted' && rest.startsWith('/IncomingPhoneNumbers'))
    return twilioError(res, 403, 20003, 'Permission denied');
  if (rest === '/IncomingPhoneNumbers.json' && req.method === 'GET') {
    // Like Twilio, PhoneNumber matches a part of the number.
    const filter = url.searchParams.get('PhoneNumber');
    const size = Math.min(1000, Number(url.searchParams.get('PageSize') ?? 50));
    const list = [...sim.numbers.values()]
      .filter((n) => n.accountSid === accountSid && (!filter || n.phoneNumber.includes(filter)))
      .slice(0, size);
    return send(res, 200, { incoming_phone_numbers: list.map(numberJson), page: 0, page_size: size });
  }
  const pn = /^\/IncomingPhoneNumbers\/([^/]+)\.json$/.exec(rest);
  if (pn) {
    const n = sim.numbers.get(decodeURIComponent(pn[1]));
    if (!n || n.accountSid !== accountSid) return notFound(res, url.pathname);
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      if (form.has('SmsUrl')) n.smsUrl = form.get('SmsUrl') ?? '';
      if (form.has('SmsMethod')) n.smsMethod = form.get('SmsMethod') ?? 'POST';
    }
    return send(res, 200, numberJson(n));
  }
  const msg = /^\/Messages(?:\/(SM[0-9a-f]{32}))?\.json$/.exec(rest);
  if (!msg) return notFound(res, url.pathname);
  if (msg[1]) {
    const found = messages.get(msg[1]);
    if (!found || found.accountSid !== accountSid || req.method !== 'GET') return notFound(res, url.pathname);
    return send(res, 200, messageJson(found));
  }
  if (req.method === 'POST') return await createMessage(req, res, accountSid);
  if (req.method === 'GET') return listMessages(url, res, accountSid);
  return twilioError(res, 405, 20004, 'Method not allowed');
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (url.pathname.startsWith('/_sim/')) return await control(req, res, url);
    const who = sim.identify(req.headers.authorization);
    if (!who) {
      res.setHeader('www-authenticate', 'Basic realm="Twilio API"');
      return twilioError(res, 401, 20003, 'Authenticate');
    }
    if (url.pathname.startsWith('/v1/')) return await messagingApi(req, res, url, who);
    const m = /^\/2010-04-01\/Accounts\/([^/.]+)(\.json|\/.*)$/.exec(url.pathname);
    if (!m) return notFound(res, url.pathname);
    const accountSid = decodeURIComponent(m[1]);
    // Valid credentials, but for another account than the URL names.
    if (accountSid !== who.accountSid) return notFound(res, url.pathname);
    return await accountApi(req, res, url, who, accountSid, m[2]);
  } catch (err) {
    console.error('[twilio-sim]', err);
    if (!res.headersSent) twilioError(res, 500, 20500, 'Internal Server Error');
  }
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`[twilio-sim] Twilio simulator on http://127.0.0.1:${PORT} (callbacks to ${WEBHOOK_BASE})`);
  console.log(
    `[twilio-sim] default account ${DEFAULT_SID}; a tenant's own account to try in Settings: ${DEMO_ACCOUNT.sid} / auth token ${DEMO_ACCOUNT.authToken} (all: GET /_sim/accounts)`,
  );
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
