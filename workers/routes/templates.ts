import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { nowIso } from '../db/client';
import { costPerPartCents, messageCostCents, mmsPriceCents } from '../db/costs';
import { uuidv7 } from '../db/ids';
import { CHANNELS, contacts, messageTemplates, tenants } from '../db/schema';
import { complianceWarnings } from '../domain/compliance';
import { mmsCostCents, templateChannel } from '../domain/mms';
import { finishBody, optOutWarnings, usesOptOutLink } from '../domain/opt-out';
import { canReceiveReplies, SENDER_KINDS } from '../domain/senders';
import { analyzeSms, smartEncode } from '../domain/sms-encoding';
import { contactVariables, extractVariables, renderTemplate, STANDARD_VARIABLES } from '../domain/template';
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
import { checkMmsImage } from '../integrations/media';
import { previewOptOutUrl, previewShortLinkUrl } from '../redirect/links';

/** Twilio concatenates at most 1600 characters into one message. */
const MAX_BODY = 1600;
/** How many recent contacts the preview looks at to learn the tenant's custom field names. */
const CUSTOM_FIELD_SAMPLE = 200;

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

const PreviewRequest = z
  .object({
    body: z.string().max(MAX_BODY, `At most ${MAX_BODY} characters`),
    contact_id: z.uuid().optional(),
    /** The template's image, if any: the preview is then an MMS (shown, not fetched). */
    media_url: z.string().max(2000).nullable().optional(),
    /**
     * The kind of sender to preview from (issue 10): from an `alphanumeric` ID, which recipients
     * cannot reply to, the personal opt-out link replaces "Reply STOP". Default `phone`.
     */
    sender_kind: z.enum(SENDER_KINDS).default('phone'),
  })
  .strict();

const PreviewSchema = z
  .object({
    rendered: z.string(),
    encoding: z.enum(['GSM-7', 'UCS-2']),
    segments: z.number().int(),
    characters: z.number().int(),
    /** `mms` when the template has an image: one MMS price, however long the text. */
    channel: z.enum(CHANNELS),
    media_url: z.string().nullable(),
    cost_cents: z.number().int().nullable(),
    per_part_cents: z.number().int().nullable(),
    /** The price of one MMS, when the preview is one. */
    mms_price_cents: z.number().int().nullable(),
    variables: z.array(z.string()),
    unknown_variables: z.array(z.string()),
    non_gsm_characters: z.array(z.string()),
    warnings: z.array(z.string()),
    footer_appended: z.boolean(),
    smart_encoded: z
      .object({
        body: z.string(),
        rendered: z.string(),
        encoding: z.enum(['GSM-7', 'UCS-2']),
        segments: z.number().int(),
        characters: z.number().int(),
        replaced: z.array(z.object({ from: z.string(), to: z.string() })),
      })
      .nullable(),
  })
  .openapi('TemplatePreview');

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

/** Made-up values for the standard fields when the preview has no contact. */
const SAMPLE_CONTACT = {
  first_name: 'Alex',
  last_name: 'Citizen',
  email: 'alex@example.com',
  phone: '+61412345678',
} as const;

export const templateRoutes = createRouter()
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
      method: 'post',
      path: '/templates/preview',
      tags: ['Templates'],
      request: { body: jsonBody(PreviewRequest) },
      responses: {
        200: jsonResponse(PreviewSchema, 'The message as a recipient would get it, its parts and cost'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { body, contact_id, media_url, sender_kind } = c.req.valid('json');
      const tenant = await c.get('control').query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
      if (!tenant) throw notFound('Tenant');

      const known = await customFieldSamples(db, tenantId);
      let vars: Record<string, string | undefined>;
      if (contact_id) {
        const contact = await db.query.contacts.findFirst({
          where: and(eq(contacts.id, contact_id), eq(contacts.tenantId, tenantId), isNull(contacts.erasedAt)),
        });
        if (!contact) throw notFound('Contact');
        // Custom fields this contact lacks are still known names (rendered empty or with their fallback).
        const blanks = Object.fromEntries(Object.keys(known).map((k) => [k, undefined]));
        vars = { ...blanks, ...contactVariables(contact) };
      } else {
        vars = { ...known, ...SAMPLE_CONTACT };
      }
      vars.link = previewShortLinkUrl(c.env);
      vars.optout = previewOptOutUrl(c.env);
      const reach = { canReceiveReplies: canReceiveReplies(sender_kind) };
      // Exactly what the send path adds for this kind of sender (workers/domain/opt-out.ts).
      const finish = (template: string, renderedText: string) =>
        finishBody(renderedText, tenant, reach, {
          templateHasLink: usesOptOutLink(template),
          url: vars.optout ?? null,
        });

      const rendered = renderTemplate(body, vars);
      const text = finish(body, rendered.text);
      const analysis = analyzeSms(text);
      const channel = templateChannel({ media_url: media_url ?? null });
      const priced = { tenantId, country: tenant.country, at: new Date() };
      const [perPart, mmsPrice] = await Promise.all([
        costPerPartCents(c.get('control'), priced),
        channel === 'mms' ? mmsPriceCents(c.get('control'), priced) : Promise.resolve(null),
      ]);

      // The link placed by {{optout}} (or added for a sender that cannot receive replies) is the opt-out.
      const warnings = [
        ...complianceWarnings(rendered.text, tenant, {
          optOutHandled: usesOptOutLink(body) || !reach.canReceiveReplies,
        }),
        ...optOutWarnings(body, tenant, reach),
      ];
      if (rendered.unknownVariables.length > 0) {
        warnings.push(
          `Unknown variables: ${rendered.unknownVariables.map((v) => `{{${v}}}`).join(', ')}. ` +
            `Known: ${[...STANDARD_VARIABLES, ...Object.keys(known)].join(', ')}.`,
        );
      }
      if (analysis.encoding === 'UCS-2') {
        warnings.push(
          `These characters force UCS-2 (70 characters per part instead of 160): ${analysis.nonGsmCharacters.join(' ')}`,
        );
      }
      if (channel === 'sms' && perPart === null) {
        warnings.push(`No SMS price is set for ${tenant.country}; the cost is unknown.`);
      }
      if (channel === 'mms' && mmsPrice === null) {
        warnings.push(`No MMS price is set for ${tenant.country}; the cost is unknown.`);
      }

      let smart: z.infer<typeof PreviewSchema>['smart_encoded'] = null;
      if (analysis.encoding === 'UCS-2') {
        const fixedBody = smartEncode(body);
        if (fixedBody.replaced.length > 0) {
          const fixedText = finish(fixedBody.text, renderTemplate(fixedBody.text, vars).text);
          const a = analyzeSms(fixedText);
          smart = {
            body: fixedBody.text,
            rendered: fixedText,
            encoding: a.encoding,
            segments: a.segments,
            characters: a.characters,
            replaced: fixedBody.replaced,
          };
        }
      }

      return c.json(
        {
          rendered: text,
          encoding: analysis.encoding,
          segments: analysis.segments,
          characters: analysis.characters,
          channel,
          media_url: media_url ?? null,
          cost_cents:
            channel === 'mms'
              ? mmsPrice === null
                ? null
                : mmsCostCents(mmsPrice)
              : perPart === null
                ? null
                : messageCostCents(analysis.segments, perPart),
          per_part_cents: perPart,
          mms_price_cents: mmsPrice,
          variables: extractVariables(body),
          unknown_variables: rendered.unknownVariables,
          non_gsm_characters: analysis.nonGsmCharacters,
          warnings,
          footer_appended: text !== rendered.text,
          smart_encoded: smart,
        },
        200,
      );
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

async function findTemplate(db: import('../db/client').Db, tenantId: string, id: string) {
  const t = await db.query.messageTemplates.findFirst({
    where: and(eq(messageTemplates.id, id), eq(messageTemplates.tenantId, tenantId)),
  });
  if (!t) throw notFound('Template');
  return t;
}

/**
 * The custom field names in use (from the most recent contacts) with a sample value each, so a
 * preview without a contact renders realistic text and `{{postcode}}` is not called unknown.
 */
async function customFieldSamples(
  db: import('../db/client').Db,
  tenantId: string,
): Promise<Record<string, string>> {
  const rows = await db.all<{ key: string; value: string }>(sql`
    SELECT j.key AS key, j.value AS value
    FROM (SELECT custom_fields FROM contacts WHERE tenant_id = ${tenantId} AND erased_at IS NULL
          ORDER BY id DESC LIMIT ${CUSTOM_FIELD_SAMPLE}) c, json_each(c.custom_fields) j
    WHERE j.value IS NOT NULL AND j.value != ''`);
  const out: Record<string, string> = {};
  for (const r of rows) if (!Object.hasOwn(out, r.key)) out[r.key] = String(r.value);
  return out;
}
