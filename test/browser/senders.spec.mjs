// Issue 10: an admin enters their own Twilio credentials (a wrong secret first), adds an alphanumeric
// sender ID and a phone number of that account, sees the number's replies re-pointed elsewhere at
// Twilio with "Check wiring", and fixes it. Then a campaign from the sender ID: the launch preview
// shows each message's personal opt-out link, the messages go out through the tenant's account and
// come back delivered (callbacks verified with that account's token), and a recipient taps the link
// and is opted out. Twilio is the local simulator, whose second seeded account
// (workers/cli/twilio-sim-accounts.mjs) plays the tenant's own account.
import assert from 'node:assert/strict';

const ACCOUNT = 'AC22222222222222222222222222222222';
const AUTH_TOKEN = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';
const KEY_SID = 'SK33333333333333333333333333333333';
const KEY_SECRET = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';
const NUMBER = '+61480000003'; // owned by that account, its replies going to another app

const TAG = `optout-${Date.now()}`;

/** "HH:00" two and three hours from now in Sydney: quiet hours that never hold this run back. */
function quietAwayFromNow() {
  const hour = Number(
    new Intl.DateTimeFormat('en-AU', {
      timeZone: 'Australia/Sydney',
      hour: '2-digit',
      hourCycle: 'h23',
    }).format(new Date()),
  );
  const hh = (h) => `${String(h % 24).padStart(2, '0')}:00`;
  return [hh(hour + 2), hh(hour + 3)];
}

async function until(what, check, ms = 30_000, why = async () => '') {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${await why()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function sim(ctx, path, body) {
  const res = await fetch(`${ctx.simBase}${path}`, {
    method: body ? 'POST' : 'GET',
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

export default async function senders(ctx) {
  const page = await ctx.newPage();
  await ctx.login(page);

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

  await campaignFromSenderId(ctx, page);
}

/** A campaign from the sender ID: the opt-out link in the preview, in the messages, and working. */
async function campaignFromSenderId(ctx, page) {
  const people = ['+61412000301', '+61412000302'];
  for (const phone of people) {
    const res = await ctx.api('/api/v1/contacts', {
      json: { phone, first_name: 'Alex', consent_status: 'explicit', custom_fields: { batch: TAG } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const template = await ctx.api('/api/v1/templates', {
    json: { name: 'New roast', body: 'Hi {{first_name}}, DemoCoffee has a new roast this week.' },
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));

  await page.goto('/campaigns/new');
  await page.getByRole('heading', { name: 'New campaign', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: /^Name/ }).fill('New roast from DemoCoffee');
  await page.getByRole('checkbox', { name: /New roast/ }).check();
  await page.getByRole('radio', { name: 'Contacts whose custom field has a value' }).check();
  await page.getByRole('textbox', { name: /^Custom field/ }).fill('batch');
  await page.getByRole('textbox', { name: 'Equals' }).fill(TAG);
  const [quietFrom, quietUntil] = quietAwayFromNow();
  await page.getByLabel('No messages from').fill(quietFrom);
  await page.getByLabel('Until').fill(quietUntil);
  await page.getByRole('checkbox', { name: /^DemoCoffee/ }).check();
  await page.getByRole('button', { name: 'Save draft and review' }).click();

  // ---- The preview: the message as sent from the sender ID, with the personal opt-out link ----
  await page.getByRole('heading', { name: 'Before you launch' }).waitFor();
  const sample = page.getByTestId('preview-alphanumeric');
  await sample.getByText('From an alphanumeric sender ID').waitFor();
  const bubble = (await sample.locator('.sending-bubble').textContent()).trim();
  const optOut = new RegExp(
    `^Hi Alex, DemoCoffee has a new roast this week.\nOpt out: ${ctx.baseUrl}/u/[A-Za-z0-9_-]{26}$`,
  );
  assert.match(bubble, optOut, 'the preview shows the opt-out link at its full length');
  await sample.getByText('GSM-7 · 1 part').waitFor();

  await page.getByRole('button', { name: 'Launch…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Launch this campaign?' });
  await dialog.getByText('2 of 2 contacts will receive it').waitFor();
  await dialog.getByRole('button', { name: 'Launch now' }).click();
  await page.getByRole('status').getByText('Launched.').waitFor();
  const campaignId = page.url().split('/').at(-1);

  // ---- Sent through the tenant's own account, from the sender ID, each with its own link ----
  const sent = await until(
    'both messages at the simulator',
    async () => {
      const { messages } = await sim(ctx, '/_sim/messages');
      const ours = messages.filter((m) => m.from === 'DemoCoffee' && people.includes(m.to));
      return ours.length === 2 ? ours : null;
    },
    30_000,
    async () => {
      // What held it back, as the campaign page shows it (e.g. "tenant paused").
      const c = (await ctx.api(`/api/v1/campaigns/${campaignId}`)).body;
      return ` (campaign ${c.status}${c.status_reason ? `: ${c.status_reason}` : ''})`;
    },
  );
  for (const m of sent) {
    assert.equal(m.account_sid, ACCOUNT);
    assert.match(m.body, optOut);
  }
  assert.notEqual(sent[0].body, sent[1].body, 'each recipient has a personal link');
  // The simulator's delivery receipts are signed with that account's auth token, and accepted.
  await until('delivery receipts', async () => {
    const stats = (await ctx.api(`/api/v1/campaigns/${campaignId}/stats`)).body;
    return stats.delivered === 2;
  });

  // ---- A recipient taps the link: one question, one button, no login ----
  const recipient = await ctx.newPage({ width: 390, height: 800 });
  const link = sent.find((m) => m.to === people[0]).body.split('Opt out: ')[1];
  await recipient.goto(link);
  await recipient.getByText('You will get no more messages from').waitFor();
  await recipient.getByRole('button', { name: 'Stop messages' }).click();
  await recipient.getByRole('heading', { name: 'You have opted out' }).waitFor();
  const dnc = (await ctx.api(`/api/v1/do-not-contact?search=${encodeURIComponent(people[0])}`)).body.data;
  assert.deepEqual(
    dnc.map((d) => [d.phone, d.reason, d.source]),
    [[people[0], 'STOP', 'link']],
  );
}
