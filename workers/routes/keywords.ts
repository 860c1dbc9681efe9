// Join keywords (issue 14): "Text JOIN to 0480 000 001". A keyword answers on one sending number or
// on all of them; STOP/START/HELP words and "Y" are reserved; the same word twice in one scope,
// or on a number and tenant-wide, is refused (422). The inbound handling is the send path's
// (workers/webhooks/inbound.ts), through domain/join-keywords.ts matchJoinKeyword().
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import { keywords, sendingNumbers } from '../db/schema';
import { findClash, validateJoinKeyword } from '../domain/join-keywords';
import { auditRow, diff } from '../http/audit';
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

/** Tags a keyword or form adds to the contact: no separators (CSV imports split on `;` and `,`). */
export const TagsAdd = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(50)
      .regex(/^[^,;]+$/, 'A tag cannot contain , or ;'),
  )
  .max(20)
  .transform((tags) => [...new Set(tags)]);

const KeywordSchema = z
  .object({
    id: z.string(),
    keyword: z.string(),
    /** null: the keyword answers on every sending number of the tenant. */
    sending_number_id: z.string().nullable(),
    reply: z.string(),
    tags_add: z.array(z.string()),
    double_opt_in: z.boolean(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Keyword');

const Reply = z.string().trim().min(1, 'Write the reply sent after joining').max(480);
const KeywordCreate = z
  .object({
    keyword: z.string().max(60),
    sending_number_id: z.uuid().nullable().default(null),
    reply: Reply,
    tags_add: TagsAdd.default([]),
    double_opt_in: z.boolean().default(true),
    is_active: z.boolean().default(true),
  })
  .strict();
const KeywordPatch = z
  .object({
    keyword: z.string().max(60),
    sending_number_id: z.uuid().nullable(),
    reply: Reply,
    tags_add: TagsAdd,
    double_opt_in: z.boolean(),
    is_active: z.boolean(),
  })
  .partial()
  .strict();

type KeywordRow = typeof keywords.$inferSelect;
const keywordJson = (k: KeywordRow): z.infer<typeof KeywordSchema> => ({
  id: k.id,
  keyword: k.keyword,
  sending_number_id: k.sendingNumberId,
  reply: k.reply,
  tags_add: k.tagsAdd,
  double_opt_in: k.doubleOptIn,
  is_active: k.isActive,
  created_at: k.createdAt,
  updated_at: k.updatedAt,
});

async function findKeyword(db: Db, tenantId: string, id: string) {
  const k = await db.query.keywords.findFirst({
    where: and(eq(keywords.id, id), eq(keywords.tenantId, tenantId)),
  });
  if (!k) throw notFound('Keyword');
  return k;
}

const invalid = (path: string, message: string) =>
  new ApiError('VALIDATION', message, { errors: [{ path, message }] });

/** The normalised keyword, after every rule: reserved words, the number is the tenant's, no clash. */
async function checkKeyword(
  db: Db,
  control: Db,
  tenantId: string,
  k: { id?: string; keyword: string; sendingNumberId: string | null },
): Promise<string> {
  const v = validateJoinKeyword(k.keyword);
  if (!v.ok) throw invalid('keyword', v.reason);
  let numberPhone: string | null = null;
  if (k.sendingNumberId) {
    const n = await control.query.sendingNumbers.findFirst({
      columns: { phoneE164: true },
      where: and(eq(sendingNumbers.id, k.sendingNumberId), eq(sendingNumbers.tenantId, tenantId)),
    });
    if (!n) throw invalid('sending_number_id', 'No sending number of yours has this id.');
    numberPhone = n.phoneE164;
  }
  const same = await db
    .select({ id: keywords.id, keyword: keywords.keyword, sendingNumberId: keywords.sendingNumberId })
    .from(keywords)
    .where(and(eq(keywords.tenantId, tenantId), eq(keywords.keyword, v.keyword)));
  const clash = findClash({ id: k.id, keyword: v.keyword, sendingNumberId: k.sendingNumberId }, same);
  if (clash) {
    const where =
      clash.sendingNumberId === null
        ? 'already answers on every number'
        : clash.sendingNumberId === k.sendingNumberId
          ? `is already a keyword on ${numberPhone ?? 'this number'}`
          : 'is already a keyword on one of your numbers (a keyword for every number would clash with it)';
    throw invalid('keyword', `${v.keyword} ${where}.`);
  }
  return v.keyword;
}

const isUniqueViolation = (err: unknown) => String(err).includes('UNIQUE constraint failed');
const raced = (keyword: string) => invalid('keyword', `${keyword} was just added by someone else.`);

export const keywordRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/keywords',
      tags: ['Keywords'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(KeywordSchema), 'Keywords, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('db'), keywords, {
        tenantId: c.get('principal').tenantId,
        cursor,
        limit,
      });
      return c.json({ data: p.data.map(keywordJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/keywords',
      tags: ['Keywords'],
      request: { body: jsonBody(KeywordCreate) },
      responses: { 201: jsonResponse(KeywordSchema, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const keyword = await checkKeyword(db, c.get('control'), tenantId, {
        keyword: body.keyword,
        sendingNumberId: body.sending_number_id,
      });
      const id = uuidv7();
      try {
        const [[created]] = await db.batch([
          db
            .insert(keywords)
            .values({
              id,
              tenantId,
              keyword,
              sendingNumberId: body.sending_number_id,
              reply: body.reply,
              tagsAdd: body.tags_add,
              doubleOptIn: body.double_opt_in,
              isActive: body.is_active,
            })
            .returning(),
          auditRow(c, {
            action: 'keyword.created',
            resourceType: 'keyword',
            resourceId: id,
            metadata: {
              keyword,
              sending_number_id: body.sending_number_id,
              double_opt_in: body.double_opt_in,
            },
          }),
        ]);
        return c.json(keywordJson(created as KeywordRow), 201);
      } catch (err) {
        if (isUniqueViolation(err)) throw raced(keyword);
        throw err;
      }
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/keywords/{id}',
      tags: ['Keywords'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(KeywordSchema, 'A keyword'), ...errorResponses },
    }),
    async (c) => {
      const k = await findKeyword(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(keywordJson(k), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/keywords/{id}',
      tags: ['Keywords'],
      request: { params: IdParam, body: jsonBody(KeywordPatch) },
      responses: { 200: jsonResponse(KeywordSchema, 'The updated keyword'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findKeyword(db, tenantId, id);
      const scopeChanges = body.keyword !== undefined || body.sending_number_id !== undefined;
      const keyword = scopeChanges
        ? await checkKeyword(db, c.get('control'), tenantId, {
            id,
            keyword: body.keyword ?? before.keyword,
            sendingNumberId:
              body.sending_number_id === undefined ? before.sendingNumberId : body.sending_number_id,
          })
        : undefined;
      try {
        const [[after]] = await db.batch([
          db
            .update(keywords)
            .set({
              keyword,
              sendingNumberId: body.sending_number_id,
              reply: body.reply,
              tagsAdd: body.tags_add,
              doubleOptIn: body.double_opt_in,
              isActive: body.is_active,
              updatedAt: nowIso(),
            })
            .where(and(eq(keywords.id, id), eq(keywords.tenantId, tenantId)))
            .returning(),
          auditRow(c, {
            action: 'keyword.updated',
            resourceType: 'keyword',
            resourceId: id,
            metadata: { changes: diff(keywordJson(before), { ...body, keyword }) },
          }),
        ]);
        return c.json(keywordJson(after as KeywordRow), 200);
      } catch (err) {
        if (isUniqueViolation(err)) throw raced(keyword ?? before.keyword);
        throw err;
      }
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/keywords/{id}',
      tags: ['Keywords'],
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findKeyword(db, tenantId, id);
      await db.batch([
        db.delete(keywords).where(and(eq(keywords.id, id), eq(keywords.tenantId, tenantId))),
        auditRow(c, {
          action: 'keyword.deleted',
          resourceType: 'keyword',
          resourceId: id,
          metadata: { keyword: before.keyword, sending_number_id: before.sendingNumberId },
        }),
      ]);
      return c.body(null, 204);
    },
  );
