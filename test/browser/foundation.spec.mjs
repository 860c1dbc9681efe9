// Issue 2: sign in through the magic link, change the time zone, flip the kill switch, see both in the audit log,
// and resume sending (the specs after this one send through the same tenant).
import assert from 'node:assert/strict';

export default async function foundation(ctx) {
  const page = await ctx.newPage();
  // The seed's own admin (the only spec that signs in as them: sign-in links are limited per email).
  await ctx.login(page, ctx.seed.admin_email);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  const timezone = page.getByLabel('Time zone');
  assert.equal(await timezone.inputValue(), 'Australia/Sydney');
  await timezone.selectOption('Europe/London');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('status').getByText('Settings saved.').waitFor();

  // Escape backs out of the kill-switch dialog without pausing.
  await page.getByRole('button', { name: 'Pause all sending' }).click();
  const dialog = page.getByRole('dialog', { name: 'Pause all sending?' });
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await ctx.api('/api/v1/tenant')).body.is_paused, false, 'Escape must not pause sending');

  await page.getByRole('button', { name: 'Pause all sending' }).click();
  await dialog.getByText('stops sending within seconds').waitFor();
  await dialog.getByRole('button', { name: 'Pause all sending' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByText('Paused', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Resume sending' }).waitFor();

  const tenant = (await ctx.api('/api/v1/tenant')).body;
  assert.equal(tenant.timezone, 'Europe/London');
  assert.equal(tenant.is_paused, true);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  const log = page.getByRole('region', { name: 'Audit log entries' });
  const updated = log.getByRole('row').filter({ hasText: 'tenant.updated' });
  await updated.filter({ hasText: 'timezone: Australia/Sydney → Europe/London' }).waitFor();
  // "Who" names the admin by email once the user list has loaded.
  await log
    .getByRole('row')
    .filter({ hasText: 'tenant.paused' })
    .filter({ hasText: 'admin@example.com' })
    .waitFor();

  // Resume: the dialog says what happens, and the account sends again.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Resume sending' }).click();
  const resume = page.getByRole('dialog', { name: 'Resume sending?' });
  await resume.getByText('Running campaigns continue from where they stopped').waitFor();
  await resume.getByRole('button', { name: 'Resume sending' }).click();
  await resume.waitFor({ state: 'hidden' });
  await page.getByText('Active', { exact: true }).waitFor();
  assert.equal((await ctx.api('/api/v1/tenant')).body.is_paused, false);
}
