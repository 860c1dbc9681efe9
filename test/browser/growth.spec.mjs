// Issue 14: a visitor signs up through a hosted form on a phone (390×844), with and without
// JavaScript; the admin sees the sign-up and its proof; an order credited to a click shows as
// revenue in the campaign report and on the dashboard.
import assert from 'node:assert/strict';
import { q, seedSql } from './seed.mjs';

const PHONE = { width: 390, height: 844 };
const CONSENT = 'Yes, Demo Co may text me offers and news, up to 4 a month. Reply STOP to opt out.';
const uuid = (n) => `01980000-0000-7000-8000-${String(n).padStart(12, '0')}`;

async function visitorSignsUp(ctx, form, { javaScriptEnabled, phone, name }) {
  const context = await ctx.browser.newContext({ viewport: PHONE, baseURL: ctx.baseUrl, javaScriptEnabled });
  context.setDefaultTimeout(15_000);
  try {
    const page = await context.newPage();
    await page.goto(new URL(form.public_url).pathname);
    await page.getByRole('heading', { name: 'Join the coffee club', level: 1 }).waitFor();
    await page.getByText(CONSENT).waitFor();
    const consent = page.getByRole('checkbox', { name: CONSENT });
    assert.equal(await consent.isChecked(), false, 'the consent box starts unticked');
    // Phone width first: nothing wider than the screen, inputs at least 44 px tall to tap.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    const phoneBox = await page.getByLabel('Mobile number').boundingBox();
    assert.ok(phoneBox && phoneBox.height >= 44 && phoneBox.width >= 300, JSON.stringify(phoneBox));

    // Forgetting the tick: a clear message, the typed values kept, nothing stored.
    await page.getByLabel('Mobile number').fill(phone);
    await page.getByLabel('First name (optional)').fill(name);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page
      .getByRole('alert')
      .getByText('Tick the box to agree to receive text messages.')
      .first()
      .waitFor();
    assert.equal(await page.getByLabel('Mobile number').inputValue(), phone);
    assert.equal(await page.getByLabel('First name (optional)').inputValue(), name);
    const none = (await ctx.api(`/api/v1/forms/${form.id}/opt-ins`)).body.data.filter(
      (o) => o.fields.first_name === name,
    );
    assert.equal(none.length, 0, 'a refused post stores nothing');

    await page.getByRole('checkbox', { name: CONSENT }).check();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Almost done', level: 1 }).waitFor();
    await page.getByText('Reply Y to it within 24 hours').waitFor();
    const after = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(after <= 0, `the thank-you page scrolls sideways by ${after}px`);
  } finally {
    await context.close();
  }
}

export default async function growth(ctx) {
  // --- a hosted signup form, filled in as a visitor on a phone ---
  const created = await ctx.api('/api/v1/forms', {
    json: {
      name: 'Join the coffee club',
      consent_text: CONSENT,
      fields: ['first_name'],
      double_opt_in: true,
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const form = created.body;

  await visitorSignsUp(ctx, form, { javaScriptEnabled: false, phone: '0412 345 678', name: 'Ada' });
  await visitorSignsUp(ctx, form, { javaScriptEnabled: true, phone: '0413 000 111', name: 'Grace' });

  const optIns = (await ctx.api(`/api/v1/forms/${form.id}/opt-ins`)).body.data;
  assert.deepEqual(optIns.map((o) => o.phone_e164).sort(), ['+61412345678', '+61413000111']);
  for (const o of optIns) {
    assert.equal(o.status, 'pending');
    assert.equal(o.consent_version, 1);
    assert.equal(o.consent_text, CONSENT);
    assert.match(o.user_agent, /Chrome/);
  }

  // The admin sees the sign-ups and the snippets to embed the form.
  const admin = await ctx.newPage();
  await ctx.login(admin);
  await admin.goto(`/forms/${form.id}`);
  await admin.getByRole('heading', { name: 'Join the coffee club', level: 1 }).waitFor();
  const embed = await admin.getByLabel('Embed').inputValue();
  assert.match(embed, new RegExp(`<iframe src="${form.public_url}"`));
  const signups = admin.getByRole('table', { name: 'Sign-ups' });
  await signups.getByRole('row').filter({ hasText: '+61412345678' }).getByText('Waiting for Y').waitFor();

  // --- revenue: an order credited to a human click shows in the report and on the dashboard ---
  const tenantId = ctx.seed.tenant_id;
  const campaignId = uuid(1);
  const contactId = uuid(2);
  const linkId = uuid(3);
  const clickedAt = new Date(Date.now() - 3600_000).toISOString();
  const startedAt = new Date(Date.now() - 2 * 3600_000).toISOString();
  seedSql(
    ctx.persistDir,
    [
      `INSERT INTO campaigns (id, tenant_id, name, status, template_ids, audience_count, started_at, completed_at)
        VALUES (${q(campaignId)}, ${q(tenantId)}, 'Flat white Friday', 'completed',
        '["01900000-0000-7000-8000-000000000005"]', 1, ${q(startedAt)}, ${q(clickedAt)});`,
      `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status)
        VALUES (${q(contactId)}, ${q(tenantId)}, '+61414999000', 'Buyer', 'explicit');`,
      `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, status, body, parts, cost_cents,
        provider_message_id, attempt_count, sent_at, delivered_at) VALUES (${q(uuid(4))}, ${q(tenantId)}, ${q(campaignId)},
        ${q(contactId)}, '01900000-0000-7000-8000-000000000005', 'delivered', 'Flat white Friday', 1, 5,
        'SM00000000000000000000000000000001', 1, ${q(startedAt)}, ${q(startedAt)});`,
      `INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, target_url, clicked_at, click_count,
        human_click_count, recent_clicks, expires_at) VALUES (${q(linkId)}, ${q(tenantId)}, ${q(campaignId)}, ${q(contactId)},
        'tokgrowth1', 'https://example.com/coffee', ${q(clickedAt)}, 1, 1, ${q(JSON.stringify([clickedAt]))},
        '2099-01-01T00:00:00.000Z');`,
      `INSERT INTO click_counts (tenant_id, campaign_id, slot, clicks, human_clicks)
        VALUES (${q(tenantId)}, ${q(campaignId)}, ${q(clickedAt.slice(0, 16))}, 1, 1);`,
    ].join('\n'),
  );
  const order = await ctx.api('/api/v1/conversions', {
    json: { phone: '0414 999 000', value_cents: 12000, currency: 'AUD', order_id: 'ORDER-1001' },
  });
  assert.equal(order.status, 201, JSON.stringify(order.body));
  assert.equal(order.body.attributed.campaign_id, campaignId);

  await admin.goto(`/campaigns/${campaignId}/report`);
  await admin.getByRole('heading', { name: 'Report: Flat white Friday', level: 1 }).waitFor();
  const revenue = admin.getByTestId('revenue');
  await revenue.waitFor();
  assert.match(await admin.getByTestId('revenue-total').textContent(), /120\.00/);
  assert.equal((await admin.getByTestId('conversions').textContent()).trim(), '1');
  assert.match(await admin.getByTestId('revenue-per-message').textContent(), /120\.00/);
  assert.equal((await admin.getByTestId('return-on-cost').textContent()).trim(), '2400.0×');

  await admin.goto('/');
  await admin.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  assert.match(await admin.getByTestId('revenue-this-month').textContent(), /120\.00/);
}
