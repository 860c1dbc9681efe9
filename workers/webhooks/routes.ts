// Twilio webhooks, mounted at /webhooks/twilio. Every request must carry a valid
// X-Twilio-Signature over PUBLIC_BASE_URL + path + query (never the Host header, which a
// proxy or an attacker controls) and the form parameters; otherwise 403 and nothing is stored.

import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { shardOrNull } from '../db/shards';
import { applyDirectStatus } from '../direct/status';
import type { AppEnv } from '../http/context';
import { ApiError, problem, problemResponse } from '../http/errors';
import { handleJoinOrConfirm } from '../opt-in/inbound';
import { verifyTwilioSignature } from '../providers/twilio-signature';
import { handleInbound } from './inbound';
import { afterInbound } from './inbound-effects';
import { callbackRef, numberOwner } from './routing';
import { applyStatus } from './status';
import { twiml } from './twiml';

const BODY_LIMIT = 64 * 1024;
let rejectedSignatures = 0;

type Verified = { params: Record<string, string>; idempotencyToken: string | null };

/** The form parameters of a request whose Twilio signature checks out, or the 403 to answer. */
async function verified(c: Context<AppEnv>): Promise<Verified | Response> {
  const raw = await c.req.text();
  const pairs = [...new URLSearchParams(raw).entries()];
  const url = new URL(c.req.url);
  const publicUrl = `${c.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}${url.pathname}${url.search}`;
  const signature = c.req.header('x-twilio-signature');
  if (!(await verifyTwilioSignature(c.env.TWILIO_AUTH_TOKEN, publicUrl, pairs, signature))) {
    rejectedSignatures++;
    console.warn(
      JSON.stringify({
        counter: 'twilio_webhook_signature_rejected',
        total_in_isolate: rejectedSignatures,
        reason: signature ? 'mismatch' : 'missing',
        path: url.pathname,
      }),
    );
    return problemResponse(
      problem('FORBIDDEN', 'The request does not carry a valid X-Twilio-Signature.', {
        instance: url.pathname,
      }),
    );
  }
  // Repeated names keep their first value (the payload is stored for audit, not re-signed);
  // fromEntries makes own properties, so a parameter named __proto__ is just a key.
  const params: Record<string, string> = Object.fromEntries([...pairs].reverse());
  return { params, idempotencyToken: c.req.header('i-twilio-idempotency-token') ?? null };
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
});

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
    const shard = ref ? await shardOrNull(c.env, ref.tenantId) : null;
    if (!ref || !shard) {
      console.warn(
        JSON.stringify({
          counter: 'twilio_status_unroutable',
          message_sid: messageSid,
          tenant: ref?.tenantId,
        }),
      );
      return c.body(null, 200);
    }
    if (ref.messageId) {
      await applyDirectStatus(shard.db, c.env, {
        tenantId: ref.tenantId,
        messageId: ref.messageId,
        messageSid,
        status,
        errorCode: p.ErrorCode?.trim() || null,
      });
      return c.body(null, 200);
    }
    await applyStatus(shard.db, c.env, {
      tenantId: ref.tenantId,
      jobId: ref.jobId,
      providerEventId: v.idempotencyToken ?? `${messageSid}:${status}`,
      messageSid,
      status,
      errorCode: p.ErrorCode?.trim() || null,
      payload: v.params,
      source: 'webhook',
    });
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
    // The tenant is the owner of the number the message was sent To (the control directory).
    const owner = await numberOwner(c.get('control'), p.To);
    const shard = owner ? await shardOrNull(c.env, owner) : null;
    if (!shard) {
      console.warn(
        JSON.stringify({ counter: 'twilio_inbound_unknown_number', to: p.To, message_sid: messageSid }),
      );
      return twiml(null);
    }
    const input = {
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
    // Join keywords and "Y" confirmations first (STOP, START and HELP are never theirs).
    const joined = await handleJoinOrConfirm(c.env, shard.db, input);
    if (joined) return twiml(joined.reply);
    const outcome = await handleInbound(shard.db, input);
    await afterInbound(c.env, shard.db, input, outcome);
    return twiml(outcome.reply);
  });
