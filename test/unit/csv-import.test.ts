import { describe, expect, it } from 'vitest';
import {
  type ColumnPlan,
  type ContactState,
  csvField,
  decodeCsv,
  headerKey,
  type ImportDefaults,
  mergeContact,
  parseCsv,
  planColumns,
  toCsv,
  validateRow,
} from '../../workers/domain/csv-import';

const defaults: ImportDefaults = {
  defaultConsentStatus: 'unknown',
  consentSource: null,
  defaultCountry: 'AU',
};

function plan(headers: string[]): ColumnPlan {
  const p = planColumns(headers);
  if (!p.ok) throw new Error(p.reason);
  return p.plan;
}

function rowsOf(text: string, chunkSize = 1000) {
  const parsed = parseCsv(text, chunkSize);
  return { ...parsed, rows: parsed.chunks.flatMap((c) => JSON.parse(c.rowsJson) as string[][]) };
}

describe('decodeCsv', () => {
  it('drops a UTF-8 BOM and keeps accents', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('phone,name\n1,Chloé\n')]);
    expect(decodeCsv(bytes)).toBe('phone,name\n1,Chloé\n');
  });
  it('reads bytes that are not UTF-8 as Windows-1252 (old Excel exports)', () => {
    expect(decodeCsv(new Uint8Array([0x43, 0x68, 0x6c, 0x6f, 0xe9]))).toBe('Chloé');
  });
});

describe('parseCsv', () => {
  it('guesses ; and tab delimiters', () => {
    expect(rowsOf('phone;name\n0412345678;A\n').delimiter).toBe(';');
    expect(rowsOf('phone\tname\n0412345678\tA\n').delimiter).toBe('\t');
    expect(rowsOf('phone,name\n0412345678,A\n').delimiter).toBe(',');
  });
  it('keeps quoted delimiters, escaped quotes and newlines inside one field', () => {
    const r = rowsOf('phone,notes\r\n"0412345678","a, b\r\nc ""d"""\r\n');
    expect(r.rows).toEqual([['0412345678', 'a, b\r\nc "d"']]);
    expect(r.totalRows).toBe(1);
  });
  it('skips blank lines without renumbering the rows after them', () => {
    const r = rowsOf('\nphone\n\n0412345601\n,\n0412345602\n\n');
    expect(r.headers).toEqual(['phone']);
    expect(r.totalRows).toBe(2);
    expect(r.chunks[0]?.firstRow).toBe(1);
    // row 1 blank, row 2 data, row 3 blank (just a delimiter), row 4 data
    expect(r.rows.slice(0, 4)).toEqual([[], ['0412345601'], [], ['0412345602']]);
  });
  it('splits into chunks that know their first row number', () => {
    const text = `phone\n${Array.from({ length: 25 }, (_, i) => `04123456${String(i).padStart(2, '0')}`).join('\n')}\n`;
    const r = parseCsv(text, 10);
    expect(r.chunks.map((c) => [c.seq, c.firstRow, c.rowCount])).toEqual([
      [0, 1, 10],
      [1, 11, 10],
      [2, 21, 5],
    ]);
    expect(r.totalRows).toBe(25);
  });
  it('gives no headers for an empty file', () => {
    expect(parseCsv('').headers).toEqual([]);
    expect(parseCsv('\n\n').totalRows).toBe(0);
  });
});

describe('planColumns', () => {
  it('maps common aliases in any case, spacing or punctuation', () => {
    const p = plan([
      'MOBILE',
      'First Name',
      'surname',
      'E-mail Address',
      'Time_Zone',
      'Consent',
      'Consent Date',
    ]);
    expect(p.roles).toEqual([
      { kind: 'field', field: 'phone' },
      { kind: 'field', field: 'first_name' },
      { kind: 'field', field: 'last_name' },
      { kind: 'field', field: 'email' },
      { kind: 'field', field: 'timezone' },
      { kind: 'field', field: 'consent_status' },
      { kind: 'field', field: 'consent_timestamp' },
    ]);
    expect(headerKey(' Phone_Number ')).toBe('phone number');
  });
  it('keeps unknown columns as custom fields and the second phone-like column too', () => {
    const p = plan(['Phone Number', 'Mobile', 'Favourite Drink']);
    expect(p.roles).toEqual([
      { kind: 'field', field: 'phone' },
      { kind: 'custom', key: 'Mobile' },
      { kind: 'custom', key: 'Favourite Drink' },
    ]);
  });
  it('ignores the reason column our rejected-rows download adds', () => {
    expect(plan(['phone', 'reason']).roles[1]).toEqual({ kind: 'ignored' });
  });
  it('names blank and repeated headers so no value is lost', () => {
    expect(plan(['phone', '', 'Notes', 'notes']).headers).toEqual([
      'phone',
      'column_2',
      'Notes',
      'notes (2)',
    ]);
  });
  it('refuses a file without a phone column, naming what it found', () => {
    const p = planColumns(['name', 'email']);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toMatch(/No phone column.*name, email/);
  });
});

describe('validateRow', () => {
  const p = plan([
    'phone',
    'email',
    'first_name',
    'consent_status',
    'consent_timestamp',
    'timezone',
    'Store',
  ]);
  const row = (over: Partial<Record<string, string>> = {}) => {
    const base: Record<string, string> = {
      phone: '0412 345 678',
      email: 'A@Example.com',
      first_name: 'Ann',
      consent_status: 'Explicit',
      consent_timestamp: '2024-05-01T09:30:00+10:00',
      timezone: 'Australia/Perth',
      Store: 'Fitzroy',
      ...over,
    };
    return p.headers.map((h) => base[h] ?? '');
  };

  it('turns a good row into a contact, keeping the consent timestamp exactly as given', () => {
    const r = validateRow(p, row(), defaults);
    expect(r).toMatchObject({
      ok: true,
      contact: {
        phoneE164: '+61412345678',
        email: 'a@example.com',
        firstName: 'Ann',
        lastName: null,
        consentStatus: 'explicit',
        consentTimestamp: '2024-05-01T09:30:00+10:00',
        timezone: 'Australia/Perth',
        customFields: { Store: 'Fitzroy' },
      },
    });
  });
  it('applies the upload defaults where the row says nothing about consent', () => {
    const r = validateRow(p, row({ consent_status: '' }), {
      ...defaults,
      defaultConsentStatus: 'implied',
      consentSource: 'POS signup',
    });
    expect(r).toMatchObject({ ok: true, contact: { consentStatus: 'implied', consentSource: 'POS signup' } });
  });
  it.each([
    [{ phone: '' }, /phone: missing/],
    [{ phone: 'call me' }, /phone: .*unexpected characters/],
    [{ phone: '02 9374 4000' }, /phone: .*landline/],
    [{ email: 'not-an-email' }, /email: "not-an-email" is not an email address/],
    [{ consent_status: 'yes' }, /consent_status: "yes" must be explicit, implied or unknown/],
    [{ consent_timestamp: '01/05/2024' }, /consent_timestamp: "01\/05\/2024" is not an ISO-8601/],
    [{ timezone: 'Mars/Base' }, /timezone: "Mars\/Base"/],
  ])('rejects %o with a reason', (over, reason) => {
    const r = validateRow(p, row(over), defaults);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(reason);
      expect(r.data.phone).toBe(row(over)[0]);
    }
  });
  it('rejects a row with more non-empty fields than the header (an unquoted delimiter)', () => {
    const r = validateRow(plan(['phone', 'first_name']), ['0412345678', 'Smith', ' John'], defaults);
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/3 fields but the header has 2/) });
  });
  it('accepts a trailing empty field', () => {
    expect(validateRow(plan(['phone', 'first_name']), ['0412345678', 'Jo', ''], defaults).ok).toBe(true);
  });
});

describe('mergeContact', () => {
  const existing: ContactState = {
    email: 'old@example.com',
    firstName: 'Old',
    lastName: 'Name',
    timezone: null,
    customFields: { Store: 'Fitzroy', Tier: 'gold' },
    consentStatus: 'explicit',
    consentSource: 'paper form',
    consentTimestamp: '2024-01-01T00:00:00Z',
  };
  const incoming = {
    phoneE164: '+61412345678',
    email: null,
    firstName: null,
    lastName: null,
    timezone: null,
    customFields: {},
    consentStatus: 'unknown' as const,
    consentSource: null,
    consentTimestamp: null,
    tags: [],
  };

  it('is unchanged (skipped) when the file adds nothing', () => {
    expect(mergeContact(existing, incoming).changed).toBe(false);
  });
  it('never downgrades explicit consent to unknown (or implied)', () => {
    for (const status of ['unknown', 'implied'] as const) {
      const m = mergeContact(existing, { ...incoming, consentStatus: status, consentSource: 'csv' });
      expect(m.next.consentStatus).toBe('explicit');
      expect(m.next.consentSource).toBe('paper form');
      expect(m.consentChange).toBeNull();
    }
  });
  it('upgrades consent and reports the change', () => {
    const m = mergeContact(
      { ...existing, consentStatus: 'unknown', consentSource: null, consentTimestamp: null },
      { ...incoming, consentStatus: 'explicit', consentSource: 'web', consentTimestamp: '2025-01-01' },
    );
    expect(m.changed).toBe(true);
    expect(m.consentChange).toEqual({ from: 'unknown', to: 'explicit' });
    expect(m.next).toMatchObject({ consentSource: 'web', consentTimestamp: '2025-01-01' });
  });
  it('updates what differs, keeps what the file leaves empty, merges custom fields', () => {
    const m = mergeContact(existing, { ...incoming, firstName: 'New', customFields: { Tier: 'silver' } });
    expect(m.changed).toBe(true);
    expect(m.next).toMatchObject({
      firstName: 'New',
      lastName: 'Name',
      email: 'old@example.com',
      customFields: { Store: 'Fitzroy', Tier: 'silver' },
    });
  });
});

describe('rejected-rows CSV', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas, but not phone numbers', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+61 412 345 678')).toBe('+61 412 345 678');
    expect(toCsv(['phone', 'reason'], [['0412', 'phone: too short']])).toBe(
      'phone,reason\r\n0412,phone: too short\r\n',
    );
  });
  it('parses back to the same values', () => {
    const text = toCsv(['phone', 'notes', 'reason'], [['0412', 'line1\nline2, "q"', 'bad']]);
    expect(rowsOf(text).rows).toEqual([['0412', 'line1\nline2, "q"', 'bad']]);
  });
});
