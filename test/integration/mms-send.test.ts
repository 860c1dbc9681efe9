// Issue 14, item 6: MMS campaigns through the real fan-out and send consumer. A template with an
// image goes out with Twilio's MediaUrl and costs the tenant's MMS price per message (however long
// its text), which is what the budget counts; launch refuses an MMS from an alphanumeric sender
// with the reason; the launch preview shows the image and the cost.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import { messageTemplates, sendingNumbers } from '../../workers/db/schema';
import { control, json } from '../helpers/fixtures';
import { addMmsPrice } from '../helpers/flows';
import {
  addContacts,
  campaignRow,
  DAYTIME,
  jobsOf,
  mockTwilio,
  queuedCampaign,
  runFanout,
  runSend,
  type SendTenant,
  setupSendTenant,
  testEnv,
} from '../helpers/send-setup';

afterEach(() => vi.restoreAllMocks());

const IMAGE = 'https://cdn.example.com/spring.jpg';
// Three SMS parts of text: as an MMS it is still one message at one price.
const LONG = `Spring is here, {{first_name}}! ${'Fresh flowers, new pots and seedlings in store now. '.repeat(6)}`;

async function mmsTemplate(t: SendTenant) {
  await t.db
    .update(messageTemplates)
    .set({ body: LONG, mediaUrl: IMAGE, mediaContentType: 'image/jpeg', mediaBytes: 120_000 })
    .where(eq(messageTemplates.id, t.templateId));
}

async function addAlphanumeric(t: SendTenant) {
  const id = uuidv7();
  await control().insert(sendingNumbers).values({
    id,
    tenantId: t.tenantId,
    kind: 'alphanumeric',
    senderId: 'SendCo',
    acmaStatus: 'registered',
    dailyLimit: 1000,
    perMinuteLimit: 60,
  });
  await replicateTenant(env, t.tenantId, { numbers: true });
  return id;
}

describe('MMS campaigns', () => {
  it('happy: each message carries MediaUrl and costs one MMS price, which the budget counts', async () => {
    // 5c per SMS part, 35c per MMS, a 90c daily budget: two MMS fit, not three.
    const t = await setupSendTenant({ dailyBudgetCents: 90 });
    await mmsTemplate(t);
    await addMmsPrice(t.tenantId, 35);
    await addContacts(t.tenantId, 4);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    // One job per batch, so each settles before the next asks the governor for budget.
    for (const id of ids) await runSend(e, [id], { clock: () => DAYTIME });

    expect(tw.calls).toHaveLength(2);
    for (const call of tw.calls) {
      expect(call.form.get('MediaUrl')).toBe(IMAGE);
      expect(call.body.length).toBeGreaterThan(306);
    }
    const sent = (await jobsOf(c.id)).filter((j) => j.status === 'sent');
    expect(sent.map((j) => j.costCents)).toEqual([35, 35]);
    expect((await campaignRow(c.id)).statusReason).toBe('daily budget reached');
  });

  it('without an MMS price a budgeted tenant holds its MMS (never priced as SMS), saying why', async () => {
    const t = await setupSendTenant({ dailyBudgetCents: 1000 });
    await mmsTemplate(t);
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t);
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    await runSend(e, ids, { clock: () => DAYTIME });
    expect(tw.calls).toHaveLength(0);
    expect((await campaignRow(c.id)).statusReason).toBe('no MMS cost configured for AU');
  });

  it('a sender changed to an alphanumeric ID after launch fails the MMS with the reason instead of sending it', async () => {
    const t = await setupSendTenant();
    await mmsTemplate(t);
    await addMmsPrice(t.tenantId, 35);
    const alpha = await addAlphanumeric(t);
    await addContacts(t.tenantId, 1);
    const c = await queuedCampaign(t, { sendingNumberIds: [alpha] });
    const e = testEnv();
    const ids = await runFanout(e, c, DAYTIME);
    const tw = mockTwilio();
    await runSend(e, ids, { clock: () => DAYTIME });
    expect(tw.calls).toHaveLength(0);
    expect((await jobsOf(c.id))[0]).toMatchObject({
      status: 'failed',
      failureReason: 'sender_cannot_send_mms',
    });
  });
});

describe('MMS launch', () => {
  it('error: launch refuses an MMS from an alphanumeric sender (422 with the reason); the preview says so too', async () => {
    const t = await setupSendTenant();
    await mmsTemplate(t);
    await addMmsPrice(t.tenantId, 35);
    const alpha = await addAlphanumeric(t);
    await addContacts(t.tenantId, 2);
    const created = await json<{ id: string }>(
      await t.api('/api/v1/campaigns', {
        method: 'POST',
        json: { name: 'Spring MMS', template_ids: [t.templateId], sending_number_ids: [alpha] },
      }),
    );
    const preview = await json<{ launch_problems: { path: string; message: string }[] }>(
      await t.api(`/api/v1/campaigns/${created.id}/launch-preview`),
    );
    // Listed with the problems launching would refuse (the UI shows them before the launch button).
    expect(preview.launch_problems).toContainEqual({
      path: 'sending_number_ids',
      message: expect.stringMatching(/alphanumeric sender ID SendCo cannot send/),
    });
    const res = await t.api(`/api/v1/campaigns/${created.id}/launch`, { method: 'POST' });
    expect(res.status).toBe(422);
    const problem = await json<{ detail: string; errors: { path: string }[] }>(res);
    expect(problem.detail).toMatch(/image \(MMS\), which the alphanumeric sender ID SendCo cannot send/);
    expect(problem.errors[0]!.path).toBe('sending_number_ids');
    expect((await campaignRow(created.id)).status).toBe('draft');
  });

  it('happy: the preview shows the image and prices each recipient one MMS; a phone-number campaign launches', async () => {
    const t = await setupSendTenant();
    await mmsTemplate(t);
    await addMmsPrice(t.tenantId, 35);
    await addContacts(t.tenantId, 3);
    const created = await json<{ id: string }>(
      await t.api('/api/v1/campaigns', {
        method: 'POST',
        json: { name: 'Spring MMS', template_ids: [t.templateId], sending_number_ids: [t.numberIds[0]] },
      }),
    );
    const preview = await json<{
      estimated_cost_cents: number;
      mms_price_cents: number;
      templates: { channel: string; media_url: string; cost_cents: number; segments: number }[];
      warnings: string[];
    }>(await t.api(`/api/v1/campaigns/${created.id}/launch-preview`));
    expect(preview.templates[0]).toMatchObject({ channel: 'mms', media_url: IMAGE, cost_cents: 35 });
    expect(preview.templates[0]!.segments).toBeGreaterThan(1);
    expect(preview).toMatchObject({ mms_price_cents: 35, estimated_cost_cents: 105, warnings: [] });
    vi.spyOn(env.FANOUT_QUEUE, 'send').mockResolvedValue(undefined as never);
    expect((await t.api(`/api/v1/campaigns/${created.id}/launch`, { method: 'POST' })).status).toBe(202);
  });
});
