// Template CRUD: list, create, read, edit (a changed image is checked again) and delete (refused
// while a campaign names the template).
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import { nowIso } from '../../db/client';
import { uuidv7 } from '../../db/ids';
import { CHANNELS, messageTemplates } from '../../db/schema';
import { templateChannel } from '../../domain/mms';
import { extractVariables } from '../../domain/template';
import { auditRow, diff } from '../../http/audit';
import { ApiError, notFound } from '../../http/errors';
import { newestFirst } from '../../http/pagination';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
} from '../../http/router';
import { checkMmsImage } from '../../integrations/media';

/** Twilio concatenates at most 1600 characters into one message. */
export const MAX_BODY = 1600;

const TemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    body: z.string(),
    variables: z.array(z.string()),
    is_active: z.boolean(),
    /** One https image (JPEG, PNG or GIF): the template goes out as an MMS. */
    media_url: z.string().nullable(),
    media_content_type: z.string().nullable(),
    media_bytes: z.number().int().nullable(),
    channel: z.enum(CHANNELS),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Template');

const Body = z.string().min(1, 'The body is empty').max(MAX_BODY, `At most ${MAX_BODY} characters`);
const MediaUrl = z.string().trim().max(2000).nullable();
const TemplateCreate = z
  .object({
    name: z.string().trim().min(1).max(120),
    body: Body,
    is_active: z.boolean().default(true),
    media_url: MediaUrl.optional(),
  })
  .strict();
const TemplatePatch = z
  .object({
    name: z.string().trim().min(1).max(120),
    body: Body,
    is_active: z.boolean(),
    media_url: MediaUrl,
  })
  .partial()
  .strict();
const TemplateQuery = PageQuery.extend({
  is_active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
type TemplateRow = typeof messageTemplates.$inferSelect;
const templateJson = (t: TemplateRow): z.infer<typeof TemplateSchema> => ({
  id: t.id,
  name: t.name,
  body: t.body,
  variables: t.variables,
  is_active: t.isActive,
  media_url: t.mediaUrl,
  media_content_type: t.mediaContentType,
  media_bytes: t.mediaBytes,
  channel: templateChannel(t),
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

export const templateCrudRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/templates',
      tags: ['Templates'],
      request: { query: TemplateQuery },
      responses: { 200: jsonResponse(page(TemplateSchema), 'Templates, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor, is_active } = c.req.valid('query');
      const p = await newestFirst(
        c.get('db'),
        messageTemplates,
        { tenantId: c.get('principal').tenantId, cursor, limit },
        is_active === undefined ? undefined : eq(messageTemplates.isActive, is_active),
      );
      return c.json({ data: p.data.map(templateJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/templates',
      tags: ['Templates'],
      request: { body: jsonBody(TemplateCreate) },
      responses: { 201: jsonResponse(TemplateSchema, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const body = c.req.valid('json');
      const id = uuidv7();
      const variables = extractVariables(body.body);
      const media = body.media_url ? await checkMmsImage(c.env, body.media_url) : null;
      const [[created]] = await db.batch([
        db
          .insert(messageTemplates)
          .values({
            id,
            tenantId: c.get('principal').tenantId,
            name: body.name,
            body: body.body,
            variables,
            isActive: body.is_active,
            mediaUrl: media?.url ?? null,
            mediaContentType: media?.contentType ?? null,
            mediaBytes: media?.bytes ?? null,
          })
          .returning(),
        auditRow(c, {
          action: 'template.created',
          resourceType: 'template',
          resourceId: id,
          metadata: { name: body.name, variables, ...(media ? { media_url: media.url } : {}) },
        }),
      ]);
      return c.json(templateJson(created as TemplateRow), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/templates/{id}',
      tags: ['Templates'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(TemplateSchema, 'A template'), ...errorResponses },
    }),
    async (c) => {
      const t = await findTemplate(c.get('db'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(templateJson(t), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/templates/{id}',
      tags: ['Templates'],
      request: { params: IdParam, body: jsonBody(TemplatePatch) },
      responses: { 200: jsonResponse(TemplateSchema, 'The updated template'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findTemplate(db, tenantId, id);
      const variables = body.body === undefined ? undefined : extractVariables(body.body);
      // A changed image is checked again; the same URL keeps its checked type and size.
      const newMedia =
        body.media_url && body.media_url !== before.mediaUrl
          ? await checkMmsImage(c.env, body.media_url)
          : null;
      const media =
        body.media_url === undefined || body.media_url === before.mediaUrl
          ? {}
          : {
              mediaUrl: newMedia?.url ?? null,
              mediaContentType: newMedia?.contentType ?? null,
              mediaBytes: newMedia?.bytes ?? null,
            };
      const [[after]] = await db.batch([
        db
          .update(messageTemplates)
          .set({
            name: body.name,
            body: body.body,
            variables,
            isActive: body.is_active,
            ...media,
            updatedAt: nowIso(),
          })
          .where(and(eq(messageTemplates.id, id), eq(messageTemplates.tenantId, tenantId)))
          .returning(),
        auditRow(c, {
          action: body.is_active === false && before.isActive ? 'template.deactivated' : 'template.updated',
          resourceType: 'template',
          resourceId: id,
          metadata: { changes: diff(templateJson(before), { ...body, variables }) },
        }),
      ]);
      return c.json(templateJson(after as TemplateRow), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/templates/{id}',
      tags: ['Templates'],
      request: { params: IdParam },
      responses: {
        204: { description: 'Deleted' },
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findTemplate(db, tenantId, id);
      // Campaigns (drafts included) name their templates; deleting one under them would break a
      // launch or the history of what was sent. Deactivating keeps it out of new campaigns.
      const users = await db.all<{ name: string; status: string }>(sql`
        SELECT c.name, c.status FROM campaigns c, json_each(c.template_ids) j
        WHERE c.tenant_id = ${tenantId} AND j.value = ${id} LIMIT 5`);
      if (users.length > 0) {
        throw new ApiError(
          'CONFLICT',
          `The template is used by ${users.map((u) => `"${u.name}" (${u.status})`).join(', ')}; set is_active to false instead.`,
        );
      }
      await db.batch([
        db
          .delete(messageTemplates)
          .where(and(eq(messageTemplates.id, id), eq(messageTemplates.tenantId, tenantId))),
        auditRow(c, {
          action: 'template.deleted',
          resourceType: 'template',
          resourceId: id,
          metadata: { name: before.name },
        }),
      ]);
      return c.body(null, 204);
    },
  );

async function findTemplate(db: import('../../db/client').Db, tenantId: string, id: string) {
  const t = await db.query.messageTemplates.findFirst({
    where: and(eq(messageTemplates.id, id), eq(messageTemplates.tenantId, tenantId)),
  });
  if (!t) throw notFound('Template');
  return t;
}
