// Queue producers for the send path. Messages carry ids only (queue messages are at most 128 KB).
import { z } from 'zod';

/** sendBatch takes at most 100 messages per call. */
const SEND_BATCH_MAX = 100;

/** A send job; the tenant id finds the shard that holds it. */
export const SendMessage = z.object({ jobId: z.string().min(1), tenantId: z.string().min(1) });
export type SendMessage = z.infer<typeof SendMessage>;

export const FanoutMessage = z.object({
  campaignId: z.string().min(1),
  tenantId: z.string().min(1),
  /** Keyset position: the last contact id of the previous page (null = first page). */
  cursor: z.string().nullable(),
  /** Seconds until this page's first job is due: the work still queued ahead of it (pacing). */
  startDelay: z.number().min(0).optional(),
});
export type FanoutMessage = z.infer<typeof FanoutMessage>;

export async function enqueueSendJobs(
  queue: Queue<SendMessage>,
  items: { jobId: string; tenantId: string; delaySeconds?: number }[],
): Promise<void> {
  for (let i = 0; i < items.length; i += SEND_BATCH_MAX) {
    await queue.sendBatch(
      items.slice(i, i + SEND_BATCH_MAX).map((it) => ({
        body: { jobId: it.jobId, tenantId: it.tenantId },
        ...(it.delaySeconds ? { delaySeconds: it.delaySeconds } : {}),
      })),
    );
  }
}

export async function enqueueFanout(
  queue: Queue<FanoutMessage>,
  msg: FanoutMessage,
  delaySeconds = 0,
): Promise<void> {
  await queue.send(msg, delaySeconds > 0 ? { delaySeconds } : undefined);
}
