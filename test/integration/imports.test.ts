import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchImports } from '../../workers/cron/imports';
import {
  type BatchRow,
  type ImportMessage,
  processChunk,
  readOptions,
  runImport,
} from '../../workers/db/imports';
import { auditLog, contacts, doNotContact, importBatches, importChunks } from '../../workers/db/schema';
import worker from '../../workers/index';
import aliases from '../fixtures/csv/aliases.csv?raw';
import badPhones from '../fixtures/csv/bad-phones.csv?raw';
import blankLines from '../fixtures/csv/blank-lines.csv?raw';
import bomCrlf from '../fixtures/csv/bom-crlf.csv?raw';
import duplicates from '../fixtures/csv/duplicates.csv?raw';
import excel from '../fixtures/csv/excel.csv?raw';
import extraFields from '../fixtures/csv/extra-fields.csv?raw';
import noPhone from '../fixtures/csv/no-phone-column.csv?raw';
import quoted from '../fixtures/csv/quoted.csv?raw';
import semicolon from '../fixtures/csv/semicolon.csv?raw';
import tab from '../fixtures/csv/tab.csv?raw';
import { createTenant, json, shardDb, type TestTenant } from '../helpers/fixtures';

type RowEntry = { row: number; reason: string; data: Record<string, string> };
type ImportJson = {
  id: string;
  status: string;
  total_rows: number;
  rows_processed: number;
  created_count: number;
  updated_count: number;
  skipped_count: number;
  rejected_count: number;
  chunks_total: number;
  chunks_done: number;
  failure_reason: string | null;
  rejected_rows: RowEntry[];
  skipped_rows: RowEntry[];
  rejected_rows_complete: boolean;
};

afterEach(() => {
  vi.restoreAllMocks();
});

function upload(t: TestTenant, csv: string, query = '', role: 'admin' | 'staff' | 'viewer' = 'staff') {
  return t.api(`/api/v1/imports${query}`, {
    method: 'POST',
    role,
    body: csv,
    headers: { 'content-type': 'text/csv' },
  });
}

/** Drives the import consumer directly (as the queue would) until the batch settles. */
async function drain(t: TestTenant, id: string): Promise<ImportJson> {
  for (let i = 0; i < 20; i++) {
    const batch = createMessageBatch<ImportMessage>('sms-import', [
      {
        id: `msg-${id}-${i}`,
        timestamp: new Date(),
        attempts: 1,
        body: { batchId: id, tenantId: t.tenantId, seq: 0 },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<unknown>, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([]);
    const state = await json<ImportJson>(await t.api(`/api/v1/imports/${id}`));
    if (state.status === 'completed' || state.status === 'failed') return state;
  }
  throw new Error('import did not settle');
}

async function importCsv(t: TestTenant, csv: string, query = '') {
  const res = await upload(t, csv, query);
  expect(res.status).toBe(202);
  const { id } = await json<{ id: string }>(res);
  return drain(t, id);
}

const addsUp = (s: ImportJson) =>
  expect(s.created_count + s.updated_count + s.skipped_count + s.rejected_count).toBe(s.total_rows);

async function contactByPhone(tenantId: string, phone: string) {
  const [c] = await shardDb(tenantId)
    .select()
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneE164, phone)));
  return c;
}

function phones(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => `04${String(10_000_000 + from + i).slice(0, 8)}`);
}

describe('CSV oddities, each imported end to end', () => {
  it('happy: UTF-8 BOM and CRLF line endings, accents kept', async () => {
    expect(bomCrlf.charCodeAt(0)).toBe(0xfeff);
    const t = await createTenant();
    const s = await importCsv(t, bomCrlf);
    expect(s).toMatchObject({ status: 'completed', total_rows: 3, created_count: 3, rejected_count: 0 });
    const chloe = await contactByPhone(t.tenantId, '+61412345603');
    expect(chloe).toMatchObject({ firstName: 'Chloé', lastName: 'Müller', email: 'chloe@example.com' });
    expect(await contactByPhone(t.tenantId, '+61412345601')).toMatchObject({ firstName: 'Ava' });
  });

  it('happy: semicolon delimiter, header aliases, extra column as custom field', async () => {
    const t = await createTenant();
    const s = await importCsv(t, semicolon);
    expect(s).toMatchObject({ status: 'completed', created_count: 2 });
    expect(await contactByPhone(t.tenantId, '+61412345611')).toMatchObject({
      firstName: 'Dana',
      lastName: 'Lee',
      customFields: { City: 'Melbourne, VIC' },
    });
  });

  it('happy: tab delimiter with commas and semicolons inside values', async () => {
    const t = await createTenant();
    const s = await importCsv(t, tab);
    expect(s).toMatchObject({ created_count: 2, total_rows: 2 });
    expect((await contactByPhone(t.tenantId, '+61412345621'))?.customFields).toEqual({
      notes: 'likes, commas; and semicolons',
    });
    expect((await contactByPhone(t.tenantId, '+61412345622'))?.customFields).toEqual({});
  });

  it('happy: quoted fields with delimiters, escaped quotes and newlines', async () => {
    const t = await createTenant();
    const s = await importCsv(t, quoted);
    expect(s).toMatchObject({ created_count: 2, total_rows: 2, rejected_count: 0 });
    expect(await contactByPhone(t.tenantId, '+61412345631')).toMatchObject({
      firstName: 'Hana',
      customFields: { address: '12 Smith St, Fitzroy', notes: 'line one\r\nline two' },
    });
    expect(await contactByPhone(t.tenantId, '+61412345632')).toMatchObject({
      firstName: 'Ivan "The Terrible"',
      customFields: { notes: 'said "hi", then left' },
    });
  });

  it('happy: blank lines are not rows and do not shift row numbers', async () => {
    const t = await createTenant();
    const s = await importCsv(t, blankLines);
    expect(s).toMatchObject({ total_rows: 3, created_count: 2, rejected_count: 1 });
    addsUp(s);
    // header row 0, blank 1, Jack 2, blank 3, only a delimiter 4, Kate 5, blank 6, the bad row 7
    expect(s.rejected_rows.map((r) => r.row)).toEqual([7]);
  });

  it('happy: header case and aliases, consent kept exactly as given, custom fields', async () => {
    const t = await createTenant();
    const s = await importCsv(t, aliases);
    expect(s).toMatchObject({ created_count: 2 });
    expect(await contactByPhone(t.tenantId, '+61412345651')).toMatchObject({
      firstName: 'Liam',
      lastName: 'OBrien',
      email: 'liam@example.com',
      consentStatus: 'explicit',
      consentSource: 'paper form',
      consentTimestamp: '2024-05-01T09:30:00+10:00',
      customFields: { 'Favourite Drink': 'Flat white', Store: 'Fitzroy' },
    });
    expect(await contactByPhone(t.tenantId, '+61412345652')).toMatchObject({
      consentStatus: 'implied',
      customFields: { 'Favourite Drink': 'Long black' },
    });
  });

  it('error: missing and garbage phones are rejected with row number, reason and data', async () => {
    const t = await createTenant();
    const s = await importCsv(t, badPhones);
    expect(s).toMatchObject({
      total_rows: 7,
      created_count: 1,
      rejected_count: 6,
      rejected_rows_complete: true,
    });
    addsUp(s);
    expect(s.rejected_rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6]);
    const reasons = s.rejected_rows.map((r) => r.reason);
    expect(reasons[0]).toMatch(/missing/);
    expect(reasons[1]).toMatch(/not a phone number/);
    expect(reasons[2]).toMatch(/landline/);
    expect(reasons[3]).toMatch(/1300/);
    expect(reasons[4]).toMatch(/toll-free/);
    expect(reasons[5]).toMatch(/too short/);
    expect(s.rejected_rows[1]?.data).toEqual({ phone: 'banana', first_name: 'Garbage' });
  });

  it('happy: the same phone twice in a file counts once; the rest are skipped with a reason', async () => {
    const t = await createTenant();
    const s = await importCsv(t, duplicates);
    expect(s).toMatchObject({ total_rows: 4, created_count: 2, skipped_count: 2, rejected_count: 0 });
    expect(s.skipped_rows.map((r) => [r.row, r.reason])).toEqual([
      [2, expect.stringMatching(/same phone \(\+61412345671\) as row 1/)],
      [3, expect.stringMatching(/as row 1/)],
    ]);
    expect((await contactByPhone(t.tenantId, '+61412345671'))?.firstName).toBe('First');
  });

  it('happy/error: Excel scientific notation recovered when exact, rejected when digits were lost', async () => {
    const t = await createTenant();
    const s = await importCsv(t, excel);
    expect(s).toMatchObject({ total_rows: 2, created_count: 1, rejected_count: 1 });
    expect((await contactByPhone(t.tenantId, '+61412345681'))?.firstName).toBe('Recovered');
    expect(s.rejected_rows[0]).toMatchObject({
      row: 2,
      reason: expect.stringMatching(/scientific notation/),
    });
  });

  it('error: a row split by an unquoted delimiter is rejected, a trailing comma is fine', async () => {
    const t = await createTenant();
    const s = await importCsv(t, extraFields);
    expect(s).toMatchObject({ created_count: 2, rejected_count: 1 });
    expect(s.rejected_rows[0]?.row).toBe(2);
  });

  it('error: a file without a phone column is refused at upload (422) naming the columns found', async () => {
    const t = await createTenant();
    const res = await upload(t, noPhone);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await json<{ detail: string }>(res)).detail).toMatch(/No phone column.*name, email/);
  });

  it('error: an empty file or a header without rows is refused (422)', async () => {
    const t = await createTenant();
    expect((await upload(t, '')).status).toBe(422);
    expect((await upload(t, 'phone,name\r\n\r\n')).status).toBe(422);
  });
});

describe('import semantics', () => {
  it('happy: created / updated / skipped / rejected add up; explicit consent never downgraded', async () => {
    const t = await createTenant();
    const first = await importCsv(
      t,
      'phone,first_name,consent_status,consent_source\n0412000001,Ann,explicit,paper\n0412000002,Bob,unknown,\n',
    );
    expect(first).toMatchObject({ created_count: 2 });
    const second = await importCsv(
      t,
      [
        'phone,first_name,consent_status,Store',
        '0412000001,Ann,unknown,', // identical except a lower consent → skipped, consent kept
        '0412000002,Bobby,,', // changed name → updated
        '0412000003,Cat,implied,Fitzroy', // new → created
        'nonsense,Dan,,', // rejected
      ].join('\n'),
    );
    expect(second).toMatchObject({
      status: 'completed',
      total_rows: 4,
      created_count: 1,
      updated_count: 1,
      skipped_count: 1,
      rejected_count: 1,
      rows_processed: 4,
    });
    expect(await contactByPhone(t.tenantId, '+61412000001')).toMatchObject({
      consentStatus: 'explicit',
      consentSource: 'paper',
    });
    expect((await contactByPhone(t.tenantId, '+61412000002'))?.firstName).toBe('Bobby');
  });

  it('happy: ?default_consent_status and consent_source apply where rows have none; the upgrade is audited', async () => {
    const t = await createTenant();
    await importCsv(t, 'phone\n0412000011\n');
    const s = await importCsv(
      t,
      'phone,first_name\n0412000011,Zed\n0412000012,Yan\n',
      '?default_consent_status=implied&consent_source=POS%20signup',
    );
    expect(s).toMatchObject({ created_count: 1, updated_count: 1 });
    expect(await contactByPhone(t.tenantId, '+61412000012')).toMatchObject({
      consentStatus: 'implied',
      consentSource: 'POS signup',
    });
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'contact.consent_changed')));
    expect(audits).toHaveLength(1);
    expect(audits[0]?.metadata).toMatchObject({
      changes: [expect.objectContaining({ from: 'unknown', to: 'implied', row: 1 })],
    });
  });

  it('happy: a number on do-not-contact stays there after an import', async () => {
    const t = await createTenant();
    await t.api('/api/v1/do-not-contact', {
      method: 'POST',
      json: { phone: '0412000021', reason: 'COMPLAINED' },
    });
    await importCsv(t, 'phone,consent_status\n0412000021,explicit\n');
    const dnc = await t.db
      .select()
      .from(doNotContact)
      .where(and(eq(doNotContact.tenantId, t.tenantId), eq(doNotContact.phoneE164, '+61412000021')));
    expect(dnc).toHaveLength(1);
  });

  it('error: the same file uploaded twice answers 409 naming the earlier import; nothing is imported twice', async () => {
    const t = await createTenant();
    const csv = 'phone,first_name\n0412000031,Once\n';
    const s = await importCsv(t, csv);
    const again = await upload(t, csv);
    expect(again.status).toBe(409);
    const body = await json<{ detail: string; existing_import_id: string }>(again);
    expect(body.existing_import_id).toBe(s.id);
    expect(body.detail).toContain(s.id);
    const list = await json<{ data: { id: string }[] }>(await t.api('/api/v1/imports'));
    expect(list.data.map((i) => i.id)).toEqual([s.id]);
  });

  it('happy: another tenant may upload the same file', async () => {
    const a = await createTenant();
    const b = await createTenant();
    const csv = 'phone\n0412000041\n';
    await importCsv(a, csv);
    expect((await importCsv(b, csv)).created_count).toBe(1);
  });

  it('happy: multipart upload keeps the file name; the list shows imports newest first', async () => {
    const t = await createTenant();
    const form = new FormData();
    form.append('file', new File(['phone\n0412000051\n'], 'crm-export.csv', { type: 'text/csv' }));
    const res = await t.api('/api/v1/imports', { method: 'POST', body: form, role: 'staff' });
    expect(res.status).toBe(202);
    const created = await json<{ id: string; file_name: string; status: string }>(res);
    expect(created).toMatchObject({ file_name: 'crm-export.csv', status: 'pending' });
    await drain(t, created.id);
    const second = await importCsv(t, 'phone\n0412000052\n');
    const list = await json<{ data: { id: string }[] }>(await t.api('/api/v1/imports', { role: 'viewer' }));
    expect(list.data.map((i) => i.id)).toEqual([second.id, created.id]);
  });

  it('happy: rejected rows download as CSV with a reason column and re-import after fixing', async () => {
    const t = await createTenant();
    const s = await importCsv(t, 'phone,first_name,notes\n0412000061,Ok,x\n12,Short,"a, b"\n');
    const res = await t.api(`/api/v1/imports/${s.id}/rejected.csv`, { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const text = await res.text();
    expect(text).toBe(
      'phone,first_name,notes,reason\r\n12,Short,"a, b","phone: ""12"" is too short to be a phone number"\r\n',
    );
    const fixed = text.replace('12,Short', '0412000062,Short');
    const again = await importCsv(t, fixed);
    expect(again).toMatchObject({ created_count: 1, rejected_count: 0 });
    expect((await contactByPhone(t.tenantId, '+61412000062'))?.customFields).toEqual({ notes: 'a, b' });
  });
});

describe('scale and robustness', () => {
  it('happy: a multi-chunk file keeps file order; a duplicate in a later chunk is skipped', async () => {
    const t = await createTenant();
    const list = phones(2100);
    list[1500] = list[4]!; // row 1501 repeats row 5
    const s = await importCsv(t, `phone,n\n${list.map((p, i) => `${p},${i + 1}`).join('\n')}\n`);
    expect(s).toMatchObject({ total_rows: 2100, chunks_total: 3, created_count: 2099, skipped_count: 1 });
    expect(s.skipped_rows[0]).toMatchObject({ row: 1501, reason: expect.stringMatching(/earlier row/) });
    expect((await contactByPhone(t.tenantId, `+61${list[4]!.slice(1)}`))?.customFields).toEqual({ n: '5' });
  });

  it('happy: resumes after a crash between chunks; no row imported twice, counts add up', async () => {
    const sent: unknown[] = [];
    vi.spyOn(env.IMPORT_QUEUE, 'send').mockImplementation(async (body: unknown) => {
      sent.push(body);
      return undefined as unknown as QueueSendResponse;
    });
    const t = await createTenant();
    const res = await upload(t, `phone\n${phones(2500, 100_000).join('\n')}\n`);
    const { id } = await json<{ id: string }>(res);
    expect(sent).toEqual([{ batchId: id, tenantId: t.tenantId, seq: 0 }]);

    // The first invocation processes one chunk, then the isolate dies before handing on.
    expect(await runImport(t.shard.d1, id, { maxChunks: 1, maxMs: 60_000 })).toBe('more');
    const [mid] = await t.db.select().from(importBatches).where(eq(importBatches.id, id));
    expect(mid).toMatchObject({ status: 'processing', chunksDone: 1, createdCount: 1000 });

    // Within the heartbeat window the watchdog leaves it alone; after it, it resumes from chunk 1.
    await watchImports(env, new Date(Date.now() + 60_000), { tenantId: t.tenantId });
    expect(sent).toHaveLength(1);
    await watchImports(env, new Date(Date.now() + 6 * 60_000), { tenantId: t.tenantId });
    expect(sent[1]).toEqual({ batchId: id, tenantId: t.tenantId, seq: 1 });

    const batch = createMessageBatch<ImportMessage>('sms-import', [
      { id: 'resume', timestamp: new Date(), attempts: 1, body: sent[1] as ImportMessage },
      {
        id: 'stale-redelivery',
        timestamp: new Date(),
        attempts: 2,
        body: { batchId: id, tenantId: t.tenantId, seq: 0 },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<unknown>, env, ctx);
    await getQueueResult(batch, ctx);
    const done = await json<ImportJson>(await t.api(`/api/v1/imports/${id}`));
    expect(done).toMatchObject({
      status: 'completed',
      total_rows: 2500,
      created_count: 2500,
      chunks_done: 3,
    });
    addsUp(done);
    const rows = await t.db
      .select({ id: contacts.id })
      .from(contacts)
      .where(eq(contacts.tenantId, t.tenantId));
    expect(rows).toHaveLength(2500);
  });

  it('error: a batch that never progresses is failed with its counts, not left processing', async () => {
    vi.spyOn(env.IMPORT_QUEUE, 'send').mockResolvedValue(undefined as unknown as QueueSendResponse);
    const t = await createTenant();
    const res = await upload(t, `phone\n${phones(1500, 200_000).join('\n')}\n`);
    const { id } = await json<{ id: string }>(res);
    await runImport(t.shard.d1, id, { maxChunks: 1, maxMs: 60_000 });
    let now = Date.now();
    for (let i = 0; i < 4; i++) {
      now += 6 * 60_000;
      await watchImports(env, new Date(now), { tenantId: t.tenantId });
    }
    const s = await json<ImportJson>(await t.api(`/api/v1/imports/${id}`));
    expect(s).toMatchObject({ status: 'failed', created_count: 1000, total_rows: 1500 });
    expect(s.failure_reason).toMatch(/1000 of 1500 rows were processed/);
    // A slow chain that wakes up after the batch was failed imports nothing more.
    expect(await runImport(t.shard.d1, id)).toBe('done');
    const after = await json<ImportJson>(await t.api(`/api/v1/imports/${id}`));
    expect(after).toMatchObject({ status: 'failed', created_count: 1000, chunks_done: 1 });
    const rows = await t.db
      .select({ id: contacts.id })
      .from(contacts)
      .where(eq(contacts.tenantId, t.tenantId));
    expect(rows).toHaveLength(1000);
  });

  it('security: processing a chunk twice changes nothing the second time', async () => {
    vi.spyOn(env.IMPORT_QUEUE, 'send').mockResolvedValue(undefined as unknown as QueueSendResponse);
    const t = await createTenant();
    const { id } = await json<{ id: string }>(await upload(t, 'phone\n0412000071\n0412000071\n'));
    const [chunk] = await t.db.select().from(importChunks).where(eq(importChunks.batchId, id));
    await runImport(t.shard.d1, id);
    // Replay the chunk (with different content) as a late duplicate delivery would.
    const b = await t.shard.d1
      .prepare('SELECT * FROM import_batches WHERE id = ?')
      .bind(id)
      .first<BatchRow>();
    const out = await processChunk(
      t.shard.d1,
      {
        batch: b!,
        plan: { headers: ['phone'], roles: [{ kind: 'field', field: 'phone' }] },
        defaults: { defaultConsentStatus: 'unknown', consentSource: null, defaultCountry: 'AU' },
        options: readOptions(b!.options),
      },
      { id: chunk!.id, first_row: 1, rows: JSON.stringify([['0412000072']]) },
    );
    expect(out).toEqual({ created: 0, updated: 0, skipped: 0, rejected: 0 });
    expect(await contactByPhone(t.tenantId, '+61412000072')).toBeUndefined();
    const s = await json<ImportJson>(await t.api(`/api/v1/imports/${id}`));
    expect(s).toMatchObject({ status: 'completed', created_count: 1, skipped_count: 1, total_rows: 2 });
  });
});

describe('import access', () => {
  it('security: a viewer cannot import (403) but can read imports', async () => {
    const t = await createTenant();
    const res = await upload(t, 'phone\n0412000081\n', '', 'viewer');
    expect(res.status).toBe(403);
    expect((await t.api('/api/v1/imports', { role: 'viewer' })).status).toBe(200);
  });

  it('security: another tenant’s import answers 404, its rejected rows too', async () => {
    const a = await createTenant();
    const b = await createTenant();
    const s = await importCsv(a, 'phone\nbad\n');
    expect((await b.api(`/api/v1/imports/${s.id}`)).status).toBe(404);
    expect((await b.api(`/api/v1/imports/${s.id}/rejected.csv`)).status).toBe(404);
  });

  it('error: a file over the upload limit answers 413 telling the user to split it', async () => {
    const t = await createTenant();
    const res = await upload(t, `phone\n${'0412345678\n'.repeat(1_600_000)}`);
    expect(res.status).toBe(413);
    expect((await json<{ detail: string }>(res)).detail).toMatch(/Split it/);
  });

  it('error: a JSON body is refused with a problem telling how to upload', async () => {
    const t = await createTenant();
    const res = await t.api('/api/v1/imports', { method: 'POST', json: { phone: '0412000091' } });
    expect(res.status).toBe(415);
  });
});
