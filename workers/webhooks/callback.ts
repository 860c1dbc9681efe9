// A verified status callback goes to what its URL names: a campaign's send job (`j`, or the sid
// within the tenant) or a direct message (`m`: workers/direct/). Used live and when parked
// callbacks of a moved tenant are replayed.
import type { Db } from '../db/client';
import { applyDirectStatus } from '../direct/status';
import { applyStatus, type StatusInput } from './status';

export type CallbackInput = StatusInput & { messageId?: string | null };

export async function applyCallback(db: Db, env: Env, input: CallbackInput): Promise<void> {
  if (input.messageId) {
    await applyDirectStatus(db, env, {
      tenantId: input.tenantId,
      messageId: input.messageId,
      messageSid: input.messageSid,
      status: input.status,
      errorCode: input.errorCode,
    });
    return;
  }
  await applyStatus(db, env, input);
}
