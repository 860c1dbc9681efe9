import { describe, expect, it } from 'vitest';
import {
  type ConfigEnv,
  configChecks,
  looksLikePlaceholder,
  publicUrlCheck,
  secretsCheck,
  twilioCheck,
} from '../../workers/domain/config-checks';

const SECRET = 'k7Qm2vX9pL4sT8wZ1bN6cR3yH5jD0fGa'; // 32 characters
const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'f3a9c1d27b8e4605a1c2d3e4f5a6b7c8';

const production: ConfigEnv = {
  ENVIRONMENT: 'production',
  PUBLIC_BASE_URL: 'https://sms.acme.com.au',
  SHORT_LINK_BASE_URL: '',
  LINK_SECRET: SECRET,
  LINK_SECRET_PREVIOUS: '',
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: TOKEN,
  TWILIO_API_BASE: 'https://api.twilio.com',
};

describe('placeholders', () => {
  it('recognises values copied from examples, and not random ones', () => {
    for (const v of [
      'change-me-link-signing-secret',
      'CHANGEME',
      'placeholder',
      'your-secret-here',
      'xxxx',
      '0000000000',
    ]) {
      expect(looksLikePlaceholder(v), v).toBe(true);
    }
    for (const v of [SECRET, TOKEN, 'a1b2c3d4e5f6']) expect(looksLikePlaceholder(v), v).toBe(false);
  });
});

describe('secrets check', () => {
  it('happy: a long random LINK_SECRET passes and the detail does not contain it', () => {
    const c = secretsCheck(production);
    expect(c).toMatchObject({ name: 'secrets', ok: true });
    expect(JSON.stringify(c)).not.toContain(SECRET);
  });

  it('error: missing, placeholder and short secrets each fail with the setting named, never the value', () => {
    expect(secretsCheck({ ...production, LINK_SECRET: '' })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('LINK_SECRET is not set'),
    });
    const placeholder = secretsCheck({ ...production, LINK_SECRET: 'change-me-link-signing-secret' });
    expect(placeholder.detail).toContain('placeholder');
    expect(placeholder.detail).not.toContain('change-me-link-signing-secret');
    const short = secretsCheck({ ...production, LINK_SECRET: 'abc123def456' });
    expect(short).toMatchObject({ ok: false, detail: expect.stringContaining('12 characters') });
    expect(short.detail).not.toContain('abc123def456');
  });

  it('security: a guessable LINK_SECRET_PREVIOUS fails too (it still verifies links)', () => {
    const c = secretsCheck({ ...production, LINK_SECRET_PREVIOUS: 'change-me-link-signing-secret' });
    expect(c).toMatchObject({ ok: false, detail: expect.stringContaining('LINK_SECRET_PREVIOUS') });
    expect(secretsCheck({ ...production, LINK_SECRET_PREVIOUS: `${SECRET}x` }).ok).toBe(true);
  });
});

describe('public URL check', () => {
  it('error: PUBLIC_BASE_URL still sms.example.com fails, in production and locally', () => {
    for (const ENVIRONMENT of ['production', 'development']) {
      const c = publicUrlCheck({ ...production, ENVIRONMENT, PUBLIC_BASE_URL: 'https://sms.example.com' });
      expect(c, ENVIRONMENT).toMatchObject({ ok: false, detail: expect.stringContaining('sms.example.com') });
    }
  });

  it('error: http, loopback and reserved hosts fail in production but are fine locally', () => {
    for (const url of [
      'http://sms.acme.com.au',
      'https://127.0.0.1:8787',
      'https://sms.acme.test',
      'not a url',
    ]) {
      expect(publicUrlCheck({ ...production, PUBLIC_BASE_URL: url }).ok, url).toBe(false);
    }
    expect(
      publicUrlCheck({ ...production, ENVIRONMENT: 'development', PUBLIC_BASE_URL: 'http://127.0.0.1:8787' })
        .ok,
    ).toBe(true);
  });

  it('checks the short-link domain when one is set', () => {
    expect(publicUrlCheck({ ...production, SHORT_LINK_BASE_URL: 'http://go.acme.au' }).ok).toBe(false);
    expect(publicUrlCheck({ ...production, SHORT_LINK_BASE_URL: 'https://go.acme.au' })).toMatchObject({
      ok: true,
      detail: expect.stringContaining('https://go.acme.au'),
    });
  });
});

describe('Twilio check', () => {
  it('happy: a real account and token pass; the detail masks the SID and never shows the token', () => {
    const c = twilioCheck(production);
    expect(c).toMatchObject({ name: 'twilio', ok: true });
    expect(c.warning).toBeUndefined();
    expect(c.detail).toContain('AC…cdef');
    expect(JSON.stringify(c)).not.toContain(SID);
    expect(JSON.stringify(c)).not.toContain(TOKEN);
  });

  it('no platform account at all is a warning that keeps health green (tenants may bring their own)', () => {
    const c = twilioCheck({
      ...production,
      TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
      TWILIO_AUTH_TOKEN: '',
    });
    expect(c).toMatchObject({
      ok: true,
      warning: true,
      detail: expect.stringContaining('no platform Twilio account'),
    });
  });

  it('error: a half-configured account fails', () => {
    expect(twilioCheck({ ...production, TWILIO_AUTH_TOKEN: '' })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('TWILIO_AUTH_TOKEN is not set'),
    });
    expect(
      twilioCheck({ ...production, TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000' }),
    ).toMatchObject({ ok: false, detail: expect.stringContaining('all-zero placeholder') });
    expect(twilioCheck({ ...production, TWILIO_ACCOUNT_SID: 'SK123' }).detail).toContain(
      'not an account SID',
    );
    expect(twilioCheck({ ...production, TWILIO_AUTH_TOKEN: 'change-me' }).detail).toContain('placeholder');
  });

  it('security: credentials over plain http fail outside local runs; a simulator is fine locally', () => {
    expect(twilioCheck({ ...production, TWILIO_API_BASE: 'http://api.twilio.com' })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('https'),
    });
    expect(
      twilioCheck({ ...production, ENVIRONMENT: 'development', TWILIO_API_BASE: 'http://127.0.0.1:8788' }),
    ).toMatchObject({ ok: true, detail: expect.stringContaining('simulator') });
    expect(twilioCheck({ ...production, TWILIO_API_BASE: 'https://proxy.acme.au' })).toMatchObject({
      ok: true,
      warning: true,
    });
  });

  it('configChecks answers one check per area, in order', () => {
    expect(configChecks(production).map((c) => c.name)).toEqual(['secrets', 'public_url', 'twilio']);
  });
});
