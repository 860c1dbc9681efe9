// Issue 9: the admin UI works under its Content-Security-Policy. Signs in, opens the main pages,
// invites a user and resends the invitation, draws a report chart (uPlot, loaded on demand) and
// opens the server-rendered pages; Chromium must report no CSP violation on the way.
import assert from 'node:assert/strict';
import { q, seedSql } from './seed.mjs';

// Ids of this spec's own (the archive spec's rows use 01a1…–01a5…, on the same shard).
const ID = (n) => `01c50000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const TEMPLATE = '01900000-0000-7000-8000-000000000005'; // the seed's "Welcome offer"

/** A finished campaign with three sends (their own times are their record), enough for the report's time chart. */
function campaignSql(tenantId, numberId) {
  const campaignId = ID(1);
  const start = Date.now() - 2 * 3600_000;
  const at = (minutes) => q(new Date(start + minutes * 60_000).toISOString());
  const rows = [
    `INSERT INTO campaigns (id, tenant_id, name, status, template_ids, target_url, audience, sending_number_ids,
      audience_count, skipped_counts, fanout_done_at, queued_at, started_at, completed_at, created_at, updated_at)
      VALUES (${q(campaignId)}, ${q(tenantId)}, 'CSP check', 'completed', ${q(JSON.stringify([TEMPLATE]))},
      'https://example.com/csp', '{}', ${q(JSON.stringify([numberId]))}, 3, '{}', ${at(1)}, ${at(0)}, ${at(0)},
      ${at(60)}, ${at(-5)}, ${at(60)});`,
  ];
  for (let i = 0; i < 3; i++) {
    const contactId = ID(10 + i);
    const jobId = ID(20 + i);
    rows.push(
      `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status, created_at)
        VALUES (${q(contactId)}, ${q(tenantId)}, ${q(`+61412399${String(i).padStart(3, '0')}`)}, 'CSP', 'explicit', ${at(-30)});`,
      `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, sending_number_id, status, body, parts,
        cost_cents, provider_message_id, attempt_count, queued_at, sent_at, delivered_at)
        VALUES (${q(jobId)}, ${q(tenantId)}, ${q(campaignId)}, ${q(contactId)}, ${q(TEMPLATE)}, ${q(numberId)}, 'delivered',
        'Hi', 1, 5, ${q(`SMcsp${i}`)}, 1, ${at(2)}, ${at(5 + i * 10)}, ${at(6 + i * 10)});`,
    );
  }
  return { campaignId, sql: rows.join('\n') };
}

export default async function csp(ctx) {
  // The headers themselves, as a browser receives them from wrangler dev (a local run: no HSTS).
  for (const path of ['/', '/campaigns', '/api/v1/openapi.json', '/auth/verify?token=x', '/l/nope']) {
    const res = await fetch(`${ctx.baseUrl}${path}`, { redirect: 'manual' });
    await res.arrayBuffer();
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('strict-transport-security'), null, `${path}: no HSTS on a local run`);
  }

  const { campaignId, sql } = campaignSql(ctx.seed.tenant_id, ctx.seed.sending_number_id);
  seedSql(ctx.persistDir, sql);

  const page = await ctx.newPage();
  const violations = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to (load|apply|execute|connect|frame)/i.test(msg.text()))
      violations.push(`${page.url()}: ${msg.text()}`);
  });
  await page.exposeFunction('__cspViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolation(
        `${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`,
      ),
    );
  });

  await ctx.login(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [link, heading] of [
    ['Campaigns', 'Campaigns'],
    ['Contacts', 'Contacts'],
    ['Templates', 'Templates'],
    ['Settings', 'Settings'],
    ['Audit log', 'Audit log'],
    ['Users', 'Users'],
  ]) {
    await nav.getByRole('link', { name: link }).click();
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  }

  // Invite someone, then resend: both answer with a toast the admin can read.
  const email = `csp-invitee-${Date.now()}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Invite user' }).click();
  await page.getByRole('status').getByText(`Invitation sent to ${email}.`).waitFor();
  const row = page.getByRole('row').filter({ hasText: email });
  await row.getByText('Invited', { exact: true }).waitFor();
  await row.getByRole('button', { name: `Resend invitation to ${email}` }).click();
  await page.getByRole('status').getByText(`Invitation sent again to ${email}.`).waitFor();
  const outbox = await (await fetch(`${ctx.baseUrl}/dev/outbox`)).json();
  const invitations = outbox.filter((m) => m.to === email);
  assert.equal(invitations.length, 2, 'one invitation email and one resent');
  assert.match(invitations[0].subject, /^You have been invited to .+ on SMS Campaigns$/);

  // The report page loads uPlot (a separate chunk and stylesheet) and draws into a canvas.
  await page.goto(`/campaigns/${campaignId}/report`);
  await page.getByRole('heading', { name: 'Report: CSP check', level: 1 }).waitFor();
  await page.getByTestId('time-chart').locator('canvas').first().waitFor();

  // Server-rendered pages: their inline style is allowed by hash, so it applies.
  await page.goto('/auth/verify?token=not-a-token');
  await page.getByRole('heading', { name: 'Sign-in link not valid' }).waitFor();
  const h1Size = await page.locator('h1').evaluate((el) => getComputedStyle(el).fontSize);
  assert.equal(h1Size, '22.4px', 'the sign-in error page’s inline style must apply (1.4rem)');
  await page.goto('/l/not-a-real-token');
  await page.getByRole('heading', { name: 'Link not found' }).waitFor();
  const bg = await page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(bg, 'rgb(246, 247, 249)', 'the link page’s inline style must apply');

  assert.deepEqual(violations, [], 'no Content-Security-Policy violation anywhere');
}
