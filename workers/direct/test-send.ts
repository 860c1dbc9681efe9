// Test sends (issue 12): a campaign's template rendered exactly as a recipient would get it (a
// chosen contact's data, the compliance footer, a working link) and sent to the tenant's confirmed
// test numbers through the real send path as direct messages of kind 'test'. The link is a test
// link (workers/redirect/test-links.ts), so neither the message nor its opens count for the campaign.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { costPerPartCents } from '../db/costs';
import { uuidv7 } from '../db/ids';
import type { campaigns, contacts, messageTemplates, tenants } from '../db/schema';
import type { Shard } from '../db/shards';
import { stickyIndex } from '../domain/ab-split';
import { applyComplianceFooter } from '../domain/compliance';
import { linkNonce, nonceRange, signLinkToken } from '../domain/link-token';
import { messageCostOnChannel, templateChannel } from '../domain/mms';
import { analyzeSms, type SmsEncoding } from '../domain/sms-encoding';
import { contactVariables, renderTemplate } from '../domain/template';
import { previewShortLinkUrl, shortLinkUrl } from '../redirect/links';
import { campaignTargetUrl, usesLink } from '../send/render';

/** Test links work this long (a test is looked at the same day; a month is generous). */
export const TEST_LINK_TTL_DAYS = 30;
const MAX_TOKEN_ATTEMPTS = 8;

type Campaign = typeof campaigns.$inferSelect;
type Template = typeof messageTemplates.$inferSelect;
type Contact = typeof contacts.$inferSelect;
type Tenant = Pick<typeof tenants.$inferSelect, 'id' | 'country' | 'appendOptOutFooter'>;

export type RenderedTest = {
  body: string;
  encoding: SmsEncoding;
  segments: number;
  characters: number;
  channel: 'sms' | 'mms';
  mediaUrl: string | null;
  costCents: number | null;
  unknownVariables: string[];
  hasLink: boolean;
};

/** The message as a recipient with this contact's data would get it; `linkUrl` fills {{link}}. */
export function renderTest(
  template: Template,
  contact: Contact | null,
  tenant: Tenant,
  linkUrl: string | null,
  perPartCents: number | null,
): RenderedTest {
  const vars: Record<string, string | undefined> = contact ? { ...contactVariables(contact) } : {};
  const hasLink = linkUrl !== null && usesLink(template.body);
  if (hasLink && linkUrl) vars.link = linkUrl;
  const { text, unknownVariables } = renderTemplate(template.body, vars);
  const body = applyComplianceFooter(text, { appendOptOutFooter: tenant.appendOptOutFooter });
  const a = analyzeSms(body);
  const channel = templateChannel(template);
  return {
    body,
    encoding: a.encoding,
    segments: a.segments,
    characters: a.characters,
    channel,
    mediaUrl: template.mediaUrl,
    costCents: perPartCents === null ? null : messageCostOnChannel(channel, a.segments, perPartCents),
    // Without a contact every personal field takes its fallback: that is expected, not a typo.
    unknownVariables: contact ? unknownVariables.filter((v) => v !== 'link') : [],
    hasLink,
  };
}

/** The price of one part (SMS) or one message (MMS) on each channel, now. */
export async function testPrices(control: Db, tenant: Tenant, at: Date) {
  const [sms, mms] = await Promise.all([
    costPerPartCents(control, { tenantId: tenant.id, country: tenant.country, at, channel: 'sms' }),
    costPerPartCents(control, { tenantId: tenant.id, country: tenant.country, at, channel: 'mms' }),
  ]);
  return (template: Template) => (templateChannel(template) === 'mms' ? mms : sms);
}

/** The campaign's link target as its recipients' links have it, or null when it has none. */
export function testTarget(campaign: Campaign): string | null {
  return campaign.targetUrl ? campaignTargetUrl(campaign.targetUrl, campaign.utmParams) : null;
}

/** A link exactly as long as a real one, for a dry run (nothing stored). */
export const previewLink = (env: Env) => previewShortLinkUrl(env);

/**
 * The test's record (test_sends) with its own link token, created once per dedupe key: a retried
 * request finds the row (and link) it made before. The token has a campaign link's shape, on this
 * shard's hint, and is free in both short_links and test_sends.
 */
export async function createTestSend(
  env: Env,
  shard: Pick<Shard, 'db' | 'index'>,
  p: {
    tenantId: string;
    campaignId: string;
    templateId: string;
    contactId: string | null;
    testNumberId: string;
    dedupeKey: string;
    targetUrl: string | null;
    createdBy: string | null;
    now: Date;
  },
): Promise<{ id: string; linkUrl: string | null }> {
  const { db } = shard;
  const existing = async () => {
    const [row] = await db.all<{ id: string; link_token: string | null }>(sql`
      SELECT id, link_token FROM test_sends WHERE tenant_id = ${p.tenantId} AND dedupe_key = ${p.dedupeKey}`);
    return row ? { id: row.id, linkUrl: row.link_token ? shortLinkUrl(env, row.link_token) : null } : null;
  };
  const id = uuidv7(p.now.getTime());
  const createdAt = p.now.toISOString();
  const expiresAt = new Date(p.now.getTime() + TEST_LINK_TTL_DAYS * 86_400_000).toISOString();
  for (let attempt = 0; attempt < MAX_TOKEN_ATTEMPTS; attempt++) {
    let token: string | null = null;
    let free = sql`1`;
    if (p.targetUrl) {
      const nonce = await linkNonce(shard.index, p.campaignId, `test:${id}`, attempt);
      const { from, to } = nonceRange(nonce);
      token = await signLinkToken(env.LINK_SECRET, nonce);
      free = sql`NOT EXISTS (SELECT 1 FROM short_links WHERE token >= ${from} AND token < ${to})
             AND NOT EXISTS (SELECT 1 FROM test_sends WHERE link_token >= ${from} AND link_token < ${to})`;
    }
    const inserted = await db.all<{ id: string }>(sql`
      INSERT INTO test_sends (id, tenant_id, campaign_id, template_id, contact_id, test_number_id, dedupe_key,
                              link_token, target_url, link_expires_at, created_by, created_at)
      SELECT ${id}, ${p.tenantId}, ${p.campaignId}, ${p.templateId}, ${p.contactId}, ${p.testNumberId},
             ${p.dedupeKey}, ${token}, ${p.targetUrl}, ${token ? expiresAt : null}, ${p.createdBy}, ${createdAt}
       WHERE ${free}
      ON CONFLICT DO NOTHING
      RETURNING id`);
    if (inserted[0]) return { id, linkUrl: token ? shortLinkUrl(env, token) : null };
    const before = await existing();
    if (before) return before;
    if (!token) break;
  }
  throw new Error(`No free test-link token for campaign ${p.campaignId}.`);
}

/**
 * The sender a test goes from: one of the campaign's numbers (as its recipients would get it; the
 * same one for the same phone each time), or null to let the sender pick the tenant's usual one.
 */
export function testSender(campaign: Campaign, active: { id: string }[], phone: string): string | null {
  const pool = campaign.sendingNumberIds.length
    ? active.filter((n) => campaign.sendingNumberIds.includes(n.id))
    : [];
  if (pool.length === 0) return null;
  return pool[stickyIndex(phone, pool.length)]?.id ?? null;
}
