// The directory of senders (control database). Every write to `sending_numbers` goes through this
// file, so the replication of the directory into each tenant's shard (for foreign keys) has one
// place to hook in. Reads used by the API live here too.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { sendingNumbers } from './schema';

export type SenderRow = typeof sendingNumbers.$inferSelect;
export type NewSender = typeof sendingNumbers.$inferInsert;

/** Why an insert was refused by a UNIQUE index: which identity is already taken. */
export class SenderTaken extends Error {
  constructor(readonly field: 'phone' | 'messaging_service_sid' | 'sender_id') {
    super(`sending_numbers: ${field} already taken`);
  }
}

export async function findSender(control: Db, tenantId: string, id: string) {
  return control.query.sendingNumbers.findFirst({
    where: and(eq(sendingNumbers.id, id), eq(sendingNumbers.tenantId, tenantId)),
  });
}

/** Any tenant's sender with this phone (numbers are unique across the platform). */
export async function senderByPhone(control: Db, phoneE164: string) {
  return control.query.sendingNumbers.findFirst({ where: eq(sendingNumbers.phoneE164, phoneE164) });
}

/** Any tenant's sender for this Messaging Service. */
export async function senderByService(control: Db, serviceSid: string) {
  return control.query.sendingNumbers.findFirst({
    where: eq(sendingNumbers.messagingServiceSid, serviceSid),
  });
}

/** This tenant's alphanumeric sender with this ID, whatever its case. */
export async function senderBySenderId(control: Db, tenantId: string, senderId: string) {
  return control.query.sendingNumbers.findFirst({
    where: and(
      eq(sendingNumbers.tenantId, tenantId),
      sql`lower(${sendingNumbers.senderId}) = lower(${senderId})`,
    ),
  });
}

export async function insertSender(control: Db, values: NewSender): Promise<SenderRow> {
  try {
    const [row] = await control.insert(sendingNumbers).values(values).returning();
    return row as SenderRow;
  } catch (err) {
    const msg = String(err instanceof Error && err.cause ? err.cause : err);
    if (msg.includes('UNIQUE')) {
      throw new SenderTaken(
        msg.includes('sending_numbers.messaging_service_sid')
          ? 'messaging_service_sid'
          : msg.includes('sending_numbers.sender_id')
            ? 'sender_id'
            : 'phone',
      );
    }
    throw err;
  }
}

export type SenderSettings = Partial<
  Pick<NewSender, 'dailyLimit' | 'perMinuteLimit' | 'warmupStartDate' | 'isActive' | 'acmaStatus'>
>;

export async function updateSenderSettings(control: Db, tenantId: string, id: string, patch: SenderSettings) {
  const [row] = await control
    .update(sendingNumbers)
    .set(patch)
    .where(and(eq(sendingNumbers.id, id), eq(sendingNumbers.tenantId, tenantId)))
    .returning();
  return row as SenderRow | undefined;
}

/** What the last wiring check found (and the Twilio sid / name it learnt on the way). */
export async function recordWiring(
  control: Db,
  tenantId: string,
  id: string,
  w: { ok: boolean; checkedAt: string; twilioSid?: string; friendlyName?: string | null },
) {
  const [row] = await control
    .update(sendingNumbers)
    .set({
      wiringOk: w.ok,
      wiringCheckedAt: w.checkedAt,
      ...(w.twilioSid ? { twilioSid: w.twilioSid } : {}),
      ...(w.friendlyName !== undefined ? { friendlyName: w.friendlyName } : {}),
    })
    .where(and(eq(sendingNumbers.id, id), eq(sendingNumbers.tenantId, tenantId)))
    .returning();
  return row as SenderRow | undefined;
}
