// Webhook secrets at rest. A receiver's secret must be usable to sign every delivery, so it cannot
// be hashed like an API key; it is encrypted with AES-256-GCM under a key derived (HKDF) from the
// platform secret WEBHOOK_SIGNING_KEY, and bound to its subscription (the id is the associated
// data), so a copied ciphertext cannot be moved to another endpoint. A database dump alone reveals
// no secret. Format: `v1.<iv>.<ciphertext>` (base64url).
import { base64url, fromBase64url, randomToken } from '../lib/crypto';
import { isDevelopment } from '../providers/email';

export type SecretKeyEnv = Pick<Env, 'ENVIRONMENT' | 'LINK_SECRET'> & { WEBHOOK_SIGNING_KEY?: string };

export class MissingSigningKeyError extends Error {
  constructor() {
    super(
      'WEBHOOK_SIGNING_KEY is not set: webhook secrets cannot be stored or used. Set it with `wrangler secret put WEBHOOK_SIGNING_KEY`.',
    );
  }
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** The platform key material; development and tests fall back to one derived from LINK_SECRET. */
function keyMaterial(env: SecretKeyEnv): string {
  const key = env.WEBHOOK_SIGNING_KEY;
  if (key) return key;
  if (isDevelopment(env) && env.LINK_SECRET) return `dev-webhooks:${env.LINK_SECRET}`;
  throw new MissingSigningKeyError();
}

function aesKey(material: string): Promise<CryptoKey> {
  let k = keys.get(material);
  if (!k) {
    k = crypto.subtle.importKey('raw', encoder.encode(material), 'HKDF', false, ['deriveKey']).then((base) =>
      crypto.subtle.deriveKey(
        {
          name: 'HKDF',
          hash: 'SHA-256',
          salt: new Uint8Array(32),
          info: encoder.encode('webhook-secrets-v1'),
        },
        base,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      ),
    );
    keys.set(material, k);
  }
  return k;
}

/** A new endpoint secret: `whsec_` and 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomToken(32)}`;
}

export async function sealSecret(env: SecretKeyEnv, secret: string, subscriptionId: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(subscriptionId) },
    await aesKey(keyMaterial(env)),
    encoder.encode(secret),
  );
  return `v1.${base64url(iv)}.${base64url(new Uint8Array(ct))}`;
}

export async function openSecret(env: SecretKeyEnv, sealed: string, subscriptionId: string): Promise<string> {
  const [version, ivText, ctText] = sealed.split('.');
  const iv = ivText ? fromBase64url(ivText) : null;
  const ct = ctText ? fromBase64url(ctText) : null;
  // (fresh ArrayBuffer-backed copies: Web Crypto's types refuse a possibly shared buffer)
  if (version !== 'v1' || !iv || !ct) throw new Error('webhook secret: unreadable ciphertext');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: new Uint8Array(iv), additionalData: encoder.encode(subscriptionId) },
    await aesKey(keyMaterial(env)),
    new Uint8Array(ct),
  );
  return new TextDecoder().decode(plain);
}

/** What the UI shows of a secret after creation: its last four characters. */
export const secretHint = (secret: string) => secret.slice(-4);
