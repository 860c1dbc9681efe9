// Staff replies (issue 12): POST /conversations/:contact_id/messages/preview says what a reply
// would cost and from which number (and why it cannot go, if so); POST .../messages queues it
// through the send path as a direct message of kind 'reply' (the direct sender checks
// do-not-contact and the kill switch again at send time, and uses the budget and number limits).
// Replies ignore suppression windows and quiet hours: they answer a message, they are not marketing.
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { replyThreadUpdate } from '../../db/conversations';
import { costPerPartCents } from '../../db/costs';
import { uuidv7 } from '../../db/ids';
import { tenants } from '../../db/schema';
import { directThreadMessage } from '../../db/thread';
import { queueDirectMessage } from '../../direct/queue';
import { analyzeSms } from '../../domain/sms-encoding';
import { auditRow } from '../../http/audit';
import type { AppEnv } from '../../http/context';
import { ApiError } from '../../http/errors';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../http/router';
import { ReplyBlock, ThreadMessageSchema, ThreadParam, threadMessageJson } from './schemas';
import { loadThread, planReply } from './shared';

/** Twilio concatenates at most 1600 characters into one message. */
const MAX_REPLY = 1600;
const ReplyBody = z
  .object({
    body: z
      .string()
      .max(MAX_REPLY, `At most ${MAX_REPLY} characters`)
      .refine((b) => b.trim().length > 0, 'Write a message'),
  })
  .strict();

const Preview = z
  .object({
    encoding: z.enum(['GSM-7', 'UCS-2']),
    segments: z.number().int(),
    characters: z.number().int(),
    cost_cents: z.number().int().nullable(),
    /** The number it goes out from: the one they last texted. */
    from: z.object({ id: z.string(), phone_e164: z.string().nullable() }).nullable(),
    reply_blocked: ReplyBlock,
  })
  .openapi('ReplyPreview');

const ReplyAnswer = z
  .object({
    message: ThreadMessageSchema,
    segments: z.number().int(),
    cost_cents: z.number().int().nullable(),
  })
  .openapi('Reply');

const IdempotencyKey = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'Up to 100 letters, digits and _ . : -')
    .optional()
    .openapi({ description: 'The same key again sends nothing more (the UI sends one per reply it writes)' }),
});

async function estimate(c: Context<AppEnv>, tenantId: string, body: string) {
  const a = analyzeSms(body);
  const [t] = await c
    .get('db')
    .select({ country: tenants.country })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  const price = await costPerPartCents(c.get('control'), {
    tenantId,
    country: t?.country ?? 'AU',
    at: new Date(),
    channel: 'sms',
  });
  return { analysis: a, cost: price === null ? null : a.segments * price };
}

export const conversationReplyRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/conversations/{contact_id}/messages/preview',
      tags: ['Conversations'],
      summary: 'What a reply would cost and from which number; changes nothing',
      request: { params: ThreadParam, body: jsonBody(ReplyBody) },
      responses: { 200: jsonResponse(Preview, 'The reply’s parts and cost'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const thread = await loadThread(db, tenantId, c.req.valid('param').contact_id);
      const { body } = c.req.valid('json');
      const [plan, { analysis, cost }] = await Promise.all([
        planReply(db, tenantId, thread),
        estimate(c, tenantId, body),
      ]);
      return c.json(
        {
          encoding: analysis.encoding,
          segments: analysis.segments,
          characters: analysis.characters,
          cost_cents: cost,
          from: plan.sender ? { id: plan.sender.id, phone_e164: plan.sender.phoneE164 } : null,
          reply_blocked: plan.block,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/conversations/{contact_id}/messages',
      tags: ['Conversations'],
      summary: 'Reply in the thread (a 1:1 message through the send path)',
      request: { params: ThreadParam, headers: IdempotencyKey, body: jsonBody(ReplyBody) },
      responses: {
        202: jsonResponse(ReplyAnswer, 'Queued'),
        409: errorResponses[404],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId, userId } = c.get('principal');
      const thread = await loadThread(db, tenantId, c.req.valid('param').contact_id);
      const { body } = c.req.valid('json');
      const plan = await planReply(db, tenantId, thread);
      if (plan.block || !plan.sender || !thread.conversation)
        throw new ApiError('CONFLICT', plan.block?.detail ?? 'This reply cannot be sent.', {
          extra: { reason: plan.block?.reason ?? 'no_sender' },
        });
      const conversation = thread.conversation;
      const { analysis, cost } = await estimate(c, tenantId, body);
      const now = new Date();
      const key = c.req.valid('header')['idempotency-key'] ?? uuidv7(now.getTime());
      const queued = await queueDirectMessage(
        c.env,
        db,
        {
          tenantId,
          kind: 'reply',
          dedupeKey: `reply:${conversation.id}:${key}`,
          toPhone: thread.phone,
          contactId: thread.contact?.id ?? null,
          sendingNumberId: plan.sender.id,
          body,
          createdBy: userId,
          context: { conversationId: conversation.id },
        },
        now,
      );
      if (queued.created) {
        await db.batch([
          replyThreadUpdate(db, conversation.id, body, now.toISOString()),
          auditRow(c, {
            action: 'conversation.replied',
            resourceType: 'conversation',
            resourceId: conversation.id,
            metadata: {
              direct_message_id: queued.id,
              sending_number_id: plan.sender.id,
              segments: analysis.segments,
              cost_cents: cost,
            },
          }),
        ]);
      }
      // The message as the thread shows it (a retried request answers the first one's message).
      const row = await directThreadMessage(db, tenantId, queued.id);
      if (!row) throw new ApiError('INTERNAL', 'The reply was queued but cannot be read back.');
      return c.json({ message: threadMessageJson(row), segments: analysis.segments, cost_cents: cost }, 202);
    },
  );
