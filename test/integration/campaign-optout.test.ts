// Previews and launch per sender kind (issue 10): the launch preview shows the message as sent from
// each kind of sender of the campaign, the opt-out link's length counted in parts and cost; a
// template that could go out from a sender recipients cannot reply to, with no opt-out link and the
// automatic footer off, is refused at launch (422, with the reason) and stays a draft.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { messageTemplates } from '../../workers/db/schema';
import { OPT_OUT_TOKEN_LENGTH } from '../../workers/domain/optout-token';
import { json, updateTenant } from '../helpers/fixtures';
import { addContacts, type SendTenant, setupSendTenant } from '../helpers/send-setup';
import { addAlphanumericSender, addPhoneSender } from '../helpers/senders';

// 120 characters with its own "Reply STOP": one part from a number, two with the opt-out link.
const LONG = `Hi {{first_name}}, ${'w'.repeat(90)} Reply STOP to opt out`;
const LINK = new RegExp(`\\nOpt out: https://sms\\.example\\.test/u/[A-Za-z0-9_-]{${OPT_OUT_TOKEN_LENGTH}}$`);

type Variant = {
  sender_kind: string;
  share: number;
  sample: string;
  segments: number;
  can_receive_replies: boolean;
};
type Preview = {
  estimated_cost_cents: number | null;
  templates: { sample: string; segments: number; variants: Variant[] }[];
  warnings: string[];
  launch_problems: { path: string; message: string }[];
};

let n = 0;
async function tenantWithSenders(kinds: ('phone' | 'alphanumeric')[], templateBody = LONG) {
  const t = await setupSendTenant({ numbers: 0, templateBody, perPartCents: 5 });
  const ids: string[] = [];
  for (const kind of kinds) {
    ids.push(
      kind === 'phone'
        ? await addPhoneSender(t.tenantId, `+614860${String(++n).padStart(5, '0')}`)
        : await addAlphanumericSender(t.tenantId, `Demo${++n}`),
    );
  }
  await addContacts(t.tenantId, 4, { firstName: 'Ada' });
  return { t, ids };
}

async function draft(t: SendTenant, body: Record<string, unknown> = {}) {
  const res = await t.api('/api/v1/campaigns', {
    method: 'POST',
    json: { name: 'Winter', template_ids: [t.templateId], ...body },
  });
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}

describe('launch preview per sender kind (happy)', () => {
  it('one variant per kind with its share; the opt-out link counts in parts and in the cost', async () => {
    const { t } = await tenantWithSenders(['phone', 'alphanumeric']);
    const id = await draft(t);
    const p = await json<Preview>(await t.api(`/api/v1/campaigns/${id}/launch-preview`));
    const [tpl] = p.templates;
    expect(tpl?.variants).toEqual([
      expect.objectContaining({ sender_kind: 'phone', can_receive_replies: true, share: 0.5, segments: 1 }),
      expect.objectContaining({
        sender_kind: 'alphanumeric',
        can_receive_replies: false,
        share: 0.5,
        segments: 2,
      }),
    ]);
    expect(tpl?.variants[0]?.sample).toMatch(/Reply STOP to opt out$/);
    expect(tpl?.variants[1]?.sample).toMatch(LINK);
    // The headline is the longest variant; the estimate weighs the kinds: 4 × (½·1 + ½·2) × 5 c.
    expect(tpl?.segments).toBe(2);
    expect(tpl?.sample).toMatch(LINK);
    expect(p.estimated_cost_cents).toBe(30);
    expect(p.warnings.join('\n')).toMatch(/cannot reply to this sender.*added at the end/);
    expect(p.warnings.join('\n')).toMatch(/reply STOP, which cannot work/);
    expect(p.launch_problems).toEqual([]);
  });

  it('senders that can all receive replies: one variant, as before', async () => {
    const { t } = await tenantWithSenders(['phone']);
    const p = await json<Preview>(await t.api(`/api/v1/campaigns/${await draft(t)}/launch-preview`));
    expect(p.templates[0]?.variants.map((v) => v.sender_kind)).toEqual(['phone']);
    expect(p.estimated_cost_cents).toBe(20);
  });

  it('the template preview renders {{optout}} at full length, and previews an alphanumeric sender', async () => {
    const t = await setupSendTenant({ numbers: 0 });
    const withLink = await json<{ rendered: string; warnings: string[] }>(
      await t.api('/api/v1/templates/preview', {
        method: 'POST',
        json: { body: 'Send Co: sale! Stop: {{optout}}' },
      }),
    );
    expect(withLink.rendered).toMatch(
      new RegExp(
        `^Send Co: sale! Stop: https://sms\\.example\\.test/u/[A-Za-z0-9_-]{${OPT_OUT_TOKEN_LENGTH}}$`,
      ),
    );
    expect(withLink.warnings).toEqual([]);
    const alpha = await json<{ rendered: string; segments: number; warnings: string[] }>(
      await t.api('/api/v1/templates/preview', {
        method: 'POST',
        json: { body: 'Send Co: sale!', sender_kind: 'alphanumeric' },
      }),
    );
    expect(alpha.rendered).toMatch(/^Send Co: sale!\nOpt out: https:\/\/sms\.example\.test\/u\//);
    expect(alpha.warnings).toEqual([expect.stringMatching(/cannot reply to this sender/)]);
  });
});

describe('launch (error): an alphanumeric sender without an opt-out', () => {
  it('footer off and no {{optout}}: 422 naming the template and the sender; nothing launched', async () => {
    const { t, ids } = await tenantWithSenders(['phone', 'alphanumeric']);
    await updateTenant(t.tenantId, { appendOptOutFooter: false });
    const id = await draft(t);
    const preview = await json<Preview>(await t.api(`/api/v1/campaigns/${id}/launch-preview`));
    expect(preview.launch_problems).toEqual([
      { path: 'template_ids.0', message: expect.stringMatching(/Template "Offer" has no opt-out link/) },
    ]);
    const res = await t.api(`/api/v1/campaigns/${id}/launch`, { method: 'POST' });
    expect(res.status).toBe(422);
    const body = await json<{ errors: { path: string; message: string }[] }>(res);
    expect(body.errors).toEqual([
      {
        path: 'template_ids.0',
        message: expect.stringMatching(/"Offer".*"Demo\d+" cannot receive replies.*\{\{optout\}\}/),
      },
    ]);
    expect((await json<{ status: string }>(await t.api(`/api/v1/campaigns/${id}`))).status).toBe('draft');
    // From the phone number alone the same template launches.
    expect(
      (
        await t.api(`/api/v1/campaigns/${await draft(t, { sending_number_ids: [ids[0]] })}/launch`, {
          method: 'POST',
        })
      ).status,
    ).toBe(202);
  });

  it('launches with {{optout}} in the template, or with the automatic footer on', async () => {
    const { t } = await tenantWithSenders(['alphanumeric']);
    expect((await t.api(`/api/v1/campaigns/${await draft(t)}/launch`, { method: 'POST' })).status).toBe(202);
    await updateTenant(t.tenantId, { appendOptOutFooter: false });
    await t.db
      .update(messageTemplates)
      .set({ body: 'Sale! Opt out: {{optout}}' })
      .where(eq(messageTemplates.id, t.templateId));
    expect((await t.api(`/api/v1/campaigns/${await draft(t)}/launch`, { method: 'POST' })).status).toBe(202);
  });

  it("security: another tenant's alphanumeric sender never counts for this campaign", async () => {
    const { t } = await tenantWithSenders(['phone']);
    const other = await setupSendTenant({ numbers: 0 });
    await addAlphanumericSender(other.tenantId, 'OtherCo');
    await updateTenant(t.tenantId, { appendOptOutFooter: false });
    expect((await t.api(`/api/v1/campaigns/${await draft(t)}/launch`, { method: 'POST' })).status).toBe(202);
  });
});
