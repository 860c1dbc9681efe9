// Issue 4: write a template with the live preview (UCS-2 spotted, fixed with smart encoding), then
// create an A/B campaign for a custom-field audience and stop at the launch confirmation.
import assert from 'node:assert/strict';

const TAG = `spec-${Date.now()}`;

async function text(locator) {
  return (await locator.textContent()).trim();
}

export default async function campaign(ctx) {
  // Five contacts carry this run's tag: three can receive it, one lacks consent, one is on do-not-contact.
  const people = [
    ['+61412000101', 'explicit'],
    ['+61412000102', 'explicit'],
    ['+61412000103', 'implied'],
    ['+61412000104', 'unknown'],
    ['+61412000105', 'explicit'],
  ];
  for (const [phone, consent] of people) {
    const res = await ctx.api('/api/v1/contacts', {
      json: { phone, first_name: 'Sam', consent_status: consent, custom_fields: { batch: TAG } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const dnc = await ctx.api('/api/v1/do-not-contact', { json: { phone: '+61412000105', reason: 'MANUAL' } });
  assert.ok(dnc.status === 201 || dnc.status === 200, JSON.stringify(dnc.body));

  const page = await ctx.newPage();
  await ctx.login(page);
  await page.goto('/templates');
  await page.getByRole('link', { name: 'New template' }).click();
  await page.getByRole('heading', { name: 'New template', level: 1 }).waitFor();

  await page.getByLabel('Name').fill('Autumn blend');
  const body = page.getByRole('textbox', { name: /^Message/ });
  // The em dash is not in GSM-7: the whole message would go out as UCS-2.
  await body.fill('Hi {{first_name|there}}, our autumn blend is here \u2014 try it: {{link}}');
  const encoding = page.getByTestId('preview-encoding');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="preview-encoding"]')?.textContent === 'UCS-2',
  );
  await page.getByTestId('preview-rendered').getByText('\u2014').waitFor();
  assert.match(await text(page.getByTestId('preview-rendered')), /^Hi Sam|^Hi there|^Hi \w+/);
  assert.match(await text(page.getByTestId('preview-rendered')), /\/l\//, 'the short link is rendered');
  const ucs2Parts = Number(await text(page.getByTestId('preview-parts')));

  await page.getByRole('button', { name: 'Use smart encoding' }).click();
  assert.equal(
    await body.inputValue(),
    'Hi {{first_name|there}}, our autumn blend is here - try it: {{link}}',
  );
  await page.waitForFunction(
    () => document.querySelector('[data-testid="preview-encoding"]')?.textContent === 'GSM-7',
  );
  assert.equal(await text(encoding), 'GSM-7');
  assert.ok(Number(await text(page.getByTestId('preview-parts'))) <= ucs2Parts);
  assert.match(await text(page.getByTestId('preview-cost')), /^\$\d+\.\d\d$/);
  assert.equal(await text(page.getByTestId('preview-footer')), 'Added automatically');

  // Typing updates the preview without a save: a curly quote brings UCS-2 back.
  await body.press('End');
  await body.type(' \u2019');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="preview-encoding"]')?.textContent === 'UCS-2',
  );
  await page.getByRole('button', { name: 'Use smart encoding' }).click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="preview-encoding"]')?.textContent === 'GSM-7',
  );

  await page.getByRole('button', { name: 'Create template' }).click();
  await page.getByRole('status').getByText('Template created.').waitFor();
  await page.waitForURL(/\/templates\/[0-9a-f-]{36}$/);

  await page.goto('/campaigns/new');
  await page.getByRole('heading', { name: 'New campaign', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: /^Name/ }).fill('Autumn launch');
  await page.getByRole('checkbox', { name: /Autumn blend/ }).check();
  await page.getByRole('checkbox', { name: /Welcome offer/ }).check();
  await page.getByText('A/B split across 2 templates').waitFor();
  await page.getByRole('radio', { name: 'Contacts whose custom field has a value' }).check();
  await page.getByRole('textbox', { name: /^Custom field/ }).fill('batch');
  await page.getByRole('textbox', { name: 'Equals' }).fill(TAG);
  assert.equal(await page.getByLabel('No messages from').inputValue(), '20:00');
  assert.equal(await page.getByLabel('Until').inputValue(), '09:00');
  await page.getByText('in each recipient’s own timezone').waitFor();
  await page.getByRole('textbox', { name: 'Target URL' }).fill('https://example.com/autumn');
  await page.getByRole('button', { name: 'Save draft and review' }).click();

  await page.getByRole('heading', { name: 'Autumn launch', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Before you launch' }).waitFor();
  assert.equal(await text(page.getByTestId('prelaunch-audience')), '5');
  assert.equal(await text(page.getByTestId('prelaunch-eligible')), '3');
  assert.match(await text(page.getByTestId('prelaunch-cost')), /^\$\d+\.\d\d$/);
  const excluded = page.getByRole('table', { name: 'Contacts excluded, by reason' });
  assert.equal(await text(excluded.getByRole('row', { name: /No consent/ }).getByRole('cell')), '1');
  assert.equal(await text(excluded.getByRole('row', { name: /Do-not-contact/ }).getByRole('cell')), '1');

  await page.getByRole('button', { name: 'Launch…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Launch this campaign?' });
  await dialog.waitFor();
  await dialog.getByText('3 of 5 contacts will receive it').waitFor();
  await dialog.getByRole('button', { name: 'Launch now' }).waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });

  const id = page.url().split('/').at(-1);
  const saved = (await ctx.api(`/api/v1/campaigns/${id}`)).body;
  assert.equal(saved.status, 'draft', 'cancelling the confirmation must not launch');
  assert.equal(saved.template_ids.length, 2);
  assert.deepEqual(saved.audience, { custom_field: { key: 'batch', value: TAG } });
}
