// Adding a sender (POST /sending-numbers), one path per kind (issue 10): a phone number must be
// in the Twilio account we send with and gets wired to our inbound webhook; a Messaging Service
// must exist in that account and gets the same; an alphanumeric ID must follow the rules.
// Nothing is stored unless every check passed.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { PROVIDERS, type tenants } from '../db/schema';
import {
  insertSender,
  type NewSender,
  type SenderRow,
  SenderTaken,
  senderByPhone,
  senderBySenderId,
  senderByService,
} from '../db/sending-numbers';
import { normalizePhone } from '../domain/phone';
import { ACMA_STATUSES, checkSenderId, isMessagingServiceSid, SENDER_KINDS } from '../domain/senders';
import type { AppEnv } from '../http/context';
import { ApiError } from '../http/errors';
import { restFor, twilioFailure } from '../http/twilio-context';
import { inboundWebhookUrl } from '../providers/twilio-wiring';

const IDENTITY = {
  phone: 'phone',
  messaging_service: 'messaging_service_sid',
  alphanumeric: 'sender_id',
} as const;

export const NumberCreate = z
  .object({
    kind: z.enum(SENDER_KINDS).default('phone'),
    phone: z.string().trim().min(1).max(40).optional().openapi({ description: 'kind `phone`: E.164' }),
    messaging_service_sid: z
      .string()
      .trim()
      .optional()
      .openapi({ description: 'kind `messaging_service`: MG…' }),
    sender_id: z
      .string()
      .max(40)
      .optional()
      .openapi({ description: 'kind `alphanumeric`: 1–11 letters, digits and spaces, at least one letter' }),
    acma_status: z.enum(ACMA_STATUSES).optional().openapi({ description: 'kind `alphanumeric`' }),
    provider: z.enum(PROVIDERS).default('twilio'),
    daily_limit: z.number().int().min(1).max(1_000_000),
    per_minute_limit: z.number().int().min(1).max(100_000),
    warmup_start_date: z.iso.date('Expected YYYY-MM-DD').nullable().optional(),
    is_active: z.boolean().default(true),
  })
  .strict()
  .superRefine((b, ctx) => {
    const own = IDENTITY[b.kind];
    if (b[own] === undefined)
      ctx.addIssue({ code: 'custom', path: [own], message: `Required for kind "${b.kind}"` });
    for (const f of Object.values(IDENTITY)) {
      if (f !== own && b[f] !== undefined)
        ctx.addIssue({ code: 'custom', path: [f], message: `Not used for kind "${b.kind}"` });
    }
    if (b.acma_status !== undefined && b.kind !== 'alphanumeric')
      ctx.addIssue({ code: 'custom', path: ['acma_status'], message: `Not used for kind "${b.kind}"` });
    if (b.messaging_service_sid !== undefined && !isMessagingServiceSid(b.messaging_service_sid))
      ctx.addIssue({
        code: 'custom',
        path: ['messaging_service_sid'],
        message: 'Expected a Messaging Service SID: MG followed by 32 hex digits',
      });
  });

type Body = z.infer<typeof NumberCreate>;
type Tenant = typeof tenants.$inferSelect;
type Created = { row: SenderRow; metadata: Record<string, unknown> };

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A sender number in E.164. Written with `+` it is taken as is once punctuation is removed
 * (senders may be toll-free or landline numbers that contact validation would refuse); otherwise
 * it is read as a national number of the tenant's country.
 */
function senderE164(input: string, country: string): string {
  const compact = input.replace(/[\s().-]/g, '');
  if (compact.startsWith('+')) {
    if (E164.test(compact)) return compact;
  } else {
    const n = normalizePhone(input, country);
    if (n.ok) return n.e164;
  }
  throw new ApiError('VALIDATION', 'The phone number is not valid.', {
    errors: [{ path: 'phone', message: `Expected an E.164 number such as +61412345678, got "${input}"` }],
  });
}

export async function createSender(
  c: Context<AppEnv>,
  tenant: Tenant,
  body: Body,
  id: string,
): Promise<Created> {
  const common = {
    id,
    tenantId: tenant.id,
    provider: body.provider,
    dailyLimit: body.daily_limit,
    perMinuteLimit: body.per_minute_limit,
    warmupStartDate: body.warmup_start_date ?? null,
    isActive: body.is_active,
  } satisfies Partial<NewSender>;
  const limits = { daily_limit: body.daily_limit, per_minute_limit: body.per_minute_limit };
  if (body.kind === 'alphanumeric')
    return alphanumeric(c, tenant, body.sender_id ?? '', body, common, limits);
  if (body.kind === 'messaging_service')
    return messagingService(c, tenant, body.messaging_service_sid ?? '', common, limits);
  return phone(c, tenant, body.phone ?? '', common, limits);
}

async function phone(
  c: Context<AppEnv>,
  tenant: Tenant,
  input: string,
  common: NewSenderBase,
  limits: Record<string, number>,
): Promise<Created> {
  const control = c.get('control');
  const e164 = senderE164(input, tenant.country);
  await refuseTaken(await senderByPhone(control, e164), tenant.id, e164);
  const rest = await restFor(c, tenant.id);
  const account = rest.client.accountSid;
  const found = await rest.client.findIncomingNumber(e164);
  if (!found.ok) throw twilioFailure(found, account, rest.source);
  const number = found.value;
  if (!number) {
    throw new ApiError('VALIDATION', `${e164} is not a number of Twilio account …${account.slice(-4)}.`, {
      errors: [
        {
          path: 'phone',
          message: `Twilio account …${account.slice(-4)} does not own ${e164}. Buy or port it into that account first${
            rest.source === 'platform' ? ', or add your own Twilio account under Settings' : ''
          }.`,
        },
      ],
    });
  }
  if (!number.sms) {
    throw new ApiError('VALIDATION', `${e164} cannot send or receive SMS.`, {
      errors: [{ path: 'phone', message: 'Twilio says this number has no SMS capability.' }],
    });
  }
  const expected = inboundWebhookUrl(c.env);
  let wired = number;
  if (number.smsUrl !== expected || (number.smsMethod ?? 'POST').toUpperCase() !== 'POST') {
    const set = await rest.client.setIncomingNumberSmsUrl(number.sid, expected, 'POST');
    if (!set.ok) throw twilioFailure(set, account, rest.source);
    wired = set.value;
  }
  const row = await insertOrConflict(c, {
    ...common,
    kind: 'phone',
    phoneE164: e164,
    twilioAccountSid: account,
    twilioSid: number.sid,
    friendlyName: number.friendlyName,
    wiringOk: wired.smsUrl === expected,
    wiringCheckedAt: new Date().toISOString(),
  });
  return {
    row,
    metadata: {
      kind: 'phone',
      phone: e164,
      twilio_account_sid: account,
      twilio_sid: number.sid,
      // The webhook we replaced, so an admin can see (and restore) where replies went before.
      previous_sms_url: number.smsUrl,
      ...limits,
    },
  };
}

async function messagingService(
  c: Context<AppEnv>,
  tenant: Tenant,
  serviceSid: string,
  common: NewSenderBase,
  limits: Record<string, number>,
): Promise<Created> {
  const control = c.get('control');
  const taken = await senderByService(control, serviceSid);
  if (taken) {
    throw new ApiError(
      'CONFLICT',
      taken.tenantId === tenant.id
        ? `Messaging Service ${serviceSid} is already one of your senders.`
        : `Messaging Service ${serviceSid} is registered by another account.`,
    );
  }
  const rest = await restFor(c, tenant.id);
  const account = rest.client.accountSid;
  const found = await rest.client.fetchMessagingService(serviceSid);
  if (!found.ok && found.status === 404) {
    throw new ApiError(
      'VALIDATION',
      `No Messaging Service ${serviceSid} in Twilio account …${account.slice(-4)}.`,
      {
        errors: [
          {
            path: 'messaging_service_sid',
            message: `Twilio account …${account.slice(-4)} has no Messaging Service ${serviceSid}.`,
          },
        ],
      },
    );
  }
  if (!found.ok) throw twilioFailure(found, account, rest.source);
  const service = found.value;
  const expected = inboundWebhookUrl(c.env);
  let wired = service;
  if (
    service.useInboundWebhookOnNumber ||
    service.inboundRequestUrl !== expected ||
    (service.inboundMethod ?? 'POST').toUpperCase() !== 'POST'
  ) {
    const set = await rest.client.setMessagingServiceInbound(serviceSid, expected);
    if (!set.ok) throw twilioFailure(set, account, rest.source);
    wired = set.value;
  }
  const row = await insertOrConflict(c, {
    ...common,
    kind: 'messaging_service',
    messagingServiceSid: serviceSid,
    twilioAccountSid: account,
    friendlyName: service.friendlyName,
    wiringOk: wired.inboundRequestUrl === expected && !wired.useInboundWebhookOnNumber,
    wiringCheckedAt: new Date().toISOString(),
  });
  return {
    row,
    metadata: {
      kind: 'messaging_service',
      messaging_service_sid: serviceSid,
      twilio_account_sid: account,
      previous_inbound_request_url: service.inboundRequestUrl,
      previous_use_inbound_webhook_on_number: service.useInboundWebhookOnNumber,
      ...limits,
    },
  };
}

async function alphanumeric(
  c: Context<AppEnv>,
  tenant: Tenant,
  input: string,
  body: Body,
  common: NewSenderBase,
  limits: Record<string, number>,
): Promise<Created> {
  const check = checkSenderId(input);
  if (!check.ok) {
    throw new ApiError('VALIDATION', 'The sender ID breaks a rule.', {
      errors: [{ path: 'sender_id', message: check.message }],
      extra: { rule: check.rule },
    });
  }
  const taken = await senderBySenderId(c.get('control'), tenant.id, check.senderId);
  if (taken) throw new ApiError('CONFLICT', `"${taken.senderId}" is already one of your sender IDs.`);
  // No call to Twilio: there is nothing to look up for an ID. It sends through the same account.
  const rest = await restFor(c, tenant.id);
  const row = await insertOrConflict(c, {
    ...common,
    kind: 'alphanumeric',
    senderId: check.senderId,
    acmaStatus: body.acma_status ?? 'unregistered',
    twilioAccountSid: rest.client.accountSid,
  });
  return {
    row,
    metadata: {
      kind: 'alphanumeric',
      sender_id: check.senderId,
      acma_status: row.acmaStatus,
      twilio_account_sid: rest.client.accountSid,
      ...limits,
    },
  };
}

type NewSenderBase = Pick<
  NewSender,
  'id' | 'tenantId' | 'provider' | 'dailyLimit' | 'perMinuteLimit' | 'warmupStartDate' | 'isActive'
>;

async function refuseTaken(taken: SenderRow | undefined, tenantId: string, what: string) {
  if (!taken) return;
  throw new ApiError(
    'CONFLICT',
    taken.tenantId === tenantId
      ? `${what} is already one of your sending numbers.`
      : `${what} is already registered as a sending number by another account.`,
  );
}

async function insertOrConflict(c: Context<AppEnv>, values: NewSender): Promise<SenderRow> {
  try {
    return await insertSender(c.get('control'), values);
  } catch (err) {
    // Someone registered the same identity between our check and the insert.
    if (err instanceof SenderTaken)
      throw new ApiError('CONFLICT', `That ${err.field.replace(/_/g, ' ')} is already registered.`);
    throw err;
  }
}
