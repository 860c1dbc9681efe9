// Texting a test number its confirmation code (issue 12, workers/routes/test-numbers.ts): the
// checks that come first (do-not-contact, kill switch, the hourly cap), then a fresh code stored as
// an HMAC and queued through the send path as a direct message of kind 'verification'.
import { and, eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Db } from '../db/client';
import { doNotContact, tenants, testNumbers } from '../db/schema';
import { queueDirectMessage } from '../direct/queue';
import {
  CODE_TTL_MS,
  codeHash,
  MAX_CODES_PER_HOUR,
  newVerificationCode,
  verificationText,
} from '../domain/verification-code';
import { auditRow } from '../http/audit';
import type { AppEnv } from '../http/context';
import { ApiError } from '../http/errors';

type Row = typeof testNumbers.$inferSelect;

/** Why a code cannot go to this phone now (checked before anything is stored or queued). */
export async function checkCanText(db: Db, tenantId: string, phone: string, now: Date) {
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  const [[dnc], [tenant]] = await db.batch([
    db
      .select({ reason: doNotContact.reason })
      .from(doNotContact)
      .where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, phone))),
    db
      .select({ isPaused: tenants.isPaused, name: tenants.name, senderName: tenants.senderName })
      .from(tenants)
      .where(eq(tenants.id, tenantId)),
  ]);
  // Codes are direct messages keyed `verify:…`: a range of the (tenant, dedupe key) index.
  const [recent] = await db.all<{ n: number }>(sql`
    SELECT count(*) AS n FROM direct_messages
     WHERE tenant_id = ${tenantId} AND dedupe_key >= 'verify:' AND dedupe_key < 'verify;'
       AND queued_at > ${hourAgo}`);
  if (dnc)
    throw new ApiError(
      'CONFLICT',
      `${phone} is on the do-not-contact list (${dnc.reason}): no code can be sent.`,
      {
        extra: { reason: 'do_not_contact' },
      },
    );
  if (tenant?.isPaused)
    throw new ApiError('CONFLICT', 'Sending is paused for this account (kill switch): no code can be sent.', {
      extra: { reason: 'tenant_paused' },
    });
  if ((recent?.n ?? 0) >= MAX_CODES_PER_HOUR)
    throw new ApiError(
      'RATE_LIMITED',
      `At most ${MAX_CODES_PER_HOUR} codes an hour are sent. Try again later.`,
    );
  return { sender: tenant?.senderName?.trim() || tenant?.name || 'Your account' };
}

/** A fresh code: stored as an HMAC, texted through the send path (kind 'verification'). */
export async function sendCode(c: Context<AppEnv>, row: Row, now: Date, action: string): Promise<Row> {
  const db = c.get('db');
  const { tenantId, userId } = c.get('principal');
  const { sender } = await checkCanText(db, tenantId, row.phoneE164, now);
  const code = newVerificationCode();
  const [updated] = await db.batch([
    db
      .update(testNumbers)
      .set({
        codeHash: await codeHash(c.env.LINK_SECRET, row.id, code),
        codeExpiresAt: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
        codeAttempts: 0,
        codeSentAt: now.toISOString(),
        codesSent: sql`${testNumbers.codesSent} + 1`,
        updatedAt: now.toISOString(),
      })
      .where(and(eq(testNumbers.id, row.id), eq(testNumbers.tenantId, tenantId)))
      .returning(),
    auditRow(c, {
      action,
      resourceType: 'test_number',
      resourceId: row.id,
      metadata: { phone: row.phoneE164 },
    }),
  ]);
  const fresh = updated[0] as Row;
  await queueDirectMessage(
    c.env,
    db,
    {
      tenantId,
      kind: 'verification',
      dedupeKey: `verify:${row.id}:${fresh.codesSent}`,
      toPhone: row.phoneE164,
      body: verificationText(sender, code),
      createdBy: userId,
      context: { testNumberId: row.id },
    },
    now,
  );
  return fresh;
}
