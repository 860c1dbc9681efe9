// Issue 11: the report of an archived campaign. A campaign completed in January 2026 is seeded with
// SQL, the cron is ticked at a pinned June instant (past the 90-day retention and the links' expiry),
// and the pages must show the same numbers with an "archived" note and the export in place of the
// per-message list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { q, seedSql } from './seed.mjs';

const TEMPLATE_A = '01900000-0000-7000-8000-000000000005'; // the seed's "Welcome offer"
const TICK_AT = Date.parse('2026-06-01T00:00:00.000Z');
const uuid = (prefix, n) => `${prefix}-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** 6 recipients on 10 January 2026: 5 delivered (2 clicked), 1 failed; a reply. */
function archivableCampaignSql(tenantId, numberId) {
  const campaignId = uuid('01a10000', 1);
  const start = Date.parse('2026-01-10T01:00:00.000Z');
  const at = (minutes) => new Date(start + minutes * 60_000).toISOString();
  const rows = [
    `INSERT INTO campaigns (id, tenant_id, name, status, template_ids, target_url, audience, sending_number_ids,
      audience_count, skipped_counts, fanout_done_at, queued_at, started_at, completed_at, created_at, updated_at)
      VALUES (${q(campaignId)}, ${q(tenantId)}, 'Summer clearance', 'completed', ${q(JSON.stringify([TEMPLATE_A]))},
      'https://example.com/summer', '{}', ${q(JSON.stringify([numberId]))}, 6, '{}', ${q(at(1))}, ${q(at(0))},
      ${q(at(0))}, ${q(at(90))}, ${q(at(-10))}, ${q(at(90))});`,
  ];
  for (let i = 0; i < 6; i++) {
    const contactId = uuid('01a20000', i + 1);
    const jobId = uuid('01a30000', i + 1);
    const failed = i === 5;
    const sentAt = at(5 + i * 10);
    rows.push(
      `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status, created_at)
        VALUES (${q(contactId)}, ${q(tenantId)}, ${q(`+614129${String(i).padStart(5, '0')}`)}, ${q(`Archived ${i}`)},
        'explicit', ${q(at(-60))});`,
      `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, sending_number_id, status, body, parts,
        cost_cents, provider_message_id, failure_reason, error_code, attempt_count, queued_at, sent_at, delivered_at, failed_at)
        VALUES (${q(jobId)}, ${q(tenantId)}, ${q(campaignId)}, ${q(contactId)}, ${q(TEMPLATE_A)}, ${q(numberId)},
        ${q(failed ? 'failed' : 'delivered')}, 'Summer clearance', 1, 5, ${q(`SMa${String(i).padStart(31, '0')}`)},
        ${q(failed ? 'Unreachable handset' : null)}, ${q(failed ? '30003' : null)}, 1, ${q(at(2))}, ${q(sentAt)},
        ${failed ? 'NULL' : q(at(6 + i * 10))}, ${failed ? q(at(6 + i * 10)) : 'NULL'});`,
      `INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, target_url, clicked_at, click_count,
        human_click_count, recent_clicks, created_at, expires_at) VALUES (${q(uuid('01a40000', i + 1))}, ${q(tenantId)},
        ${q(campaignId)}, ${q(contactId)}, ${q(`tok${i}archive`)}, 'https://example.com/summer',
        ${i < 2 ? q(at(30 + i)) : 'NULL'}, ${i < 2 ? 1 : 0}, ${i < 2 ? 1 : 0},
        ${i < 2 ? q(JSON.stringify([at(30 + i)])) : 'NULL'}, ${q(at(2))}, '2026-03-11T01:00:00.000Z');`,
    );
    if (failed)
      rows.push(`INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at)
        VALUES (${q(uuid('01a50000', 1))}, ${q(tenantId)}, ${q(contactId)}, ${q(campaignId)}, ${q(jobId)}, 'FAILED',
        '{"reason":"Unreachable handset"}', ${q(at(6 + i * 10))});`);
  }
  rows.push(
    `INSERT INTO click_counts (tenant_id, campaign_id, slot, clicks, human_clicks)
      VALUES (${q(tenantId)}, ${q(campaignId)}, ${q(at(30).slice(0, 16))}, 1, 1),
             (${q(tenantId)}, ${q(campaignId)}, ${q(at(31).slice(0, 16))}, 1, 1);`,
    `INSERT INTO events (id, tenant_id, contact_id, campaign_id, event_type, metadata, created_at)
      VALUES (${q(uuid('01a50000', 2))}, ${q(tenantId)}, ${q(uuid('01a20000', 1))}, ${q(campaignId)}, 'REPLIED',
      '{"source":"inbound_sms","body":"Thanks!"}', ${q(at(50))});`,
  );
  return { campaignId, sql: rows.join('\n') };
}

export default async function archive(ctx) {
  const { campaignId, sql } = archivableCampaignSql(ctx.seed.tenant_id, ctx.seed.sending_number_id);
  seedSql(ctx.persistDir, sql);
  const before = (await ctx.api(`/api/v1/campaigns/${campaignId}/stats`)).body;
  assert.equal(before.delivered, 5);
  assert.equal(before.replies, 1);
  const recipientsBefore = (await ctx.api(`/api/v1/campaigns/${campaignId}/recipients.csv`)).body;

  // The cron at a pinned instant (wrangler dev's scheduled endpoint takes the tick's time).
  let campaign;
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${ctx.baseUrl}/cdn-cgi/local/scheduled?time=${TICK_AT + i * 60_000}`);
    assert.equal(res.status, 200);
    campaign = (await ctx.api(`/api/v1/campaigns/${campaignId}`)).body;
    if (campaign.archived_at) break;
  }
  assert.ok(campaign.archived_at, 'the campaign was archived');
  assert.deepEqual((await ctx.api(`/api/v1/campaigns/${campaignId}/stats`)).body, before);
  assert.equal((await ctx.api(`/api/v1/campaigns/${campaignId}/recipients.csv`)).body, recipientsBefore);
  assert.deepEqual((await ctx.api(`/api/v1/campaigns/${campaignId}/jobs`)).body.data, []);

  const page = await ctx.newPage();
  await ctx.login(page);
  await page.goto(`/campaigns/${campaignId}/report`);
  await page.getByRole('heading', { name: 'Report: Summer clearance', level: 1 }).waitFor();
  await page.getByTestId('archived-note').waitFor();
  assert.match((await page.getByTestId('archived-note').textContent()).trim(), /^Archived on /);
  assert.equal((await page.getByTestId('replies').textContent()).trim(), '1');
  assert.equal((await page.getByTestId('ctr').textContent()).trim(), '40%'); // 2 human clicks / 5 delivered
  assert.equal((await page.getByTestId('cost').textContent()).trim(), '$0.30');
  assert.match((await page.getByTestId('chart-bucket').textContent()).trim(), /^Per day, /);
  await page.getByTestId('time-chart').locator('canvas').first().waitFor();
  assert.equal(await page.getByRole('link', { name: 'Download events (CSV)' }).count(), 0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download recipients (CSV)' }).click(),
  ]);
  const lines = readFileSync(await download.path(), 'utf8')
    .trim()
    .split('\r\n');
  assert.equal(lines.length, 7, 'a header and one row per recipient, from the archive');
  assert.ok(lines.some((l) => l.includes('Unreachable handset')));

  // The campaign page: the per-message list is replaced by the note and the export.
  await page.goto(`/campaigns/${campaignId}`);
  await page.getByRole('heading', { name: 'Messages', level: 2 }).waitFor();
  await page.getByTestId('archived-export').waitFor();
  assert.equal(
    await page.getByTestId('archived-export').getAttribute('href'),
    `/api/v1/campaigns/${campaignId}/recipients.csv`,
  );
  assert.equal(await page.getByText('Not rendered yet').count(), 0);
}
