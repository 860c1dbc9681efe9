// What `npm run setup` cannot generate: the app's public URL, the email provider settings and the
// platform's Twilio account. Each comes from a flag, else an environment variable, else a question
// (only when a person is at the terminal); all are gathered and checked before anything changes.
import { createInterface } from 'node:readline/promises';

export class SetupUsageError extends Error {}

const ADDRESS = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;

/**
 * The settings: `kind` var (written to wrangler.toml's [env.NAME.vars]) or secret (wrangler secret
 * put); `needed(values)` says whether it must have a value given the others.
 */
export const INPUTS = [
  {
    key: 'PUBLIC_BASE_URL',
    kind: 'var',
    flag: 'public-base-url',
    question: 'The app’s public URL (https://sms.example.org, the custom domain of the main Worker)',
    needed: () => true,
    placeholder: (v) => !v || /(^|\.)example\.com/.test(v),
    check: (v) => {
      let u;
      try {
        u = new URL(v);
      } catch {
        return 'is not a URL';
      }
      if (u.protocol !== 'https:') return 'must start with https://';
      if (u.pathname !== '/' || u.search || u.hash) return 'must be just the origin, with no path';
      return null;
    },
    normalize: (v) => v.trim().replace(/\/+$/, ''),
  },
  {
    key: 'SHORT_LINK_BASE_URL',
    kind: 'var',
    flag: 'short-link-base-url',
    question: 'Short domain for personal links, served by the link Worker (optional: Enter to skip)',
    optional: true,
    needed: () => false,
    placeholder: (v) => !v,
    check: (v) => INPUTS[0].check(v),
    normalize: (v) => v.trim().replace(/\/+$/, ''),
  },
  {
    key: 'EMAIL_PROVIDER',
    kind: 'var',
    flag: 'email-provider',
    question: 'Email provider for sign-in links: cloudflare (Email Service) or resend',
    needed: () => true,
    check: (v) => (['cloudflare', 'resend'].includes(v) ? null : 'must be cloudflare or resend'),
    normalize: (v) => v.trim().toLowerCase(),
  },
  {
    key: 'EMAIL_FROM',
    kind: 'var',
    flag: 'email-from',
    question: 'Sender address (on a domain onboarded with that provider, e.g. login@mail.example.org)',
    needed: () => true,
    check: (v) => (ADDRESS.test(v) ? null : 'is not an email address'),
    normalize: (v) => v.trim(),
  },
  {
    key: 'RESEND_API_KEY',
    kind: 'secret',
    question: 'Resend API key (re_...)',
    needed: (values) => values.EMAIL_PROVIDER === 'resend',
    check: (v) => (v.length >= 8 ? null : 'is too short to be an API key'),
    normalize: (v) => v.trim(),
  },
  {
    key: 'TWILIO_ACCOUNT_SID',
    kind: 'var',
    flag: 'twilio-account-sid',
    question: 'Platform Twilio Account SID (AC..., optional: Enter to skip; tenants can bring their own)',
    optional: true,
    needed: () => false,
    placeholder: (v) => !v || /^AC0+$/.test(v),
    check: (v) => (/^AC[0-9a-fA-F]{32}$/.test(v) ? null : 'must be AC followed by 32 hex digits'),
    normalize: (v) => v.trim(),
  },
  {
    key: 'TWILIO_AUTH_TOKEN',
    kind: 'secret',
    question: 'Twilio Auth Token of that account',
    needed: (values) => Boolean(values.TWILIO_ACCOUNT_SID),
    check: (v) => (/^[0-9a-fA-F]{32}$/.test(v) ? null : 'must be 32 hex digits'),
    normalize: (v) => v.trim(),
  },
];

async function prompt(question, { secret }) {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (secret) {
    // Keep typed secrets off the screen.
    rl._writeToOutput = (s) => {
      if (s.includes(question)) process.stderr.write(s);
    };
  }
  try {
    const answer = await rl.question(`${question}: `);
    if (secret) process.stderr.write('\n');
    return answer;
  } finally {
    rl.close();
  }
}

/**
 * Resolves every input: `current` are the env's vars already in wrangler.toml, `secretsPresent`
 * the secret names the Worker already has. Returns {vars: {KEY: value to write}, secrets: {KEY:
 * value to put}}; throws SetupUsageError naming everything missing when nobody can be asked.
 */
export async function gatherInputs({ flags, current, secretsPresent, interactive, dryRun = false }) {
  const values = {};
  const vars = {};
  const secrets = {};
  const missing = [];
  // Optional settings are asked only alongside required ones (a first run), not on every re-run.
  const askingAnyway =
    interactive &&
    INPUTS.some((i) => {
      if (i.kind !== 'var' || !i.needed({}) || (i.flag && flags[i.flag] !== undefined) || process.env[i.key])
        return false;
      const v = current[i.key];
      return !v || Boolean(i.placeholder?.(v));
    });
  for (const input of INPUTS) {
    const existing = input.kind === 'var' ? current[input.key] : undefined;
    const haveVar = input.kind === 'var' && existing && !input.placeholder?.(existing);
    const haveSecret = input.kind === 'secret' && secretsPresent.has(input.key);
    // A secret already on the Worker is never overwritten here (rotating one is a deliberate step: DEPLOY.md).
    if (haveSecret) continue;
    let given = input.flag ? flags[input.flag] : undefined;
    if (given === undefined && process.env[input.key] !== undefined && process.env[input.key] !== '') {
      given = process.env[input.key];
    }
    if (given === undefined && (haveVar || haveSecret)) {
      if (haveVar) values[input.key] = existing;
      continue;
    }
    const isNeeded = input.needed(values);
    if (given === undefined && !isNeeded && !input.optional) continue;
    if (given === undefined && interactive && (isNeeded || (input.optional && askingAnyway))) {
      given = await prompt(input.question, { secret: input.kind === 'secret' });
      if (input.optional && given.trim() === '') continue;
    }
    if (given === undefined || String(given).trim() === '') {
      if (isNeeded) missing.push(input);
      continue;
    }
    const value = input.normalize(String(given));
    const problem = input.check(value);
    if (problem)
      throw new SetupUsageError(
        `${input.key} ${problem} (got "${input.kind === 'secret' ? '***' : value}").`,
      );
    values[input.key] = value;
    if (input.kind === 'var') {
      if (value !== existing) vars[input.key] = value;
    } else secrets[input.key] = value;
  }
  if (missing.length && dryRun) return { vars, secrets, values, missing: missing.map((i) => i.key) };
  if (missing.length) {
    const how = missing.map((i) =>
      i.flag ? `--${i.flag} (or the ${i.key} environment variable)` : `the ${i.key} environment variable`,
    );
    throw new SetupUsageError(
      `Missing settings, and no terminal to ask them at: ${how.join(', ')}. Nothing was changed.`,
    );
  }
  return { vars, secrets, values, missing: [] };
}
