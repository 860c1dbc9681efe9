// Hosted signup forms (issue 14): the admin side. The public page is workers/forms/public.ts
// (`/f/:id`). Changing the consent text bumps `consent_version` and keeps the old text, so every
// opt-in's proof still says what the visitor agreed to; deleting a form archives it for the same reason.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { nowIso } from '../db/client';
import { uuidv7 } from '../db/ids';
import {
  FORM_FIELDS,
  formDirectory,
  OPT_IN_STATUSES,
  pendingOptIns,
  signupFormConsentVersions,
  signupForms,
} from '../db/schema';
import { embedSnippets } from '../forms/embed';
import { auditRow, diff } from '../http/audit';
import { notFound } from '../http/errors';
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
import { TagsAdd } from './keywords';

const FormSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    consent_text: z.string(),
    consent_version: z.number().int(),
    fields: z.array(z.enum(FORM_FIELDS)),
    tags_add: z.array(z.string()),
    double_opt_in: z.boolean(),
    success_message: z.string(),
    is_active: z.boolean(),
    /** The public page, and ready-to-paste embeds (a link, an iframe). */
    public_url: z.string(),
    embed: z.object({ link: z.string(), iframe: z.string() }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('SignupForm');

const Fields = z
  .array(z.enum(FORM_FIELDS))
  .max(FORM_FIELDS.length)
  .transform((f) => [...new Set(f)]);
const ConsentText = z
  .string()
  .trim()
  .min(20, 'Say plainly what people agree to (at least 20 characters)')
  .max(2000);
const SuccessMessage = z.string().trim().min(1).max(500);

const FormCreate = z
  .object({
    name: z.string().trim().min(1).max(120),
    consent_text: ConsentText,
    fields: Fields.default([]),
    tags_add: TagsAdd.default([]),
    double_opt_in: z.boolean().default(true),
    success_message: SuccessMessage.default('Thanks for signing up!'),
    is_active: z.boolean().default(true),
  })
  .strict();
const FormPatch = z
  .object({
    name: z.string().trim().min(1).max(120),
    consent_text: ConsentText,
    fields: Fields,
    tags_add: TagsAdd,
    double_opt_in: z.boolean(),
    success_message: SuccessMessage,
    is_active: z.boolean(),
  })
  .partial()
  .strict();

const OptInSchema = z
  .object({
    id: z.string(),
    phone_e164: z.string(),
    source: z.enum(['form', 'keyword']),
    form_id: z.string().nullable(),
    consent_version: z.number().int().nullable(),
    consent_text: z.string().nullable(),
    keyword_id: z.string().nullable(),
    inbound_message_sid: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    fields: z.record(z.string(), z.string()),
    status: z.enum(OPT_IN_STATUSES),
    status_reason: z.string().nullable(),
    confirmation_sent_at: z.string().nullable(),
    confirmed_at: z.string().nullable(),
    contact_id: z.string().nullable(),
    requested_at: z.string(),
    expires_at: z.string(),
  })
  .openapi('OptInRequest');

type FormRow = typeof signupForms.$inferSelect;
const formJson = (env: Env, f: FormRow, tenantName: string): z.infer<typeof FormSchema> => {
  const embed = embedSnippets(env.PUBLIC_BASE_URL, f.id, `${f.name} – ${tenantName}`);
  return {
    id: f.id,
    name: f.name,
    consent_text: f.consentText,
    consent_version: f.consentVersion,
    fields: f.fields,
    tags_add: f.tagsAdd,
    double_opt_in: f.doubleOptIn,
    success_message: f.successMessage,
    is_active: f.isActive,
    public_url: embed.url,
    embed: { link: embed.link, iframe: embed.iframe },
    created_at: f.createdAt,
    updated_at: f.updatedAt,
  };
};

async function findForm(db: Db, tenantId: string, id: string) {
  const f = await db.query.signupForms.findFirst({
    where: and(eq(signupForms.id, id), eq(signupForms.tenantId, tenantId), isNull(signupForms.archivedAt)),
  });
  if (!f) throw notFound('Form');
  return f;
}

async function tenantName(control: Db, tenantId: string) {
  const t = await control.query.tenants.findFirst({
    columns: { name: true },
    where: (t, { eq }) => eq(t.id, tenantId),
  });
  return t?.name ?? '';
}

export const formRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/forms',
      tags: ['Forms'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(FormSchema), 'Forms, newest first'), ...errorResponses },
    }),
    async (c) => {
      const { tenantId } = c.get('principal');
      const { limit, cursor } = c.req.valid('query');
      const [p, name] = await Promise.all([
        newestFirst(c.get('db'), signupForms, { tenantId, cursor, limit }, isNull(signupForms.archivedAt)),
        tenantName(c.get('control'), tenantId),
      ]);
      return c.json({ data: p.data.map((f) => formJson(c.env, f, name)), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/forms',
      tags: ['Forms'],
      request: { body: jsonBody(FormCreate) },
      responses: {
        201: jsonResponse(FormSchema, 'Created; its public page is live when active'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const id = uuidv7();
      // The public page finds the form's shard through this directory row (control database).
      await c.get('control').insert(formDirectory).values({ formId: id, tenantId });
      const [[created]] = await db.batch([
        db
          .insert(signupForms)
          .values({
            id,
            tenantId,
            name: body.name,
            consentText: body.consent_text,
            consentVersion: 1,
            fields: body.fields,
            tagsAdd: body.tags_add,
            doubleOptIn: body.double_opt_in,
            successMessage: body.success_message,
            isActive: body.is_active,
          })
          .returning(),
        db
          .insert(signupFormConsentVersions)
          .values({ id: uuidv7(), tenantId, formId: id, version: 1, consentText: body.consent_text }),
        auditRow(c, {
          action: 'form.created',
          resourceType: 'form',
          resourceId: id,
          metadata: { name: body.name, consent_version: 1, double_opt_in: body.double_opt_in },
        }),
      ]);
      return c.json(formJson(c.env, created as FormRow, await tenantName(c.get('control'), tenantId)), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/forms/{id}',
      tags: ['Forms'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(FormSchema, 'A form'), ...errorResponses },
    }),
    async (c) => {
      const { tenantId } = c.get('principal');
      const f = await findForm(c.get('db'), tenantId, c.req.valid('param').id);
      return c.json(formJson(c.env, f, await tenantName(c.get('control'), tenantId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/forms/{id}',
      tags: ['Forms'],
      request: { params: IdParam, body: jsonBody(FormPatch) },
      responses: { 200: jsonResponse(FormSchema, 'The updated form'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findForm(db, tenantId, id);
      const newText = body.consent_text !== undefined && body.consent_text !== before.consentText;
      const version = newText ? before.consentVersion + 1 : before.consentVersion;
      const writes = [
        db
          .update(signupForms)
          .set({
            name: body.name,
            consentText: body.consent_text,
            consentVersion: version,
            fields: body.fields,
            tagsAdd: body.tags_add,
            doubleOptIn: body.double_opt_in,
            successMessage: body.success_message,
            isActive: body.is_active,
            updatedAt: nowIso(),
          })
          .where(and(eq(signupForms.id, id), eq(signupForms.tenantId, tenantId)))
          .returning(),
        auditRow(c, {
          action: 'form.updated',
          resourceType: 'form',
          resourceId: id,
          metadata: {
            changes: diff(
              { ...formJson(c.env, before, ''), consent_version: before.consentVersion },
              { ...body, consent_version: version },
            ),
          },
        }),
      ] as const;
      const [[after]] = newText
        ? await db.batch([
            ...writes,
            db.insert(signupFormConsentVersions).values({
              id: uuidv7(),
              tenantId,
              formId: id,
              version,
              consentText: body.consent_text as string,
            }),
          ])
        : await db.batch(writes);
      return c.json(formJson(c.env, after as FormRow, await tenantName(c.get('control'), tenantId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/forms/{id}',
      tags: ['Forms'],
      request: { params: IdParam },
      responses: {
        204: { description: 'Deleted: the page stops answering; past opt-ins keep their proof' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findForm(db, tenantId, id);
      const at = nowIso();
      await db.batch([
        db
          .update(signupForms)
          .set({ archivedAt: at, isActive: false, updatedAt: at })
          .where(and(eq(signupForms.id, id), eq(signupForms.tenantId, tenantId))),
        auditRow(c, {
          action: 'form.deleted',
          resourceType: 'form',
          resourceId: id,
          metadata: { name: before.name },
        }),
      ]);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/forms/{id}/opt-ins',
      tags: ['Forms'],
      request: { params: IdParam, query: PageQuery.extend({ status: z.enum(OPT_IN_STATUSES).optional() }) },
      responses: {
        200: jsonResponse(
          page(OptInSchema),
          'Sign-ups through this form with their consent proof, newest first',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      await findForm(db, tenantId, id);
      const p = await newestFirst(
        db,
        pendingOptIns,
        { tenantId, cursor: q.cursor, limit: q.limit },
        eq(pendingOptIns.formId, id),
        q.status ? eq(pendingOptIns.status, q.status) : undefined,
      );
      const versions = await db
        .select({ version: signupFormConsentVersions.version, text: signupFormConsentVersions.consentText })
        .from(signupFormConsentVersions)
        .where(
          and(eq(signupFormConsentVersions.formId, id), eq(signupFormConsentVersions.tenantId, tenantId)),
        );
      const textOf = new Map(versions.map((v) => [v.version, v.text]));
      return c.json(
        {
          data: p.data.map((o) => ({
            id: o.id,
            phone_e164: o.phoneE164,
            source: o.source,
            form_id: o.formId,
            consent_version: o.consentVersion,
            consent_text: o.consentVersion === null ? null : (textOf.get(o.consentVersion) ?? null),
            keyword_id: o.keywordId,
            inbound_message_sid: o.inboundMessageSid,
            ip: o.ip,
            user_agent: o.userAgent,
            fields: o.fields as Record<string, string>,
            status: o.status,
            status_reason: o.statusReason,
            confirmation_sent_at: o.confirmationSentAt,
            confirmed_at: o.confirmedAt,
            contact_id: o.contactId,
            requested_at: o.requestedAt,
            expires_at: o.expiresAt,
          })),
          next_cursor: p.next_cursor,
        },
        200,
      );
    },
  );
