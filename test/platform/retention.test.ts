// Each retention rule with a pinned clock (issue 9, item 8), and the erasure of a person from
// stored webhook payloads and inbound messages.
import { env } from 'cloudflare:workers';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { enforceRetention } from '../../workers/cron/retention';
import { uuidv7 } from '../../workers/db/ids';
import { ERASED_LINKS_PHONE, KEPT_PAYLOAD_KEYS } from '../../workers/db/privacy';
import {
  campaigns,
  contacts,
  deadLetters,
  events,
  magicTokens,
  rateLimits,
  sessions,
  shortLinks,
  webhookEvents,
} from '../../workers/db/schema';
import { shards } from '../../workers/db/shards';
import { SHORT_LINK_TTL_DAYS } from '../../workers/redirect/links';
import { acrossShards, control, createTenant, json, shardDb } from '../helpers/fixtures';
import {
  addCampaign,
  addContact,
  addSendingNumber,
  inbound,
  seedSentMessage,
  sid,
} from '../helpers/twilio-webhooks';

const NOW = new Date('2026-11-25T01:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number, ms = 0) => new Date(NOW.getTime() - days * DAY - ms);
const iso = (d: Date) => d.toISOString();

function inboundPayload(from: string, to: string, body: string) {
  const messageSid = sid();
  return {
    AccountSid: 'ACtest',
    MessageSid: messageSid,
    SmsSid: messageSid,
    From: from,
    To: to,
    Body: body,
    FromCity: 'SYDNEY',
    NumMedia: '0',
    NumSegments: '1',
    ApiVersion: '2010-04-01',
  };
}

async function webhookAt(at: Date, tenantId: string | null, payload: Record<string, string>) {
  const id = uuidv7(at.getTime());
  await (tenantId ? shardDb(tenantId) : shards(env)[0]!.db).insert(webhookEvents).values({
    id,
    tenantId,
    providerEventId: `ret-${id}`,
    eventType: 'inbound:replied',
    payload,
    processedAt: iso(at),
  });
  return id;
}

const webhookRow = async (id: string) =>
  (await acrossShards((d) => d.select().from(webhookEvents).where(eq(webhookEvents.id, id))))[0];

describe('retention: control database', () => {
  it('magic tokens 1 day and sessions 0 days after expiry (the defaults), live ones kept', async () => {
    const t = await createTenant();
    const token = (label: string, expires: Date) => ({
      id: uuidv7(),
      userId: t.adminId,
      token: `${label}-${t.tenantId}`,
      expiresAt: iso(expires),
    });
    await control()
      .insert(magicTokens)
      .values([token('old', ago(1, 1)), token('recent', ago(0, 3600_000)), token('live', ago(-1))]);
    const session = (label: string, expires: Date) => ({
      id: uuidv7(),
      userId: t.adminId,
      tenantId: t.tenantId,
      tokenHash: `${label}-${t.tenantId}`,
      expiresAt: iso(expires),
    });
    await control()
      .insert(sessions)
      .values([session('expired', ago(0, 1)), session('live', ago(0, -60_000))]);

    const report = await enforceRetention(env, NOW);

    const tokens = await control().select().from(magicTokens).where(eq(magicTokens.userId, t.adminId));
    expect(tokens.map((x) => x.token.split('-')[0]).sort()).toEqual(['live', 'recent']);
    const left = await control().select().from(sessions).where(eq(sessions.tenantId, t.tenantId));
    expect(left.map((x) => x.tokenHash.split('-')[0])).toEqual(['live']);
    expect(report.magic_tokens_deleted).toBeGreaterThanOrEqual(1);
    expect(report.sessions_deleted).toBeGreaterThanOrEqual(1);
  });

  it('the days are settings: RETENTION_MAGIC_TOKEN_DAYS=7 keeps a 3-day-old expired token', async () => {
    const t = await createTenant();
    await control()
      .insert(magicTokens)
      .values({ id: uuidv7(), userId: t.adminId, token: `kept-${t.tenantId}`, expiresAt: iso(ago(3)) });
    await enforceRetention({ ...env, RETENTION_MAGIC_TOKEN_DAYS: '7' }, NOW);
    expect(await control().select().from(magicTokens).where(eq(magicTokens.userId, t.adminId))).toHaveLength(
      1,
    );
    await enforceRetention({ ...env, RETENTION_MAGIC_TOKEN_DAYS: '2' }, NOW);
    expect(await control().select().from(magicTokens).where(eq(magicTokens.userId, t.adminId))).toHaveLength(
      0,
    );
  });

  it('login rate-limit windows older than a day go', async () => {
    const nowS = Math.floor(NOW.getTime() / 1000);
    await control()
      .insert(rateLimits)
      .values([
        { key: 'ret:old', windowStart: nowS - 86_401, count: 3 },
        { key: 'ret:new', windowStart: nowS - 600, count: 1 },
      ]);
    await enforceRetention(env, NOW);
    const keys = (
      await control()
        .select()
        .from(rateLimits)
        .where(inArray(rateLimits.key, ['ret:old', 'ret:new']))
    ).map((r) => r.key);
    expect(keys).toEqual(['ret:new']);
  });

  it('dead letters go 30 days after they were retried or discarded; pending ones never', async () => {
    const letter = (status: 'pending' | 'retried' | 'discarded', resolved: Date | null, seen: Date) => ({
      id: uuidv7(),
      queue: 'sms-send',
      body: { jobId: uuidv7() },
      dedupeKey: uuidv7(),
      attempts: 9,
      status,
      firstSeenAt: iso(seen),
      lastSeenAt: iso(seen),
      resolvedAt: resolved ? iso(resolved) : null,
    });
    const rows = [
      letter('retried', ago(31), ago(40)),
      letter('discarded', ago(30, 1), ago(40)),
      letter('discarded', ago(29), ago(40)),
      letter('pending', null, ago(400)),
    ];
    await control().insert(deadLetters).values(rows);
    await enforceRetention(env, NOW);
    const left = await control()
      .select()
      .from(deadLetters)
      .where(
        inArray(
          deadLetters.id,
          rows.map((r) => r.id),
        ),
      );
    expect(left.map((r) => r.id).sort()).toEqual([rows[2]!.id, rows[3]!.id].sort());
  });

  it('works in bounded batches: at most `batch` rows per rule and tick', async () => {
    const t = await createTenant();
    await control()
      .insert(sessions)
      .values(
        Array.from({ length: 5 }, (_, i) => ({
          id: uuidv7(),
          userId: t.adminId,
          tenantId: t.tenantId,
          tokenHash: `batch-${i}-${t.tenantId}`,
          expiresAt: iso(ago(2)),
        })),
      );
    const count = async () =>
      (await control().select().from(sessions).where(eq(sessions.tenantId, t.tenantId))).length;
    expect((await enforceRetention(env, NOW, 2)).sessions_deleted).toBe(2);
    expect(await count()).toBe(3);
    await enforceRetention(env, NOW, 2);
    await enforceRetention(env, NOW, 2);
    expect(await count()).toBe(0);
  });
});

describe('retention: shard databases', () => {
  it('webhook payloads older than 30 days keep only their non-personal keys; the rows stay', async () => {
    const t = await createTenant();
    const oldPayload = inboundPayload('+61412000001', '+61480000001', 'Call me about the offer');
    const old = await webhookAt(ago(30, 1), t.tenantId, oldPayload);
    const recent = await webhookAt(
      ago(29),
      t.tenantId,
      inboundPayload('+61412000002', '+61480000001', 'Hello'),
    );

    await enforceRetention(env, NOW);

    const scrubbed = await webhookRow(old);
    expect(scrubbed?.payload).toEqual({
      AccountSid: 'ACtest',
      MessageSid: oldPayload.MessageSid,
      SmsSid: oldPayload.SmsSid,
      NumMedia: '0',
      NumSegments: '1',
      ApiVersion: '2010-04-01',
    });
    expect(
      Object.keys(scrubbed?.payload ?? {}).every((k) => (KEPT_PAYLOAD_KEYS as readonly string[]).includes(k)),
    ).toBe(true);
    expect(scrubbed).toMatchObject({ payloadScrubbedAt: iso(NOW), providerEventId: `ret-${old}` });
    expect((await webhookRow(recent))?.payload.Body).toBe('Hello');
    expect((await webhookRow(recent))?.payloadScrubbedAt).toBeNull();
  });

  it('RETENTION_WEBHOOK_PAYLOAD_DAYS is honoured', async () => {
    const id = await webhookAt(ago(8), null, inboundPayload('+61412000003', '+61480000001', 'Hi'));
    await enforceRetention({ ...env, RETENTION_WEBHOOK_PAYLOAD_DAYS: '10' }, NOW);
    expect((await webhookRow(id))?.payloadScrubbedAt).toBeNull();
    await enforceRetention({ ...env, RETENTION_WEBHOOK_PAYLOAD_DAYS: '7' }, NOW);
    expect((await webhookRow(id))?.payload.From).toBeUndefined();
  });

  it('security: a scrubbed inbound message still guards against its replay', async () => {
    const t = await createTenant('Replay Co');
    const number = await addSendingNumber(t.tenantId);
    const messageSid = sid();
    const first = await inbound('+61412000077', number.phone, 'STOP', { messageSid });
    expect(first.status).toBe(200);
    const [row] = await t.db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.tenantId, t.tenantId), eq(webhookEvents.eventType, 'inbound:opt_out')));
    // "Now" for this rule is taken from the row's own arrival time (its UUIDv7), not the real clock.
    const arrived = Number.parseInt(row!.id.replace(/-/g, '').slice(0, 12), 16);
    await enforceRetention(env, new Date(arrived + 31 * DAY));
    expect((await webhookRow(row!.id))?.payload.From).toBeUndefined();

    await inbound('+61412000077', number.phone, 'START', { messageSid });
    const logged = await t.db.select().from(events).where(eq(events.tenantId, t.tenantId));
    expect(logged.map((e) => e.eventType)).toEqual(['OPT_OUT']);
  });

  it('expired short links lose target and person 180 days after expiry; counters stay; each tenant has its own stand-in', async () => {
    const a = await createTenant();
    const b = await createTenant();
    const link = async (tenantId: string, expires: Date) => {
      const contact = await addContact(tenantId);
      const campaign = await addCampaign(tenantId);
      // Retention walks campaigns whose links can be due: started a link's lifetime before expiry.
      await shardDb(tenantId)
        .update(campaigns)
        .set({ startedAt: iso(new Date(expires.getTime() - (SHORT_LINK_TTL_DAYS + 1) * 86_400_000)) })
        .where(eq(campaigns.id, campaign.id));
      const id = uuidv7();
      await shardDb(tenantId)
        .insert(shortLinks)
        .values({
          id,
          tenantId,
          campaignId: campaign.id,
          contactId: contact.id,
          token: `ret${id.slice(-12)}`,
          targetUrl: 'https://shop.example.au/spring?who=ada',
          clickCount: 7,
          humanClickCount: 3,
          clickedAt: iso(ago(300)),
          expiresAt: iso(expires),
        });
      return { id, contactId: contact.id };
    };
    const oldA = await link(a.tenantId, ago(180, 1));
    const oldB = await link(b.tenantId, ago(400));
    const recent = await link(a.tenantId, ago(179));
    const live = await link(a.tenantId, ago(-10));

    const report = await enforceRetention(env, NOW);
    expect(report.short_links_cleared).toBeGreaterThanOrEqual(2);

    const rows = await acrossShards((d) =>
      d
        .select()
        .from(shortLinks)
        .where(inArray(shortLinks.id, [oldA.id, oldB.id, recent.id, live.id])),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const standIn = async (tenantId: string) =>
      (
        await shardDb(tenantId)
          .select()
          .from(contacts)
          .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneE164, ERASED_LINKS_PHONE)))
      )[0];
    const sa = await standIn(a.tenantId);
    const sb = await standIn(b.tenantId);
    expect(sa).toMatchObject({ erasedAt: iso(NOW), firstName: null, email: null });
    expect(byId.get(oldA.id)).toMatchObject({
      targetUrl: '',
      contactId: sa!.id,
      clickCount: 7,
      humanClickCount: 3,
    });
    expect(byId.get(oldB.id)).toMatchObject({ targetUrl: '', contactId: sb!.id, clickCount: 7 });
    expect(byId.get(recent.id)).toMatchObject({
      targetUrl: 'https://shop.example.au/spring?who=ada',
      contactId: recent.contactId,
    });
    expect(byId.get(live.id)?.contactId).toBe(live.contactId);

    // Idempotent: the next tick finds nothing more of these, and makes no second stand-in.
    await enforceRetention(env, NOW);
    const standIns = await a.db
      .select()
      .from(contacts)
      .where(and(eq(contacts.tenantId, a.tenantId), eq(contacts.phoneE164, ERASED_LINKS_PHONE)));
    expect(standIns).toHaveLength(1);
    // The stand-in is an erased contact: it never shows in the contacts list.
    const list = await a.api('/api/v1/contacts');
    expect(JSON.stringify(await json(list))).not.toContain(ERASED_LINKS_PHONE);
  });

  it('the retention queries walk their partial indexes, not the tables', async () => {
    const plan = async (q: string) =>
      (await shards(env)[0]!.d1.prepare(`EXPLAIN QUERY PLAN ${q}`).all<{ detail: string }>()).results
        .map((r) => r.detail)
        .join(' | ');
    expect(
      await plan(
        "SELECT id FROM webhook_events WHERE payload_scrubbed_at IS NULL AND id < '0193' ORDER BY id LIMIT 500",
      ),
    ).toContain('webhook_events_unscrubbed_id_idx');
    // Links are retired campaign by campaign, through the campaign's link index.
    expect(
      await plan(
        "SELECT id FROM short_links WHERE campaign_id = 'c' AND target_url IS NOT '' AND expires_at < '2026' LIMIT 500",
      ),
    ).toMatch(/SEARCH short_links USING INDEX short_links_campaign/);
    expect(
      await plan(
        "SELECT id FROM webhook_events WHERE tenant_id = 't' AND payload_scrubbed_at IS NULL AND json_extract(payload, '$.From') = 'p'",
      ),
    ).toMatch(/webhook_events_(unscrubbed_tenant|tenant_id)_idx/);
  });
});

describe('erasing a contact erases them from webhook payloads and inbound messages', () => {
  it('happy: their number and words go from the tenant’s payloads and contact-less replies; other tenants keep theirs', async () => {
    const t = await createTenant();
    // On the same shard: erasure must stop at the tenant, not at the database.
    const other = await createTenant('Other Co', {
      shard: shards(env).findIndex((s) => s.name === t.shard.name),
    });
    const { number, contact, job } = await seedSentMessage(t.tenantId);
    const phone = contact.phone;
    const inboundId = await webhookAt(
      ago(1),
      t.tenantId,
      inboundPayload(phone, number.phone, 'My address is 1 Main St'),
    );
    const statusId = await webhookAt(ago(1), t.tenantId, {
      MessageSid: job.sid ?? '',
      MessageStatus: 'delivered',
      From: number.phone,
      To: phone,
    });
    const unrelated = await webhookAt(
      ago(1),
      t.tenantId,
      inboundPayload('+61412999999', number.phone, 'Other person'),
    );
    const otherTenant = await webhookAt(
      ago(1),
      other.tenantId,
      inboundPayload(phone, '+61480000099', 'Same phone, other shop'),
    );
    // A reply logged before the person was a contact (no contact_id), and one in another tenant.
    const early = uuidv7();
    const foreign = uuidv7();
    await t.db.insert(events).values([
      {
        id: early,
        tenantId: t.tenantId,
        eventType: 'REPLIED',
        metadata: {
          source: 'inbound_sms',
          body: 'Who is this?',
          from: phone,
          to: number.phone,
          message_sid: 'SMx',
        },
      },
      {
        id: foreign,
        tenantId: other.tenantId,
        eventType: 'REPLIED',
        metadata: { body: 'Keep me', from: phone },
      },
    ]);

    const res = await t.api(`/api/v1/contacts/${contact.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);

    const inboundRow = await webhookRow(inboundId);
    expect(inboundRow?.payload).toEqual({
      AccountSid: 'ACtest',
      MessageSid: expect.any(String),
      SmsSid: expect.any(String),
      NumMedia: '0',
      NumSegments: '1',
      ApiVersion: '2010-04-01',
    });
    expect(inboundRow?.payloadScrubbedAt).not.toBeNull();
    expect((await webhookRow(statusId))?.payload).toEqual({
      MessageSid: job.sid,
      MessageStatus: 'delivered',
    });
    expect((await webhookRow(unrelated))?.payload.Body).toBe('Other person');
    expect((await webhookRow(otherTenant))?.payload.From).toBe(phone);
    const [e1] = await t.db.select().from(events).where(eq(events.id, early));
    expect(e1?.metadata).toEqual({ source: 'inbound_sms', message_sid: 'SMx' });
    const [e2] = await t.db.select().from(events).where(eq(events.id, foreign));
    expect(e2?.metadata).toEqual({ body: 'Keep me', from: phone });
  });
});
