// Twilio webhooks, mounted at /webhooks/twilio. Every request must carry a valid
// X-Twilio-Signature over PUBLIC_BASE_URL + path + query (never the Host header, which a
// proxy or an attacker controls) and the form parameters, made with the auth token of the account
// its AccountSid names (workers/webhooks/accounts.ts), and that account must be allowed to speak for
// the tenant the request is routed to; otherwise 403 and nothing is stored.

import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { shardOrNull, TenantMovingError } from '../db/shards';
import type { AppEnv } from '../http/context';
import { ApiError, problem, problemResponse } from '../http/errors';
import { SecretBoxError } from '../lib/secret-box';
import { type SignedBy, verifyWebhookAccount } from './accounts';
import { applyCallback } from './callback';
import { processInbound } from './inbound-effects';
import { type Parked, parkWebhook } from './parked';
import { accountMayCarry, callbackRef, inboundSender } from './routing';
import { twiml } from './twiml';

const BODY_LIMIT = 64 * 1024;
let rejectedSignatures = 0;

type Signer = Extract<SignedBy, { ok: true }>;
type Verified = { params: Record<string, string>; idempotencyToken: string | null; signer: Signer };

/** 403, nothing stored: a missing or wrong signature, an unknown account, or the wrong tenant. */
function refuse(path: string, reason: string, accountSid?: string): Response {
  rejectedSignatures++;
  console.warn(
    JSON.stringify({
      counter: 'twilio_webhook_signature_rejected',
      total_in_isolate: rejectedSignatures,
      reason,
      path,
      ...(accountSid ? { account_sid: accountSid } : {}),
    }),
  );
  return problemResponse(
    problem(
      'FORBIDDEN',
      reason === 'tenant_mismatch'
        ? 'The signing Twilio account does not own this message or number.'
        : 'The request does not carry a valid X-Twilio-Signature from a Twilio account we know.',
      { instance: path },
    ),
  );
}

/** The form parameters of a request whose Twilio signature checks out, or the 403 to answer. */
async function verified(c: Context<AppEnv>): Promise<Verified | Response> {
  // Decoded by hand: workerd warns when .text() reads a form-encoded body.
  const raw = new TextDecoder().decode(await c.req.arrayBuffer());
  const pairs = [...new URLSearchParams(raw).entries()];
  const url = new URL(c.req.url);
  const publicUrl = `${c.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}${url.pathname}${url.search}`;
  let signer: SignedBy;
  try {
    signer = await verifyWebhookAccount(
      c.env,
      c.get('control'),
      publicUrl,
      pairs,
      c.req.header('x-twilio-signature'),
    );
  } catch (err) {
    if (!(err instanceof SecretBoxError)) throw err;
    // Our platform key cannot open the account's token: Twilio should try again once it is fixed.
    throw new ApiError('UNAVAILABLE', 'The Twilio account’s credentials cannot be read just now.');
  }
  if (!signer.ok) return refuse(url.pathname, signer.reason);
  // Repeated names keep their first value (the payload is stored for audit, not re-signed);
  // fromEntries makes own properties, so a parameter named __proto__ is just a key.
  const params: Record<string, string> = Object.fromEntries([...pairs].reverse());
  return { params, idempotencyToken: c.req.header('i-twilio-idempotency-token') ?? null, signer };
}

// Real sids are two letters + 32 hex; the simulator and tests use other ids, so stay lenient.
const Sid = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Expected a Twilio sid');
const StatusCallback = z.object({
  MessageSid: Sid.optional(),
  SmsSid: Sid.optional(),
  MessageStatus: z.string().min(1).max(40).optional(),
  SmsStatus: z.string().min(1).max(40).optional(),
  ErrorCode: z.string().max(10).optional(),
  From: z.string().max(64).optional(),
});
const Inbound = z.object({
  MessageSid: Sid.optional(),
  SmsSid: Sid.optional(),
  From: z.string().min(1).max(64),
  To: z.string().min(1).max(64),
  Body: z.string().max(5000).default(''),
  NumMedia: z.coerce.number().int().min(0).max(100).default(0),
  OptOutType: z.string().max(20).optional(),
  MessagingServiceSid: Sid.optional(),
});

/** The tenant's shard; 'parked' when the tenant is being moved (the webhook waits in the control database). */
async function shardOrPark(c: Context<AppEnv>, tenantId: string, parked: Parked) {
  try {
    return await shardOrNull(c.env, tenantId);
  } catch (err) {
    if (!(err instanceof TenantMovingError)) throw err;
    await parkWebhook(c.get('control'), tenantId, parked);
    return 'parked' as const;
  }
}

function invalid(issues: readonly { path: readonly PropertyKey[]; message: string }[]): never {
  throw new ApiError('BAD_REQUEST', 'The Twilio parameters are incomplete.', {
    errors: issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
  });
}

export const twilioWebhookRoutes = new Hono<AppEnv>()
  .use(
    '*',
    bodyLimit({
      maxSize: BODY_LIMIT,
      onError: () => {
        throw new ApiError('PAYLOAD_TOO_LARGE', 'A Twilio webhook body is never this large.');
      },
    }),
  )
  .post('/status', async (c) => {
    const v = await verified(c);
    if (v instanceof Response) return v;
    const parsed = StatusCallback.safeParse(v.params);
    if (!parsed.success) invalid(parsed.error.issues);
    const p = parsed.data;
    const messageSid = p.MessageSid ?? p.SmsSid;
    const status = (p.MessageStatus ?? p.SmsStatus)?.toLowerCase();
    if (!messageSid || !status)
      throw new ApiError('BAD_REQUEST', 'MessageSid and MessageStatus are required.');
    // Our StatusCallback URL names the tenant and the job (signed with the rest of the URL), so the
    // callback goes straight to the tenant's shard and job, even before the send is recorded.
    const url = new URL(c.req.url);
    const ref = callbackRef(url.searchParams);
    if (ref && !accountMayCarry(v.signer, ref.tenantId))
      return refuse(url.pathname, 'tenant_mismatch', v.signer.accountSid);
    const input = ref && {
      tenantId: ref.tenantId,
      jobId: ref.jobId,
      messageId: ref.messageId,
      providerEventId: v.idempotencyToken ?? `${messageSid}:${status}`,
      messageSid,
      status,
      errorCode: p.ErrorCode?.trim() || null,
      payload: v.params,
      source: 'webhook' as const,
    };
    const shard = input ? await shardOrPark(c, input.tenantId, { kind: 'status', input }) : null;
    if (shard === 'parked') return c.body(null, 200);
    if (!input || !shard) {
      console.warn(
        JSON.stringify({
          counter: 'twilio_status_unroutable',
          message_sid: messageSid,
          tenant: ref?.tenantId,
        }),
      );
      return c.body(null, 200);
    }
    await applyCallback(shard.db, c.env, input);
    // Replays, unknown sids and moves backwards all answer 200: Twilio only retries on errors.
    return c.body(null, 200);
  })
  .post('/inbound', async (c) => {
    const v = await verified(c);
    if (v instanceof Response) return v;
    const parsed = Inbound.safeParse(v.params);
    if (!parsed.success) invalid(parsed.error.issues);
    const p = parsed.data;
    const messageSid = p.MessageSid ?? p.SmsSid;
    if (!messageSid) throw new ApiError('BAD_REQUEST', 'MessageSid is required.');
    // The tenant owns the number the message was sent To (or the Messaging Service it came
    // through), and the account that signed it must be that sender's.
    const sender = await inboundSender(c.get('control'), p.To, p.MessagingServiceSid ?? null);
    if (sender && !accountMayCarry(v.signer, sender.tenantId, sender))
      return refuse(new URL(c.req.url).pathname, 'tenant_mismatch', v.signer.accountSid);
    const input = {
      tenantId: sender?.tenantId ?? '',
      // The MessageSid, not the idempotency header: the sid is signed, the header is not, so a
      // captured START replayed with a fresh header cannot undo a later STOP.
      providerEventId: messageSid,
      messageSid,
      from: p.From,
      to: p.To,
      body: p.Body,
      numMedia: p.NumMedia,
      optOutType: p.OptOutType ?? null,
      payload: v.params,
    };
    const shard = sender ? await shardOrPark(c, sender.tenantId, { kind: 'inbound', input }) : null;
    if (shard === 'parked') return twiml(null);
    if (!shard) {
      console.warn(
        JSON.stringify({
          counter: 'twilio_inbound_unknown_number',
          to: p.To,
          messaging_service_sid: p.MessagingServiceSid,
          message_sid: messageSid,
        }),
      );
      return twiml(null);
    }
    const outcome = await processInbound(c.env, shard.db, input);
    return twiml(outcome.reply);
  });
