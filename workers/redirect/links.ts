import { sql } from 'drizzle-orm';
import { uuidv7 } from '../db/ids';
import type { Shard } from '../db/shards';
import { LINK_TOKEN_LENGTH, linkNonce, nonceRange, signLinkToken } from '../domain/link-token';
import { PREVIEW_OPT_OUT_TOKEN } from '../domain/optout-token';

export const SHORT_LINK_TOKEN_LENGTH = LINK_TOKEN_LENGTH;
export const SHORT_LINK_TTL_DAYS = 60;
const DAY_MS = 24 * 3600 * 1000;
// A collision needs another recipient on the same shard with the same 42-bit nonce, so even a second attempt is
// rare; running out of attempts means a bug, not bad luck.
const MAX_ATTEMPTS = 8;

export type ShortLink = { id: string; token: string; url: string };

function baseUrl(env: Env): string {
  return (env.SHORT_LINK_BASE_URL || env.PUBLIC_BASE_URL).replace(/\/+$/, '');
}

export function shortLinkUrl(env: Env, token: string): string {
  return `${baseUrl(env)}/l/${token}`;
}

/** A recipient's personal opt-out page (issue 10), on the same domain as the short links. */
export function optOutUrl(env: Env, token: string): string {
  return `${baseUrl(env)}/u/${token}`;
}

/** A URL exactly as long as a real opt-out link, for counting a template's characters. */
export function previewOptOutUrl(env: Env): string {
  return optOutUrl(env, PREVIEW_OPT_OUT_TOKEN);
}

/** A URL exactly as long as a real short link, for counting a template's characters. */
export function previewShortLinkUrl(env: Env): string {
  return shortLinkUrl(env, 'Ab3dEf6hIj9K'.slice(0, SHORT_LINK_TOKEN_LENGTH));
}

type LinkRow = {
  id: string;
  token: string;
  tenant_id: string;
  campaign_id: string | null;
  contact_id: string;
  flow_enrolment_id: string | null;
  flow_step_id: string | null;
};

/**
 * What a link belongs to: a campaign, or one step of one flow enrolment (issue 14). A campaign's
 * link stores no URL (NULL = the campaign's target, fixed at launch; the redirect adds its UTM
 * parameters), as the fan-out's links do; a flow step's link stores where it goes.
 */
export type LinkOwner =
  | { campaignId: string }
  | { flowId: string; enrolmentId: string; stepId: string; targetUrl: string };

/**
 * The recipient's personal short link, created on first use. Idempotent per (campaign, contact) or
 * per (flow enrolment, step): the token's nonce is derived from the pair, so a retried render (even
 * after a secret rotation) finds the link it created before, and the insert itself is conditional,
 * so concurrent renders never create a second row.
 */
export async function shortLinkFor(
  env: Env,
  shard: Pick<Shard, 'db' | 'index'>,
  p: { tenantId: string; contactId: string; now?: Date } & LinkOwner,
): Promise<ShortLink> {
  const created = p.now ?? new Date();
  const createdAt = created.toISOString();
  const expiresAt = new Date(created.getTime() + SHORT_LINK_TTL_DAYS * DAY_MS).toISOString();
  const flow = 'enrolmentId' in p ? p : null;
  const campaignId = 'campaignId' in p ? p.campaignId : null;
  // The nonce's first part: the campaign, or the enrolment's step (never a campaign id: UUIDs).
  const owner = flow ? `flow:${flow.enrolmentId}:${flow.stepId}` : (campaignId as string);
  const ours = (r: LinkRow) =>
    r.tenant_id === p.tenantId &&
    r.contact_id === p.contactId &&
    (flow
      ? r.flow_enrolment_id === flow.enrolmentId && r.flow_step_id === flow.stepId
      : r.campaign_id === campaignId);

  const { db } = shard;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const nonce = await linkNonce(shard.index, owner, p.contactId, attempt);
    const { from, to } = nonceRange(nonce);
    const token = await signLinkToken(env.LINK_SECRET, nonce);
    const inserted = await db.all<{ id: string; token: string }>(sql`
      INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, target_url, created_at, expires_at,
                               flow_id, flow_enrolment_id, flow_step_id)
      SELECT ${uuidv7(created.getTime())}, ${p.tenantId}, ${campaignId}, ${p.contactId}, ${token},
             ${flow?.targetUrl ?? null}, ${createdAt}, ${expiresAt}, ${flow?.flowId ?? null}, ${flow?.enrolmentId ?? null},
             ${flow?.stepId ?? null}
      WHERE NOT EXISTS (SELECT 1 FROM short_links WHERE token >= ${from} AND token < ${to})
      ON CONFLICT (token) DO NOTHING
      RETURNING id, token`);
    const fresh = inserted[0];
    if (fresh) return { id: fresh.id, token: fresh.token, url: shortLinkUrl(env, fresh.token) };

    const existing = await db.all<LinkRow>(sql`
      SELECT id, token, tenant_id, campaign_id, contact_id, flow_enrolment_id, flow_step_id FROM short_links
      WHERE token >= ${from} AND token < ${to}`);
    const mine = existing.find(ours);
    if (mine) return { id: mine.id, token: mine.token, url: shortLinkUrl(env, mine.token) };
  }
  throw new Error(`No free short-link token for ${owner} after ${MAX_ATTEMPTS} attempts.`);
}
