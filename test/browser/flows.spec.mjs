// Issue 14: an admin builds a "no click after 2 days → reminder" flow in the UI (from its recipe:
// a send with a personal link, a branch, a reminder), is told which step lacks what, and sees the
// flow's per-step report; then a visitor signs up through the form that starts it on a phone-width
// screen, gets the "Reply Y" text (the local Twilio simulator) and confirms, and is in the flow.
import assert from 'node:assert/strict';

const PHONE_VIEWPORT = { width: 390, height: 844 };
const CONSENT = 'Yes, Demo Co may text me about the coffee club, up to 4 a month. Reply STOP to opt out.';

async function poll(what, fn, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export default async function flows(ctx) {
  const tpl = async (name, body) => {
    const r = await ctx.api('/api/v1/templates', { json: { name, body } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  await tpl('Club welcome', 'Welcome to the club, {{first_name|friend}}! Your free coffee: {{link}}');
  await tpl('Club reminder', 'Your free coffee is still waiting: {{link}}');
  const form = await ctx.api('/api/v1/forms', {
    json: { name: 'Coffee club', consent_text: CONSENT, fields: ['first_name'], double_opt_in: true },
  });
  assert.equal(form.status, 201, JSON.stringify(form.body));

  const page = await ctx.newPage();
  await ctx.login(page);
  await page.getByRole('link', { name: 'Automation flows' }).click();
  await page.getByRole('heading', { name: 'Automation flows', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'New flow' }).click();

  const editor = page.getByRole('form', { name: 'New flow' });
  await editor.getByLabel('Name').fill('Coffee club reminder');
  await editor.getByLabel('Starts when a contact…').selectOption({ label: 'Joins by signup form' });
  await editor.getByLabel('Signup form').selectOption({ label: 'Coffee club' });
  await editor.getByRole('button', { name: 'No click after 2 days → reminder' }).click();
  const steps = editor.locator('.flow-step');
  assert.equal(await steps.count(), 3, 'send, branch and the reminder inside its "otherwise" list');
  const templates = editor.getByLabel('Template');
  await templates.nth(0).selectOption({ label: 'Club welcome' });
  await templates.nth(1).selectOption({ label: 'Club reminder' });
  // The branch says what it waits for.
  assert.equal(await editor.getByLabel('If the person').inputValue(), 'clicked');
  assert.equal(await editor.getByLabel('Within', { exact: true }).inputValue(), '2');
  assert.equal(await editor.getByLabel('Within: unit').inputValue(), 'days');
  await editor.getByLabel('Quiet hours start').fill('00:00');
  await editor.getByLabel('Quiet hours end').fill('00:00');
  await editor.getByLabel('Active', { exact: true }).check();

  // Only one link target given: the API says which step lacks one, and the builder shows it there.
  const targets = editor.getByLabel('Where {{link}} goes');
  await targets.nth(0).fill('https://coffee.example.com/free');
  await editor.getByRole('button', { name: 'Create flow' }).click();
  const missing = editor.locator('.flow-step .field-error', { hasText: 'say where the link goes' });
  await missing.waitFor();
  assert.equal(await missing.count(), 1, 'the error shows on the step that lacks its link, only');
  await targets.nth(1).fill('https://coffee.example.com/free?reminder=1');
  await editor.getByRole('button', { name: 'Create flow' }).click();

  await page.getByRole('heading', { name: 'Coffee club reminder', level: 1 }).waitFor();
  const flowId = new URL(page.url()).pathname.split('/').pop();
  const report = page.getByRole('table', { name: 'Per step' });
  await report.getByRole('row').filter({ hasText: 'Send “Club welcome”' }).waitFor();
  await report.getByRole('row').filter({ hasText: 'Clicked within 2 days?' }).waitFor();
  await report.getByRole('row').filter({ hasText: 'otherwise · Send “Club reminder”' }).waitFor();
  const saved = (await ctx.api(`/api/v1/flows/${flowId}`)).body;
  assert.equal(saved.is_active, true);
  assert.deepEqual(
    saved.steps.map((s) => s.type),
    ['send', 'branch'],
  );
  assert.equal(saved.steps[1].within_minutes, 2880);
  assert.equal(saved.steps[1].else[0].target_url, 'https://coffee.example.com/free?reminder=1');

  // A visitor on a phone signs up through the form that starts the flow...
  const phone = '+61415123456';
  const visitor = await ctx.browser.newContext({ viewport: PHONE_VIEWPORT, baseURL: ctx.baseUrl });
  visitor.setDefaultTimeout(15_000);
  try {
    const v = await visitor.newPage();
    await v.goto(new URL(form.body.public_url).pathname);
    await v.getByLabel('Mobile number').fill('0415 123 456');
    await v.getByLabel('First name (optional)').fill('Joan');
    await v.getByRole('checkbox', { name: CONSENT }).check();
    await v.getByRole('button', { name: 'Sign up' }).click();
    await v.getByRole('heading', { name: 'Almost done', level: 1 }).waitFor();
    const overflow = await v.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the thank-you page scrolls sideways by ${overflow}px`);
  } finally {
    await visitor.close();
  }
  // ...gets the "Reply Y" text, answers Y, and is in the flow.
  const sent = await poll('the confirmation text at the simulator', async () => {
    const { messages } = await (await fetch(`${ctx.simBase}/_sim/messages`)).json();
    return messages.find((m) => m.to === phone && /reply Y within 24 hours/.test(m.body));
  });
  const res = await fetch(`${ctx.simBase}/_sim/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: phone, to: sent.from, body: 'Y' }),
  });
  assert.ok(res.ok, `simulator inbound: ${res.status}`);
  await poll(
    'the enrolment',
    async () => (await ctx.api(`/api/v1/flows/${flowId}/stats`)).body.enrolments.total === 1,
  );
  // The report shows the person on the flow's first step.
  await page.reload();
  const entered = page
    .getByRole('table', { name: 'Per step' })
    .getByRole('row')
    .filter({ hasText: 'Send “Club welcome”' })
    .getByRole('cell')
    .nth(1);
  assert.equal((await entered.textContent()).trim(), '1');
}
