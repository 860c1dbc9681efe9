// Issue 12: confirm a test number with the code texted to it, send a test of a campaign (rendered
// with a contact's data, through the local Twilio simulator, not counted in the campaign), and hold
// a conversation: a reply appears in the inbox without a reload, staff answer it (parts and cost
// shown first), the answer is delivered from the number they texted, closing and reopening work,
// and the contact page shows the same thread.
import assert from 'node:assert/strict';

const RUN = Date.now().toString(36);
const TESTER = `+614129${String(Date.now()).slice(-5)}`;
const CUSTOMER = `+614128${String(Date.now()).slice(-5)}`;

async function sim(ctx, path, init) {
  const res = await fetch(`${ctx.simBase}${path}`, {
    method: init ? 'POST' : 'GET',
    headers: init ? { 'content-type': 'application/json' } : {},
    body: init ? JSON.stringify(init) : undefined,
  });
  return res.json();
}

/** The first message the simulator received for `to` whose body matches, within the time limit. */
async function received(ctx, to, pattern, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const { messages } = await sim(ctx, '/_sim/messages');
    const m = messages.find((x) => x.to === to && pattern.test(x.body));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no message to ${to} matching ${pattern} within ${ms / 1000} s`);
}

export default async function conversations(ctx) {
  const numbers = await ctx.api('/api/v1/sending-numbers');
  const ours = numbers.body.data.find((n) => n.phone)?.phone;
  assert.ok(ours, 'the seed has a phone number');
  const contact = await ctx.api('/api/v1/contacts', {
    json: { phone: CUSTOMER, first_name: 'Cara', last_name: RUN, consent_status: 'explicit' },
  });
  assert.equal(contact.status, 201, JSON.stringify(contact.body));
  const template = await ctx.api('/api/v1/templates', {
    json: { name: `Test offer ${RUN}`, body: 'Hi {{first_name|there}}, your test offer: {{link}}' },
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));
  const campaign = await ctx.api('/api/v1/campaigns', {
    json: {
      name: `Tested ${RUN}`,
      template_ids: [template.body.id],
      target_url: 'https://example.com/offer',
    },
  });
  assert.equal(campaign.status, 201, JSON.stringify(campaign.body));

  const page = await ctx.newPage();
  await ctx.login(page);

  // A test number, confirmed with the code the simulator received.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Test numbers' }).click();
  await page.getByRole('heading', { name: 'Test numbers', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: /^Mobile number/ }).fill(TESTER);
  await page.getByRole('textbox', { name: 'Label' }).fill('My phone');
  await page.getByRole('button', { name: 'Text a code' }).click();
  await page.getByRole('status').getByText(`A code was texted to ${TESTER}.`).waitFor();
  const codeSms = await received(ctx, TESTER, /is your code/);
  const code = /(\d{6})/.exec(codeSms.body)[1];
  await page.getByRole('textbox', { name: `Code texted to ${TESTER}` }).fill(code);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('status').getByText(`${TESTER} can receive tests now.`).waitFor();
  await page.getByTestId('test-number').getByText('Confirmed').waitFor();

  // Send a test of the campaign with Cara's data: previewed first, then sent through the simulator.
  await page.goto(`/campaigns/${campaign.body.id}`);
  await page.getByRole('button', { name: 'Send a test…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a test' });
  await dialog.getByRole('checkbox', { name: new RegExp(TESTER.replace('+', '\\+')) }).waitFor();
  assert.equal(
    await dialog.getByRole('checkbox', { name: new RegExp(TESTER.replace('+', '\\+')) }).isChecked(),
    true,
  );
  await dialog
    .getByTestId('test-preview')
    .getByText(/^Hi there, your test offer: http/)
    .waitFor();
  await dialog.getByRole('searchbox', { name: 'Find a contact' }).fill('Cara');
  await dialog.getByRole('button', { name: new RegExp(`Cara ${RUN}`) }).click();
  await dialog
    .getByTestId('test-preview')
    .getByText(/^Hi Cara, your test offer: http/)
    .waitFor();
  await dialog
    .getByTestId('test-cost')
    .getByText(/1 message, about/)
    .waitFor();
  await dialog.getByRole('button', { name: 'Send test' }).click();
  await page
    .getByRole('status')
    .getByText(new RegExp(`Test sent to \\${TESTER}`))
    .waitFor();
  const test = await received(ctx, TESTER, /^Hi Cara, your test offer: http/);
  const link = /(https?:\/\/\S+\/l\/[A-Za-z0-9_-]{12})/.exec(test.body)[1];
  const opened = await fetch(link, { redirect: 'manual' });
  assert.equal(opened.status, 302);
  assert.match(opened.headers.get('location'), /^https:\/\/example\.com\/offer/);
  const stats = await ctx.api(`/api/v1/campaigns/${campaign.body.id}/stats`);
  assert.equal(stats.body.sent ?? 0, 0, 'a test is not a campaign message');
  assert.equal(stats.body.clicks ?? 0, 0, 'a test link is not a campaign click');

  // Cara texts our number while the inbox is open: her thread appears without a reload.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
  await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
  const sent = await sim(ctx, '/_sim/inbound', {
    from: CUSTOMER,
    to: ours,
    body: `Can I bring a friend? ${RUN}`,
  });
  assert.ok(sent.message_sid, JSON.stringify(sent));
  const row = page.getByTestId('conversation-row').filter({ hasText: `Cara ${RUN}` });
  await row.waitFor({ timeout: 20_000 });
  await row.getByText('1 unread').waitFor();
  await row.click();
  await page.waitForURL(new RegExp(`/inbox/${contact.body.id}$`));
  const thread = page.getByRole('region', { name: `Conversation with Cara ${RUN}` });
  await thread.getByText(`Can I bring a friend? ${RUN}`).waitFor();
  // Opening it read it.
  await row.getByText('1 unread').waitFor({ state: 'detached', timeout: 15_000 });

  // The reply: parts, cost and sender shown while typing, then delivered from the number she texted.
  await thread.getByRole('textbox', { name: 'Reply' }).fill(`Of course, see you both ${RUN}`);
  await thread
    .getByTestId('reply-cost')
    .getByText(new RegExp(`1 part \\(GSM-7\\) · .* · from \\${ours}`))
    .waitFor();
  await thread.getByRole('button', { name: 'Send reply' }).click();
  await page.getByRole('status').getByText('Reply sent.').waitFor();
  const answer = await received(ctx, CUSTOMER, new RegExp(`^Of course, see you both ${RUN}$`));
  assert.equal(answer.from, ours);
  const mine = thread.getByTestId('thread-message').filter({ hasText: `Of course, see you both ${RUN}` });
  await mine.getByText('Delivered').waitFor({ timeout: 20_000 });

  // Close it; her next message reopens it.
  await thread.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('status').getByText('Conversation closed.').waitFor();
  await thread.getByRole('button', { name: 'Reopen' }).waitFor();
  await sim(ctx, '/_sim/inbound', { from: CUSTOMER, to: ours, body: `Thanks! ${RUN}` });
  await thread.getByText(`Thanks! ${RUN}`).waitFor({ timeout: 20_000 });
  await thread.getByRole('button', { name: 'Close' }).waitFor();

  // The contact page shows the same thread.
  await page.goto(`/contacts/${contact.body.id}`);
  const onContact = page.getByRole('region', { name: `Conversation with Cara ${RUN}` });
  await onContact.getByText(`Of course, see you both ${RUN}`).waitFor();
  await onContact.getByText(`Can I bring a friend? ${RUN}`).waitFor();
}
