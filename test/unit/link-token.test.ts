import { describe, expect, it } from 'vitest';
import {
  createLinkToken,
  isWellFormedToken,
  LINK_TOKEN_LENGTH,
  linkNonce,
  MAX_SHARDS,
  NONCE_LENGTH,
  shardHint,
  signLinkToken,
  verifyLinkToken,
  withUtmParams,
} from '../../workers/domain/link-token';

const CAMPAIGN = '01930000-0000-7000-8000-00000000c001';
const CONTACT = '01930000-0000-7000-8000-00000000f001';
const secrets = { current: 'secret-now', previous: 'secret-before' };

/** Replaces the character at i with a different URL-safe one. */
function mistype(token: string, i: number): string {
  const ch = token[i] === 'a' ? 'b' : 'a';
  return token.slice(0, i) + ch + token.slice(i + 1);
}

describe('link tokens', () => {
  it('happy: a token is 12 URL-safe characters and verifies with the secret that signed it', async () => {
    const token = await createLinkToken('secret-now', 0, CAMPAIGN, CONTACT);
    expect(token).toHaveLength(LINK_TOKEN_LENGTH);
    expect(LINK_TOKEN_LENGTH).toBeLessThanOrEqual(12);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(await verifyLinkToken(token, secrets)).toBe('current');
  });

  it('happy: the same campaign and contact always give the same token; others differ', async () => {
    const a = await createLinkToken('secret-now', 0, CAMPAIGN, CONTACT);
    expect(await createLinkToken('secret-now', 0, CAMPAIGN, CONTACT)).toBe(a);
    expect(await createLinkToken('secret-now', 0, CAMPAIGN, CONTACT, 1)).not.toBe(a);
    expect(await createLinkToken('secret-now', 0, CAMPAIGN, '01930000-0000-7000-8000-00000000f002')).not.toBe(
      a,
    );
    const nonces = new Set<string>();
    for (let i = 0; i < 500; i++) nonces.add(await linkNonce(0, CAMPAIGN, `contact-${i}`));
    expect(nonces.size).toBe(500);
  });

  it('shards: the first character names the shard, under the signature', async () => {
    const onShard = await Promise.all(
      [0, 1, 7, MAX_SHARDS - 1].map((i) => createLinkToken('secret-now', i, CAMPAIGN, CONTACT)),
    );
    expect(onShard.map((t) => shardHint(t))).toEqual([0, 1, 7, MAX_SHARDS - 1]);
    // The rest of the nonce is the same (campaign, contact), the hint makes each token distinct.
    expect(new Set(onShard.map((t) => t.slice(1, 8))).size).toBe(1);
    expect(new Set(onShard).size).toBe(4);
    // Pointing a valid token at another shard breaks its signature.
    const [first] = onShard as [string];
    const moved = `${first.startsWith('B') ? 'C' : 'B'}${first.slice(1)}`;
    expect(await verifyLinkToken(moved, secrets)).toBeNull();
    await expect(linkNonce(MAX_SHARDS, CAMPAIGN, CONTACT)).rejects.toThrow(/shard index/);
    expect(shardHint('!abc')).toBeNull();
  });

  it('rotation: a token signed with the previous secret still verifies, one from an older secret does not', async () => {
    const old = await createLinkToken('secret-before', 0, CAMPAIGN, CONTACT);
    expect(await verifyLinkToken(old, secrets)).toBe('previous');
    const older = await createLinkToken('secret-long-gone', 0, CAMPAIGN, CONTACT);
    expect(await verifyLinkToken(older, secrets)).toBeNull();
    expect(await verifyLinkToken(old, { current: 'secret-now', previous: '' })).toBeNull();
  });

  it('security: every single-character typo is rejected', async () => {
    const token = await createLinkToken('secret-now', 0, CAMPAIGN, CONTACT);
    for (let i = 0; i < token.length; i++) {
      expect(await verifyLinkToken(mistype(token, i), secrets)).toBeNull();
    }
    const swapped = `${token.charAt(1)}${token.charAt(0)}${token.slice(2)}`;
    if (swapped !== token) expect(await verifyLinkToken(swapped, secrets)).toBeNull();
  });

  it('security: truncated, padded, empty and non-URL-safe tokens are rejected', async () => {
    const token = await createLinkToken('secret-now', 0, CAMPAIGN, CONTACT);
    for (const bad of [
      '',
      token.slice(0, -1),
      token.slice(0, NONCE_LENGTH),
      `${token}A`,
      `${token.slice(0, -1)}=`,
      `${token.slice(0, -1)}/`,
      `${token.slice(0, -1)} `,
      token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(),
    ]) {
      expect(await verifyLinkToken(bad, secrets)).toBeNull();
    }
    expect(isWellFormedToken('short')).toBe(false);
  });

  it('security: a forged tag for a real nonce is rejected; random tokens essentially never pass', async () => {
    const nonce = await linkNonce(0, CAMPAIGN, CONTACT);
    expect(await verifyLinkToken(`${nonce}AAAA`, secrets)).toBeNull();
    expect(await verifyLinkToken(await signLinkToken('attacker-secret', nonce), secrets)).toBeNull();
    let passed = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(9));
      const random = btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, '-')
        .replace(/\//g, '_');
      if (await verifyLinkToken(random, secrets)) passed++;
    }
    expect(passed).toBe(0);
  });

  it('error: signing without a secret fails loudly instead of issuing unsigned links', async () => {
    await expect(createLinkToken('', 0, CAMPAIGN, CONTACT)).rejects.toThrow(/LINK_SECRET/);
    await expect(signLinkToken('secret-now', 'bad nonce')).rejects.toThrow();
  });
});

describe('UTM parameters', () => {
  it('happy: appends the campaign parameters, keeping other query parameters and the fragment', () => {
    const url = withUtmParams('https://shop.example.com/sale?ref=sms#top', {
      utm_source: 'sms',
      utm_campaign: 'spring sale',
    });
    const u = new URL(url);
    expect(u.searchParams.get('ref')).toBe('sms');
    expect(u.searchParams.get('utm_source')).toBe('sms');
    expect(u.searchParams.get('utm_campaign')).toBe('spring sale');
    expect(u.hash).toBe('#top');
  });

  it('happy: the campaign value replaces the same key in the target', () => {
    const u = new URL(withUtmParams('https://shop.example.com/?utm_source=old', { utm_source: 'sms' }));
    expect(u.searchParams.getAll('utm_source')).toEqual(['sms']);
  });

  it('happy: a key without the utm_ prefix gets it, and applying twice (fan-out, then the redirect) changes nothing', () => {
    const once = withUtmParams('https://shop.example.com/?ref=sms', { source: 'sms', utm_medium: 'text' });
    const twice = withUtmParams(once, { source: 'sms', utm_medium: 'text' });
    expect(twice).toBe(once);
    const u = new URL(twice);
    expect([...u.searchParams.keys()]).toEqual(['ref', 'utm_source', 'utm_medium']);
    expect(u.searchParams.has('source')).toBe(false);
  });

  it('edge: no parameters, empty values or a non-http target leave the target as it is', () => {
    expect(withUtmParams('https://a.example/x', null)).toBe('https://a.example/x');
    expect(withUtmParams('https://a.example/x', {})).toBe('https://a.example/x');
    expect(withUtmParams('https://a.example/x', { utm_source: '' })).toBe('https://a.example/x');
    expect(withUtmParams('mailto:a@example.com', { utm_source: 'sms' })).toBe('mailto:a@example.com');
    expect(withUtmParams('not a url', { utm_source: 'sms' })).toBe('not a url');
  });
});
