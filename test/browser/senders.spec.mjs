// Issue 10 (first part): an admin enters their own Twilio credentials (a wrong secret first), adds an
// alphanumeric sender ID and a phone number of that account, sees the number's replies re-pointed
// elsewhere at Twilio with "Check wiring", and fixes it. Twilio is the local simulator, whose second
// seeded account (workers/cli/twilio-sim-accounts.mjs) plays the tenant's own account.
import assert from 'node:assert/strict';

const ACCOUNT = 'AC22222222222222222222222222222222';
const AUTH_TOKEN = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';
const KEY_SID = 'SK33333333333333333333333333333333';
const KEY_SECRET = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';
const NUMBER = '+61480000003'; // owned by that account, its replies going to another app

async function sim(ctx, path, body) {
  const res = await fetch(`${ctx.simBase}${path}`, {
    method: body ? 'POST' : 'GET',
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

export default async function senders(ctx) {
  // An admin of its own (sign-in requests are limited per email, and other specs use the seed admin).
  const email = 'senders-admin@example.com';
  const created = await ctx.api('/api/v1/users', { json: { email, role: 'admin' } });
  assert.ok([201, 409].includes(created.status), `creating the admin: ${created.status}`);
  const page = await ctx.newPage();
  await ctx.login(page, email);

  // ---- Settings → Twilio account ----
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  const card = page.getByRole('region', { name: 'Twilio account' });
  await card.getByText('Messages go out through the platform’s Twilio account').waitFor();
  await card.getByRole('button', { name: 'Use my own Twilio account' }).click();
  await card.getByLabel('Account SID').fill(ACCOUNT);
  await card.getByLabel('API key SID').fill(KEY_SID);
  await card.getByLabel('API key secret').fill('0'.repeat(32));
  await card.getByRole('textbox', { name: 'Auth token' }).fill(AUTH_TOKEN);
  await card.getByRole('button', { name: 'Check and save' }).click();
  // The wrong field is named, next to it; nothing is saved.
  await card.getByText('Twilio did not accept this API key SID and secret.').first().waitFor();
  assert.equal((await ctx.api('/api/v1/tenant/twilio')).body.source, 'platform');

  await card.getByLabel('API key secret').fill(KEY_SECRET);
  await card.getByRole('button', { name: 'Check and save' }).click();
  await page.getByRole('status').getByText('Twilio accepted the credentials').waitFor();
  await card.getByText('Your own account').waitFor();
  await card.getByText(`secret …${KEY_SECRET.slice(-4)}`).waitFor();
  const html = await page.content();
  assert.ok(!html.includes(KEY_SECRET) && !html.includes(AUTH_TOKEN), 'a secret must never be shown back');

  // ---- Sending numbers: an alphanumeric sender ID ----
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sending numbers' }).click();
  await page.getByRole('heading', { name: 'Sending numbers', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Add sender' }).click();
  await page.getByRole('radio', { name: /alphanumeric sender ID/ }).check();
  const senderId = page.getByRole('textbox', { name: 'Sender ID' });
  await senderId.fill('Demo-Co');
  await page.getByRole('button', { name: 'Add sender ID' }).click();
  await page.getByText('"-" is not allowed').waitFor();
  await senderId.fill('DemoCoffee');
  await page.getByRole('button', { name: 'Add sender ID' }).click();
  const alpha = page.getByTestId('sender-DemoCoffee');
  await alpha.getByText('ACMA: Not registered').waitFor();
  await alpha.getByText('Cannot receive replies').waitFor();
  assert.equal(await alpha.getByRole('button', { name: /Check wiring/ }).count(), 0);

  // ---- A number the account does not own is refused, with the reason by the field ----
  await page.getByRole('button', { name: 'Add sender' }).click();
  const phone = page.getByRole('textbox', { name: 'Phone number' });
  await phone.fill('+61499999999');
  await page.getByRole('button', { name: 'Check with Twilio and add' }).click();
  await page
    .getByText(/does not own \+61499999999/)
    .first()
    .waitFor();

  // ---- A number of the account: added and wired ----
  await phone.fill(NUMBER);
  await page.getByRole('button', { name: 'Check with Twilio and add' }).click();
  const number = page.getByTestId(`sender-${NUMBER}`);
  await number.getByText('Replies reach us').waitFor();
  const inbound = `${ctx.baseUrl}/webhooks/twilio/inbound`;
  const atTwilio = () =>
    sim(ctx, '/_sim/accounts').then((s) => s.numbers.find((n) => n.phone_number === NUMBER));
  assert.equal((await atTwilio()).sms_url, inbound);

  // ---- Someone re-points it in the Twilio Console: Check wiring shows it, Fix it repairs it ----
  await sim(ctx, '/_sim/numbers', { phone: NUMBER, sms_url: 'https://demo.twil.io/changed' });
  await number.getByRole('button', { name: `Check wiring of ${NUMBER}` }).click();
  await number.getByText('Replies do not reach us.').waitFor();
  await number.getByText('https://demo.twil.io/changed').first().waitFor();
  await number.getByRole('button', { name: 'Fix it' }).click();
  await number.getByText('Replies reach us at').waitFor();
  assert.equal((await atTwilio()).sms_url, inbound);

  const list = (await ctx.api('/api/v1/sending-numbers')).body.data;
  assert.deepEqual(
    list.filter((n) => n.kind !== 'phone' || n.phone === NUMBER).map((n) => [n.kind, n.label, n.wiring_ok]),
    [
      ['phone', NUMBER, true],
      ['alphanumeric', 'DemoCoffee', null],
    ],
  );
}
