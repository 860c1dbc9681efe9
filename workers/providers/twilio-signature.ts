// Twilio request validation: base64 HMAC-SHA1 (auth token as key) over the full URL Twilio
// called, followed by every POST parameter name+value sorted by name. Mirrors the official
// helper libraries: values of a repeated parameter are de-duplicated and sorted too.
import { hmac, timingSafeEqual } from '../lib/crypto';

export type TwilioParams = Record<string, string | string[]> | [string, string][];

function grouped(params: TwilioParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const entries: [string, string | string[]][] = Array.isArray(params) ? params : Object.entries(params);
  for (const [name, value] of entries) {
    const list = out.get(name) ?? [];
    if (Array.isArray(value)) list.push(...value);
    else list.push(value);
    out.set(name, list);
  }
  return out;
}

/** The string Twilio signs: url + name1value1 + name2value2 ... (names and values sorted). */
export function signingString(url: string, params: TwilioParams): string {
  const byName = grouped(params);
  let data = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...new Set(byName.get(name))].sort()) data += name + value;
  }
  return data;
}

export async function twilioSignature(authToken: string, url: string, params: TwilioParams): Promise<string> {
  const mac = await hmac(authToken, 'SHA-1', signingString(url, params));
  let bin = '';
  for (const b of mac) bin += String.fromCharCode(b);
  return btoa(bin);
}

const DEFAULT_PORTS: Record<string, string> = { 'https:': '443', 'http:': '80' };
const AUTHORITY = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#]*)(.*)$/is;

/**
 * The URL as given plus its twin with/without the scheme's default port: Twilio signs whatever
 * URL it was configured with, and some setups add or strip `:443`/`:80` on the way.
 */
export function urlVariants(url: string): string[] {
  const m = AUTHORITY.exec(url);
  if (!m) return [url];
  const [, scheme = '', authority = '', rest = ''] = m;
  const defaultPort = DEFAULT_PORTS[scheme.toLowerCase()];
  if (!defaultPort) return [url];
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(authority);
  const host = portMatch?.[1] ?? authority;
  const port = portMatch?.[2];
  if (port === undefined) return [url, `${scheme}//${host}:${defaultPort}${rest}`];
  if (port === defaultPort) return [url, `${scheme}//${host}${rest}`];
  return [url];
}

/** Constant-time check of an `X-Twilio-Signature` header; false when it is missing or empty. */
export async function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: TwilioParams,
  signature: string | null | undefined,
): Promise<boolean> {
  if (!signature || !authToken) return false;
  let ok = false;
  for (const candidate of urlVariants(url)) {
    // No early exit: every variant costs the same whether or not an earlier one matched.
    const expected = await twilioSignature(authToken, candidate, params);
    ok = timingSafeEqual(expected, signature) || ok;
  }
  return ok;
}
