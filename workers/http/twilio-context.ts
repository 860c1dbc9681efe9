// Twilio from inside a request: a REST client with the caller tenant's credentials, and Twilio's
// answers as API errors, for the routes that call Twilio on an admin's behalf.
import type { Context } from 'hono';
import { resolveTwilioAccount } from '../db/twilio-accounts';
import { SecretBoxError } from '../lib/secret-box';
import { type RestResult, TwilioRest, twilioBasesFromEnv } from '../providers/twilio-rest';
import type { AppEnv } from './context';
import { ApiError } from './errors';

type Failure = Extract<RestResult<unknown>, { ok: false }>;

const tail = (sid: string) => `…${sid.slice(-4)}`;

/**
 * A failed call with stored credentials: refused credentials are the tenant's to fix (422, path
 * `credentials`); anything else (no answer, 429, 5xx) is Twilio's, answered 502. Nothing was changed.
 */
export function twilioFailure(f: Failure, accountSid: string, source: 'tenant' | 'platform'): ApiError {
  if (f.status === 401 || f.status === 403) {
    const where =
      source === 'tenant'
        ? 'Update them under Settings → Twilio account.'
        : 'The platform’s Twilio account is misconfigured; tell the operator.';
    return new ApiError('VALIDATION', `Twilio refused the credentials of account ${tail(accountSid)}.`, {
      errors: [{ path: 'credentials', message: `Twilio refused the credentials. ${where}` }],
    });
  }
  return new ApiError(
    'BAD_GATEWAY',
    `Twilio did not answer usefully (${f.status === 0 ? f.message : `HTTP ${f.status}: ${f.message}`}). Nothing was changed; try again.`,
  );
}

/** Credentials that cannot be opened are an operator problem: say so without revealing anything. */
export function credentialsUnavailable(err: unknown): never {
  if (err instanceof SecretBoxError) {
    throw new ApiError(
      'INTERNAL',
      err.reason === 'missing_key' || err.reason === 'bad_key'
        ? 'Per-tenant Twilio credentials are not available: the operator has not configured CREDENTIALS_KEY correctly.'
        : 'The stored Twilio credentials cannot be read (the platform key was rotated away). Enter them again under Settings → Twilio account.',
    );
  }
  throw err;
}

/** A REST client with the credentials the tenant sends with (its own account, else the platform's). */
export async function restFor(c: Context<AppEnv>, tenantId: string) {
  const account = await resolveTwilioAccount(c.env, c.get('control'), tenantId).catch(credentialsUnavailable);
  if (!account) {
    throw new ApiError(
      'VALIDATION',
      'No Twilio account to use: add your Twilio credentials under Settings → Twilio account.',
      {
        errors: [
          {
            path: 'credentials',
            message: 'Neither this tenant nor the platform has a Twilio account configured.',
          },
        ],
      },
    );
  }
  return {
    source: account.source,
    client: new TwilioRest(twilioBasesFromEnv(c.env), account.credentials),
  };
}
