// Two-way conversations (issue 12): one thread per person who texted us, merging their messages
// and ours in time order; unread, assignment, close and reopen; polling for what changed.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { replicateTenant } from '../../workers/db/replicate';
import {
  auditLog,
  contacts,
  conversations,
  directMessages,
  events,
  sendJobs,
  users,
} from '../../workers/db/schema';
import { control, createTenant, json, type TestTenant } from '../helpers/fixtures';
import { addContacts, queuedCampaign, setupSendTenant } from '../helpers/send-setup';
import { inbound, sid, uniquePhone } from '../helpers/twilio-webhooks';

// Many requests per test: never a failure because the machine is busy.
vi.setConfig({ testTimeout: 30_000 });

type Conversation = {
  id: string;
  thread_id: string;
  phone_e164: string;
  contact: { id: string; first_name: string | null } | null;
  status: 'open' | 'closed';
  assignee_id: string | null;
  assignee_email: string | null;
  unread_count: number;
  last_message: { direction: string; preview: string | null; at: string };
  last_read_at: string | null;
  updated_at: string;
};
type ListPage = { data: Conversation[]; next_cursor: string | null; server_time: string };
type Message = {
  id: string;
  direction: 'inbound' | 'outbound';
  kind: string;
  body: string | null;
  status: string;
  campaign: { id: string; name: string } | null;
  sent_by: { id: string; email: string } | null;
  at: string;
};
type Thread = {
  thread_id: string;
  contact: { id: string } | null;
  conversation: Conversation | null;
  reply_blocked: { reason: string; detail: string } | null;
  data: Message[];
  next_cursor: string | null;
};

const list = async (t: TestTenant, query = '') =>
  json<ListPage>(await t.api(`/api/v1/conversations${query}`, { role: 'viewer' }));
const thread = async (t: TestTenant, id: string, query = '') => {
  const res = await t.api(`/api/v1/conversations/${id}${query}`, { role: 'viewer' });
  expect(res.status).toBe(200);
  return json<Thread>(res);
};
const patch = (t: TestTenant, id: string, body: unknown, role: 'staff' | 'viewer' | 'admin' = 'staff') =>
  t.api(`/api/v1/conversations/${id}`, { method: 'PATCH', json: body, role });

async function addUser(t: TestTenant, role: 'staff' | 'viewer') {
  const id = uuidv7();
  await control()
    .insert(users)
    .values({ id, tenantId: t.tenantId, email: `${role}-${id.slice(-8)}@example.com`, role });
  await replicateTenant(env, t.tenantId, { users: true });
  return id;
}

const T = (m: number) => new Date(Date.UTC(2026, 10, 20, 1, m)).toISOString();

describe('conversations: the thread (happy)', () => {
  it('merges their messages and ours (campaign, reply) in time order, with earlier texts from their number', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    const phone = who!.phoneE164;
    const number = t.numberPhones[0]!;
    const campaign = await queuedCampaign(t, { name: 'Winter sale' });
    const inboundEvent = (at: string, body: string, contactId: string | null) =>
      t.db.insert(events).values({
        id: uuidv7(Date.parse(at)),
        tenantId: t.tenantId,
        contactId,
        eventType: 'REPLIED',
        metadata: { source: 'inbound_sms', intent: 'message', body, from: phone, to: number },
        createdAt: at,
      });
    // T0: they texted before they were a contact (no contact on the event).
    await inboundEvent(T(0), 'Are you open Sunday?', null);
    await t.db.insert(sendJobs).values({
      id: uuidv7(Date.parse(T(1))),
      tenantId: t.tenantId,
      campaignId: campaign.id,
      contactId: who!.id,
      sendingNumberId: t.numberIds[0],
      status: 'delivered',
      body: 'Winter sale: 20% off',
      parts: 1,
      costCents: 5,
      providerMessageId: sid(),
      queuedAt: T(1),
      sentAt: T(1),
      deliveredAt: T(1),
    });
    await inboundEvent(T(2), 'Yes please', who!.id);
    await t.db.insert(directMessages).values({
      id: uuidv7(Date.parse(T(3))),
      tenantId: t.tenantId,
      kind: 'reply',
      dedupeKey: 'reply:x',
      contactId: who!.id,
      toPhone: phone,
      sendingNumberId: t.numberIds[0],
      body: 'Great, see you then',
      status: 'sent',
      createdBy: t.adminId,
      queuedAt: T(3),
      sentAt: T(3),
    });
    // Someone else's message is never in this thread.
    await t.db.insert(directMessages).values({
      tenantId: t.tenantId,
      id: uuidv7(Date.parse(T(4))),
      kind: 'test',
      dedupeKey: 'test:other',
      toPhone: '+61499999999',
      body: 'not theirs',
      queuedAt: T(4),
    });

    const full = await thread(t, who!.id);
    expect(full.data.map((m) => `${m.direction}:${m.kind}:${m.body}`)).toEqual([
      'outbound:reply:Great, see you then',
      'inbound:message:Yes please',
      'outbound:campaign:Winter sale: 20% off',
      'inbound:message:Are you open Sunday?',
    ]);
    expect(full.data[0]).toMatchObject({ status: 'sent', sent_by: { id: t.adminId, email: t.adminEmail } });
    expect(full.data[2]).toMatchObject({
      status: 'delivered',
      campaign: { id: campaign.id, name: 'Winter sale' },
    });
    // Nobody texted through the webhook here, so there is no conversation row: nothing to reply to.
    expect(full.conversation).toBeNull();
    expect(full.reply_blocked?.reason).toBe('no_conversation');

    // Pages of two, older ones through the cursor, nothing lost or repeated.
    const first = await thread(t, who!.id, '?limit=2');
    expect(first.data).toHaveLength(2);
    const second = await thread(t, who!.id, `?limit=2&cursor=${first.next_cursor}`);
    expect([...first.data, ...second.data].map((m) => m.id)).toEqual(full.data.map((m) => m.id));
    expect(second.next_cursor).toBeNull();
  });

  it('a sender who is not a contact has a thread by its own id; once they become a contact it is theirs', async () => {
    const t = await setupSendTenant();
    const phone = uniquePhone();
    expect((await inbound(phone, t.numberPhones[0]!, 'Who is this?')).status).toBe(200);
    const [row] = (await list(t)).data;
    expect(row).toMatchObject({ phone_e164: phone, contact: null, unread_count: 1, status: 'open' });
    expect(row!.thread_id).toBe(row!.id);
    expect((await thread(t, row!.id)).data.map((m) => m.body)).toEqual(['Who is this?']);

    const created = await t.api('/api/v1/contacts', {
      method: 'POST',
      json: { phone, first_name: 'Nina', consent_status: 'explicit' },
    });
    const contactId = (await json<{ id: string }>(created)).id;
    const theirs = await thread(t, contactId);
    expect(theirs.conversation?.id).toBe(row!.id);
    expect(theirs.data.map((m) => m.body)).toEqual(['Who is this?']);
    expect((await list(t)).data[0]).toMatchObject({ thread_id: contactId, contact: { first_name: 'Nina' } });

    // Their earlier texts are found through the partial index, not a scan of the tenant's events.
    const plan = await t.shard.d1
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM events e WHERE e.tenant_id = ? AND (e.metadata ->> '$.from') = ?
           AND e.contact_id IS NULL AND e.event_type IN ('REPLIED', 'OPT_OUT', 'RESUBSCRIBE')`,
      )
      .bind(t.tenantId, phone)
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(' ')).toContain('events_inbound_unknown_from_idx');
  });
});

describe('conversations: state (happy)', () => {
  it('unread, read, assign, close; a new message reopens it; STOP shows without needing anyone', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    const staffId = await addUser(t, 'staff');
    const msid = sid();
    await inbound(who!.phoneE164, t.numberPhones[0]!, 'Do you have size 10?', { messageSid: msid });
    let [row] = (await list(t, '?status=open')).data;
    expect(row).toMatchObject({
      thread_id: who!.id,
      unread_count: 1,
      status: 'open',
      last_message: { direction: 'inbound', preview: 'Do you have size 10?' },
    });
    // The contact's activity moved (segments' "replied within N days").
    const [c] = await t.db.select().from(contacts).where(eq(contacts.id, who!.id));
    expect(c?.lastReplyAt).toBe(row!.last_message.at);
    // A replayed webhook changes nothing.
    await inbound(who!.phoneE164, t.numberPhones[0]!, 'Do you have size 10?', { messageSid: msid });
    expect((await list(t)).data[0]?.unread_count).toBe(1);

    const read = await json<Conversation>(await patch(t, who!.id, { read: true }));
    expect(read.unread_count).toBe(0);
    expect(read.last_read_at).not.toBeNull();
    expect((await list(t, '?unread=true')).data).toHaveLength(0);

    const assigned = await json<Conversation>(await patch(t, who!.id, { assignee_id: staffId }));
    expect(assigned.assignee_id).toBe(staffId);
    expect(assigned.assignee_email).toMatch(/^staff-/);
    expect((await list(t, `?assignee_id=${staffId}`)).data).toHaveLength(1);
    expect((await list(t, '?assignee_id=none')).data).toHaveLength(0);

    expect((await json<Conversation>(await patch(t, who!.id, { status: 'closed' }))).status).toBe('closed');
    expect((await list(t, '?status=open')).data).toHaveLength(0);
    expect((await list(t, '?status=closed')).data).toHaveLength(1);

    await inbound(who!.phoneE164, t.numberPhones[0]!, 'Hello?');
    [row] = (await list(t, '?status=open')).data;
    expect(row).toMatchObject({ status: 'open', unread_count: 1, assignee_id: staffId });

    await inbound(who!.phoneE164, t.numberPhones[0]!, 'STOP');
    const after = await thread(t, who!.id);
    expect(after.conversation).toMatchObject({ unread_count: 1, status: 'open' });
    expect(after.data[0]).toMatchObject({ direction: 'inbound', kind: 'opt_out', body: 'STOP' });
    expect(after.reply_blocked?.reason).toBe('do_not_contact');

    const actions = await t.db
      .select({ action: auditLog.action, metadata: auditLog.metadata })
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.resourceType, 'conversation')));
    expect(actions.map((a) => a.action)).toEqual([
      'conversation.updated',
      'conversation.updated',
      'conversation.updated',
    ]);
    expect(actions.find((a) => 'status' in a.metadata)?.metadata).toMatchObject({
      status: { from: 'open', to: 'closed' },
    });
  });

  it('a STOP from someone new is a closed thread with nothing unread', async () => {
    const t = await setupSendTenant();
    await inbound(uniquePhone(), t.numberPhones[0]!, 'STOP');
    expect((await list(t, '?status=closed')).data[0]).toMatchObject({ unread_count: 0 });
    expect((await list(t, '?status=open')).data).toHaveLength(0);
  });

  it('polling: updated_since answers only what changed; pages follow the latest activity', async () => {
    const t = await setupSendTenant();
    const phones = [uniquePhone(), uniquePhone(), uniquePhone()];
    for (const p of phones) await inbound(p, t.numberPhones[0]!, `hi from ${p}`);
    const all = await list(t);
    expect(all.data.map((r) => r.phone_e164)).toEqual([...phones].reverse());
    const page1 = await list(t, '?limit=2');
    const page2 = await list(t, `?limit=2&cursor=${page1.next_cursor}`);
    expect([...page1.data, ...page2.data].map((r) => r.id)).toEqual(all.data.map((r) => r.id));

    // Those changes are a minute old by the time of the next poll (the same millisecond never decides).
    await t.db
      .update(conversations)
      .set({ updatedAt: new Date(Date.parse(all.server_time) - 60_000).toISOString() })
      .where(eq(conversations.tenantId, t.tenantId));
    const since = all.server_time;
    expect((await list(t, `?updated_since=${since}`)).data).toHaveLength(0);
    await inbound(phones[0]!, t.numberPhones[0]!, 'one more thing');
    const changed = await list(t, `?updated_since=${since}`);
    expect(changed.data.map((r) => r.phone_e164)).toEqual([phones[0]]);
    expect(changed.data[0]?.unread_count).toBe(2);
  });

  it('erasing the contact deletes their thread state', async () => {
    const t = await setupSendTenant();
    const [who] = await addContacts(t.tenantId, 1);
    await inbound(who!.phoneE164, t.numberPhones[0]!, 'my address is 1 Secret St');
    expect((await t.api(`/api/v1/contacts/${who!.id}`, { method: 'DELETE' })).status).toBe(204);
    const rows = await t.db.select().from(conversations).where(eq(conversations.tenantId, t.tenantId));
    expect(rows).toHaveLength(0);
  });
});

describe('conversations (error / security)', () => {
  it('error: bad input is refused with its reason', async () => {
    const t = await setupSendTenant();
    const [who, silent] = await addContacts(t.tenantId, 2);
    await inbound(who!.phoneE164, t.numberPhones[0]!, 'hello');
    const viewerId = await addUser(t, 'viewer');
    expect((await patch(t, who!.id, {})).status).toBe(422);
    expect((await patch(t, who!.id, { status: 'archived' })).status).toBe(422);
    const asViewer = await patch(t, who!.id, { assignee_id: viewerId });
    expect(asViewer.status).toBe(422);
    expect((await json<{ errors: { path: string }[] }>(asViewer)).errors[0]?.path).toBe('assignee_id');
    // Someone who never texted has a thread to read (our messages) but no conversation to change.
    expect((await patch(t, silent!.id, { status: 'closed' })).status).toBe(404);
    expect((await t.api(`/api/v1/conversations/${who!.id}?cursor=bm9wZQ`)).status).toBe(400);
    expect((await t.api('/api/v1/conversations?assignee_id=me')).status).toBe(422);
  });

  it('security: viewers read but cannot change a thread; another tenant’s threads and users are not found', async () => {
    const a = await setupSendTenant();
    const b = await createTenant('Other Co');
    const [who] = await addContacts(a.tenantId, 1);
    await inbound(who!.phoneE164, a.numberPhones[0]!, 'private question');
    const conv = (await list(a)).data[0]!;
    expect((await patch(a, who!.id, { read: true }, 'viewer')).status).toBe(403);
    for (const id of [who!.id, conv.id]) {
      expect((await b.api(`/api/v1/conversations/${id}`)).status).toBe(404);
      expect(
        (await b.api(`/api/v1/conversations/${id}`, { method: 'PATCH', json: { status: 'closed' } })).status,
      ).toBe(404);
    }
    expect(await json<ListPage>(await b.api('/api/v1/conversations'))).toMatchObject({ data: [] });
    // Assigning to a user of another tenant: not a user of yours.
    const res = await patch(a, who!.id, { assignee_id: b.adminId });
    expect(res.status).toBe(422);
    expect((await list(a)).data[0]?.assignee_id).toBeNull();
  });
});
