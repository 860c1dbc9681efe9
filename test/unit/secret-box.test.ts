import { describe, expect, it } from 'vitest';
import { base64url, fromBase64url } from '../../workers/lib/crypto';
import { isStale, keyRing, open, SecretBoxError, seal } from '../../workers/lib/secret-box';

const KEY_A = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i + 1)));
const KEY_B = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 200 - i)));
const AAD = 'twilio_accounts/tenant-1/auth_token';

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (err instanceof SecretBoxError) return err.reason;
    throw err;
  }
  throw new Error('expected a SecretBoxError');
}

describe('secret box (AES-GCM under the platform key)', () => {
  it('happy: seals and opens; the ciphertext reveals neither the secret nor its length exactly', async () => {
    const ring = await keyRing(KEY_A);
    const sealed = await seal(ring, 'f00dcafe0123456789abcdef01234567', AAD);
    expect(sealed.keyId).toBe(ring.current.id);
    expect(sealed.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(sealed.ciphertext).not.toContain('f00dcafe');
    expect(await open(ring, sealed, AAD)).toBe('f00dcafe0123456789abcdef01234567');
    // A fresh IV each time: the same secret never seals to the same text.
    expect((await seal(ring, 'same', AAD)).ciphertext).not.toBe((await seal(ring, 'same', AAD)).ciphertext);
  });

  it('error: the wrong key does not open it (and never yields a wrong plaintext)', async () => {
    const sealed = await seal(await keyRing(KEY_A), 'secret', AAD);
    const other = await keyRing(KEY_B);
    // Same id as A (an operator swapped the key under the same name): GCM refuses.
    expect(await failure(open(other, { ...sealed, keyId: other.current.id }, AAD))).toBe('unreadable');
    // The id of a key the ring does not hold at all.
    expect(await failure(open(other, sealed, AAD))).toBe('unknown_key_id');
  });

  it('error: tampered, truncated or moved ciphertext does not open', async () => {
    const ring = await keyRing(KEY_A);
    const sealed = await seal(ring, 'secret-token-value', AAD);
    const bytes = fromBase64url(sealed.ciphertext) as Uint8Array;
    const flipped = new Uint8Array(bytes);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    expect(await failure(open(ring, { ...sealed, ciphertext: base64url(flipped) }, AAD))).toBe('unreadable');
    expect(await failure(open(ring, { ...sealed, ciphertext: sealed.ciphertext.slice(0, 30) }, AAD))).toBe(
      'unreadable',
    );
    expect(await failure(open(ring, { ...sealed, ciphertext: 'not base64!' }, AAD))).toBe('unreadable');
    // Copied into another tenant's row (or another column): the AAD no longer matches.
    expect(await failure(open(ring, sealed, 'twilio_accounts/tenant-2/auth_token'))).toBe('unreadable');
    expect(await failure(open(ring, sealed, 'twilio_accounts/tenant-1/api_key_secret'))).toBe('unreadable');
  });

  it('rotation: values sealed under the previous key still open and are marked stale', async () => {
    const before = await keyRing(KEY_A);
    const old = await seal(before, 'token-1', AAD);
    const rotated = await keyRing(KEY_B, KEY_A);
    expect(rotated.previous?.id).toBe(before.current.id);
    expect(await open(rotated, old, AAD)).toBe('token-1');
    expect(isStale(rotated, old.keyId)).toBe(true);
    const resealed = await seal(rotated, 'token-1', AAD);
    expect(isStale(rotated, resealed.keyId)).toBe(false);
    // Once the previous key is dropped, only re-sealed values open.
    const after = await keyRing(KEY_B);
    expect(await open(after, resealed, AAD)).toBe('token-1');
    expect(await failure(open(after, old, AAD))).toBe('unknown_key_id');
  });

  it('error: a missing or malformed platform key is refused with a clear reason', async () => {
    expect(await failure(keyRing(undefined))).toBe('missing_key');
    expect(await failure(keyRing('  '))).toBe('missing_key');
    expect(await failure(keyRing('c2hvcnQ='))).toBe('bad_key'); // 5 bytes
    expect(await failure(keyRing(KEY_A, 'not-a-key'))).toBe('bad_key');
    // base64url and padded base64 of the same 32 bytes are the same key.
    const url = (await keyRing(KEY_A.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))).current.id;
    expect(url).toBe((await keyRing(KEY_A)).current.id);
  });
});
