// CSV import, the pure part: decoding, parsing into chunks, header aliases, row validation and the
// merge rules for a phone that already exists. No I/O: the upload route and the import consumer call it.
import Papa from 'papaparse';
import type { ConsentStatus } from '../db/schema';
import { normalizePhone } from './phone';
import { MAX_TAGS_PER_CONTACT, splitTagCell } from './tags';

export const CONTACT_FIELDS = [
  'phone',
  'email',
  'first_name',
  'last_name',
  'timezone',
  'consent_status',
  'consent_source',
  'consent_timestamp',
  'tags',
] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** Header spellings seen in real exports (compared after `headerKey`). */
const ALIASES: Record<ContactField, string[]> = {
  phone: [
    'phone',
    'mobile',
    'mobile phone',
    'mobile number',
    'mobile no',
    'phone number',
    'phone no',
    'cell',
    'cell phone',
    'cellphone',
    'telephone',
    'tel',
    'msisdn',
    'contact number',
    'sms',
  ],
  email: ['email', 'e mail', 'email address', 'e mail address', 'mail'],
  first_name: ['first name', 'firstname', 'given name', 'first', 'fname', 'forename'],
  last_name: ['last name', 'lastname', 'surname', 'family name', 'last', 'lname'],
  timezone: ['timezone', 'time zone', 'tz'],
  consent_status: ['consent status', 'consent', 'consentstatus'],
  consent_source: ['consent source', 'consentsource', 'opt in source'],
  consent_timestamp: [
    'consent timestamp',
    'consenttimestamp',
    'consent date',
    'consent time',
    'consented at',
    'opt in date',
    'opted in at',
  ],
  tags: ['tags', 'tag', 'labels', 'label'],
};

/**
 * Columns we add to the rejected-rows download, and the read-only facts of our contacts export
 * (GET /contacts.csv): ignored on import, so either file re-imports as it is.
 */
const IGNORED = new Set([
  'reason',
  'rejection reason',
  'contact id',
  'on do not contact',
  'last sent at',
  'last human click at',
  'last reply at',
  'import batch id',
  'created at',
]);

const ALIAS_TO_FIELD = new Map<string, ContactField>();
for (const field of CONTACT_FIELDS) for (const alias of ALIASES[field]) ALIAS_TO_FIELD.set(alias, field);

/** `Phone_Number`, ` PHONE-number `, `phone.number` → `phone number`. */
export function headerKey(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[_\-.]+/g, ' ')
    .replace(/\s+/g, ' ');
}

export type ColumnRole =
  | { kind: 'field'; field: ContactField }
  | { kind: 'custom'; key: string }
  | { kind: 'ignored' };
export type ColumnPlan = { headers: string[]; roles: ColumnRole[] };

/**
 * Which column is which. The first column matching a field wins (a file with both `Mobile` and
 * `Phone` uses the first); every other column is kept as a custom field under its header name.
 */
export function planColumns(
  rawHeaders: string[],
): { ok: true; plan: ColumnPlan } | { ok: false; reason: string } {
  const headers: string[] = [];
  const seen = new Set<string>();
  rawHeaders.forEach((h, i) => {
    let name = h.replace(/^\uFEFF/, '').trim() || `column_${i + 1}`;
    for (let n = 2; seen.has(name.toLowerCase()); n++) name = `${h.trim() || `column_${i + 1}`} (${n})`;
    seen.add(name.toLowerCase());
    headers.push(name);
  });
  const taken = new Set<ContactField>();
  const roles: ColumnRole[] = headers.map((name) => {
    const key = headerKey(name);
    if (IGNORED.has(key)) return { kind: 'ignored' };
    const field = ALIAS_TO_FIELD.get(key);
    if (field && !taken.has(field)) {
      taken.add(field);
      return { kind: 'field', field };
    }
    return { kind: 'custom', key: name };
  });
  if (!taken.has('phone')) {
    return {
      ok: false,
      reason: `No phone column found in the header row (${headers.join(', ') || 'empty'}). Name it one of: ${ALIASES.phone.slice(0, 6).join(', ')}.`,
    };
  }
  return { ok: true, plan: { headers, roles } };
}

/** UTF-8 with or without BOM; files that are not valid UTF-8 are read as Windows-1252 (old Excel exports). */
export function decodeCsv(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export type ParsedChunk = { seq: number; firstRow: number; rowsJson: string; rowCount: number };
export type ParsedCsv = {
  headers: string[];
  delimiter: string;
  /** Non-blank data rows. */
  totalRows: number;
  chunks: ParsedChunk[];
};

const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * The delimiter is read from the header row: the candidate it contains most often outside quotes.
 * (papaparse's own guess needs several consistent lines and gets two-line files wrong.)
 */
export function guessDelimiter(text: string): string {
  const header =
    text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .find((l) => l.trim() !== '') ?? '';
  const unquoted = header.replace(/"[^"]*"/g, '');
  let best: string = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const count = unquoted.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

const isBlank = (values: string[]) => values.every((v) => v.trim() === '');

/**
 * Parses the whole file in one streaming pass into chunks of `chunkSize` records. Chunks hold JSON
 * strings rather than arrays so a 100k-row file costs about its own size in memory. Blank records
 * are kept as `[]` so every row keeps its number (header = row 0, first data record = row 1, as a
 * spreadsheet shows them minus one); they are not rows and are never counted.
 */
export function parseCsv(text: string, chunkSize = 1000): ParsedCsv {
  let headers: string[] | null = null;
  let delimiter = ',';
  let rowNo = 0;
  let totalRows = 0;
  let current: string[][] = [];
  let currentFirst = 1;
  let currentCount = 0;
  const chunks: ParsedChunk[] = [];
  const flush = () => {
    if (currentCount > 0) {
      chunks.push({
        seq: chunks.length,
        firstRow: currentFirst,
        rowsJson: JSON.stringify(current),
        rowCount: currentCount,
      });
    }
    current = [];
    currentCount = 0;
  };
  delimiter = guessDelimiter(text);
  Papa.parse<string[]>(text, {
    delimiter,
    skipEmptyLines: false,
    step: (result) => {
      const values = result.data;
      if (headers === null) {
        if (isBlank(values)) return;
        headers = values;
        return;
      }
      rowNo++;
      if (current.length === 0) currentFirst = rowNo;
      const blank = isBlank(values);
      current.push(blank ? [] : values);
      if (!blank) {
        totalRows++;
        currentCount++;
      }
      if (current.length >= chunkSize) flush();
    },
  });
  // Trailing blank lines (the usual final newline) are not rows to keep.
  while (current.length > 0 && current[current.length - 1]?.length === 0) current.pop();
  flush();
  return { headers: headers ?? [], delimiter, totalRows, chunks };
}

export type ImportDefaults = {
  defaultConsentStatus: ConsentStatus;
  consentSource: string | null;
  defaultCountry: string;
};

/** A valid row. `null` means "the file says nothing" (an existing contact keeps its value). */
export type ContactInput = {
  phoneE164: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  timezone: string | null;
  customFields: Record<string, string>;
  consentStatus: ConsentStatus;
  consentSource: string | null;
  consentTimestamp: string | null;
  /** Tags to add (an import never removes one). */
  tags: string[];
};

export type RowResult =
  | { ok: true; contact: ContactInput; data: Record<string, string> }
  | { ok: false; reason: string; data: Record<string, string> };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// ISO-8601 date or date-time (with or without seconds/fraction/offset); kept exactly as given.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const CONSENT: Record<string, ConsentStatus> = {
  explicit: 'explicit',
  implied: 'implied',
  unknown: 'unknown',
};
const MAX_TEXT = 200;

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-AU', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function isIsoTimestamp(s: string): boolean {
  return ISO_8601.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T')));
}

/** The row as `{header: value}` (what a rejected row shows and the rejected-rows CSV writes back). */
export function rowData(plan: ColumnPlan, values: string[]): Record<string, string> {
  const data: Record<string, string> = {};
  plan.headers.forEach((h, i) => {
    data[h] = values[i] ?? '';
  });
  return data;
}

export function validateRow(plan: ColumnPlan, values: string[], defaults: ImportDefaults): RowResult {
  const data = rowData(plan, values);
  const reject = (reason: string): RowResult => ({ ok: false, reason, data });
  const extra = values.slice(plan.headers.length).filter((v) => v.trim() !== '');
  if (extra.length > 0) {
    return reject(
      `row has ${values.length} fields but the header has ${plan.headers.length} (an unquoted delimiter inside a value?)`,
    );
  }
  const fields: Partial<Record<ContactField, string>> = {};
  const customFields: Record<string, string> = {};
  plan.roles.forEach((role, i) => {
    const value = (values[i] ?? '').trim();
    if (value === '' || role.kind === 'ignored') return;
    if (role.kind === 'field') fields[role.field] = value;
    else customFields[role.key] = value;
  });
  const phone = normalizePhone(fields.phone ?? '', defaults.defaultCountry);
  if (!phone.ok) return reject(`phone: ${phone.reason}`);
  const email = fields.email?.toLowerCase() ?? null;
  if (email !== null && (!EMAIL.test(email) || email.length > 254)) {
    return reject(`email: "${fields.email}" is not an email address`);
  }
  for (const f of ['first_name', 'last_name', 'consent_source'] as const) {
    if ((fields[f]?.length ?? 0) > MAX_TEXT) return reject(`${f}: longer than ${MAX_TEXT} characters`);
  }
  const timezone = fields.timezone ?? null;
  if (timezone !== null && !isValidTimeZone(timezone)) {
    return reject(`timezone: "${timezone}" is not an IANA time zone (e.g. Australia/Sydney)`);
  }
  let consentStatus = defaults.defaultConsentStatus;
  if (fields.consent_status !== undefined) {
    const c = CONSENT[fields.consent_status.toLowerCase()];
    if (!c) {
      return reject(`consent_status: "${fields.consent_status}" must be explicit, implied or unknown`);
    }
    consentStatus = c;
  }
  const consentTimestamp = fields.consent_timestamp ?? null;
  if (consentTimestamp !== null && !isIsoTimestamp(consentTimestamp)) {
    return reject(
      `consent_timestamp: "${consentTimestamp}" is not an ISO-8601 date or time (e.g. 2024-05-01T09:30:00+10:00)`,
    );
  }
  const tags = splitTagCell(fields.tags ?? '');
  if (!tags.ok) return reject(`tags: ${tags.reason}`);
  if (tags.tags.length > MAX_TAGS_PER_CONTACT) {
    return reject(`tags: ${tags.tags.length} tags; a contact has at most ${MAX_TAGS_PER_CONTACT}`);
  }
  return {
    ok: true,
    data,
    contact: {
      phoneE164: phone.e164,
      email,
      firstName: fields.first_name ?? null,
      lastName: fields.last_name ?? null,
      timezone,
      customFields,
      consentStatus,
      consentSource: fields.consent_source ?? defaults.consentSource,
      consentTimestamp,
      tags: tags.tags,
    },
  };
}

/** The stored fields an import compares and writes. */
export type ContactState = {
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  timezone: string | null;
  customFields: Record<string, string>;
  consentStatus: ConsentStatus;
  consentSource: string | null;
  consentTimestamp: string | null;
};

const CONSENT_RANK: Record<ConsentStatus, number> = { unknown: 0, implied: 1, explicit: 2 };

export type MergeResult = {
  changed: boolean;
  next: ContactState;
  consentChange: { from: ConsentStatus; to: ConsentStatus } | null;
};

/**
 * An import never lowers consent (explicit > implied > unknown): a bulk file is weaker evidence than
 * the consent on record, and lowering it is a deliberate, audited edit of the contact instead. Empty
 * cells keep the stored value; custom fields are merged key by key.
 */
export function mergeContact(existing: ContactState, incoming: ContactInput): MergeResult {
  const rankIn = CONSENT_RANK[incoming.consentStatus];
  const rankHave = CONSENT_RANK[existing.consentStatus];
  const consent =
    rankIn < rankHave
      ? {
          consentStatus: existing.consentStatus,
          consentSource: existing.consentSource,
          consentTimestamp: existing.consentTimestamp,
        }
      : rankIn > rankHave
        ? {
            consentStatus: incoming.consentStatus,
            consentSource: incoming.consentSource,
            consentTimestamp: incoming.consentTimestamp,
          }
        : {
            consentStatus: existing.consentStatus,
            consentSource: incoming.consentSource ?? existing.consentSource,
            consentTimestamp: incoming.consentTimestamp ?? existing.consentTimestamp,
          };
  const next: ContactState = {
    email: incoming.email ?? existing.email,
    firstName: incoming.firstName ?? existing.firstName,
    lastName: incoming.lastName ?? existing.lastName,
    timezone: incoming.timezone ?? existing.timezone,
    customFields: { ...existing.customFields, ...incoming.customFields },
    ...consent,
  };
  const changed =
    next.email !== existing.email ||
    next.firstName !== existing.firstName ||
    next.lastName !== existing.lastName ||
    next.timezone !== existing.timezone ||
    next.consentStatus !== existing.consentStatus ||
    next.consentSource !== existing.consentSource ||
    next.consentTimestamp !== existing.consentTimestamp ||
    !sameFields(next.customFields, existing.customFields);
  const consentChange =
    next.consentStatus !== existing.consentStatus
      ? { from: existing.consentStatus, to: next.consentStatus }
      : null;
  return { changed, next, consentChange };
}

function sameFields(a: Record<string, string>, b: Record<string, string>) {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

/** RFC 4180 field quoting, plus a leading `'` on values a spreadsheet would run as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^[+-]?\d[\d\s()-]*$/.test(value) ? `'${value}` : value;
  return /[",\r\n;\t]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line (CRLF) of `csvField` cells; null and undefined are empty cells. */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map((v) => (v === null || v === undefined ? '' : csvField(String(v)))).join(',')}\r\n`;
}

export function toCsv(headers: string[], rows: string[][]): string {
  return `${[headers, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}
