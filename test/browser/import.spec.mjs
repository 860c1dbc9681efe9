// Issue 3: the CSV import flow in the UI: upload, live progress to completion, rejected rows with reasons,
// the rejected.csv download with a reason column, and a clear message when the same file is uploaded again.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

// Real-export quirks: a header alias, mixed phone formats, a garbage phone, a landline, a repeat, a custom column.
const CSV = [
  'Phone Number,First Name,Last Name,Email,plan',
  '0412 345 678,Ada,Lovelace,ada@example.com,gold',
  '+61 413 000 111,Grace,Hopper,,silver',
  'not-a-number,Bad,Row,,',
  '02 9876 5432,Land,Line,,',
  '61412345678,Ada,Again,,',
  '0414 222 333,Alan,Turing,alan@example.com,bronze',
  '',
].join('\r\n');

export default async function importFlow(ctx) {
  const page = await ctx.newPage();
  await ctx.login(page);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor();
  await page.getByText('No imports yet.').waitFor();
  const file = { name: 'spring-signups.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) };
  await page.locator('input[type="file"]').setInputFiles(file);
  await page.getByText('Selected: spring-signups.csv').waitFor();
  await page.getByLabel('Consent for rows without a consent_status').selectOption('explicit');
  await page.getByLabel('Consent source for rows without one').fill('Spring sign-up sheet');
  await page.getByRole('button', { name: 'Upload and import' }).click();

  await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
  const importId = page.url().split('/').at(-1);
  await page.getByRole('heading', { name: 'Import: spring-signups.csv' }).waitFor();
  await page.getByRole('heading', { name: /Import completed/ }).waitFor({ timeout: 60_000 });
  await page.getByText('6 of 6 rows processed (100%)').waitFor();
  const counts = page.getByRole('list', { name: 'Row counts' });
  assert.match((await counts.textContent()).replace(/\s+/g, ' '), /3created0updated1skipped.*2rejected/);

  const rejected = page.getByRole('region', { name: 'Rejected rows' });
  const rows = rejected.getByRole('row');
  assert.equal(await rows.count(), 3, 'header + 2 rejected rows');
  const api = (await ctx.api(`/api/v1/imports/${importId}`)).body;
  for (const r of api.rejected_rows) {
    await rows.filter({ hasText: r.reason }).filter({ hasText: r.data['Phone Number'] }).waitFor();
  }
  assert.deepEqual(
    api.rejected_rows.map((r) => r.row),
    [3, 4],
  );

  const downloadLink = page.getByRole('link', { name: 'Download rejected rows (CSV)' });
  const [download] = await Promise.all([page.waitForEvent('download'), downloadLink.click()]);
  const text = await readFile(await download.path(), 'utf8');
  const [header, ...lines] = text
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  assert.ok(
    header
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .includes('reason'),
    `header: ${header}`,
  );
  assert.equal(lines.length, 2, text);
  assert.ok(lines.some((l) => l.includes('not-a-number')));

  // Contacts created by the import carry the default consent and its source.
  const contacts = (await ctx.api('/api/v1/contacts?search=Lovelace')).body.data;
  assert.equal(contacts.length, 1);
  assert.equal(contacts[0].consent_status, 'explicit');
  assert.equal(contacts[0].consent_source, 'Spring sign-up sheet');
  assert.equal(contacts[0].custom_fields.plan, 'gold');

  // The same file again is recognised, and the user is pointed at the earlier import.
  await page.getByRole('link', { name: '← Imports' }).click();
  await page.getByRole('region', { name: 'Recent imports' }).getByText('spring-signups.csv').waitFor();
  await page.locator('input[type="file"]').setInputFiles(file);
  await page.getByRole('button', { name: 'Upload and import' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'This file was already imported' });
  await alert.waitFor();
  await alert.getByRole('link', { name: 'See the earlier import' }).click();
  await page.waitForURL(`**/imports/${importId}`);
}
