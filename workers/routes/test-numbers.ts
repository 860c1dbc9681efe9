// Test numbers (issue 12): the tenant's own phones that "send a test" may text. Each is confirmed
// once by a code texted to it (workers/domain/verification-code.ts): a test ignores consent, so the
// phone's owner must say yes first. Staff manage them (the code protects the phone's owner; a
// tenant keeps at most MAX_TEST_NUMBERS, so this never becomes a way round consent).
import { createRoute, z } from '@hono/zod-openapi';
import { and, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { tenantCountry } from '../db/contacts';
import { uuidv7 } from '../db/ids';
import { testNumbers } from '../db/schema';
import { normalizePhone } from '../domain/phone';
import {
  checkCode,
  codeHash,
  MAX_CODE_ATTEMPTS,
  MAX_TEST_NUMBERS,
  normaliseCode,
  RESEND_AFTER_MS,
} from '../domain/verification-code';
import { auditRow } from '../http/audit';
import { ApiError, notFound } from '../http/errors';
import { newestFirst } from '../http/pagination';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
} from '../http/router';
import { checkCanText, sendCode } from './test-number-codes';

const TestNumberSchema = z
  .object({
    id: z.string(),
    phone_e164: z.string(),
    label: z.string().nullable(),
    status: z.enum(['pending', 'confirmed']),
    confirmed_at: z.string().nullable(),
    code_sent_at: z.string().nullable(),
    code_expires_at: z.string().nullable(),
    /** Wrong codes still allowed against the pending code. */
    attempts_left: z.number().int(),
    /** When a new code may be asked for (null: now, or confirmed). */
    resend_available_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('TestNumber');

const Create = z
  .object({ phone: z.string().min(1).max(40), label: z.string().trim().max(60).optional() })
  .strict();
const Confirm = z.object({ code: z.string().max(20) }).strict();

type Row = typeof testNumbers.$inferSelect;
const numberJson = (r: Row): z.infer<typeof TestNumberSchema> => ({
  id: r.id,
  phone_e164: r.phoneE164,
  label: r.label,
  status: r.confirmedAt ? 'confirmed' : 'pending',
  confirmed_at: r.confirmedAt,
  code_sent_at: r.codeSentAt,
  code_expires_at: r.confirmedAt ? null : r.codeExpiresAt,
  attempts_left: r.confirmedAt ? 0 : Math.max(0, MAX_CODE_ATTEMPTS - r.codeAttempts),
  resend_available_at:
    !r.confirmedAt && r.codeSentAt
      ? new Date(Date.parse(r.codeSentAt) + RESEND_AFTER_MS).toISOString()
      : null,
  created_at: r.createdAt,
});

async function findNumber(db: Db, tenantId: string, id: string): Promise<Row> {
  const [row] = await db
    .select()
    .from(testNumbers)
    .where(and(eq(testNumbers.id, id), eq(testNumbers.tenantId, tenantId)));
  if (!row) throw notFound('Test number');
  return row;
}

export const testNumberRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/test-numbers',
      tags: ['Test sends'],
      request: { query: PageQuery },
      responses: {
        200: jsonResponse(page(TestNumberSchema), 'Test numbers, newest first'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('db'), testNumbers, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map(numberJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/test-numbers',
      tags: ['Test sends'],
      summary: 'Add a test number; a code is texted to it',
      request: { body: jsonBody(Create) },
      responses: {
        201: jsonResponse(TestNumberSchema, 'Added, waiting for its code'),
        409: errorResponses[404],
        429: errorResponses[404],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId, userId } = c.get('principal');
      const body = c.req.valid('json');
      const phone = normalizePhone(body.phone, await tenantCountry(db, tenantId));
      if (!phone.ok)
        throw new ApiError('VALIDATION', phone.reason, {
          errors: [{ path: 'phone', message: phone.reason }],
        });
      const [[existing], [total]] = await db.batch([
        db
          .select({ id: testNumbers.id })
          .from(testNumbers)
          .where(and(eq(testNumbers.tenantId, tenantId), eq(testNumbers.phoneE164, phone.e164))),
        db.select({ n: count() }).from(testNumbers).where(eq(testNumbers.tenantId, tenantId)),
      ]);
      if (existing)
        throw new ApiError('CONFLICT', `${phone.e164} is already a test number.`, {
          extra: { existing_id: existing.id },
        });
      if ((total?.n ?? 0) >= MAX_TEST_NUMBERS)
        throw new ApiError(
          'CONFLICT',
          `An account keeps at most ${MAX_TEST_NUMBERS} test numbers: remove one first.`,
          {
            extra: { reason: 'limit' },
          },
        );
      const now = new Date();
      await checkCanText(db, tenantId, phone.e164, now);
      const id = uuidv7(now.getTime());
      try {
        await db.insert(testNumbers).values({
          id,
          tenantId,
          phoneE164: phone.e164,
          label: body.label || null,
          createdBy: userId,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        });
      } catch (err) {
        if (String(err).includes('UNIQUE constraint failed'))
          throw new ApiError('CONFLICT', `${phone.e164} was just added by someone else.`);
        throw err;
      }
      const row = await sendCode(c, await findNumber(db, tenantId, id), now, 'test_number.created');
      return c.json(numberJson(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/test-numbers/{id}',
      tags: ['Test sends'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(TestNumberSchema, 'The test number'), ...errorResponses },
    }),
    async (c) => {
      const row = await findNumber(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(numberJson(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/test-numbers/{id}/resend-code',
      tags: ['Test sends'],
      summary: 'Text a new code (the old one stops working)',
      request: { params: IdParam },
      responses: {
        202: jsonResponse(TestNumberSchema, 'A new code is on its way'),
        409: errorResponses[404],
        429: errorResponses[404],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const row = await findNumber(db, c.get('principal').tenantId, c.req.valid('param').id);
      if (row.confirmedAt) throw new ApiError('CONFLICT', 'This test number is already confirmed.');
      const now = new Date();
      if (row.codeSentAt && Date.parse(row.codeSentAt) + RESEND_AFTER_MS > now.getTime())
        throw new ApiError('RATE_LIMITED', 'A code was just sent. Wait a minute before asking for another.');
      return c.json(numberJson(await sendCode(c, row, now, 'test_number.code_sent')), 202);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/test-numbers/{id}/confirm',
      tags: ['Test sends'],
      summary: 'Confirm a test number with the code texted to it',
      request: { params: IdParam, body: jsonBody(Confirm) },
      responses: {
        200: jsonResponse(TestNumberSchema, 'Confirmed'),
        409: errorResponses[404],
        410: errorResponses[404],
        429: errorResponses[404],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const row = await findNumber(db, tenantId, c.req.valid('param').id);
      if (row.confirmedAt) return c.json(numberJson(row), 200);
      const code = normaliseCode(c.req.valid('json').code);
      const now = new Date();
      const before = checkCode(row, [], now);
      if (!before.ok && before.reason === 'no_code')
        throw new ApiError('CONFLICT', 'No code is waiting for this number: ask for a new one.');
      if (!before.ok && before.reason === 'expired')
        throw new ApiError('GONE', 'The code has expired: ask for a new one.', {
          extra: { reason: 'expired' },
        });
      // Take an attempt before comparing, in one statement: parallel guesses cannot exceed the limit.
      const [taken] = await db
        .update(testNumbers)
        .set({ codeAttempts: sql`${testNumbers.codeAttempts} + 1`, updatedAt: now.toISOString() })
        .where(
          and(
            eq(testNumbers.id, row.id),
            eq(testNumbers.tenantId, tenantId),
            sql`${testNumbers.codeAttempts} < ${MAX_CODE_ATTEMPTS}`,
            sql`${testNumbers.confirmedAt} IS NULL`,
          ),
        )
        .returning({ attempts: testNumbers.codeAttempts, codeHash: testNumbers.codeHash });
      if (!taken)
        throw new ApiError('RATE_LIMITED', 'Too many wrong codes: ask for a new one.', {
          extra: { reason: 'too_many_attempts' },
        });
      const hashes = await Promise.all(
        [c.env.LINK_SECRET, c.env.LINK_SECRET_PREVIOUS]
          .filter((s): s is string => Boolean(s))
          .map((s) => codeHash(s, row.id, code)),
      );
      const verdict = checkCode(
        { codeHash: taken.codeHash, codeExpiresAt: row.codeExpiresAt, codeAttempts: taken.attempts - 1 },
        /^\d{6}$/.test(code) ? hashes : [],
        now,
      );
      if (!verdict.ok) {
        await auditRow(c, {
          action: 'test_number.confirm_failed',
          resourceType: 'test_number',
          resourceId: row.id,
          metadata: { attempts: taken.attempts },
        });
        const left = verdict.reason === 'wrong' ? verdict.attemptsLeft : 0;
        const message =
          left > 0
            ? `Wrong code: ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`
            : 'Wrong code: ask for a new one.';
        throw new ApiError('VALIDATION', message, {
          errors: [{ path: 'code', message }],
          extra: { attempts_left: left },
        });
      }
      const [[confirmed]] = await db.batch([
        db
          .update(testNumbers)
          .set({
            confirmedAt: now.toISOString(),
            codeHash: null,
            codeExpiresAt: null,
            codeAttempts: 0,
            updatedAt: now.toISOString(),
          })
          .where(and(eq(testNumbers.id, row.id), eq(testNumbers.tenantId, tenantId)))
          .returning(),
        auditRow(c, {
          action: 'test_number.confirmed',
          resourceType: 'test_number',
          resourceId: row.id,
          metadata: { phone: row.phoneE164 },
        }),
      ]);
      return c.json(numberJson(confirmed as Row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/test-numbers/{id}',
      tags: ['Test sends'],
      request: { params: IdParam },
      responses: { 204: { description: 'Removed' }, ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const row = await findNumber(db, tenantId, c.req.valid('param').id);
      await db.batch([
        db.delete(testNumbers).where(and(eq(testNumbers.id, row.id), eq(testNumbers.tenantId, tenantId))),
        auditRow(c, {
          action: 'test_number.deleted',
          resourceType: 'test_number',
          resourceId: row.id,
          metadata: { phone: row.phoneE164 },
        }),
      ]);
      return c.body(null, 204);
    },
  );
