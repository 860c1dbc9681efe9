// POST /campaigns/:id/test-send (issue 12): a campaign (any status) rendered with a chosen
// contact's data and sent to confirmed test numbers through the real send path, as direct messages
// of kind 'test' (workers/direct/test-send.ts). `dry_run` answers the messages, their parts and
// cost without sending. Never counted in the campaign's stats: tests are not send jobs, and their
// links are test links.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, inArray } from 'drizzle-orm';
import { uuidv7 } from '../../db/ids';
import {
  contacts,
  doNotContact,
  messageTemplates,
  sendingNumbers,
  tenants,
  testNumbers,
} from '../../db/schema';
import { shardOf } from '../../db/shards';
import { queueDirectMessage } from '../../direct/queue';
import {
  createTestSend,
  previewLink,
  renderTest,
  testPrices,
  testSender,
  testTarget,
} from '../../direct/test-send';
import { auditRow } from '../../http/audit';
import { ApiError } from '../../http/errors';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse } from '../../http/router';
import { findCampaign } from './shared';

const TestSendRequest = z
  .object({
    test_number_ids: z.array(z.uuid()).min(1, 'Choose at least one test number').max(10),
    contact_id: z.uuid().nullable().optional().openapi({
      description: 'Whose data fills the template; none: each placeholder takes its fallback',
    }),
    template_ids: z.array(z.uuid()).min(1).max(10).optional().openapi({
      description: 'Which of the campaign’s templates (default: every one, e.g. both A/B variants)',
    }),
    dry_run: z.boolean().default(false),
  })
  .strict();

const TestMessage = z.object({
  /** The direct message (kind 'test'); null in a dry run. */
  id: z.string().nullable(),
  test_number_id: z.string(),
  to: z.string(),
  template_id: z.string(),
  template_name: z.string(),
  body: z.string(),
  encoding: z.enum(['GSM-7', 'UCS-2']),
  segments: z.number().int(),
  characters: z.number().int(),
  channel: z.enum(['sms', 'mms']),
  cost_cents: z.number().int().nullable(),
  status: z.enum(['preview', 'queued', 'sent', 'delivered', 'failed']),
});
const TestSendAnswer = z
  .object({
    campaign_id: z.string(),
    contact_id: z.string().nullable(),
    dry_run: z.boolean(),
    messages: z.array(TestMessage),
    total_cost_cents: z.number().int().nullable(),
    warnings: z.array(z.string()),
  })
  .openapi('TestSend');

const IdempotencyKey = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'Up to 100 letters, digits and _ . : -')
    .optional()
    .openapi({ description: 'The same key again sends nothing more (a retried request)' }),
});

const invalid = (errors: { path: string; message: string }[]) =>
  new ApiError('VALIDATION', 'The test send has invalid fields.', { errors });

export const campaignTestSendRoutes = createRouter().openapi(
  createRoute({
    method: 'post',
    path: '/campaigns/{id}/test-send',
    tags: ['Test sends'],
    summary: 'Send the campaign to confirmed test numbers (marked as a test, never in stats)',
    request: { params: IdParam, headers: IdempotencyKey, body: jsonBody(TestSendRequest) },
    responses: {
      200: jsonResponse(TestSendAnswer, 'Dry run: what would be sent, its parts and cost'),
      202: jsonResponse(TestSendAnswer, 'Queued through the send path'),
      409: errorResponses[404],
      ...errorResponses,
    },
  }),
  async (c) => {
    const db = c.get('db');
    const { tenantId, userId } = c.get('principal');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const campaign = await findCampaign(db, tenantId, id);
    const templateIds = body.template_ids ?? campaign.templateIds;
    const numberIds = [...new Set(body.test_number_ids)];
    const [numbers, templates, contactRows, tenantRows, dncRows, senders] = await db.batch([
      db
        .select()
        .from(testNumbers)
        .where(and(eq(testNumbers.tenantId, tenantId), inArray(testNumbers.id, numberIds))),
      db
        .select()
        .from(messageTemplates)
        .where(and(eq(messageTemplates.tenantId, tenantId), inArray(messageTemplates.id, templateIds))),
      db
        .select()
        .from(contacts)
        .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, body.contact_id ?? ''))),
      db.select().from(tenants).where(eq(tenants.id, tenantId)),
      db
        .select({ phone: doNotContact.phoneE164, reason: doNotContact.reason })
        .from(doNotContact)
        .innerJoin(
          testNumbers,
          and(eq(testNumbers.tenantId, tenantId), eq(testNumbers.phoneE164, doNotContact.phoneE164)),
        )
        .where(and(eq(doNotContact.tenantId, tenantId), inArray(testNumbers.id, numberIds))),
      db
        .select({ id: sendingNumbers.id })
        .from(sendingNumbers)
        .where(and(eq(sendingNumbers.tenantId, tenantId), eq(sendingNumbers.isActive, true))),
    ]);
    const tenant = tenantRows[0];
    if (!tenant) throw new ApiError('NOT_FOUND', 'Tenant not found');

    const errors: { path: string; message: string }[] = [];
    body.test_number_ids.forEach((n, i) => {
      if (!numbers.some((x) => x.id === n))
        errors.push({ path: `test_number_ids.${i}`, message: 'No such test number' });
    });
    templateIds.forEach((t, i) => {
      if (!campaign.templateIds.includes(t))
        errors.push({ path: `template_ids.${i}`, message: 'Not one of the campaign’s templates' });
      else if (!templates.some((x) => x.id === t))
        errors.push({ path: `template_ids.${i}`, message: 'The template no longer exists' });
    });
    const contact = contactRows[0] ?? null;
    if (body.contact_id && (!contact || contact.erasedAt))
      errors.push({ path: 'contact_id', message: contact ? 'This contact was erased' : 'No such contact' });
    if (templateIds.length === 0)
      errors.push({ path: 'template_ids', message: 'The campaign has no template' });
    if (errors.length) throw invalid(errors);

    // The checks a real send would fail on, said before anything is queued.
    const unconfirmed = numbers.filter((n) => !n.confirmedAt);
    const blocked = [
      ...unconfirmed.map((n) => `${n.phoneE164} is not confirmed yet: enter the code texted to it first.`),
      ...dncRows.map((d) => `${d.phone} is on the do-not-contact list (${d.reason}).`),
      ...(tenant.isPaused ? ['Sending is paused for this account (kill switch).'] : []),
    ];
    if (blocked.length && !body.dry_run) {
      const reason = unconfirmed.length ? 'unconfirmed' : dncRows.length ? 'do_not_contact' : 'tenant_paused';
      throw new ApiError('CONFLICT', blocked.join(' '), {
        extra: { reason, unconfirmed_test_number_ids: unconfirmed.map((n) => n.id) },
      });
    }

    const now = new Date();
    const priceOf = await testPrices(c.get('control'), tenant, now);
    const target = testTarget(campaign);
    const ordered = templateIds.map((t) => templates.find((x) => x.id === t)).filter((t) => t !== undefined);
    const chosen = body.test_number_ids
      .map((n) => numbers.find((x) => x.id === n))
      .filter((n) => n !== undefined)
      .filter((n, i, all) => all.indexOf(n) === i);
    const warnings = [...blocked];
    if (!contact && ordered.some((t) => /\{\{\s*(?!link\b)[^}]+\}\}/.test(t.body)))
      warnings.push('No contact chosen: every personal placeholder shows its fallback.');

    const messages: z.infer<typeof TestMessage>[] = [];
    const requestKey = c.req.valid('header')['idempotency-key'] ?? uuidv7(now.getTime());
    const shard = body.dry_run ? null : await shardOf(c.env, tenantId);
    for (const number of chosen) {
      for (const template of ordered) {
        let linkUrl: string | null = target ? previewLink(c.env) : null;
        let messageId: string | null = null;
        const dedupeKey = `test:${requestKey}:${number.id}:${template.id}`;
        if (shard) {
          const test = await createTestSend(c.env, shard, {
            tenantId,
            campaignId: campaign.id,
            templateId: template.id,
            contactId: contact?.id ?? null,
            testNumberId: number.id,
            dedupeKey,
            targetUrl: target,
            createdBy: userId,
            now,
          });
          linkUrl = test.linkUrl;
          const r = renderTest(template, contact, tenant, linkUrl, priceOf(template));
          const queued = await queueDirectMessage(
            c.env,
            db,
            {
              tenantId,
              kind: 'test',
              dedupeKey,
              toPhone: number.phoneE164,
              sendingNumberId: testSender(campaign, senders, number.phoneE164),
              body: r.body,
              mediaUrl: r.mediaUrl,
              createdBy: userId,
              context: {
                campaignId: campaign.id,
                contactId: contact?.id ?? null,
                templateId: template.id,
                testNumberId: number.id,
                testSendId: test.id,
              },
            },
            now,
          );
          messageId = queued.id;
        }
        const r = renderTest(template, contact, tenant, linkUrl, priceOf(template));
        for (const v of r.unknownVariables)
          if (!warnings.some((w) => w.includes(`{{${v}}}`)))
            warnings.push(
              `${contact ? 'This contact has' : 'There is'} no value for {{${v}}}: it shows its fallback.`,
            );
        messages.push({
          id: messageId,
          test_number_id: number.id,
          to: number.phoneE164,
          template_id: template.id,
          template_name: template.name,
          body: r.body,
          encoding: r.encoding,
          segments: r.segments,
          characters: r.characters,
          channel: r.channel,
          cost_cents: r.costCents,
          status: messageId ? 'queued' : 'preview',
        });
      }
    }
    const costs = messages.map((m) => m.cost_cents);
    const total = costs.some((x) => x === null) ? null : costs.reduce<number>((a, b) => a + (b ?? 0), 0);
    const answer = {
      campaign_id: campaign.id,
      contact_id: contact?.id ?? null,
      dry_run: body.dry_run,
      messages,
      total_cost_cents: total,
      warnings,
    };
    if (body.dry_run) return c.json(answer, 200);
    await auditRow(c, {
      action: 'campaign.test_sent',
      resourceType: 'campaign',
      resourceId: campaign.id,
      metadata: {
        test_number_ids: chosen.map((n) => n.id),
        template_ids: ordered.map((t) => t.id),
        contact_id: contact?.id ?? null,
        direct_message_ids: messages.map((m) => m.id),
        total_cost_cents: total,
      },
    });
    return c.json(answer, 202);
  },
);
