// Argument parsing and input checks for `npm run ops`. Everything is checked before anything is
// written; a bad argument is a UsageError (a clear message, exit code 2).
import { randomBytes } from 'node:crypto';
import { isSupportedCountry } from 'libphonenumber-js';

export class UsageError extends Error {}

/**
 * `--name value`, `--name=value` and boolean `--flag`; everything else is positional.
 * `spec` maps each allowed flag to 'string' or 'boolean'; an unknown flag is a UsageError.
 */
export function parseArgs(argv, spec) {
  const flags = {};
  const positionals = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) {
      const known = Object.keys(spec)
        .map((k) => `--${k}`)
        .join(', ');
      throw new UsageError(`Unknown option --${name}. Options here: ${known || '(none)'}.`);
    }
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value.`);
      flags[name] = true;
      continue;
    }
    let value;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value.`);
      i++;
    }
    if (name in flags) throw new UsageError(`--${name} is given twice.`);
    flags[name] = value;
  }
  return { flags, positionals };
}

export function required(flags, name, hint) {
  const v = flags[name];
  if (v === undefined || String(v).trim() === '') {
    throw new UsageError(`--${name} is required${hint ? ` (${hint})` : ''}.`);
  }
  return String(v).trim();
}

export function checkTimezone(tz) {
  try {
    new Intl.DateTimeFormat('en-AU', { timeZone: tz });
  } catch {
    throw new UsageError(
      `--timezone "${tz}" is not an IANA time zone (e.g. Australia/Sydney, Pacific/Auckland).`,
    );
  }
  if (!tz.includes('/') && tz !== 'UTC') {
    throw new UsageError(
      `--timezone "${tz}" is an abbreviation; give an Area/City zone such as Australia/Sydney.`,
    );
  }
  return tz;
}

/** ISO 3166-1 alpha-2, and a country with phone numbers (SMS goes to phones). */
export function checkCountry(value) {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)) {
    throw new UsageError(
      `--country "${value}" is not an ISO 3166-1 alpha-2 country code with phone numbers (e.g. AU, NZ, GB).`,
    );
  }
  return code;
}

const EMAIL = /^[^\s@<>"',;()[\]\\]+@[^\s@<>"',;()[\]\\]+\.[^\s@<>"',;()[\]\\]{2,}$/;

export function checkEmail(value, flag = 'admin-email') {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new UsageError(`--${flag} "${value}" is not an email address.`);
  }
  return email;
}

export function checkName(value) {
  const name = value.trim();
  if (name.length < 1 || name.length > 120) throw new UsageError('--name must be 1 to 120 characters.');
  return name;
}

/** `YYYY-MM-DD` (midnight UTC) or an ISO-8601 date-time with a zone; returned as UTC ISO. */
export function checkInstant(value, flag) {
  const v = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v);
  const d = new Date(dateOnly ? `${v}T00:00:00Z` : v);
  if ((!dateOnly && !dateTime) || Number.isNaN(d.getTime())) {
    throw new UsageError(
      `--${flag} "${value}" is not an ISO date or date-time with a zone (2027-01-01 or 2027-01-01T00:00:00Z).`,
    );
  }
  // Round trip: 2027-02-30 parses as March 2nd; refuse it.
  if (dateOnly && d.toISOString().slice(0, 10) !== v)
    throw new UsageError(`--${flag} "${value}" is not a real date.`);
  return d.toISOString();
}

export function checkCents(value, flag) {
  const v = String(value).trim();
  if (!/^\d{1,7}$/.test(v))
    throw new UsageError(`--${flag} must be a whole number of cents, 0 or more (got "${value}").`);
  return Number(v);
}

export function checkTenantId(value) {
  const v = (value ?? '').trim().toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)) {
    throw new UsageError(value ? `"${value}" is not a tenant id (a UUID).` : 'Give the tenant id.');
  }
  return v;
}

export function checkShardName(value, known) {
  const v = (value ?? '').trim().toUpperCase();
  if (!/^SHARD_\d{1,2}$/.test(v))
    throw new UsageError(`--to "${value}" is not a shard binding name (SHARD_0, SHARD_1, ...).`);
  if (!known.includes(v))
    throw new UsageError(`${v} is not a shard of this configuration (${known.join(', ')}).`);
  return v;
}

/** A time-ordered UUID (v7), like workers/db/ids.ts. */
export function uuidv7(nowMs = Date.now()) {
  const b = randomBytes(16);
  const ts = BigInt(nowMs);
  for (let i = 0; i < 6; i++) b[i] = Number((ts >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
