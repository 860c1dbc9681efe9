// MMS campaigns (issue 14): a template with an image goes out as an MMS from senders that can send
// one. An alphanumeric sender ID cannot (carriers deliver MMS from numbers only), so a campaign
// that would send an MMS from one is refused at launch with the reason, and its preview says so.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { messageTemplates, sendingNumbers } from '../../db/schema';
import { ApiError } from '../../http/errors';
import type { CampaignRow } from './schemas';

export type MmsBlockers = {
  mmsTemplates: { id: string; name: string }[];
  /** Senders the campaign may use that cannot send MMS. */
  alphanumeric: { id: string; senderId: string | null }[];
};

/** The campaign's MMS templates and, when it has any, the senders it may use that cannot send them. */
export async function mmsBlockers(db: Db, campaign: CampaignRow): Promise<MmsBlockers> {
  const templates = campaign.templateIds.length
    ? await db
        .select({ id: messageTemplates.id, name: messageTemplates.name, mediaUrl: messageTemplates.mediaUrl })
        .from(messageTemplates)
        .where(
          and(
            eq(messageTemplates.tenantId, campaign.tenantId),
            inArray(messageTemplates.id, campaign.templateIds),
          ),
        )
    : [];
  const mmsTemplates = templates.filter((t) => t.mediaUrl).map(({ id, name }) => ({ id, name }));
  if (mmsTemplates.length === 0) return { mmsTemplates, alphanumeric: [] };
  const senders = await db
    .select({ id: sendingNumbers.id, kind: sendingNumbers.kind, senderId: sendingNumbers.senderId })
    .from(sendingNumbers)
    .where(
      and(
        eq(sendingNumbers.tenantId, campaign.tenantId),
        eq(sendingNumbers.isActive, true),
        campaign.sendingNumberIds.length ? inArray(sendingNumbers.id, campaign.sendingNumberIds) : undefined,
      ),
    );
  const alphanumeric = senders
    .filter((s) => s.kind === 'alphanumeric')
    .map(({ id, senderId }) => ({ id, senderId }));
  return { mmsTemplates, alphanumeric };
}

export function mmsBlockerText(b: MmsBlockers): string | null {
  if (b.mmsTemplates.length === 0 || b.alphanumeric.length === 0) return null;
  const names = b.mmsTemplates.map((t) => `“${t.name}”`).join(', ');
  const ids = b.alphanumeric.map((s) => s.senderId ?? s.id).join(', ');
  return `${names} ${b.mmsTemplates.length === 1 ? 'has' : 'have'} an image (MMS), which the alphanumeric sender ID ${ids} cannot send: choose phone numbers or a Messaging Service as the campaign's senders, or remove the image.`;
}

/** 422 when the campaign would send an MMS from an alphanumeric sender. */
export async function assertMmsSendable(db: Db, campaign: CampaignRow): Promise<void> {
  const reason = mmsBlockerText(await mmsBlockers(db, campaign));
  if (reason)
    throw new ApiError('VALIDATION', reason, {
      errors: [
        { path: campaign.sendingNumberIds.length ? 'sending_number_ids' : 'template_ids', message: reason },
      ],
    });
}
