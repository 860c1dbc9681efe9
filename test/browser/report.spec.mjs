// Issue 6: the report page rendered in Chromium for a finished campaign. The campaign's jobs (their own
// times are their record), links with their click counts, per-minute click counts and the failure, reply
// and opt-out events are seeded with SQL as the platform stores them, then the page must show the
// numbers the API computes from them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { q, seedSql } from './seed.mjs';

const TEMPLATE_A = '01900000-0000-7000-8000-000000000005'; // the seed's "Welcome offer"
const uuid = (prefix, n) => `${prefix}-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** 20 recipients: A gets 10 (8 delivered, 1 sent, 1 failed), B gets 10 (9 delivered, 1 failed). */
function finishedCampaignSql(tenantId, numberId) {
  const campaignId = uuid('01920000', 1);
  const templateB = uuid('01920000', 2);
  const start = Date.now() - 3 * 3600_000;
  const at = (minutes) => new Date(start + minutes * 60_000).toISOString();
  const rows = [
    `INSERT INTO message_templates (id, tenant_id, name, body, variables) VALUES (${q(templateB)}, ${q(tenantId)},
      'Short and direct', 'Free coffee this week: {{link}} Reply STOP to opt out', '["link"]');`,
    `INSERT INTO campaigns (id, tenant_id, name, status, template_ids, target_url, audience, sending_number_ids,
      audience_count, skipped_counts, fanout_done_at, queued_at, started_at, completed_at, created_at, updated_at)
      VALUES (${q(campaignId)}, ${q(tenantId)}, 'Spring coffee promo', 'completed',
      ${q(JSON.stringify([TEMPLATE_A, templateB]))}, 'https://example.com/spring', '{}', ${q(JSON.stringify([numberId]))},
      22, '{"do_not_contact":1,"no_consent":1}', ${q(at(1))}, ${q(at(0))}, ${q(at(0))}, ${q(at(150))}, ${q(at(-10))}, ${q(at(150))});`,
  ];
  const failures = { 9: ['Unreachable handset', '30003'], 19: ['Unknown destination carrier', '30006'] };
  const humanClicks = new Set([0, 1, 10, 11, 12, 13, 14]); // 2 on A, 5 on B
  let eventN = 0;
  const event = (type, contactId, jobId, minutes, metadata = {}) =>
    `INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at)
      VALUES (${q(uuid('01930000', ++eventN))}, ${q(tenantId)}, ${q(contactId)}, ${q(campaignId)}, ${q(jobId)},
      ${q(type)}, ${q(JSON.stringify(metadata))}, ${q(at(minutes))});`;
  for (let i = 0; i < 20; i++) {
    const contactId = uuid('01940000', i + 1);
    const jobId = uuid('01950000', i + 1);
    const template = i < 10 ? TEMPLATE_A : templateB;
    const failed = failures[i];
    const status = failed ? 'failed' : i === 8 ? 'sent' : 'delivered';
    const sentAt = at(5 + i * 6);
    rows.push(
      `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status, created_at)
        VALUES (${q(contactId)}, ${q(tenantId)}, ${q(`+614123${String(i).padStart(5, '0')}`)}, ${q(`Person ${i}`)}, 'explicit', ${q(at(-60))});`,
      `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, sending_number_id, status, body, parts,
        cost_cents, provider_message_id, failure_reason, error_code, attempt_count, queued_at, sent_at, delivered_at, failed_at)
        VALUES (${q(jobId)}, ${q(tenantId)}, ${q(campaignId)}, ${q(contactId)}, ${q(template)}, ${q(numberId)}, ${q(status)},
        'Free coffee', 1, ${failed ? 'NULL' : 5}, ${failed ? 'NULL' : q(`SM${String(i).padStart(32, '0')}`)},
        ${q(failed?.[0] ?? null)}, ${q(failed?.[1] ?? null)}, 1, ${q(at(2))}, ${failed ? 'NULL' : q(sentAt)},
        ${status === 'delivered' ? q(at(6 + i * 6)) : 'NULL'}, ${failed ? q(sentAt) : 'NULL'});`,
    );
    if (failed) rows.push(event('FAILED', contactId, jobId, 5 + i * 6, { reason: failed[0] }));
    if (humanClicks.has(i) || i === 2 || i === 3) {
      // A click is counted on its link (and the first human one dated) and per campaign minute.
      const human = humanClicks.has(i);
      const clickedAt = at(20 + i * 6);
      rows.push(
        `INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, target_url, clicked_at, click_count,
          human_click_count, recent_clicks, created_at, expires_at) VALUES (${q(uuid('01960000', i + 1))}, ${q(tenantId)},
          ${q(campaignId)}, ${q(contactId)}, ${q(`tok${i}report`)}, 'https://example.com/spring',
          ${human ? q(clickedAt) : 'NULL'}, 1, ${human ? 1 : 0}, ${human ? q(JSON.stringify([clickedAt])) : 'NULL'},
          ${q(at(2))}, ${q(new Date(start + 60 * 86_400_000).toISOString())});`,
        `INSERT INTO click_counts (tenant_id, campaign_id, slot, clicks, human_clicks)
          VALUES (${q(tenantId)}, ${q(campaignId)}, ${q(clickedAt.slice(0, 16))}, 1, ${human ? 1 : 0});`,
      );
    }
  }
  rows.push(
    event('REPLIED', uuid('01940000', 5), null, 60, {
      source: 'inbound_sms',
      body: 'Is this at every store?',
    }),
    event('REPLIED', uuid('01940000', 15), null, 90, { source: 'inbound_sms', body: 'HELP', intent: 'help' }),
    event('OPT_OUT', uuid('01940000', 16), null, 95, {
      source: 'inbound_sms',
      body: 'Stop.',
      keyword: 'STOP',
    }),
  );
  return { campaignId, sql: rows.join('\n') };
}

async function funnelValue(page, step) {
  return (await page.getByTestId(`funnel-${step}`).getByTestId('funnel-value').textContent()).trim();
}

export default async function report(ctx) {
  assert.ok(ctx.persistDir, 'the harness must expose persistDir');
  const { campaignId, sql } = finishedCampaignSql(ctx.seed.tenant_id, ctx.seed.sending_number_id);
  seedSql(ctx.persistDir, sql);

  // The API agrees with the seed before the page is looked at, so a failure below is the page's.
  const stats = (await ctx.api(`/api/v1/campaigns/${campaignId}/stats`)).body;
  assert.equal(stats.status, 'completed');
  assert.equal(stats.delivered, 17);
  assert.equal(stats.human_clicks, 7);

  const page = await ctx.newPage();
  await ctx.login(page);
  await page.goto(`/campaigns/${campaignId}/report`);
  await page.getByRole('heading', { name: 'Report: Spring coffee promo', level: 1 }).waitFor();

  assert.equal(await funnelValue(page, 'audience'), '22');
  assert.equal(await funnelValue(page, 'queued'), '20');
  assert.equal(await funnelValue(page, 'sent'), '18');
  assert.equal(await funnelValue(page, 'delivered'), '17');
  assert.equal(await funnelValue(page, 'human-clicks'), '7');

  // 7 human clicks / 17 delivered; 18 accepted messages × 5 ¢ = $0.90; $0.90 / 7 ≈ $0.13.
  assert.equal((await page.getByTestId('ctr').textContent()).trim(), '41%');
  assert.equal((await page.getByTestId('cost').textContent()).trim(), '$0.90');
  assert.equal((await page.getByTestId('cost-per-click').textContent()).trim(), '$0.13');
  assert.equal((await page.getByTestId('replies').textContent()).trim(), '2');
  assert.equal((await page.getByTestId('opt-outs').textContent()).trim(), '1');

  // uPlot draws into a canvas once its chunk has loaded.
  const canvas = page.getByTestId('time-chart').locator('canvas');
  await canvas.first().waitFor();
  const box = await canvas.first().boundingBox();
  assert.ok(box && box.width > 200 && box.height > 100, `chart canvas too small: ${JSON.stringify(box)}`);
  // Issue 12: the time axis fits this two-hour campaign (a short one was once drawn from 2027 to 2029).
  await page.waitForFunction(() => document.querySelector('[data-testid="time-chart"]')?.dataset.xMax);
  const [xMin, xMax] = await page
    .getByTestId('time-chart')
    .evaluate((el) => [Number(el.dataset.xMin), Number(el.dataset.xMax)]);
  assert.ok(xMax - xMin > 3600 && xMax - xMin <= 3 * 3600, `the x axis spans ${xMax - xMin} s`);
  // Sends from minute 5 to 120: per-minute points (the tenant's zone is whatever an earlier spec set).
  assert.match((await page.getByTestId('chart-bucket').textContent()).trim(), /^Per minute, [\w/]+ time$/);

  const ab = page.getByRole('table', { name: 'Results by template' });
  await ab.waitFor();
  const rowA = ab.getByRole('row').filter({ hasText: 'Welcome offer' });
  const rowB = ab.getByRole('row').filter({ hasText: 'Short and direct' });
  // Sent, delivered, failed, human clicks, CTR: A 2/8 delivered, B 5/9 delivered.
  const figures = async (row) =>
    (await row.getByRole('cell').allTextContents()).slice(1, 6).map((t) => t.trim());
  assert.deepEqual(await figures(rowA), ['9', '8', '1', '2', '25%']);
  assert.deepEqual(await figures(rowB), ['9', '9', '1', '5', '56%']);
  await rowB.getByText('Best CTR').waitFor();
  assert.equal(await rowA.getByText('Best CTR').count(), 0);

  const failures = page.getByTestId('failures');
  await failures.getByRole('row').filter({ hasText: 'Unreachable handset' }).waitFor();
  await failures.getByRole('row').filter({ hasText: 'Unknown destination carrier' }).waitFor();

  const csv = page.getByRole('link', { name: 'Download events (CSV)' });
  assert.equal(await csv.getAttribute('href'), `/api/v1/events.csv?campaign_id=${campaignId}`);

  // Issue 12: the recipients and summary downloads work from the page (the session cookie is enough).
  const recipientsLink = page.getByRole('link', { name: 'Download recipients (CSV)' });
  const [download] = await Promise.all([page.waitForEvent('download'), recipientsLink.click()]);
  assert.equal(download.suggestedFilename(), 'spring-coffee-promo-recipients.csv');
  const lines = readFileSync(await download.path(), 'utf8')
    .trim()
    .split('\r\n');
  assert.equal(lines.length, 21, 'a header and one row per recipient');
  assert.match(lines[0], /^phone,first_name,last_name,status,template,/);
  assert.ok(lines.some((l) => l.includes('Unreachable handset')));
  const summary = await page.request.get(
    await page.getByRole('link', { name: 'Download summary (CSV)' }).getAttribute('href'),
  );
  assert.equal(summary.status(), 200);
  assert.match(await summary.text(), /\r\ncampaign,delivered,17\r\n/);

  // At phone width the report still fits: nothing wider than the screen but the scrollable tables.
  const phone = await ctx.newPage({ width: 375, height: 800 });
  await ctx.login(phone);
  await phone.goto(`/campaigns/${campaignId}/report`);
  await phone.getByTestId('time-chart').locator('canvas').first().waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the report is ${overflow}px wider than a 375px screen`);
}
