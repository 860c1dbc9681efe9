// PUT/GET/DELETE /api/v1/tenant/twilio (admin, issue 10): a tenant's own Twilio account.
// Credentials are checked against Twilio before anything is stored, stored sealed, and never
// answered back (only the SIDs and the last 4 characters of each secret).
import { createRoute, z } from '@hono/zod-openapi';
import { count, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { sendingNumbers } from '../db/schema';
import {
  deleteTwilioAccount,
  findTwilioAccount,
  platformCredentials,
  saveTwilioAccount,
  type TwilioAccountRow,
  twilioAccountBySid,
} from '../db/twilio-accounts';
import { audit } from '../http/audit';
import type { AppEnv } from '../http/context';
import { ApiError, notFound } from '../http/errors';
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../http/router';
import { credentialsUnavailable, twilioFailure } from '../http/twilio-context';
import { keyRingFromEnv } from '../lib/secret-box';
import { type RestResult, TwilioRest, twilioBasesFromEnv } from '../providers/twilio-rest';
import { forgetWebhookAccount } from '../webhooks/accounts';

const Secret = z
  .string()
  .trim()
  .min(16, 'Too short for a Twilio secret (they are 32 characters)')
  .max(128)
  .regex(/^\S+$/, 'A Twilio secret has no spaces');

const CredentialsBody = z
  .object({
    account_sid: z
      .string()
      .trim()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'Expected an Account SID: AC followed by 32 hex digits'),
    auth_token: Secret.optional().openapi({
      description:
        'The account’s auth token. Required with an API key too: Twilio signs every webhook with the account’s auth token, so without it replies and delivery receipts cannot be verified.',
    }),
    api_key_sid: z
      .string()
      .trim()
      .regex(/^SK[0-9a-fA-F]{32}$/, 'Expected an API key SID: SK followed by 32 hex digits')
      .optional(),
    api_key_secret: Secret.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.auth_token === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth_token'],
        message:
          b.api_key_sid || b.api_key_secret
            ? 'Also enter the account’s auth token: Twilio signs its webhooks with it, even when we send with an API key.'
            : 'Required',
      });
    }
    if (b.api_key_sid !== undefined && b.api_key_secret === undefined)
      ctx.addIssue({ code: 'custom', path: ['api_key_secret'], message: 'Required with api_key_sid' });
    if (b.api_key_secret !== undefined && b.api_key_sid === undefined)
      ctx.addIssue({ code: 'custom', path: ['api_key_sid'], message: 'Required with api_key_secret' });
  });

const AccountView = z
  .object({
    /** `tenant`: the tenant's own account; `platform`: the operator's; `none`: no account at all. */
    source: z.enum(['tenant', 'platform', 'none']),
    account_sid: z.string().nullable(),
    credential_kind: z.enum(['auth_token', 'api_key']).nullable(),
    /** The last 4 characters of the secret we call Twilio with (auth token or API key secret). */
    credential_hint: z.string().nullable(),
    api_key_sid: z.string().nullable(),
    auth_token_hint: z.string().nullable(),
    /** During a token rotation: until when webhooks signed with the previous token are accepted. */
    previous_token_accepted_until: z.string().nullable(),
    verified_at: z.string().nullable(),
    /** Senders registered under this account (they stop working when the account goes). */
    senders_on_account: z.number().int(),
  })
  .openapi('TwilioAccount');

type View = z.infer<typeof AccountView>;
const hint = (last4: string | null) => (last4 ? `…${last4}` : null);

async function viewOf(c: Context<AppEnv>, row: TwilioAccountRow | null | undefined): Promise<View> {
  if (!row) {
    return {
      source: platformCredentials(c.env) ? 'platform' : 'none',
      account_sid: null,
      credential_kind: null,
      credential_hint: null,
      api_key_sid: null,
      auth_token_hint: null,
      previous_token_accepted_until: null,
      verified_at: null,
      senders_on_account: 0,
    };
  }
  const [n] = await c
    .get('control')
    .select({ n: count() })
    .from(sendingNumbers)
    .where(eq(sendingNumbers.twilioAccountSid, row.accountSid));
  const until = row.previousAuthTokenUntil;
  return {
    source: 'tenant',
    account_sid: row.accountSid,
    credential_kind: row.credentialKind,
    credential_hint: hint(row.credentialKind === 'api_key' ? row.apiKeySecretLast4 : row.authTokenLast4),
    api_key_sid: row.apiKeySid,
    auth_token_hint: hint(row.authTokenLast4),
    previous_token_accepted_until: until && Date.parse(until) > Date.now() ? until : null,
    verified_at: row.verifiedAt,
    senders_on_account: n?.n ?? 0,
  };
}

type Failure = Extract<RestResult<unknown>, { ok: false }>;
const field = (path: string, message: string, detail: string) =>
  new ApiError('VALIDATION', detail, { errors: [{ path, message }] });

/**
 * Twilio's verdict on the auth token, as the field to fix. Twilio answers 401 for a wrong token and
 * for an unknown Account SID alike (the SID is the user name), so a 401 names the token and says so.
 */
function tokenProblem(f: Failure, accountSid: string, accountConfirmed: boolean): ApiError {
  if (f.status === 401 || f.status === 403) {
    return field(
      'auth_token',
      accountConfirmed
        ? `This is not the auth token of account ${accountSid} (nor its secondary token).`
        : `Twilio did not accept this auth token for account ${accountSid}. Check the token, and that the Account SID is the one shown next to it in the Twilio Console.`,
      'Twilio refused the credentials; nothing was saved.',
    );
  }
  if (f.status === 404) {
    return field(
      'account_sid',
      `Twilio has no account ${accountSid} that these credentials can see.`,
      'Unknown Twilio account; nothing was saved.',
    );
  }
  return twilioFailure(f, accountSid, 'tenant');
}

/** The API key is checked first: authenticated by the key, a wrong Account SID answers 404. */
function keyProblem(f: Failure, accountSid: string): ApiError {
  if (f.status === 401) {
    return field(
      'api_key_secret',
      'Twilio did not accept this API key SID and secret.',
      'Twilio refused the API key; nothing was saved.',
    );
  }
  if (f.status === 404) {
    return field(
      'account_sid',
      `This API key belongs to another Twilio account than ${accountSid}.`,
      'The API key and the Account SID do not match; nothing was saved.',
    );
  }
  if (f.status === 403) {
    return field(
      'api_key_sid',
      'This API key may not read phone numbers (a restricted key): use a Standard or Main key.',
      'The API key lacks permissions; nothing was saved.',
    );
  }
  return twilioFailure(f, accountSid, 'tenant');
}

export const twilioAccountRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenant/twilio',
      tags: ['Tenant'],
      description: 'Which Twilio account the tenant sends with. Never includes a secret.',
      responses: { 200: jsonResponse(AccountView, 'The account in use'), ...errorResponses },
    }),
    async (c) => {
      const row = await findTwilioAccount(c.get('control'), c.get('principal').tenantId);
      return c.json(await viewOf(c, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/tenant/twilio',
      tags: ['Tenant'],
      description:
        'Saves the tenant’s own Twilio account: `{account_sid, auth_token}`, or `{account_sid, api_key_sid, api_key_secret, auth_token}` to call Twilio with an API key (the auth token still verifies webhooks). Checked against Twilio first; 422 names the wrong field and nothing is stored. Replacing the token of the same account keeps the previous one valid for webhooks for 7 days.',
      request: { body: jsonBody(CredentialsBody) },
      responses: {
        200: jsonResponse(AccountView, 'Saved and verified'),
        409: { ...errorResponses[422], description: 'The account is another tenant’s, or the platform’s' },
        502: { ...errorResponses[422], description: 'Twilio did not answer usefully; nothing changed' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const control = c.get('control');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const accountSid = body.account_sid;
      const authToken = body.auth_token as string;
      const apiKey =
        body.api_key_sid && body.api_key_secret
          ? { sid: body.api_key_sid, secret: body.api_key_secret }
          : undefined;

      if (platformCredentials(c.env)?.accountSid === accountSid) {
        throw new ApiError(
          'CONFLICT',
          'That is the platform’s own Twilio account; it cannot be registered again.',
        );
      }
      const owner = await twilioAccountBySid(control, accountSid);
      if (owner && owner.tenantId !== tenantId) {
        // One account, one tenant: webhooks name the account, and it must lead to one tenant.
        throw new ApiError(
          'CONFLICT',
          `Twilio account ${accountSid} is already registered by another tenant.`,
        );
      }
      const ring = await keyRingFromEnv(c.env).catch(credentialsUnavailable);

      const bases = twilioBasesFromEnv(c.env);
      if (apiKey) {
        const key = await new TwilioRest(bases, { accountSid, authToken, apiKey }).checkApiKey();
        if (!key.ok) throw keyProblem(key, accountSid);
      }
      const account = await new TwilioRest(bases, { accountSid, authToken }).fetchAccountWithAuthToken();
      if (!account.ok) throw tokenProblem(account, accountSid, apiKey !== undefined);
      if (account.value.status && account.value.status !== 'active') {
        throw field(
          'account_sid',
          `Twilio account ${accountSid} is ${account.value.status}; only an active account can send.`,
          'The Twilio account is not active; nothing was saved.',
        );
      }

      const now = new Date();
      const { row, before } = await saveTwilioAccount(control, ring, {
        tenantId,
        accountSid,
        authToken,
        apiKey,
        now,
      });
      forgetWebhookAccount(accountSid, before?.accountSid);
      await audit(c, {
        action: 'twilio_account.saved',
        resourceType: 'twilio_account',
        resourceId: row.id,
        // Identifiers only: never a secret, not even its last characters.
        metadata: {
          account_sid: accountSid,
          credential_kind: row.credentialKind,
          api_key_sid: row.apiKeySid,
          previous_account_sid: before?.accountSid ?? null,
          token_rotated: row.previousAuthTokenUntil !== null && before?.accountSid === accountSid,
        },
      });
      return c.json(await viewOf(c, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/tenant/twilio',
      tags: ['Tenant'],
      description:
        'Forgets the tenant’s own account; it falls back to the platform account. Senders registered under the removed account cannot send until re-added.',
      responses: { 200: jsonResponse(AccountView, 'Removed; the account now in use'), ...errorResponses },
    }),
    async (c) => {
      const { tenantId } = c.get('principal');
      const removed = await deleteTwilioAccount(c.get('control'), tenantId);
      if (!removed) throw notFound('Twilio account of your own');
      forgetWebhookAccount(removed.accountSid);
      const orphaned = (await viewOf(c, removed)).senders_on_account;
      await audit(c, {
        action: 'twilio_account.removed',
        resourceType: 'twilio_account',
        resourceId: removed.id,
        metadata: { account_sid: removed.accountSid, senders_on_account: orphaned },
      });
      return c.json(await viewOf(c, null), 200);
    },
  );
