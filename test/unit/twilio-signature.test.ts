import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import {
  signingString,
  twilioSignature,
  urlVariants,
  verifyTwilioSignature,
} from '../../workers/providers/twilio-signature';

// Twilio's published example (https://www.twilio.com/docs/usage/security#validating-requests).
// The caller in Twilio's docs is +14158675310; with any other number the signature differs.
const DOCS = {
  token: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675310',
    Digits: '1234',
    From: '+14158675310',
    To: '+18005551212',
  },
  signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=',
};

const TOKEN = 'test-auth-token';
const URL_ = 'https://sms.example.test/webhooks/twilio/status';
const PARAMS = {
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  MessageStatus: 'delivered',
  To: '+61412345678',
  From: '+61480000001',
  AccountSid: 'ACtest00000000000000000000000000',
};

describe('twilioSignature (happy)', () => {
  it("reproduces Twilio's published example vector", async () => {
    expect(await twilioSignature(DOCS.token, DOCS.url, DOCS.params)).toBe(DOCS.signature);
    expect(await verifyTwilioSignature(DOCS.token, DOCS.url, DOCS.params, DOCS.signature)).toBe(true);
    expect(getExpectedTwilioSignature(DOCS.token, DOCS.url, DOCS.params)).toBe(DOCS.signature);
  });

  it('agrees with the official twilio package on an ordinary status callback', async () => {
    const official = getExpectedTwilioSignature(TOKEN, URL_, PARAMS);
    expect(await twilioSignature(TOKEN, URL_, PARAMS)).toBe(official);
    expect(await verifyTwilioSignature(TOKEN, URL_, PARAMS, official)).toBe(true);
  });

  it('agrees with the official package on non-ASCII bodies and names that sort case-sensitively', async () => {
    const params = { Body: 'Café ☕ — 10% off & more', body: 'lower', To: '+61412345678', a: '' };
    const official = getExpectedTwilioSignature(TOKEN, URL_, params);
    expect(await twilioSignature(TOKEN, URL_, params)).toBe(official);
  });

  it('includes every value of a repeated parameter, sorted, like the official package', async () => {
    const official = getExpectedTwilioSignature(TOKEN, URL_, {
      ...PARAMS,
      MediaUrl: ['https://b', 'https://a'],
    });
    const pairs: [string, string][] = [
      ...Object.entries(PARAMS),
      ['MediaUrl', 'https://b'],
      ['MediaUrl', 'https://a'],
    ];
    expect(await twilioSignature(TOKEN, URL_, pairs)).toBe(official);
    expect(await verifyTwilioSignature(TOKEN, URL_, pairs, official)).toBe(true);
    expect(signingString('u', pairs)).toContain('MediaUrlhttps://aMediaUrlhttps://b');
  });

  it('accepts a signature computed with :443 when we know the URL without it, and the reverse', async () => {
    const withPort = 'https://sms.example.test:443/webhooks/twilio/status?x=1';
    const without = 'https://sms.example.test/webhooks/twilio/status?x=1';
    const signedWithPort = getExpectedTwilioSignature(TOKEN, withPort, PARAMS);
    const signedWithout = getExpectedTwilioSignature(TOKEN, without, PARAMS);
    expect(await verifyTwilioSignature(TOKEN, without, PARAMS, signedWithPort)).toBe(true);
    expect(await verifyTwilioSignature(TOKEN, withPort, PARAMS, signedWithout)).toBe(true);
    // The official validator sees both as the same request too.
    expect(validateRequest(TOKEN, signedWithPort, without, PARAMS)).toBe(true);
  });

  it('handles :80 for http URLs and leaves other ports alone', () => {
    expect(urlVariants('http://127.0.0.1:8792/webhooks/twilio/status')).toEqual([
      'http://127.0.0.1:8792/webhooks/twilio/status',
    ]);
    expect(urlVariants('http://h.test/x')).toEqual(['http://h.test/x', 'http://h.test:80/x']);
    expect(urlVariants('http://h.test:80/x')).toEqual(['http://h.test:80/x', 'http://h.test/x']);
  });
});

describe('verifyTwilioSignature (security)', () => {
  it('rejects a missing or empty signature', async () => {
    expect(await verifyTwilioSignature(TOKEN, URL_, PARAMS, undefined)).toBe(false);
    expect(await verifyTwilioSignature(TOKEN, URL_, PARAMS, '')).toBe(false);
  });

  it('rejects a signature made with another token', async () => {
    const forged = getExpectedTwilioSignature('attacker-token', URL_, PARAMS);
    expect(await verifyTwilioSignature(TOKEN, URL_, PARAMS, forged)).toBe(false);
  });

  it('rejects a valid signature replayed with one parameter changed', async () => {
    const sig = getExpectedTwilioSignature(TOKEN, URL_, PARAMS);
    expect(await verifyTwilioSignature(TOKEN, URL_, { ...PARAMS, MessageStatus: 'failed' }, sig)).toBe(false);
  });

  it('rejects a signature for another URL (path or query differ, or a non-default port)', async () => {
    const sig = getExpectedTwilioSignature(TOKEN, URL_, PARAMS);
    expect(await verifyTwilioSignature(TOKEN, `${URL_}?x=1`, PARAMS, sig)).toBe(false);
    expect(await verifyTwilioSignature(TOKEN, URL_.replace('status', 'inbound'), PARAMS, sig)).toBe(false);
    expect(
      await verifyTwilioSignature(
        TOKEN,
        URL_.replace('sms.example.test', 'sms.example.test:8443'),
        PARAMS,
        sig,
      ),
    ).toBe(false);
  });

  it('rejects a repeated parameter with one value dropped', async () => {
    const sig = getExpectedTwilioSignature(TOKEN, URL_, { ...PARAMS, MediaUrl: ['https://a', 'https://b'] });
    expect(await verifyTwilioSignature(TOKEN, URL_, { ...PARAMS, MediaUrl: 'https://a' }, sig)).toBe(false);
  });

  it('never accepts without a token configured', async () => {
    const sig = getExpectedTwilioSignature('', URL_, PARAMS);
    expect(await verifyTwilioSignature('', URL_, PARAMS, sig)).toBe(false);
  });
});
