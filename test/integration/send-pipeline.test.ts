import { env } from 'cloudflare:workers';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contacts, doNotContact, sendJobs } from '../../workers/db/schema';
import { db, json } from '../helpers/fixtures';
import {
  addContacts,
  campaignRow,
  DAYTIME,
  eventCount,
  jobsOf,
  mockTwilio,
  queuedCampaign,
  runFanout,
  runSend,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';

afterEach(() => {
  vi.restoreAllMocks();
});

const at = (d: Date, ms: number) => () => new Date(d.getTime() + ms);

describe('send pipeline', () => {
  it('happy: renders, calls Twilio once per job with the right fields, records SENT and completes', async () => {
    const t = await setupSendTenant({
      templateBody: 'Hi {{first_name|there}}, see {{link}}',
    });
    const people = await addContacts(t.tenantId, 3);
    const c = await queuedCampaign(t, {
      targetUrl: 'https://shop.example/spring',
      utmParams: { source: 'sms' },
    });
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    expect(ids).toHaveLength(3);
    const tw = mockTwilio();

    const result = await runSend(e, ids, { clock: () => DAYTIME });

    expect(result.explicitAcks).toHaveLength(3);
    expect(result.retryMessages).toHaveLength(0);
    expect(tw.calls).toHaveLength(3);
    const call = tw.calls[0]!;
    expect(call.url).toBe(`https://twilio.mock/2010-04-01/Accounts/${env.TWILIO_ACCOUNT_SID}/Messages.json`);
    expect(call.auth).toBe(`Basic ${btoa(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`)}`);
    expect(call.form.get('StatusCallback')).toBe('https://sms.example.test/webhooks/twilio/status');
    expect(call.from).toBe(t.numberPhones[0]);
    expect(people.map((p) => p.phoneE164)).toContain(call.to);
    const who = people.find((p) => p.phoneE164 === call.to)!;
    expect(call.body).toMatch(new RegExp(`^Hi ${who.firstName}, see https://sms\\.example\\.test/l/\\S+`));
    expect(call.body).toContain('Reply STOP to opt out');
    // 12:00 in Sydney with quiet hours from 20:00: valid for the 4 h cap.
    expect(call.form.get('ValidityPeriod')).toBe('14400');

    const jobs = await jobsOf(c.id);
    expect(jobs.every((j) => j.status === 'sent' && j.providerMessageId?.startsWith('SM'))).toBe(true);
    expect(jobs.every((j) => j.costCents === 5 && j.parts === 1 && j.attemptCount === 1)).toBe(true);
    expect(await eventCount(c.id, 'SENT')).toBe(3);
    const sentContact = await db().query.contacts.findFirst({ where: eq(contacts.id, who.id) });
    expect(sentContact?.lastSentAt).toBe(DAYTIME.toISOString());
    const link = await db().all<{ target_url: string }>(
      sql`SELECT target_url FROM short_links WHERE campaign_id = ${c.id} LIMIT 1`,
    );
    expect(link[0]?.target_url).toBe('https://shop.example/spring?utm_source=sms');
    const after = await campaignRow(c.id);
    expect(after.status).toBe('completed');
    expect(after.completedAt).not.toBeNull();
  });
});
