// Issue 9: the System page: health checks, cron jobs, and dead letters retried and discarded from the UI.
// Two dead letters of the seed tenant are stored with SQL, as the dead-letter queue's consumer stores them
// (in the control database).
import assert from 'node:assert/strict';
import { CONTROL, q, seedSql } from './seed.mjs';

function letterSql(tenantId, id, body, error) {
  const at = new Date(Date.now() - 3600_000).toISOString();
  return `INSERT INTO dead_letters (id, queue, body, tenant_id, dedupe_key, attempts, error, status, seen_count,
    retry_count, first_seen_at, last_seen_at) VALUES (${q(id)}, 'sms-fanout', ${q(JSON.stringify(body))}, ${q(tenantId)},
    ${q(`browser-${id}`)}, 11, ${q(error)}, 'pending', 1, 0, ${q(at)}, ${q(at)});`;
}

export default async function system(ctx) {
  const tenantId = ctx.seed.tenant_id;
  const retryId = '01930000-0000-7000-8000-00000000d001';
  const discardId = '01930000-0000-7000-8000-00000000d002';
  seedSql(
    ctx.persistDir,
    [
      letterSql(
        tenantId,
        retryId,
        { campaignId: '01930000-0000-7000-8000-0000000000aa', tenantId, cursor: 'c1' },
        'gave up after 11 deliveries on sms-fanout; the campaign no longer exists',
      ),
      letterSql(
        tenantId,
        discardId,
        { campaignId: '01930000-0000-7000-8000-0000000000bb', tenantId, cursor: null },
        'gave up after 11 deliveries on sms-fanout; the campaign is paused',
      ),
    ].join('\n'),
    CONTROL,
  );

  const page = await ctx.newPage();
  await ctx.login(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
  await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();

  // Health: the same checks as /healthz; two pending letters make the dead-letter check fail.
  const checks = page.getByRole('region', { name: 'Health checks' });
  const check = (name) =>
    checks.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
  await check('Databases reachable').filter({ hasText: 'OK' }).waitFor();
  await check('Migrations applied').filter({ hasText: 'OK' }).waitFor();
  await check('Dead letters').filter({ hasText: 'Failing' }).waitFor();
  const healthz = await fetch(`${ctx.baseUrl}/healthz`);
  assert.equal(healthz.status, 503, 'pending dead letters fail /healthz too');
  assert.ok((await healthz.json()).checks.some((c) => c.name === 'dead_letters' && !c.ok));

  // Cron jobs: one row per job, whether or not it ran yet.
  const cron = page.getByRole('region', { name: 'Cron jobs' });
  // (Matched by the job's own cell: another job's details may name it, e.g. archive's "campaigns: 1".)
  for (const job of [
    'campaigns',
    'direct',
    'imports',
    'reconcile',
    'retention',
    'webhooks',
    'opt-ins',
    'archive',
  ]) {
    await cron
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: job, exact: true }) })
      .waitFor();
  }

  // Dead letters: retry one (it goes back on its queue and leaves the pending list)...
  const letters = page.getByRole('region', { name: 'Dead letters' });
  const toRetry = letters.getByRole('row').filter({ hasText: 'no longer exists' });
  await toRetry.getByText('Campaign …000000aa').waitFor();
  await toRetry.getByText('Message body').click();
  await toRetry.getByText('"cursor": "c1"').waitFor();
  await toRetry.getByRole('button', { name: 'Retry' }).click();
  await page.getByRole('status').getByText('is back on the Campaign fan-out queue').waitFor();
  await toRetry.waitFor({ state: 'detached' });

  // ...and discard the other, through the confirmation dialog.
  const toDiscard = letters.getByRole('row').filter({ hasText: 'the campaign is paused' });
  await toDiscard.getByRole('button', { name: 'Discard' }).click();
  const dialog = page.getByRole('dialog', { name: 'Discard this dead letter?' });
  await dialog.getByRole('button', { name: 'Discard' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByText('No pending dead letters.').waitFor();

  await page.getByLabel('Show').selectOption('');
  await letters.getByRole('row').filter({ hasText: 'Retried' }).waitFor();
  await letters.getByRole('row').filter({ hasText: 'Discarded' }).waitFor();
  await check('Dead letters').filter({ hasText: 'OK' }).waitFor();

  const audit = (await ctx.api('/api/v1/audit-log?limit=20')).body.data.map(
    (e) => `${e.action} ${e.resource_id}`,
  );
  assert.ok(audit.includes(`dead_letter.retried ${retryId}`), 'the retry is audited');
  assert.ok(audit.includes(`dead_letter.discarded ${discardId}`), 'the discard is audited');
  const left = (await ctx.api('/api/v1/dead-letters?status=pending')).body.data;
  assert.deepEqual(left, []);
}
