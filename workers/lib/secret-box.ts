// Secrets at rest (tenants' Twilio credentials): AES-256-GCM through WebCrypto under a platform key
// kept as a Worker secret (CREDENTIALS_KEY, 32 random bytes, base64). Every sealed value records the
// id of the key that sealed it, so the operator can rotate the platform key: the new key becomes
// CREDENTIALS_KEY, the old one CREDENTIALS_KEY_PREVIOUS; values sealed under the old key still open,
// and are re-sealed under the new one (lazily on use, or all at once) before the old key is removed.
// Additional authenticated data binds a ciphertext to where it is stored, so a value copied into
// another row or column does not open.
import { base64url, fromBase64url, toHex } from './crypto';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;
const KEY_BYTES = 32;

export type RingKey = { id: string; key: CryptoKey };
export type KeyRing = { current: RingKey; previous: RingKey | null };
/** A sealed value: the id of the key that sealed it and base64url(iv ‖ ciphertext ‖ tag). */
export type Sealed = { keyId: string; ciphertext: string };

export type SecretBoxFailure =
  /** CREDENTIALS_KEY is not set. */
  | 'missing_key'
  /** A key is not 32 bytes of base64. */
  | 'bad_key'
  /** The value was sealed under a key the ring no longer holds (rotated out too early). */
  | 'unknown_key_id'
  /** Wrong key, tampered or truncated ciphertext, or a ciphertext moved to another place. */
  | 'unreadable';

export class SecretBoxError extends Error {
  constructor(
    readonly reason: SecretBoxFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

function decodeKey(name: string, value: string): Uint8Array<ArrayBuffer> {
  const trimmed = value.trim();
  const bytes = fromBase64url(trimmed.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new SecretBoxError(
      'bad_key',
      `${name} must be ${KEY_BYTES} random bytes in base64 (for example the output of \`openssl rand -base64 32\`).`,
    );
  }
  return new Uint8Array(bytes);
}

async function ringKey(name: string, value: string): Promise<RingKey> {
  const raw = decodeKey(name, value);
  // The id names the key without revealing it: the first 8 bytes of its SHA-256.
  const id = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', raw)).slice(0, 8));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return { id, key };
}

/** A key ring from the current key and, during a rotation, the previous one. */
export async function keyRing(current: string | undefined, previous?: string | undefined): Promise<KeyRing> {
  if (!current?.trim()) {
    throw new SecretBoxError(
      'missing_key',
      'CREDENTIALS_KEY is not set: the platform cannot store Twilio credentials.',
    );
  }
  const cur = await ringKey('CREDENTIALS_KEY', current);
  const prev = previous?.trim() ? await ringKey('CREDENTIALS_KEY_PREVIOUS', previous) : null;
  return { current: cur, previous: prev && prev.id !== cur.id ? prev : null };
}

const rings = new Map<string, Promise<KeyRing>>();

/** The ring from CREDENTIALS_KEY / CREDENTIALS_KEY_PREVIOUS, imported once per isolate. */
export function keyRingFromEnv(
  env: Partial<Pick<Env, 'CREDENTIALS_KEY' | 'CREDENTIALS_KEY_PREVIOUS'>>,
): Promise<KeyRing> {
  const cacheKey = `${env.CREDENTIALS_KEY ?? ''}\n${env.CREDENTIALS_KEY_PREVIOUS ?? ''}`;
  let ring = rings.get(cacheKey);
  if (!ring) {
    ring = keyRing(env.CREDENTIALS_KEY, env.CREDENTIALS_KEY_PREVIOUS);
    // A failed import is not cached: the operator may fix the secret without a redeploy of code.
    ring.catch(() => rings.delete(cacheKey));
    rings.set(cacheKey, ring);
  }
  return ring;
}

/** Encrypts `plaintext` under the ring's current key, bound to `aad` (where it will be stored). */
export async function seal(ring: KeyRing, plaintext: string, aad: string): Promise<Sealed> {
  const iv = new Uint8Array(IV_BYTES);
  crypto.getRandomValues(iv);
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: encoder.encode(aad) },
      ring.current.key,
      encoder.encode(plaintext),
    ),
  );
  const out = new Uint8Array(IV_BYTES + ct.length);
  out.set(iv);
  out.set(ct, IV_BYTES);
  return { keyId: ring.current.id, ciphertext: base64url(out) };
}

/** Decrypts a sealed value; throws SecretBoxError when it cannot (never returns a wrong plaintext). */
export async function open(ring: KeyRing, sealed: Sealed, aad: string): Promise<string> {
  const key =
    sealed.keyId === ring.current.id
      ? ring.current.key
      : sealed.keyId === ring.previous?.id
        ? ring.previous.key
        : null;
  if (!key) {
    throw new SecretBoxError(
      'unknown_key_id',
      `The value was sealed under platform key ${sealed.keyId}, which is neither CREDENTIALS_KEY nor CREDENTIALS_KEY_PREVIOUS.`,
    );
  }
  const bytes = fromBase64url(sealed.ciphertext);
  // 16 bytes of GCM tag at least; anything shorter was cut.
  if (!bytes || bytes.length < IV_BYTES + 16) {
    throw new SecretBoxError('unreadable', 'The sealed value is truncated or not base64url.');
  }
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES), additionalData: encoder.encode(aad) },
      key,
      bytes.slice(IV_BYTES),
    );
    return decoder.decode(plain);
  } catch {
    throw new SecretBoxError('unreadable', 'The sealed value does not open: wrong key, tampered or moved.');
  }
}

/** True when a value sealed under `keyId` should be re-sealed under the current key. */
export function isStale(ring: KeyRing, keyId: string): boolean {
  return keyId !== ring.current.id;
}
