import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { NumberConfig } from '../../durable-objects/sending-number';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { replicateTenant } from '../db/replicate';
import { PROVIDERS, sendingNumbers, tenants } from '../db/schema';
import { findSender, recordWiring, type SenderRow, updateSenderSettings } from '../db/sending-numbers';
import { ACMA_STATUSES, canReceiveReplies, SENDER_KINDS } from '../domain/senders';
import { audit, diff } from '../http/audit';
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
import { restFor, twilioFailure } from '../http/twilio-context';
import { inboundWebhookUrl, numberWiring, serviceWiring } from '../providers/twilio-wiring';
import { createSender, NumberCreate } from './sender-onboarding';

const SendingNumberSchema = z
  .object({
    id: z.string(),
    kind: z.enum(SENDER_KINDS),
    /** What people call it: the number, the sender ID, or the service's name (else its sid). */
    label: z.string(),
    phone: z.string().nullable(),
    messaging_service_sid: z.string().nullable(),
    sender_id: z.string().nullable(),
    acma_status: z.enum(ACMA_STATUSES).nullable(),
    can_receive_replies: z.boolean(),
    provider: z.enum(PROVIDERS),
    twilio_account_sid: z.string().nullable(),
    twilio_sid: z.string().nullable(),
    friendly_name: z.string().nullable(),
    wiring_ok: z.boolean().nullable(),
    wiring_checked_at: z.string().nullable(),
    daily_limit: z.number().int(),
    per_minute_limit: z.number().int(),
    warmup_start_date: z.string().nullable(),
    is_active: z.boolean(),
    created_at: z.string(),
  })
  .openapi('SendingNumber');

const UsageSchema = z
  .object({
    sent_this_minute: z.number().int(),
    sent_today: z.number().int(),
    allowed_today: z.number().int(),
    per_minute_limit: z.number().int(),
    daily_limit: z.number().int(),
    is_active: z.boolean(),
  })
  .openapi('SendingNumberUsage');

const WiringSchema = z
  .object({
    ok: z.boolean(),
    expected_sms_url: z.string(),
    actual_sms_url: z.string().nullable(),
    actual_sms_method: z.string().nullable(),
    fixed: z.boolean(),
    /** Whether `?fix=true` can repair it (not when the number or service is gone from the account). */
    fixable: z.boolean(),
    detail: z.string().nullable(),
    sending_number: SendingNumberSchema,
  })
  .openapi('SenderWiring');

const IsoDate = z.iso.date('Expected YYYY-MM-DD');
const NumberPatch = z
  .object({
    daily_limit: z.number().int().min(1).max(1_000_000),
    per_minute_limit: z.number().int().min(1).max(100_000),
    warmup_start_date: IsoDate.nullable(),
    is_active: z.boolean(),
    acma_status: z.enum(ACMA_STATUSES),
  })
  .partial()
  .strict();
const WiringQuery = z.object({
  fix: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});

export function senderLabel(n: SenderRow): string {
  return n.phoneE164 ?? n.senderId ?? n.friendlyName ?? n.messagingServiceSid ?? n.id;
}

export const numberJson = (n: SenderRow): z.infer<typeof SendingNumberSchema> => ({
  id: n.id,
  kind: n.kind,
  label: senderLabel(n),
  phone: n.phoneE164,
  messaging_service_sid: n.messagingServiceSid,
  sender_id: n.senderId,
  acma_status: n.acmaStatus,
  can_receive_replies: canReceiveReplies(n.kind),
  provider: n.provider,
  twilio_account_sid: n.twilioAccountSid,
  twilio_sid: n.twilioSid,
  friendly_name: n.friendlyName,
  wiring_ok: n.wiringOk,
  wiring_checked_at: n.wiringCheckedAt,
  daily_limit: n.dailyLimit,
  per_minute_limit: n.perMinuteLimit,
  warmup_start_date: n.warmupStartDate,
  is_active: n.isActive,
  created_at: n.createdAt,
});

/** The limiter's view of a sender; days count in the tenant's time zone. */
export function numberConfig(n: SenderRow, timezone: string): NumberConfig {
  return {
    sendingNumberId: n.id,
    timezone,
    dailyLimit: n.dailyLimit,
    perMinuteLimit: n.perMinuteLimit,
    warmupStartDate: n.warmupStartDate,
    isActive: n.isActive,
  };
}

export const sendingNumberRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/sending-numbers',
      tags: ['Sending numbers'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(SendingNumberSchema), 'Senders of every kind'), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(c.get('control'), sendingNumbers, {
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
      path: '/sending-numbers',
      tags: ['Sending numbers'],
      description:
        'Adds a sender. `phone` (default): the number is looked up in the tenant’s Twilio account (else the platform’s), refused when the account does not own it, and its incoming messages are pointed at our inbound webhook. `messaging_service`: the service must exist in the account; its inbound URL is pointed at us. `alphanumeric`: a sender ID (1–11 letters, digits, spaces; at least one letter) that cannot receive replies.',
      request: { body: jsonBody(NumberCreate) },
      responses: {
        201: jsonResponse(SendingNumberSchema, 'Created and wired; its limiter is configured'),
        409: { ...errorResponses[422], description: 'Already registered (by you or another tenant)' },
        502: { ...errorResponses[422], description: 'Twilio did not answer usefully; nothing changed' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const control = c.get('control');
      const { tenantId } = c.get('principal');
      const tenant = await findTenant(control, tenantId);
      const { row, metadata } = await createSender(c, tenant, c.req.valid('json'), uuidv7());
      // The shard's copy: send jobs reference it, and the send path reads senders from the shard.
      await replicateTenant(c.env, tenantId, { numbers: true });
      await audit(c, {
        action: 'sending_number.created',
        resourceType: 'sending_number',
        resourceId: row.id,
        metadata,
      });
      await c.env.SENDING_NUMBER.getByName(row.id).configure(numberConfig(row, tenant.timezone));
      return c.json(numberJson(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/sending-numbers/{id}',
      tags: ['Sending numbers'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(SendingNumberSchema, 'A sender'), ...errorResponses },
    }),
    async (c) => {
      const n = await mustFind(c.get('control'), c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(numberJson(n), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/sending-numbers/{id}',
      tags: ['Sending numbers'],
      description:
        'Limits, warm-up, active state, and (alphanumeric senders) the ACMA registration status. A sender’s identity never changes: add a new one instead.',
      request: { params: IdParam, body: jsonBody(NumberPatch) },
      responses: {
        200: jsonResponse(SendingNumberSchema, 'Updated; the limiter applies it at once'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const control = c.get('control');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await mustFind(control, tenantId, id);
      if (body.acma_status !== undefined && before.kind !== 'alphanumeric') {
        throw new ApiError('VALIDATION', 'Only alphanumeric sender IDs have an ACMA registration status.', {
          errors: [{ path: 'acma_status', message: `Not used for kind "${before.kind}"` }],
        });
      }
      const tenant = await findTenant(control, tenantId);
      const after = await updateSenderSettings(control, tenantId, id, {
        dailyLimit: body.daily_limit,
        perMinuteLimit: body.per_minute_limit,
        warmupStartDate: body.warmup_start_date,
        isActive: body.is_active,
        acmaStatus: body.acma_status,
      });
      if (!after) throw notFound('Sending number');
      await replicateTenant(c.env, tenantId, { numbers: true });
      await audit(c, {
        action:
          body.is_active === undefined || body.is_active === before.isActive
            ? 'sending_number.updated'
            : body.is_active
              ? 'sending_number.activated'
              : 'sending_number.deactivated',
        resourceType: 'sending_number',
        resourceId: id,
        metadata: { changes: diff(numberJson(before), body) },
      });
      await c.env.SENDING_NUMBER.getByName(id).configure(numberConfig(after, tenant.timezone));
      return c.json(numberJson(after), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/sending-numbers/{id}/usage',
      tags: ['Sending numbers'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(UsageSchema, 'Permits granted now and today'), ...errorResponses },
    }),
    async (c) => {
      const control = c.get('control');
      const { tenantId } = c.get('principal');
      const n = await mustFind(control, tenantId, c.req.valid('param').id);
      const tenant = await findTenant(control, tenantId);
      const stub = c.env.SENDING_NUMBER.getByName(n.id);
      // D1 is the source of truth for the settings (the tenant's zone may have changed): re-sync.
      await stub.configure(numberConfig(n, tenant.timezone));
      const u = await stub.usage();
      return c.json({ ...u, daily_limit: n.dailyLimit, is_active: n.isActive }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/sending-numbers/{id}/check-wiring',
      tags: ['Sending numbers'],
      description:
        'Asks Twilio where replies to this number (or Messaging Service) go and compares with our inbound webhook. With `?fix=true` a mismatch is repaired. `actual_sms_url` is what Twilio had before any fix. Alphanumeric senders cannot receive replies: 409.',
      request: { params: IdParam, query: WiringQuery },
      responses: {
        200: jsonResponse(WiringSchema, 'The wiring as Twilio has it'),
        409: { ...errorResponses[422], description: 'An alphanumeric sender: nothing to wire' },
        502: { ...errorResponses[422], description: 'Twilio did not answer usefully; nothing changed' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const control = c.get('control');
      const { tenantId } = c.get('principal');
      const n = await mustFind(control, tenantId, c.req.valid('param').id);
      const { fix } = c.req.valid('query');
      if (n.kind === 'alphanumeric') {
        throw new ApiError(
          'CONFLICT',
          `${n.senderId} is an alphanumeric sender ID: Twilio accepts no replies to it, so there is nothing to wire. Its messages carry an opt-out link instead.`,
        );
      }
      const rest = await restFor(c, tenantId);
      const expected = inboundWebhookUrl(c.env);
      const accountMoved =
        n.twilioAccountSid !== null && n.twilioAccountSid !== rest.client.accountSid
          ? `This sender was added under Twilio account …${n.twilioAccountSid.slice(-4)}, but the tenant now uses account …${rest.client.accountSid.slice(-4)}.`
          : null;
      const checked =
        n.kind === 'phone'
          ? await numberWiring(
              rest.client,
              { twilioSid: n.twilioSid, phoneE164: n.phoneE164 ?? '' },
              expected,
              fix,
            )
          : await serviceWiring(rest.client, n.messagingServiceSid ?? '', expected, fix);
      if (!checked.ok) throw twilioFailure(checked, rest.client.accountSid, rest.source);
      const { wiring } = checked.value;
      const found = 'number' in checked.value ? checked.value.number : checked.value.service;
      const row = await recordWiring(control, tenantId, n.id, {
        ok: wiring.ok,
        checkedAt: new Date().toISOString(),
        twilioSid: n.kind === 'phone' ? found?.sid : undefined,
        friendlyName: found ? found.friendlyName : undefined,
      });
      await replicateTenant(c.env, tenantId, { numbers: true });
      if (wiring.fixed) {
        await audit(c, {
          action: 'sending_number.wiring_fixed',
          resourceType: 'sending_number',
          resourceId: n.id,
          metadata: {
            from: { sms_url: wiring.actualSmsUrl, sms_method: wiring.actualSmsMethod },
            to: { sms_url: expected, sms_method: 'POST' },
          },
        });
      }
      return c.json(
        {
          ok: wiring.ok,
          expected_sms_url: wiring.expectedSmsUrl,
          actual_sms_url: wiring.actualSmsUrl,
          actual_sms_method: wiring.actualSmsMethod,
          fixed: wiring.fixed,
          fixable: wiring.fixable,
          detail: [wiring.detail, accountMoved].filter(Boolean).join(' ') || null,
          sending_number: numberJson(row ?? n),
        },
        200,
      );
    },
  );

async function mustFind(control: Db, tenantId: string, id: string) {
  const n = await findSender(control, tenantId, id);
  if (!n) throw notFound('Sending number');
  return n;
}

async function findTenant(control: Db, tenantId: string) {
  const t = await control.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  if (!t) throw notFound('Tenant');
  return t;
}
