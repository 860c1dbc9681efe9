// Issue 12: an A/B test with a winner, delivered at 10:00 in each recipient's own timezone. Build it
// in the form, review the launch summary and the delivery plan (recipients per UTC instant, by
// phase), launch it, and see it wait for its local times with the test still to come.
import assert from 'node:assert/strict';

const TAG = `ablocal-${Date.now()}`;

async function text(locator) {
  return (await locator.textContent()).trim();
}

/** A date ten days ahead (YYYY-MM-DD): every zone's 10:00 is still to come. */
function tenDaysAhead() {
  return new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
}

export default async function abLocal(ctx) {
  const people = [
    ['+61412000201', 'Australia/Sydney'],
    ['+61412000202', 'Australia/Perth'],
    ['+61412000203', 'Australia/Adelaide'],
    ['+61412000204', null],
  ];
  for (const [phone, timezone] of people) {
    const res = await ctx.api('/api/v1/contacts', {
      json: {
        phone,
        first_name: 'Alex',
        consent_status: 'explicit',
        timezone,
        custom_fields: { batch: TAG },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  for (const [name, body] of [
    [`Spring A ${TAG}`, 'Spring sale: 20% off today {{link}}'],
    [`Spring B ${TAG}`, 'Your spring treat is waiting: {{link}}'],
  ]) {
    const res = await ctx.api('/api/v1/templates', { json: { name, body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }

  const page = await ctx.newPage();
  await ctx.login(page);
  await page.goto('/campaigns/new');
  await page.getByRole('heading', { name: 'New campaign', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: /^Name/ }).fill('Spring at ten');
  const abToggle = page.getByRole('checkbox', { name: /Test the templates on part of the audience first/ });
  assert.equal(await abToggle.isDisabled(), true, 'an A/B test needs two templates');
  await page.getByRole('checkbox', { name: new RegExp(`Spring A ${TAG}`) }).check();
  await page.getByRole('checkbox', { name: new RegExp(`Spring B ${TAG}`) }).check();
  await abToggle.check();
  await page.getByLabel('Test group (% of the audience)').fill('30');
  await page.getByLabel('Wait before picking (hours)').fill('2');
  await page.getByTestId('ab-summary').getByText('the other 70% get the winner').waitFor();
  assert.equal(
    await page.getByLabel('The winner is the template with the best').inputValue(),
    'human_click_rate',
  );

  await page.getByRole('radio', { name: 'Contacts whose custom field has a value' }).check();
  await page.getByRole('textbox', { name: /^Custom field/ }).fill('batch');
  await page.getByRole('textbox', { name: 'Equals' }).fill(TAG);
  await page.getByRole('textbox', { name: 'Target URL' }).fill('https://example.com/spring');

  await page.getByRole('radio', { name: 'At a local time in each recipient’s timezone' }).check();
  await page.getByTestId('local-time-fields').getByText('their own clock').waitFor();
  // A bad date is refused in the form, with the field named.
  await page.getByRole('button', { name: 'Save draft and review' }).click();
  await page.getByText('Choose a date.').waitFor();
  const date = tenDaysAhead();
  await page.getByLabel('Date').fill(date);
  await page.getByRole('textbox', { name: 'Local time (required)' }).fill('10:00');
  await page.getByRole('radio', { name: 'Send it at the same time the next day' }).check();
  await page.getByRole('button', { name: 'Save draft and review' }).click();

  await page.getByRole('heading', { name: 'Spring at ten', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Before you launch' }).waitFor();
  assert.equal(await text(page.getByTestId('prelaunch-eligible')), '4');
  assert.match(await text(page.getByTestId('prelaunch-local')), /^Local time: 4 on time/);
  assert.match(
    await text(page.getByTestId('prelaunch-ab')),
    /about 1 get a variant first; the winner \(by human click rate\) goes to the other 3/,
  );
  assert.match(
    await text(page.getByTestId('settings-ab')),
    /^30% test group; the winner by human click rate, 2 h after/,
  );
  assert.match(
    await text(page.getByTestId('settings-local')),
    /^10:00 on .* in each recipient’s own timezone/,
  );

  // The delivery plan: the test group and the winner, per UTC instant, with the recipients' zones.
  const plan = page.getByTestId('delivery-plan');
  await plan.getByRole('table').waitFor();
  await plan.getByRole('cell', { name: 'Test group' }).first().waitFor();
  await plan.getByRole('cell', { name: 'Winner to the rest' }).first().waitFor();
  await plan.getByText('Australia/Perth 10:00').first().waitFor();
  await plan.getByText('Australia/Adelaide 10:00').first().waitFor();
  const counts = await plan.getByTestId('plan-recipients').allTextContents();
  const total = counts.reduce((a, c) => a + Number(c.replace(/[^\d]/g, '')), 0);
  assert.equal(total, 4, `plan rows ${counts.join(', ')}`);
  const apiPlan = (await ctx.api(`/api/v1/campaigns/${page.url().split('/').at(-1)}/delivery-plan`)).body;
  assert.ok(Array.isArray(apiPlan) && apiPlan.every((r) => r.estimated), JSON.stringify(apiPlan));
  assert.ok(apiPlan.some((r) => r.phase === 'test') && apiPlan.some((r) => r.phase === 'winner'));

  await page.getByRole('button', { name: 'Launch…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Launch this campaign?' });
  await dialog.waitFor();
  await dialog.getByText(`Each recipient gets it at 10:00 on ${date} in their own timezone.`).waitFor();
  await dialog.getByText(/^A\/B test: 30% test group/).waitFor();
  await dialog.getByRole('button', { name: 'Launch', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page
    .getByRole('status')
    .getByText(/Launched: recipients get it at 10:00/)
    .waitFor();

  const id = page.url().split('/').at(-1);
  const saved = (await ctx.api(`/api/v1/campaigns/${id}`)).body;
  assert.equal(saved.status, 'queued');
  assert.deepEqual(saved.ab_test, { test_share_percent: 30, wait_minutes: 120, metric: 'human_click_rate' });
  assert.deepEqual(saved.send_at_local, { date, time: '10:00', if_passed: 'next_day' });
  // It starts itself when the date begins at UTC+14, so nobody's 10:00 counts as passed.
  const [y, m, d] = date.split('-').map(Number);
  assert.equal(saved.scheduled_at, new Date(Date.UTC(y, m - 1, d) - 14 * 3_600_000).toISOString());
  await page.getByTestId('ab-result').getByText('Not started').waitFor();
  await plan.getByRole('cell', { name: 'Test group' }).first().waitFor();
}
