// The personal opt-out link (issue 10): sent in place of "Reply STOP" from an alphanumeric sender,
// one tap puts the number on do-not-contact (reason STOP, source link, the campaign recorded), the
// next campaign skips it; forged, truncated and expired tokens change nothing and never reach D1.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { auditLog, contacts, doNotContact, events, tenants } from '../../workers/db/schema';
import { createOptOutToken, OPT_OUT_TOKEN_DAYS } from '../../workers/domain/optout-token';
import linksWorker from '../../workers/links/index';
import { createShortLinkApp } from '../../workers/redirect/app';
import { FakeTwilio } from '../helpers/fake-twilio';
import { call, json } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  DAYTIME,
  jobsOf,
  queuedCampaign,
  runFanout,
  runSend,
  type SendTenant,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';
import { addAlphanumericSender, addPhoneSender, optOutLinkIn } from '../helpers/senders';
import { addCampaign, addContact, addJob } from '../helpers/twilio-webhooks';

let fake: FakeTwilio;
beforeEach(() => {
  fake = new FakeTwilio();
  fake.install();
  fake.addPlatformAccount(env);
});
afterEach(() => vi.restoreAllMocks());

/** The link pages as a recipient reaches them, with the clock pinned to the campaign's day. */
const app = createShortLinkApp({ clock: () => DAYTIME });
const tap = (url: string, method: 'GET' | 'POST' = 'GET', e: Env = env) =>
  app.fetch(new Request(url, { method }), e, createExecutionContext());

/** A tenant whose only sender is an alphanumeric ID, and a sent campaign to `n` people. */
async function sentFromAlpha(n: number, over: Parameters<typeof setupSendTenant>[0] = {}) {
  const t = await setupSendTenant({ numbers: 0, ...over });
  const alphaId = await addAlphanumericSender(t.tenantId, 'DemoCoffee');
  const people = await addContacts(t.tenantId, n);
  const campaign = await queuedCampaign(t, { sendingNumberIds: [alphaId] });
  const e = testEnv();
  await runSend(e, await runFanout(e, campaign, DAYTIME), { clock: () => DAYTIME });
  return { t, alphaId, people, campaign, e };
}

const dncOf = (t: SendTenant) =>
  t.db.select().from(doNotContact).where(eq(doNotContact.tenantId, t.tenantId));
const optOutEvents = (t: SendTenant) =>
  t.db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, t.tenantId), eq(events.eventType, 'OPT_OUT')));

describe('opt-out link (happy)', () => {
  it('from an alphanumeric ID each message ends with its personal link instead of "Reply STOP" only', async () => {
    const { t, campaign } = await sentFromAlpha(2);
    const jobs = await jobsOf(campaign.id);
    expect(fake.messages).toHaveLength(2);
    for (const job of jobs) {
      const msg = fake.messages.find((m) => m.body === job.body);
      expect(msg?.from).toBe('DemoCoffee');
      const token = await createOptOutToken(env.LINK_SECRET, t.shard.index, job.id);
      expect(job.body).toMatch(new RegExp(`\\nOpt out: https://sms\\.example\\.test/u/${token}$`));
      // The stored parts count the link (the body is 110-odd characters: one part).
      expect(job.parts).toBe(1);
    }
  });

  it('one tap: do-not-contact (STOP, source link), OPT_OUT naming the campaign and message, audited', async () => {
    const { t, campaign, people } = await sentFromAlpha(2);
    const [job] = await jobsOf(campaign.id);
    const link = optOutLinkIn(job?.body ?? '');
    if (!job || !link) throw new Error('no opt-out link in the message');
    const person = people.find((p) => p.id === job.contactId);

    const page = await tap(link.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('You will get no more messages from <strong>Send Co</strong>');
    expect(html).toContain('(messages sent as “DemoCoffee”)');
    expect(html).toMatch(/<form method="post"><button type="submit">Stop messages<\/button><\/form>/);
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    // Looking is not opting out (link previews and scanners only GET).
    expect(await dncOf(t)).toHaveLength(0);

    const done = await tap(link.url, 'POST');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You have opted out');
    expect(await dncOf(t)).toEqual([
      expect.objectContaining({ phoneE164: person?.phoneE164, reason: 'STOP', source: 'link' }),
    ]);
    expect(await optOutEvents(t)).toEqual([
      expect.objectContaining({
        contactId: job.contactId,
        campaignId: campaign.id,
        sendJobId: job.id,
        metadata: expect.objectContaining({ source: 'link' }),
      }),
    ]);
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.action, 'do_not_contact.created')));
    expect(audit?.metadata).toMatchObject({ via: 'opt_out_link', reason: 'STOP', campaign_id: campaign.id });

    const stats = await json<{ opt_outs: number }>(await t.api(`/api/v1/campaigns/${campaign.id}/stats`));
    expect(stats.opt_outs).toBe(1);
    const list = await json<{ data: { phone: string; reason: string; source: string }[] }>(
      await t.api('/api/v1/do-not-contact'),
    );
    expect(list.data).toEqual([expect.objectContaining({ reason: 'STOP', source: 'link' })]);
  });

  it('the next campaign skips the opted-out number (end to end through the fan-out)', async () => {
    const { t, alphaId, campaign } = await sentFromAlpha(3);
    const [job] = await jobsOf(campaign.id);
    await tap(optOutLinkIn(job?.body ?? '')?.url ?? '', 'POST');

    const next = await queuedCampaign(t, { sendingNumberIds: [alphaId] });
    const e = testEnv();
    const jobIds = await runFanout(e, next, DAYTIME);
    expect(jobIds).toHaveLength(2);
    expect((await campaignRow(next.id)).skippedCounts).toEqual({ do_not_contact: 1 });
    await runSend(e, jobIds, { clock: () => DAYTIME });
    const sentTo = fake.messages.slice(3).map((m) => m.to);
    const [optedOut] = await t.db
      .select()
      .from(contacts)
      .where(eq(contacts.id, job?.contactId ?? ''));
    expect(sentTo).toHaveLength(2);
    expect(sentTo).not.toContain(optedOut?.phoneE164);
  });

  it('{{optout}} places the link itself, from any sender, with no footer added', async () => {
    const t = await setupSendTenant({ numbers: 0, templateBody: 'Sale on! Unsubscribe: {{optout}}' });
    fake.addNumber(env.TWILIO_ACCOUNT_SID, '+61480001001');
    const phoneId = await addPhoneSender(t.tenantId, '+61480001001');
    await addContacts(t.tenantId, 1);
    const campaign = await queuedCampaign(t, { sendingNumberIds: [phoneId] });
    const e = testEnv();
    await runSend(e, await runFanout(e, campaign, DAYTIME), { clock: () => DAYTIME });
    const [job] = await jobsOf(campaign.id);
    const token = await createOptOutToken(env.LINK_SECRET, t.shard.index, job?.id ?? '');
    expect(job?.body).toBe(`Sale on! Unsubscribe: https://sms.example.test/u/${token}`);
    expect(fake.messages[0]?.body).toBe(job?.body);
  });

  it('a phone sender without {{optout}} keeps "Reply STOP" and carries no link', async () => {
    const t = await setupSendTenant({ numbers: 0, templateBody: 'Sale on!' });
    fake.addNumber(env.TWILIO_ACCOUNT_SID, '+61480001002');
    const phoneId = await addPhoneSender(t.tenantId, '+61480001002');
    await addContacts(t.tenantId, 1);
    const campaign = await queuedCampaign(t, { sendingNumberIds: [phoneId] });
    const e = testEnv();
    await runSend(e, await runFanout(e, campaign, DAYTIME), { clock: () => DAYTIME });
    expect((await jobsOf(campaign.id))[0]?.body).toBe('Sale on!\nReply STOP to opt out');
  });

  it('served by the main Worker and by the link-only Worker, on the real clock', async () => {
    const t = await setupSendTenant({ numbers: 0 });
    const contact = await addContact(t.tenantId);
    const campaign = await addCampaign(t.tenantId);
    // A job made now (real clock only), as the fan-out would.
    const job = await addJob({
      tenantId: t.tenantId,
      campaignId: campaign.id,
      contactId: contact.id,
      sendingNumberId: null,
    });
    const token = await createOptOutToken(env.LINK_SECRET, t.shard.index, job.id);
    const main = await call(`/u/${token}`);
    expect(main.status).toBe(200);
    expect(await main.text()).toContain('Stop messages');
    const viaLinks = await linksWorker.fetch(
      new Request(`https://x.example/u/${token}`, { method: 'POST' }),
      env,
      createExecutionContext(),
    );
    expect(viaLinks.status).toBe(200);
    expect(await dncOf(t)).toEqual([expect.objectContaining({ phoneE164: contact.phone, source: 'link' })]);
    expect((await call(`/u/${token}`)).status).toBe(200);
    expect(await (await call(`/u/${token}`)).text()).toContain('You have already opted out');
  });
});

describe('opt-out link (error)', () => {
  it('repeated opt-outs are harmless: one entry, one event, the same answer', async () => {
    const { t, campaign } = await sentFromAlpha(1);
    const url = optOutLinkIn((await jobsOf(campaign.id))[0]?.body ?? '')?.url ?? '';
    for (let i = 0; i < 3; i++) {
      const r = await tap(url, 'POST');
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('You have opted out');
    }
    expect(await dncOf(t)).toHaveLength(1);
    expect(await optOutEvents(t)).toHaveLength(1);
    const html = await (await tap(url)).text();
    expect(html).toContain('You have already opted out');
    expect(html).not.toContain('<form');
  });

  it('while its tenant is being moved to another shard: "try again in a minute", nothing written', async () => {
    const { t, campaign } = await sentFromAlpha(1);
    const url = optOutLinkIn((await jobsOf(campaign.id))[0]?.body ?? '')?.url ?? '';
    const to = t.shard.name === 'SHARD_0' ? 'SHARD_1' : 'SHARD_0';
    // The move's fence, as `npm run ops -- tenant move` puts it on the tenant's rows.
    await t.db
      .update(tenants)
      .set({ shard: `${t.shard.name}>${to}` })
      .where(eq(tenants.id, t.tenantId));
    const busy = await tap(url, 'POST');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('60');
    expect(await dncOf(t)).toHaveLength(0);
    // The move called off: the same link works.
    await t.db.update(tenants).set({ shard: t.shard.name }).where(eq(tenants.id, t.tenantId));
    expect((await tap(url, 'POST')).status).toBe(200);
    expect(await dncOf(t)).toHaveLength(1);
  });

  it('after a STOP reply the link says so and writes nothing', async () => {
    const { t, campaign, people } = await sentFromAlpha(1);
    const url = optOutLinkIn((await jobsOf(campaign.id))[0]?.body ?? '')?.url ?? '';
    await t.db.insert(doNotContact).values({
      id: crypto.randomUUID(),
      tenantId: t.tenantId,
      phoneE164: people[0]?.phoneE164 ?? '',
      reason: 'STOP',
      source: 'sms',
    });
    expect(await (await tap(url)).text()).toContain('You have already opted out');
    await tap(url, 'POST');
    expect(await dncOf(t)).toEqual([expect.objectContaining({ source: 'sms' })]);
    expect(await optOutEvents(t)).toHaveLength(0);
  });

  it('an erased contact is not written back: the page says no more messages, nothing is stored', async () => {
    const { t, campaign, people } = await sentFromAlpha(1);
    const url = optOutLinkIn((await jobsOf(campaign.id))[0]?.body ?? '')?.url ?? '';
    await t.db
      .update(contacts)
      .set({ erasedAt: DAYTIME.toISOString() })
      .where(eq(contacts.id, people[0]?.id ?? ''));
    expect(await (await tap(url)).text()).toContain('You have already opted out');
    expect((await tap(url, 'POST')).status).toBe(200);
    expect(await dncOf(t)).toHaveLength(0);
  });
});

describe('opt-out link (security)', () => {
  /** Shards that fail the test if anything reads them: tokens must be judged before the database. */
  const noDatabase = {
    ...env,
    SHARD_0: { prepare: () => expect.unreachable('SHARD_0 read') },
    SHARD_1: { prepare: () => expect.unreachable('SHARD_1 read') },
  } as unknown as Env;

  it('forged, truncated or expired tokens: a page saying so, nothing changed, no database read', async () => {
    const { t, campaign } = await sentFromAlpha(1);
    const [job] = await jobsOf(campaign.id);
    const token = optOutLinkIn(job?.body ?? '')?.token ?? '';
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const base = 'https://sms.example.test/u/';
    for (const bad of [forged, token.slice(0, -3), `${token}x`, 'not-a-token', '']) {
      for (const method of ['GET', 'POST'] as const) {
        const r = await tap(base + bad, method, noDatabase);
        expect(r.status, `${method} ${bad}`).toBe(404);
        if (bad) expect(await r.text()).toContain('This opt-out link is not valid');
      }
    }
    const late = createShortLinkApp({
      clock: () => new Date(DAYTIME.getTime() + (OPT_OUT_TOKEN_DAYS + 1) * 86_400_000),
    });
    const expired = await late.fetch(
      new Request(base + token, { method: 'POST' }),
      noDatabase,
      createExecutionContext(),
    );
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This opt-out link has expired');
    expect(await dncOf(t)).toHaveLength(0);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    // Only a genuine token goes on to the database (which, here, refuses to be read).
    expect((await tap(base + token, 'GET', noDatabase)).status).toBe(503);
  });

  it("a token opts out its own tenant's contact only, never another tenant's with the same number", async () => {
    const { t, campaign, people } = await sentFromAlpha(1);
    const other = await setupSendTenant({ numbers: 0 });
    await addContacts(other.tenantId, 1, { phoneE164: people[0]?.phoneE164 ?? '' });
    await tap(optOutLinkIn((await jobsOf(campaign.id))[0]?.body ?? '')?.url ?? '', 'POST');
    expect(await dncOf(t)).toHaveLength(1);
    expect(await dncOf(other)).toHaveLength(0);
  });

  it('a hint naming a shard that no longer holds the message (its tenant moved) finds it where it is', async () => {
    const { t, campaign } = await sentFromAlpha(1);
    const [job] = await jobsOf(campaign.id);
    // Signed by us, as the message was before its tenant moved away from the other shard.
    const stale = await createOptOutToken(env.LINK_SECRET, t.shard.index === 0 ? 1 : 0, job?.id ?? '');
    expect((await tap(`https://sms.example.test/u/${stale}`, 'POST')).status).toBe(200);
    expect(await dncOf(t)).toHaveLength(1);
    // A message no shard holds (deleted with its tenant): the link says so.
    const gone = await createOptOutToken(env.LINK_SECRET, t.shard.index, uuidv7(DAYTIME.getTime()));
    expect((await tap(`https://sms.example.test/u/${gone}`, 'POST')).status).toBe(404);
  });
});
