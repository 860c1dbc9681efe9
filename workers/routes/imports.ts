import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, ne, sql } from 'drizzle-orm';
import { uuidv7 } from '../db/ids';
import { type ImportMessage, readOptions, writeOptions } from '../db/imports';
import { CONSENT_STATUSES, IMPORT_STATUSES, importBatches, importChunks } from '../db/schema';
import { decodeCsv, parseCsv, planColumns, toCsv } from '../domain/csv-import';
import { auditRow } from '../http/audit';
import { ApiError, notFound } from '../http/errors';
import { newestFirst } from '../http/pagination';
import { createRouter, errorResponses, IdParam, jsonResponse, PageQuery, page } from '../http/router';
import { toHex } from '../lib/crypto';

/** Rows per stored chunk: one consumer transaction each (about 100 KB of JSON for typical files). */
export const CHUNK_ROWS = 1000;
/** Larger files would not fit the upload's memory (the text and its chunks are both held); split them. */
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;

const RowEntry = z.object({
  row: z.number().int(),
  reason: z.string(),
  data: z.record(z.string(), z.string()),
});

const ImportSummarySchema = z
  .object({
    id: z.string(),
    status: z.enum(IMPORT_STATUSES),
    file_name: z.string(),
    file_hash: z.string(),
    total_rows: z.number().int(),
    rows_processed: z.number().int(),
    created_count: z.number().int(),
    updated_count: z.number().int(),
    skipped_count: z.number().int(),
    rejected_count: z.number().int(),
    chunks_total: z.number().int(),
    chunks_done: z.number().int(),
    columns: z.array(z.string()),
    default_consent_status: z.enum(CONSENT_STATUSES),
    consent_source: z.string().nullable(),
    failure_reason: z.string().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi('ImportSummary');

const ImportSchema = ImportSummarySchema.extend({
  rejected_rows: z.array(RowEntry),
  skipped_rows: z.array(RowEntry),
  rejected_rows_complete: z.boolean(),
}).openapi('Import');

const ImportQuery = z.object({
  default_consent_status: z.enum(CONSENT_STATUSES).default('unknown'),
  consent_source: z.string().trim().min(1).max(200).optional(),
  file_name: z.string().trim().min(1).max(255).optional(),
});

type BatchRow = typeof importBatches.$inferSelect;

function summaryJson(b: BatchRow): z.infer<typeof ImportSummarySchema> {
  const o = readOptions(b.options);
  return {
    id: b.id,
    status: b.status,
    file_name: b.fileName,
    file_hash: b.fileHash,
    total_rows: b.totalRows,
    rows_processed: b.createdCount + b.updatedCount + b.skippedCount + b.rejectedCount,
    created_count: b.createdCount,
    updated_count: b.updatedCount,
    skipped_count: b.skippedCount,
    rejected_count: b.rejectedCount,
    chunks_total: b.chunksTotal,
    chunks_done: b.chunksDone,
    columns: o.headers,
    default_consent_status: o.defaultConsentStatus,
    consent_source: o.consentSource,
    failure_reason: b.failureReason,
    created_at: b.createdAt,
    completed_at: b.completedAt,
  };
}

function importJson(b: BatchRow): z.infer<typeof ImportSchema> {
  const entries = b.rejectedRows ?? [];
  const strip = (e: (typeof entries)[number]) => ({ row: e.row, reason: e.reason, data: e.data });
  const rejected = entries.filter((e) => !e.skipped).map(strip);
  return {
    ...summaryJson(b),
    rejected_rows: rejected,
    skipped_rows: entries.filter((e) => e.skipped).map(strip),
    rejected_rows_complete: rejected.length === b.rejectedCount,
  };
}

function tooLarge(size: number): never {
  throw new ApiError(
    'PAYLOAD_TOO_LARGE',
    `The file is ${(size / 1048576).toFixed(1)} MB; the limit is ${MAX_UPLOAD_BYTES / 1048576} MB (about 150,000 rows). Split it into smaller files.`,
  );
}

/** The upload: `multipart/form-data` (field `file`) or the raw CSV as the body. */
async function readUpload(
  req: Request,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; fileName: string | null }> {
  const type = req.headers.get('content-type') ?? '';
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await req.formData();
    } catch {
      throw new ApiError('BAD_REQUEST', 'The multipart body could not be read.');
    }
    const file = form.get('file');
    if (file === null || typeof file === 'string') {
      throw new ApiError('VALIDATION', 'Attach the CSV as the form field "file".', {
        errors: [{ path: 'file', message: 'Required: a CSV file' }],
      });
    }
    return { bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name || null };
  }
  if (type.startsWith('application/json')) {
    throw new ApiError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the CSV as multipart/form-data (field "file") or as a text/csv body.',
    );
  }
  return { bytes: new Uint8Array(await req.arrayBuffer()), fileName: null };
}

export const importRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/imports',
      tags: ['Imports'],
      summary: 'Upload a CSV of contacts',
      description:
        'Send the file as `multipart/form-data` (field `file`) or as a `text/csv` body. The header row names the columns ' +
        '(`phone` or an alias such as `Mobile` is required; `email, first_name, last_name, timezone, consent_status, ' +
        'consent_source, consent_timestamp`; any other column becomes a custom field). The same file (by SHA-256) ' +
        'uploaded again answers 409 naming the earlier import, unless that import failed.',
      request: {
        query: ImportQuery,
        // Documented only: the handler reads the body itself (multipart is described above, not validated here,
        // because a form validator would consume the stream before the file can be read).
        body: {
          required: true,
          content: {
            'text/csv': { schema: z.string().openapi({ example: 'phone,first_name\n0412 345 678,Ann\n' }) },
          },
        },
      },
      responses: {
        202: jsonResponse(ImportSummarySchema, 'Stored; rows are processed in the background'),
        409: errorResponses[422],
        413: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const principal = c.get('principal');
      const query = c.req.valid('query');
      // Refused before reading when the size is declared, so an oversized body never fills memory.
      const declared = Number(c.req.header('content-length') ?? 0);
      if (declared > MAX_UPLOAD_BYTES + 64 * 1024) tooLarge(declared);
      const { bytes, fileName } = await readUpload(c.req.raw);
      if (bytes.byteLength > MAX_UPLOAD_BYTES) tooLarge(bytes.byteLength);
      if (bytes.byteLength === 0) {
        throw new ApiError('VALIDATION', 'The file is empty.', {
          errors: [{ path: 'file', message: 'The file is empty' }],
        });
      }
      const fileHash = toHex(await crypto.subtle.digest('SHA-256', bytes));
      const [earlier] = await db
        .select({ id: importBatches.id, status: importBatches.status, createdAt: importBatches.createdAt })
        .from(importBatches)
        .where(
          and(
            eq(importBatches.tenantId, principal.tenantId),
            eq(importBatches.fileHash, fileHash),
            ne(importBatches.status, 'failed'),
          ),
        )
        .orderBy(desc(importBatches.id))
        .limit(1);
      if (earlier) {
        throw new ApiError(
          'CONFLICT',
          `This file was already imported (import ${earlier.id}, ${earlier.status}, ${earlier.createdAt}); nothing was imported twice.`,
          { extra: { existing_import_id: earlier.id } },
        );
      }
      const parsed = parseCsv(decodeCsv(bytes), CHUNK_ROWS);
      const planned = planColumns(parsed.headers);
      if (!planned.ok) {
        throw new ApiError('VALIDATION', planned.reason, {
          errors: [{ path: 'file', message: planned.reason }],
        });
      }
      if (parsed.totalRows === 0) {
        throw new ApiError('VALIDATION', 'The file has a header row but no data rows.', {
          errors: [{ path: 'file', message: 'No data rows' }],
        });
      }
      const id = uuidv7();
      const name = query.file_name ?? fileName ?? 'upload.csv';
      const options = writeOptions({
        headers: planned.plan.headers,
        defaultConsentStatus: query.default_consent_status,
        consentSource: query.consent_source ?? null,
        apiKeyId: principal.apiKeyId,
        resumes: 0,
        resumeChunksDone: 0,
        delimiter: parsed.delimiter,
      });
      const head = [
        db
          .insert(importBatches)
          .values({
            id,
            tenantId: principal.tenantId,
            fileName: name,
            fileHash,
            totalRows: parsed.totalRows,
            chunksTotal: parsed.chunks.length,
            status: 'pending',
            options,
            createdBy: principal.userId,
          })
          .returning(),
        auditRow(c, {
          action: 'import.created',
          resourceType: 'import',
          resourceId: id,
          metadata: { file_name: name, file_hash: fileHash, total_rows: parsed.totalRows },
        }),
      ] as const;
      const chunkInserts = parsed.chunks.map((ch) =>
        db.insert(importChunks).values({
          id: uuidv7(),
          batchId: id,
          seq: ch.seq,
          firstRow: ch.firstRow,
          // Already JSON: bound as is instead of parsed and re-serialised.
          rows: sql`${ch.rowsJson}`,
        }),
      );
      // One transaction: the batch row and every chunk, or nothing (a half-stored file never runs).
      const [[batch]] = await db.batch([...head, ...chunkInserts]);
      const message: ImportMessage = { batchId: id, tenantId: principal.tenantId, seq: 0 };
      try {
        await c.env.IMPORT_QUEUE.send(message);
      } catch (err) {
        // The rows are safely stored; the import watchdog starts a batch whose message was lost.
        console.error('import enqueue failed', id, err);
      }
      return c.json(summaryJson(batch!), 202);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/imports',
      tags: ['Imports'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(ImportSummarySchema), 'Imports, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('db'), importBatches, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map(summaryJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/imports/{id}',
      tags: ['Imports'],
      request: { params: IdParam },
      responses: {
        200: jsonResponse(ImportSchema, 'Progress and, when done, the summary with rejected rows'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const b = await findBatch(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(importJson(b), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/imports/{id}/rejected.csv',
      tags: ['Imports'],
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The rejected rows, original columns plus `reason`',
          content: { 'text/csv': { schema: z.string() } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const b = await findBatch(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      const headers = readOptions(b.options).headers;
      const rows = (b.rejectedRows ?? [])
        .filter((e) => !e.skipped)
        .map((e) => [...headers.map((h) => e.data[h] ?? ''), e.reason]);
      const base = b.fileName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'import';
      return c.body(toCsv([...headers, 'reason'], rows), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${base}-rejected.csv"`,
      });
    },
  );

async function findBatch(db: import('../db/client').Db, tenantId: string, id: string) {
  const b = await db.query.importBatches.findFirst({
    where: and(eq(importBatches.id, id), eq(importBatches.tenantId, tenantId)),
  });
  if (!b) throw notFound('Import');
  return b;
}
