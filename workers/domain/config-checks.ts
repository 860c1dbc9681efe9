// What GET /healthz says about the Worker's own configuration: pure functions of the variables
// and secrets, no I/O. Details name the setting and what to do; they never contain a secret's value.

export type HealthCheck = {
  name: string;
  ok: boolean;
  detail: string;
  /** Passing, but an operator should know (e.g. no platform Twilio account): never makes health red. */
  warning?: boolean;
};

export type ConfigEnv = {
  ENVIRONMENT?: string;
  PUBLIC_BASE_URL?: string;
  SHORT_LINK_BASE_URL?: string;
  LINK_SECRET?: string;
  LINK_SECRET_PREVIOUS?: string;
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_API_BASE?: string;
};

/** `npm start` and the test suite: the outbox, http URLs and a Twilio simulator are fine here. */
export function isLocalEnvironment(env: { ENVIRONMENT?: string }): boolean {
  return env.ENVIRONMENT === 'development' || env.ENVIRONMENT === 'test';
}

export const MIN_SECRET_LENGTH = 32;

const PLACEHOLDER =
  /change[-_ ]?me|replace[-_ ]?me|placeholder|your[-_ ]?(secret|token|key)|^(todo|tbd|dummy|secret|password|xxx+)$/i;

/** A value copied from an example file or a template, or one character repeated. */
export function looksLikePlaceholder(value: string): boolean {
  const v = value.trim();
  return PLACEHOLDER.test(v) || /^(.)\1*$/.test(v);
}

const pass = (name: string, detail: string, warning = false): HealthCheck => ({
  name,
  ok: true,
  detail,
  ...(warning ? { warning: true } : {}),
});
const fail = (name: string, problems: string[]): HealthCheck => ({
  name,
  ok: false,
  detail: problems.join('; '),
});

function secretProblem(name: string, value: string | undefined, required: boolean): string | null {
  const v = value?.trim() ?? '';
  if (v === '') {
    return required
      ? `${name} is not set: put one with \`wrangler secret put ${name}\` (32+ random bytes)`
      : null;
  }
  if (looksLikePlaceholder(v)) return `${name} is still a placeholder value: put a random one`;
  if (v.length < MIN_SECRET_LENGTH) {
    return `${name} is ${v.length} characters long; use at least ${MIN_SECRET_LENGTH} random characters`;
  }
  return null;
}

/**
 * LINK_SECRET signs every short link. LINK_SECRET_PREVIOUS (during a rotation) verifies links too,
 * so a guessable previous secret lets anyone forge links: both must be real.
 */
export function secretsCheck(env: ConfigEnv): HealthCheck {
  const problems = [
    secretProblem('LINK_SECRET', env.LINK_SECRET, true),
    secretProblem('LINK_SECRET_PREVIOUS', env.LINK_SECRET_PREVIOUS, false),
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) return fail('secrets', problems);
  const rotating = (env.LINK_SECRET_PREVIOUS ?? '').trim() !== '';
  return pass('secrets', `LINK_SECRET is set${rotating ? '; LINK_SECRET_PREVIOUS is set (rotation)' : ''}`);
}

const RESERVED_HOST = /(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$/i;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i;

function urlProblem(
  name: string,
  value: string | undefined,
  local: boolean,
  required: boolean,
): string | null {
  const v = value?.trim() ?? '';
  if (v === '') return required ? `${name} is not set` : null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return `${name} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${name} must be an https:// URL`;
  const host = url.hostname;
  if (/(^|\.)example\.(com|net|org)$/i.test(host)) {
    return `${name} is still ${url.origin}: Twilio's callbacks and every short link would point there`;
  }
  if (!local) {
    if (url.protocol !== 'https:') return `${name} must use https outside local runs`;
    if (LOOPBACK.test(host) || RESERVED_HOST.test(host)) {
      return `${name} is ${url.origin}, which the internet cannot reach`;
    }
  }
  return null;
}

/** PUBLIC_BASE_URL (status callbacks, sign-in links, short links) and the optional short domain. */
export function publicUrlCheck(env: ConfigEnv): HealthCheck {
  const local = isLocalEnvironment(env);
  const problems = [
    urlProblem('PUBLIC_BASE_URL', env.PUBLIC_BASE_URL, local, true),
    urlProblem('SHORT_LINK_BASE_URL', env.SHORT_LINK_BASE_URL, local, false),
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) return fail('public_url', problems);
  const short = (env.SHORT_LINK_BASE_URL ?? '').trim();
  return pass(
    'public_url',
    `PUBLIC_BASE_URL is ${new URL(env.PUBLIC_BASE_URL ?? '').origin}${short ? `; short links on ${new URL(short).origin}` : ''}`,
  );
}

const ACCOUNT_SID = /^AC[0-9a-f]{32}$/i;

/** `AC…1234`: enough to tell accounts apart in a health page, not the whole identifier. */
export function maskSid(sid: string): string {
  return `${sid.slice(0, 2)}…${sid.slice(-4)}`;
}

function isRealAccountSid(sid: string): boolean {
  return ACCOUNT_SID.test(sid) && !/^AC0+$/i.test(sid);
}

/**
 * The platform Twilio account. Tenants may bring their own Twilio credentials, so having no
 * platform account is a warning, not a failure; a half-configured one (an auth token without a
 * real account SID, or the reverse) is a failure, and so is sending credentials over plain http.
 */
export function twilioCheck(env: ConfigEnv): HealthCheck {
  const local = isLocalEnvironment(env);
  const base = (env.TWILIO_API_BASE ?? '').trim() || 'https://api.twilio.com';
  let baseUrl: URL;
  try {
    baseUrl = new URL(base);
  } catch {
    return fail('twilio', ['TWILIO_API_BASE is not a URL']);
  }
  const isTwilio = /(^|\.)twilio\.com$/i.test(baseUrl.hostname);
  if (local && !isTwilio) return pass('twilio', `local Twilio simulator at ${baseUrl.origin}`);

  const problems: string[] = [];
  let warning: string | null = null;
  if (baseUrl.protocol !== 'https:')
    problems.push('TWILIO_API_BASE must use https: it carries the auth token');
  else if (!isTwilio) warning = `TWILIO_API_BASE is ${baseUrl.origin}, not a twilio.com host`;

  const sid = (env.TWILIO_ACCOUNT_SID ?? '').trim();
  const token = (env.TWILIO_AUTH_TOKEN ?? '').trim();
  const realSid = isRealAccountSid(sid);
  const realToken = token !== '' && !looksLikePlaceholder(token);
  if (!realSid && !realToken && problems.length === 0) {
    return pass(
      'twilio',
      'no platform Twilio account (TWILIO_ACCOUNT_SID is unset or the placeholder, TWILIO_AUTH_TOKEN unset): ' +
        'only tenants with their own Twilio credentials can send',
      true,
    );
  }
  if (realSid && !realToken) {
    problems.push(
      token === ''
        ? `TWILIO_AUTH_TOKEN is not set for account ${maskSid(sid)}`
        : 'TWILIO_AUTH_TOKEN is still a placeholder value',
    );
  }
  if (!realSid && realToken) {
    problems.push(
      sid === '' || /^AC0+$/i.test(sid)
        ? 'TWILIO_AUTH_TOKEN is set but TWILIO_ACCOUNT_SID is unset or the all-zero placeholder'
        : 'TWILIO_ACCOUNT_SID is not an account SID (AC followed by 32 hex digits)',
    );
  }
  if (problems.length > 0) return fail('twilio', problems);
  const account = `platform account ${maskSid(sid)}`;
  return warning ? pass('twilio', `${account}; ${warning}`, true) : pass('twilio', account);
}

/** Checks every health check that needs no I/O, in a stable order. */
export function configChecks(env: ConfigEnv): HealthCheck[] {
  return [secretsCheck(env), publicUrlCheck(env), twilioCheck(env)];
}
