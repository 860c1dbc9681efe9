// A local stand-in for Twilio's Messages API (development and benchmarks only; never part of the
// Worker and never routed in production). Plain Node, no dependencies.
//
//   POST /2010-04-01/Accounts/{Sid}/Messages.json   form To, From, Body, StatusCallback, ValidityPeriod
//   GET  /2010-04-01/Accounts/{Sid}/Messages.json   list, filtered by To, From, DateSent>
//   GET  /2010-04-01/Accounts/{Sid}/Messages/{MessageSid}.json
// Basic auth AccountSid:AuthToken as Twilio (401 otherwise), Twilio-shaped errors (21211 for a bad
// To), 201 {sid, status: "queued", ...}; later it POSTs status callbacks (sent, then delivered or
// undelivered with ErrorCode) signed with X-Twilio-Signature exactly as Twilio signs them.
//
// Control (JSON):
//   POST /_sim/config   {failure_rate, api_error_rate, latency_ms, callback_delay_ms, callbacks}
//   POST /_sim/inbound  {from, to, body}   posts a signed inbound SMS to WEBHOOK_BASE/webhooks/twilio/inbound
//   GET  /_sim/messages (?since=ISO)       what it received, with received_at; DELETE clears it
// Env: PORT (8788), WEBHOOK_BASE (http://127.0.0.1:8787), TWILIO_AUTH_TOKEN (else read from .dev.vars),
// TWILIO_ACCOUNT_SID (any when unset), SIM_FAILURE_RATE, SIM_API_ERROR_RATE, SIM_LATENCY_MS,
// SIM_CALLBACK_DELAY_MS, SIM_CALLBACKS=0 to send no status callbacks.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

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
const ACCOUNT_SID = process.env.TWILIO_ACCOUNT_SID ?? null;

const config = {
  failure_rate: Number(process.env.SIM_FAILURE_RATE ?? 0),
  api_error_rate: Number(process.env.SIM_API_ERROR_RATE ?? 0),
  latency_ms: Number(process.env.SIM_LATENCY_MS ?? 0),
  callback_delay_ms: Number(process.env.SIM_CALLBACK_DELAY_MS ?? 1000),
  callbacks: process.env.SIM_CALLBACKS !== '0',
};

/** sid → message; insertion order is arrival order. */
const messages = new Map();
const MAX_KEPT = 200_000;

const E164 = /^\+[1-9]\d{6,14}$/;
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

function authorized(req, accountSid) {
  const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
  const pass = rest.join(':');
  if (user !== accountSid || (ACCOUNT_SID && user !== ACCOUNT_SID)) return false;
  const a = Buffer.from(pass);
  const b = Buffer.from(AUTH_TOKEN);
  return a.length === b.length && timingSafeEqual(a, b);
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
    messaging_service_sid: null,
    uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
  };
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function postSigned(url, params) {
  const body = new URLSearchParams(params).toString();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(AUTH_TOKEN, url, params),
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
  };
  await sleep(config.callback_delay_ms);
  m.status = 'sent';
  m.sentAt = new Date();
  m.updatedAt = m.sentAt;
  await postSigned(m.statusCallback, { ...base, MessageStatus: 'sent', SmsStatus: 'sent' });
  await sleep(config.callback_delay_ms);
  const failed = Math.random() < config.failure_rate;
  m.status = failed ? 'undelivered' : 'delivered';
  m.updatedAt = new Date();
  if (failed) m.errorCode = 30003;
  await postSigned(m.statusCallback, {
    ...base,
    MessageStatus: m.status,
    SmsStatus: m.status,
    ...(failed ? { ErrorCode: '30003' } : {}),
  });
}

async function createMessage(req, res, accountSid) {
  const form = new URLSearchParams(await readBody(req));
  if (config.latency_ms > 0) await sleep(config.latency_ms);
  if (Math.random() < config.api_error_rate) return twilioError(res, 429, 20429, 'Too Many Requests');
  const to = form.get('To') ?? '';
  const from = form.get('From') ?? '';
  const body = form.get('Body') ?? '';
  if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
  if (!from) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
  if (!body) return twilioError(res, 400, 21602, 'Message body is required.');
  if (!E164.test(to))
    return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
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
  send(res, 201, messageJson(m));
  statusCallbacks(m);
}

function listMessages(url, res) {
  const to = url.searchParams.get('To');
  const from = url.searchParams.get('From');
  const after = url.searchParams.get('DateSent>') ?? url.searchParams.get('DateSent>=');
  const afterMs = after ? Date.parse(after) : Number.NEGATIVE_INFINITY;
  const size = Math.min(1000, Number(url.searchParams.get('PageSize') ?? 50));
  const found = [...messages.values()]
    // Like Twilio: a DateSent filter never matches a message without date_sent (still queued).
    .filter(
      (m) =>
        (!to || m.to === to) &&
        (!from || m.from === from) &&
        (!after || (m.sentAt != null && m.sentAt.getTime() >= afterMs)),
    )
    .reverse()
    .slice(0, size);
  send(res, 200, { messages: found.map(messageJson), page: 0, page_size: size, next_page_uri: null });
}

async function control(req, res, url) {
  if (url.pathname === '/_sim/config' && req.method === 'POST') {
    const patch = JSON.parse((await readBody(req)) || '{}');
    for (const k of Object.keys(config))
      if (patch[k] !== undefined) config[k] = k === 'callbacks' ? !!patch[k] : Number(patch[k]);
    return send(res, 200, config);
  }
  if (url.pathname === '/_sim/config' && req.method === 'GET') return send(res, 200, config);
  if (url.pathname === '/_sim/messages' && req.method === 'GET') {
    const since = url.searchParams.get('since');
    const list = [...messages.values()].filter((m) => !since || m.receivedAt >= since);
    return send(res, 200, {
      messages: list.map((m) => ({
        sid: m.sid,
        to: m.to,
        from: m.from,
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
  if (url.pathname === '/_sim/inbound' && req.method === 'POST') {
    const { from, to, body } = JSON.parse((await readBody(req)) || '{}');
    if (!from || !to) return send(res, 400, { error: 'from and to are required' });
    const messageSid = sid('SM');
    const params = {
      AccountSid: ACCOUNT_SID ?? 'AC00000000000000000000000000000000',
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
    };
    const r = await postSigned(`${WEBHOOK_BASE}/webhooks/twilio/inbound`, params);
    return send(res, 200, { message_sid: messageSid, webhook_status: r.status, webhook_response: r.text });
  }
  return send(res, 404, { error: 'unknown simulator route' });
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (url.pathname.startsWith('/_sim/')) return await control(req, res, url);
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/(SM[0-9a-f]{32}))?\.json$/.exec(url.pathname);
    if (!m) return twilioError(res, 404, 20404, 'The requested resource was not found');
    const accountSid = decodeURIComponent(m[1]);
    if (!authorized(req, accountSid)) {
      res.setHeader('www-authenticate', 'Basic realm="Twilio API"');
      return twilioError(res, 401, 20003, 'Authenticate');
    }
    if (m[2]) {
      const found = messages.get(m[2]);
      if (!found || req.method !== 'GET')
        return twilioError(res, 404, 20404, 'The requested resource was not found');
      return send(res, 200, messageJson(found));
    }
    if (req.method === 'POST') return await createMessage(req, res, accountSid);
    if (req.method === 'GET') return listMessages(url, res);
    return twilioError(res, 405, 20004, 'Method not allowed');
  } catch (err) {
    console.error('[twilio-sim]', err);
    if (!res.headersSent) twilioError(res, 500, 20500, 'Internal Server Error');
  }
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`[twilio-sim] Twilio simulator on http://127.0.0.1:${PORT} (callbacks to ${WEBHOOK_BASE})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
