// POST /templates/preview: a body rendered as a recipient would get it (a contact's data or sample
// values, the footer or opt-out link the send path adds for the sender kind), with its encoding,
// parts, cost and warnings, and a smart-encoded variant when a few characters force UCS-2.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { costPerPartCents, messageCostCents, mmsPriceCents } from '../../db/costs';
import { CHANNELS, contacts, tenants } from '../../db/schema';
import { complianceWarnings } from '../../domain/compliance';
import { mmsCostCents, templateChannel } from '../../domain/mms';
import { finishBody, optOutWarnings, usesOptOutLink } from '../../domain/opt-out';
import { canReceiveReplies, SENDER_KINDS } from '../../domain/senders';
import { analyzeSms, smartEncode } from '../../domain/sms-encoding';
import {
  contactVariables,
  extractVariables,
  renderTemplate,
  STANDARD_VARIABLES,
} from '../../domain/template';
import { notFound } from '../../http/errors';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../http/router';
import { previewOptOutUrl, previewShortLinkUrl } from '../../redirect/links';
import { MAX_BODY } from './crud';

/** How many recent contacts the preview looks at to learn the tenant's custom field names. */
const CUSTOM_FIELD_SAMPLE = 200;

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
/** Made-up values for the standard fields when the preview has no contact. */
const SAMPLE_CONTACT = {
  first_name: 'Alex',
  last_name: 'Citizen',
  email: 'alex@example.com',
  phone: '+61412345678',
} as const;

export const templatePreviewRoutes = createRouter().openapi(
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
);

/**
 * The custom field names in use (from the most recent contacts) with a sample value each, so a
 * preview without a contact renders realistic text and `{{postcode}}` is not called unknown.
 */
async function customFieldSamples(
  db: import('../../db/client').Db,
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
