// Tenants' own Twilio accounts (control database, issue 10): saving credentials sealed under the
// platform key, answering "which account and credentials does this tenant send with" (its own,
// else the platform's), and "which tokens verify a webhook naming this AccountSid".
// Secrets are opened here and nowhere else; they never reach a response or a log line.
import { and, eq, ne } from 'drizzle-orm';
import {
  isStale,
  type KeyRing,
  keyRingFromEnv,
  open,
  type Sealed,
  SecretBoxError,
  seal,
} from '../lib/secret-box';
import type { TwilioCredentials } from '../providers/twilio-rest';
import type { Db } from './client';
import { uuidv7 } from './ids';
import { twilioAccounts } from './schema';

export type TwilioAccountRow = typeof twilioAccounts.$inferSelect;

/** How long the token replaced by a change still verifies webhooks (time to promote it at Twilio). */
export const PREVIOUS_TOKEN_GRACE_MS = 7 * 86_400_000;

type CredentialsEnv = Pick<Env, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'> &
  Partial<Pick<Env, 'CREDENTIALS_KEY' | 'CREDENTIALS_KEY_PREVIOUS'>>;

/** The account a tenant sends with, and where it came from. */
export type ResolvedTwilioAccount = {
  source: 'tenant' | 'platform';
  credentials: TwilioCredentials;
};

const aad = (tenantId: string, column: string) => `twilio_accounts/${tenantId}/${column}`;
const last4 = (s: string) => s.slice(-4);

/** The platform account from TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN, or null when not configured. */
export function platformCredentials(env: Pick<Env, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'>) {
  const accountSid = env.TWILIO_ACCOUNT_SID?.trim();
  const authToken = env.TWILIO_AUTH_TOKEN?.trim();
  return accountSid && authToken ? ({ accountSid, authToken } satisfies TwilioCredentials) : null;
}

export async function findTwilioAccount(control: Db, tenantId: string) {
  return control.query.twilioAccounts.findFirst({ where: eq(twilioAccounts.tenantId, tenantId) });
}

export async function twilioAccountBySid(control: Db, accountSid: string) {
  return control.query.twilioAccounts.findFirst({ where: eq(twilioAccounts.accountSid, accountSid) });
}

export type SaveTwilioAccount = {
  tenantId: string;
  accountSid: string;
  authToken: string;
  apiKey?: { sid: string; secret: string };
  now: Date;
};

/**
 * Stores (or replaces) a tenant's credentials, already checked against Twilio. When the same
 * account gets a new auth token, the old one keeps verifying webhooks for PREVIOUS_TOKEN_GRACE_MS.
 */
export async function saveTwilioAccount(control: Db, ring: KeyRing, input: SaveTwilioAccount) {
  const { tenantId, now } = input;
  const before = await findTwilioAccount(control, tenantId);
  let previous: { sealed: string; until: string } | null = null;
  // A row that no longer opens (its platform key was rotated away) is simply replaced.
  const oldToken =
    before && before.accountSid === input.accountSid
      ? await openColumn(ring, before, 'auth_token', before.authTokenSealed).catch((err) => {
          if (err instanceof SecretBoxError) return null;
          throw err;
        })
      : null;
  if (before && oldToken !== null) {
    if (oldToken !== input.authToken) {
      previous = {
        sealed: (await seal(ring, oldToken, aad(tenantId, 'previous_auth_token'))).ciphertext,
        until: new Date(now.getTime() + PREVIOUS_TOKEN_GRACE_MS).toISOString(),
      };
    } else if (before.previousAuthTokenSealed && before.previousAuthTokenUntil) {
      // Same token saved again: a rotation in progress stays in progress.
      const prev = await openColumn(ring, before, 'previous_auth_token', before.previousAuthTokenSealed);
      previous = {
        sealed: (await seal(ring, prev, aad(tenantId, 'previous_auth_token'))).ciphertext,
        until: before.previousAuthTokenUntil,
      };
    }
  }
  const authToken = await seal(ring, input.authToken, aad(tenantId, 'auth_token'));
  const keySecret = input.apiKey
    ? await seal(ring, input.apiKey.secret, aad(tenantId, 'api_key_secret'))
    : null;
  const values = {
    accountSid: input.accountSid,
    credentialKind: input.apiKey ? ('api_key' as const) : ('auth_token' as const),
    apiKeySid: input.apiKey?.sid ?? null,
    keyId: ring.current.id,
    authTokenSealed: authToken.ciphertext,
    authTokenLast4: last4(input.authToken),
    apiKeySecretSealed: keySecret?.ciphertext ?? null,
    apiKeySecretLast4: input.apiKey ? last4(input.apiKey.secret) : null,
    previousAuthTokenSealed: previous?.sealed ?? null,
    previousAuthTokenUntil: previous?.until ?? null,
    verifiedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const [row] = await control
    .insert(twilioAccounts)
    .values({ id: uuidv7(now.getTime()), tenantId, ...values })
    .onConflictDoUpdate({ target: twilioAccounts.tenantId, set: values })
    .returning();
  return { row: row as TwilioAccountRow, before: before ?? null };
}

export async function deleteTwilioAccount(control: Db, tenantId: string) {
  const rows = await control.delete(twilioAccounts).where(eq(twilioAccounts.tenantId, tenantId)).returning();
  return rows[0] ?? null;
}

/**
 * The credentials a tenant sends with: its own account when it saved one, else the platform's
 * (null when neither exists). Rows sealed under a previous platform key are re-sealed on the way.
 */
export async function resolveTwilioAccount(
  env: CredentialsEnv,
  control: Db,
  tenantId: string,
): Promise<ResolvedTwilioAccount | null> {
  const row = await findTwilioAccount(control, tenantId);
  if (!row) {
    const platform = platformCredentials(env);
    return platform ? { source: 'platform', credentials: platform } : null;
  }
  const ring = await keyRingFromEnv(env);
  const open_ = await openRow(ring, row);
  if (isStale(ring, row.keyId)) await reseal(control, ring, row, open_);
  return {
    source: 'tenant',
    credentials: {
      accountSid: row.accountSid,
      authToken: open_.authToken,
      ...(row.apiKeySid && open_.apiKeySecret !== null
        ? { apiKey: { sid: row.apiKeySid, secret: open_.apiKeySecret } }
        : {}),
    },
  };
}

/**
 * For webhook verification (issue 10, item 2): the tokens that may have signed a request naming
 * `accountSid` (current first, then the previous one during its grace period) and the tenant that
 * owns the account (null for the platform account). Null when the account is not ours at all.
 */
export async function webhookAccount(
  env: CredentialsEnv,
  control: Db,
  accountSid: string,
  now: Date = new Date(),
): Promise<{ tenantId: string | null; authTokens: string[] } | null> {
  const platform = platformCredentials(env);
  if (platform && platform.accountSid === accountSid)
    return { tenantId: null, authTokens: [platform.authToken] };
  const row = await twilioAccountBySid(control, accountSid);
  if (!row) return null;
  const ring = await keyRingFromEnv(env);
  const o = await openRow(ring, row);
  const tokens = [o.authToken];
  if (
    o.previousAuthToken &&
    row.previousAuthTokenUntil &&
    Date.parse(row.previousAuthTokenUntil) > now.getTime()
  ) {
    tokens.push(o.previousAuthToken);
  }
  return { tenantId: row.tenantId, authTokens: tokens };
}

/** Re-seals every row still under an old platform key; returns how many. For a key rotation. */
export async function resealTwilioAccounts(env: CredentialsEnv, control: Db): Promise<number> {
  const ring = await keyRingFromEnv(env);
  const stale = await control.select().from(twilioAccounts).where(ne(twilioAccounts.keyId, ring.current.id));
  let n = 0;
  for (const row of stale) {
    if (await reseal(control, ring, row, await openRow(ring, row))) n++;
  }
  return n;
}

type OpenedRow = { authToken: string; apiKeySecret: string | null; previousAuthToken: string | null };

async function openColumn(ring: KeyRing, row: TwilioAccountRow, column: string, ciphertext: string) {
  const sealed: Sealed = { keyId: row.keyId, ciphertext };
  return open(ring, sealed, aad(row.tenantId, column));
}

async function openRow(ring: KeyRing, row: TwilioAccountRow): Promise<OpenedRow> {
  try {
    return {
      authToken: await openColumn(ring, row, 'auth_token', row.authTokenSealed),
      apiKeySecret: row.apiKeySecretSealed
        ? await openColumn(ring, row, 'api_key_secret', row.apiKeySecretSealed)
        : null,
      previousAuthToken: row.previousAuthTokenSealed
        ? await openColumn(ring, row, 'previous_auth_token', row.previousAuthTokenSealed)
        : null,
    };
  } catch (err) {
    if (err instanceof SecretBoxError) {
      // Operators need to know which row; never the value.
      console.error(
        JSON.stringify({
          error: 'twilio_credentials_unreadable',
          tenant_id: row.tenantId,
          reason: err.reason,
        }),
      );
    }
    throw err;
  }
}

/** Writes the row's secrets sealed under the current key, unless someone else already did. */
async function reseal(control: Db, ring: KeyRing, row: TwilioAccountRow, o: OpenedRow): Promise<boolean> {
  const s = (v: string, column: string) => seal(ring, v, aad(row.tenantId, column)).then((x) => x.ciphertext);
  const updated = await control
    .update(twilioAccounts)
    .set({
      keyId: ring.current.id,
      authTokenSealed: await s(o.authToken, 'auth_token'),
      apiKeySecretSealed: o.apiKeySecret === null ? null : await s(o.apiKeySecret, 'api_key_secret'),
      previousAuthTokenSealed:
        o.previousAuthToken === null ? null : await s(o.previousAuthToken, 'previous_auth_token'),
    })
    .where(and(eq(twilioAccounts.id, row.id), eq(twilioAccounts.keyId, row.keyId)))
    .returning({ id: twilioAccounts.id });
  return updated.length > 0;
}
