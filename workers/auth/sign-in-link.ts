// Sign-in links: a random token sent by email, stored only as its SHA-256, used once
// (GET /auth/verify). A login request gets a short one; an invitation a longer one.
import { and, eq, isNull, ne } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { magicTokens } from '../db/schema';
import { randomToken, sha256Hex } from '../lib/crypto';

/** A link someone asked for a minute ago: short-lived, so a forgotten email is soon worthless. */
export const MAGIC_TOKEN_TTL_MS = 15 * 60 * 1000;
/**
 * An invitation arrives unannounced and may wait over a weekend or a week away: 7 days. It is as
 * strong as any sign-in link (single use, hashed at rest), and a resend retires the earlier ones.
 */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export async function issueSignInLink(
  control: Db,
  env: Pick<Env, 'PUBLIC_BASE_URL'>,
  userId: string,
  ttlMs: number,
  now = new Date(),
): Promise<{ id: string; link: string; expiresAt: string }> {
  const id = uuidv7();
  const token = randomToken(32);
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  await control.insert(magicTokens).values({
    id,
    userId,
    token: await sha256Hex(token),
    expiresAt,
  });
  return { id, link: `${env.PUBLIC_BASE_URL}/auth/verify?token=${token}`, expiresAt };
}

/** Retires a user's other unused links: a resent invitation replaces the ones sent before. */
export async function retireOtherSignInLinks(control: Db, userId: string, keepId: string, now = new Date()) {
  await control
    .update(magicTokens)
    .set({ usedAt: now.toISOString() })
    .where(and(eq(magicTokens.userId, userId), isNull(magicTokens.usedAt), ne(magicTokens.id, keepId)));
}
