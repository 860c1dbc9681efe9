import { describe, expect, it } from 'vitest';
import { recordEvent } from '../../workers/db/events';
import { createTenant, json } from '../helpers/fixtures';
import { addSendingNumber, inbound, seedSentMessage, uniquePhone } from '../helpers/twilio-webhooks';

type Item = {
  id: string;
  type: string;
  body: string | null;
  from: string | null;
  keyword: string | null;
  contact: { id: string; first_name: string | null; last_name: string | null; phone_e164: string } | null;
  campaign: { id: string; name: string } | null;
  created_at: string;
};
type Page = { data: Item[]; next_cursor: string | null };

describe('GET /api/v1/inbox (happy)', () => {
  it('lists replies, opt-outs, opt-ins and HELP newest first with the contact and campaign', async () => {
    const t = await createTenant('Inbox Co');
    const { number, contact, campaign } = await seedSentMessage(t.tenantId);
    await inbound(contact.phone, number.phone, 'What time do you open?');
    await inbound(contact.phone, number.phone, 'HELP');
    await inbound(contact.phone, number.phone, 'STOP');
    await inbound(contact.phone, number.phone, 'START');
    const res = await t.api('/api/v1/inbox', { role: 'viewer' });
    expect(res.status).toBe(200);
    const body = await json<Page>(res);
    // Newest first. Two messages within the same millisecond have no defined order, so the test
    // checks the sort key (UUIDv7 ids: creation time) rather than a fixed sequence.
    const ids = body.data.map((i) => i.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(body.data.map((i) => `${i.type}:${i.body}`).sort()).toEqual([
      'help:HELP',
      'opt_in:START',
      'opt_out:STOP',
      'reply:What time do you open?',
    ]);
    const reply = body.data.find((i) => i.type === 'reply');
    expect(reply).toMatchObject({
      from: contact.phone,
      keyword: null,
      contact: { id: contact.id, first_name: 'Ada', last_name: 'Lovelace', phone_e164: contact.phone },
      campaign: { id: campaign.id, name: campaign.name },
    });
    expect(reply?.created_at).toMatch(/Z$/);
    expect(body.next_cursor).toBeNull();
  });

  it.each([
    ['reply', ['hi there']],
    ['opt_out', ['Stop.']],
    ['opt_in', ['unstop']],
    ['help', ['info']],
  ])('?type=%s filters to that kind', async (type, bodies) => {
    const t = await createTenant('Filter');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    for (const text of ['hi there', 'info', 'Stop.', 'unstop']) await inbound(phone, number.phone, text);
    const body = await json<Page>(await t.api(`/api/v1/inbox?type=${type}`));
    expect(body.data.map((i) => i.body)).toEqual(bodies);
  });

  it('a sender who is not a contact shows with contact null', async () => {
    const t = await createTenant('Stranger inbox');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    await inbound(phone, number.phone, 'wrong number?');
    const [item] = (await json<Page>(await t.api('/api/v1/inbox'))).data;
    expect(item).toMatchObject({ from: phone, contact: null, campaign: null, type: 'reply' });
  });

  it('pages with a cursor without repeating or losing messages', async () => {
    const t = await createTenant('Pages');
    const number = await addSendingNumber(t.tenantId);
    const phone = uniquePhone();
    for (let i = 1; i <= 5; i++) await inbound(phone, number.phone, `message ${i}`);
    const seen: string[] = [];
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const p: Page = await json<Page>(await t.api(`/api/v1/inbox?limit=2${q}`));
      seen.push(...p.data.map((i) => i.body ?? ''));
      ids.push(...p.data.map((i) => i.id));
      cursor = p.next_cursor;
    } while (cursor);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(seen).toHaveLength(5);
    expect([...seen].sort()).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5']);
  });

  it('shows only inbound messages, not other events of the same types', async () => {
    const t = await createTenant('Only inbound');
    await recordEvent(t.db, {
      tenantId: t.tenantId,
      eventType: 'OPT_OUT',
      metadata: { source: 'twilio_21610' },
    });
    expect((await json<Page>(await t.api('/api/v1/inbox'))).data).toEqual([]);
  });
});

describe('GET /api/v1/inbox (error / security)', () => {
  it('rejects an unknown type with 422', async () => {
    const t = await createTenant('Bad type');
    const res = await t.api('/api/v1/inbox?type=spam');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('needs credentials', async () => {
    const t = await createTenant('No auth');
    const res = await t.api('/api/v1/inbox', { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
  });

  it("never shows another tenant's messages", async () => {
    const a = await createTenant('Inbox A');
    const b = await createTenant('Inbox B');
    const numberA = await addSendingNumber(a.tenantId);
    await inbound(uniquePhone(), numberA.phone, 'for A only');
    expect((await json<Page>(await b.api('/api/v1/inbox'))).data).toEqual([]);
    expect((await json<Page>(await a.api('/api/v1/inbox'))).data).toHaveLength(1);
  });
});
