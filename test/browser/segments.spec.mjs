// Issue 12: build a segment and watch the live count (with skip reasons) follow the edits; tag a
// contact on its page and the whole segment from the contacts list; export the segment as CSV;
// pick the segment as a campaign audience and duplicate that campaign.
import assert from 'node:assert/strict';

const RUN = Date.now().toString(36);
const VIP = `vip-${RUN}`;

async function text(locator) {
  return (await locator.textContent()).trim();
}

async function countIs(page, testId, value) {
  await page.waitForFunction(
    ([id, v]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === v,
    [testId, value],
  );
}

export default async function segments(ctx) {
  // Four people carry this run's VIP tag: two can be texted, one lacks consent, one is on
  // do-not-contact; a fifth has only another tag.
  const people = [
    ['+61412700001', 'explicit', [VIP, 'NSW']],
    ['+61412700002', 'implied', [VIP]],
    ['+61412700003', 'unknown', [VIP, 'NSW']],
    ['+61412700004', 'explicit', [VIP]],
    ['+61412700005', 'explicit', [`other-${RUN}`]],
  ];
  const ids = [];
  for (const [phone, consent, tags] of people) {
    const res = await ctx.api('/api/v1/contacts', {
      json: { phone, first_name: 'Vee', consent_status: consent, tags },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids.push(res.body.id);
  }
  const dnc = await ctx.api('/api/v1/do-not-contact', { json: { phone: '+61412700004', reason: 'MANUAL' } });
  assert.ok(dnc.status === 201 || dnc.status === 200, JSON.stringify(dnc.body));

  const page = await ctx.newPage();
  await ctx.login(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
  await page.getByRole('heading', { name: 'Segments', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'New segment' }).click();
  await page.getByRole('heading', { name: 'New segment', level: 1 }).waitFor();

  await page.getByRole('textbox', { name: /^Name/ }).fill(`Engaged VIPs ${RUN}`);
  // The first condition starts as "Tags has any of …": an empty list is named as the problem.
  await page.getByTestId('segment-count-problem').waitFor();
  await page
    .getByRole('group', { name: 'Condition 1' })
    .getByText('A non-empty list of tags')
    .waitFor({ state: 'detached' })
    .catch(() => {});
  await page.getByLabel('Value of condition 1').fill(VIP);
  await countIs(page, 'segment-count', '4');
  await countIs(page, 'segment-eligible', '2');
  assert.equal(await text(page.getByTestId('segment-skipped-do_not_contact')), '1');
  assert.equal(await text(page.getByTestId('segment-skipped-no_consent')), '1');

  // A second condition narrows it while typing; a group of "any" widens it again.
  await page.getByRole('button', { name: 'Add condition' }).first().click();
  await page.getByLabel('Operator of condition 2').selectOption('has_all');
  await page.getByLabel('Value of condition 2').fill('nsw');
  await countIs(page, 'segment-count', '2');
  await page.getByLabel('Field of condition 2').selectOption('consent_status');
  await page.getByLabel('Value of condition 2').selectOption('explicit');
  await countIs(page, 'segment-count', '2'); // +61412700001 and the do-not-contact one
  await countIs(page, 'segment-eligible', '1');

  // A wrong value is shown on its condition; fixing it brings the count back.
  await page.getByLabel('Field of condition 2').selectOption('last_human_click_at');
  await page.getByLabel('Value of condition 2').fill('0');
  await page.getByTestId('segment-count-problem').waitFor();
  await page.getByText('A whole number of days from 1 to 36500').waitFor();
  await page.getByRole('button', { name: 'Remove condition 2' }).click();
  await countIs(page, 'segment-count', '4');

  await page.getByRole('button', { name: 'Create segment' }).click();
  await page.getByRole('status').getByText('Segment created.').waitFor();
  await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
  const segmentId = page.url().split('/').pop();

  // Export: the segment's contacts as CSV, with their tags.
  const exportHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  assert.equal(exportHref, `/api/v1/contacts.csv?segment_id=${segmentId}`);
  const csv = await page.request.get(exportHref);
  assert.equal(csv.status(), 200);
  const rows = (await csv.text()).trim().split('\r\n');
  assert.equal(rows.length, 5, 'a header and the four VIPs');
  assert.match(
    rows[0],
    /^phone,first_name,last_name,email,timezone,consent_status,consent_source,consent_timestamp,tags,/,
  );
  assert.ok(rows.some((r) => r.startsWith('+61412700001,Vee,') && r.includes(`${VIP}; NSW`)));

  // The contacts list, filtered by the segment: tag everyone in it at once.
  await page.getByRole('link', { name: 'View contacts' }).click();
  await page.waitForURL(/\/contacts\?segment_id=/);
  const table = page.getByRole('table', { name: 'Contacts' });
  await table.getByRole('row').nth(4).waitFor();
  assert.equal(await table.getByRole('row').count(), 5);
  await page.getByRole('radio', { name: /Everyone in segment/ }).check();
  await page.getByRole('combobox', { name: 'Tag to add or remove' }).fill(`winter-${RUN}`);
  await page.getByRole('button', { name: 'Add tag' }).click();
  await page.getByRole('status').getByText(`“winter-${RUN}” added to 4 of 4 contacts.`).waitFor();
  await table.getByText(`winter-${RUN}`).first().waitFor();
  assert.equal(await table.getByText(`winter-${RUN}`).count(), 4);

  // A contact's own page: its tags, edited in place.
  await page.goto(`/contacts/${ids[4]}`);
  await page.getByRole('heading', { name: 'Tags', level: 2 }).waitFor();
  await page.getByRole('button', { name: 'Edit tags' }).click();
  await page.getByRole('combobox', { name: 'Tags' }).fill(`loyal-${RUN}`);
  await page.getByRole('combobox', { name: 'Tags' }).press('Enter');
  await page.getByRole('button', { name: `Remove tag other-${RUN}` }).click();
  await page.getByRole('button', { name: 'Save tags' }).click();
  await page.getByRole('status').getByText('Tags saved.').waitFor();
  const contact = await ctx.api(`/api/v1/contacts/${ids[4]}`);
  assert.deepEqual(contact.body.tags, [`loyal-${RUN}`]);

  // A campaign for the segment, then a copy of it.
  await page.goto('/campaigns/new');
  await page.getByRole('heading', { name: 'New campaign', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: /^Name/ }).fill(`VIP night ${RUN}`);
  await page.getByRole('checkbox', { name: /Welcome offer/ }).check();
  await page.getByRole('radio', { name: /Segments: include some/ }).check();
  const include = page.getByRole('group', { name: 'Include' });
  await include.getByRole('checkbox', { name: `Engaged VIPs ${RUN}` }).check();
  await countIs(page, 'segment-count', '4');
  await page.getByRole('textbox', { name: 'Target URL' }).fill('https://example.com/vip');
  await page.getByRole('button', { name: 'Save draft and review' }).click();
  await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
  await page.getByText(`Contacts in “Engaged VIPs ${RUN}”`).waitFor();
  await countIs(page, 'prelaunch-eligible', '2');
  const originalUrl = page.url();

  await page.getByRole('button', { name: 'Duplicate' }).click();
  await page.getByRole('heading', { name: `VIP night ${RUN} (copy)`, level: 1 }).waitFor();
  assert.notEqual(page.url(), originalUrl);
  await page.getByText(`Contacts in “Engaged VIPs ${RUN}”`).waitFor();
  const copyId = page.url().split('/').pop();
  const copy = await ctx.api(`/api/v1/campaigns/${copyId}`);
  assert.equal(copy.body.status, 'draft');
  assert.deepEqual(copy.body.audience, { include_segment_ids: [segmentId] });
  assert.equal(copy.body.target_url, 'https://example.com/vip');
}
