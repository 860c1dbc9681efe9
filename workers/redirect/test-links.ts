// Test links (issue 12): a test send's {{link}} is a working short link of the same shape and
// length as a campaign link, stored with the test (test_sends.link_token), never in short_links.
// So it opens the campaign's page, and its opens are counted on the test alone: never in the
// campaign's clicks, its chart or its stats.
import { withUtmParams } from '../domain/link-token';
import type { ResolvedLink } from './lookup';

type Row = {
  id: string;
  tenant_id: string;
  campaign_id: string;
  contact_id: string | null;
  target_url: string;
  link_expires_at: string;
  utm_params: string | null;
  sender: string;
};

/** The test link behind a verified token on this shard, or null (the token is nobody's). */
export async function testLinkFromD1(
  d1: D1Database,
  shardName: string,
  token: string,
  parseUtm: (raw: string | null) => Record<string, unknown> | null,
): Promise<ResolvedLink | null> {
  const row = await d1
    .prepare(
      `SELECT s.id, s.tenant_id, s.campaign_id, s.contact_id, s.target_url, s.link_expires_at, c.utm_params,
              COALESCE(NULLIF(t.sender_name, ''), t.name) AS sender
         FROM test_sends s
         JOIN campaigns c ON c.id = s.campaign_id
         JOIN tenants t ON t.id = s.tenant_id
        WHERE s.link_token = ? AND s.target_url IS NOT NULL`,
    )
    .bind(token)
    .first<Row>();
  if (!row) return null;
  return {
    shard: shardName,
    id: row.id,
    tenantId: row.tenant_id,
    campaignId: row.campaign_id,
    flowId: null,
    contactId: row.contact_id ?? '',
    location: withUtmParams(row.target_url, parseUtm(row.utm_params)),
    expiresAt: row.link_expires_at,
    sender: row.sender,
    test: true,
  };
}

/** An open of a test link: counted on the test only. */
export async function recordTestClick(d1: D1Database, link: ResolvedLink): Promise<void> {
  try {
    await d1
      .prepare('UPDATE test_sends SET link_click_count = link_click_count + 1 WHERE id = ? AND tenant_id = ?')
      .bind(link.id, link.tenantId)
      .run();
  } catch (err) {
    console.error('test link open not recorded', link.id, err);
  }
}
