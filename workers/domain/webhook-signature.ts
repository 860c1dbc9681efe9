// The signature on every outbound webhook delivery. Pure (Web Crypto only, no I/O).
//
//   X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// The timestamp is signed with the body, so a captured delivery cannot be replayed later with a
// fresh timestamp; receivers reject signatures older than a few minutes (SIGNATURE_TOLERANCE_S).
import { hmac, timingSafeEqual, toHex } from '../lib/crypto';

export const SIGNATURE_HEADER = 'X-Signature';
/** How old a signature a receiver should accept (the verifier's default). */
export const SIGNATURE_TOLERANCE_S = 300;

export async function signPayload(secret: string, unixSeconds: number, body: string): Promise<string> {
  return toHex(await hmac(secret, 'SHA-256', `${unixSeconds}.${body}`));
}

/** The header value for a body sent at `unixSeconds`. */
export async function signatureHeader(secret: string, body: string, unixSeconds: number): Promise<string> {
  return `t=${unixSeconds},v1=${await signPayload(secret, unixSeconds, body)}`;
}

export type ParsedSignature = { t: number; v1: string[] };

/** `t=…,v1=…[,v1=…]` → its parts; null when malformed. Unknown keys are ignored (future schemes). */
export function parseSignatureHeader(header: string | null | undefined): ParsedSignature | null {
  if (!header) return null;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return null;
      t = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return null;
      v1.push(value);
    }
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'malformed' | 'expired' | 'mismatch' };

/**
 * What a receiver does (also used by our tests as an independent receiver): recompute the HMAC
 * over the raw body, compare in constant time, and refuse timestamps outside the tolerance.
 */
export async function verifySignature(
  header: string | null | undefined,
  body: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_S,
): Promise<VerifyResult> {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSeconds - parsed.t) > toleranceSeconds) return { ok: false, reason: 'expired' };
  const expected = await signPayload(secret, parsed.t, body);
  return parsed.v1.some((v) => timingSafeEqual(v, expected))
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
