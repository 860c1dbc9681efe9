// A message's life is recorded on its own rows, not as event rows (README "Storage per message"):
// the send job says when it was queued, sent and delivered, its short link when it was clicked, and
// click_counts how many clicks each campaign had per minute. This module turns those rows back
// into events for the event log (when it is asked about a campaign or a contact: both indexed)
// and into the report chart's time slots. Failures, replies and opt-outs stay event rows.
import { sql } from 'drizzle-orm';
import type { SlotCount } from '../domain/event-log';
import { jobTemplateSql } from './campaign-totals';
import type { Db } from './client';
import { directEvents } from './direct-log';
import type { EventType } from './schema';

export type LoggedEvent = {
  id: string;
  eventType: EventType;
  contactId: string | null;
  campaignId: string | null;
  sendJobId: string | null;
  shortLinkId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
};

/** The event types a message's own rows answer for. */
export const DERIVED_TYPES: readonly EventType[] = ['QUEUED', 'SENT', 'DELIVERED', 'CLICKED'];

/**
 * A stable, time-ordered id for a derived event: the first 48 bits are its time (as in a UUIDv7,
 * so it sorts and pages with stored events), the rest a hash of what it is.
 */
export async function derivedId(at: string, key: string): Promise<string> {
  const ms = Date.parse(at);
  const hex = ms.toString(16).padStart(12, '0');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  const rest = Array.from(digest.subarray(0, 10), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${rest.slice(0, 3)}-8${rest.slice(3, 6)}-${rest.slice(6, 18)}`;
}

/** The instant a (stored or derived) event id carries in its first 48 bits. */
export function idTime(id: string): string {
  return new Date(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toISOString();
}

export type DerivedFilter = {
  tenantId: string;
  campaignId?: string | undefined;
  contactId?: string | undefined;
  type?: EventType | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** Only events with an id below this (the page cursor). */
  before?: string | undefined;
};

type JobRow = {
  id: string;
  contact_id: string;
  campaign_id: string;
  template_id: string | null;
  status: string;
  parts: number | null;
  cost_cents: number | null;
  provider_message_id: string | null;
  queued_at: string;
  sent_at: string | null;
  delivered_at: string | null;
};
type LinkRow = { id: string; contact_id: string; campaign_id: string; recent_clicks: string | null };

/**
 * The derived events matching the filter, newest first (at most `limit`). Only for a campaign or
 * a contact: both reach the rows through an index; a tenant-wide log lists stored events only.
 */
export async function derivedEvents(db: Db, f: DerivedFilter, limit: number): Promise<LoggedEvent[]> {
  if (!f.campaignId && !f.contactId) return [];
  // Replies, tests and other one-to-one messages (issue 12) come from their own rows too.
  const direct = await directEvents(db, f, limit);
  if (f.type && !DERIVED_TYPES.includes(f.type)) return direct;
  const upTo = [f.until, f.before ? idTime(f.before) : undefined]
    .filter((x): x is string => Boolean(x))
    .sort()[0];
  const scope = sql.join(
    [
      sql`tenant_id = ${f.tenantId}`,
      ...(f.campaignId ? [sql`campaign_id = ${f.campaignId}`] : []),
      ...(f.contactId ? [sql`contact_id = ${f.contactId}`] : []),
    ],
    sql` AND `,
  );
  const out: LoggedEvent[] = [];
  const want = (t: EventType) => !f.type || f.type === t;
  const inWindow = (at: string | null): at is string =>
    at !== null && (!f.since || at >= f.since) && (!upTo || at <= upTo);

  if (want('QUEUED') || want('SENT') || want('DELIVERED')) {
    const jobs = await db.all<JobRow>(sql`
      SELECT id, contact_id, campaign_id, ${sql.raw(jobTemplateSql('template_id', 'send_jobs.campaign_id'))} AS template_id,
             status, parts, cost_cents, provider_message_id,
             queued_at, sent_at, delivered_at
        FROM send_jobs WHERE ${scope}`);
    for (const j of jobs) {
      const base = { contactId: j.contact_id, campaignId: j.campaign_id, sendJobId: j.id, shortLinkId: null };
      if (want('QUEUED') && inWindow(j.queued_at))
        out.push({
          ...base,
          id: await derivedId(j.queued_at, `${j.id}:QUEUED`),
          eventType: 'QUEUED',
          metadata: { template_id: j.template_id },
          createdAt: j.queued_at,
        });
      if (want('SENT') && inWindow(j.sent_at) && j.provider_message_id)
        out.push({
          ...base,
          id: await derivedId(j.sent_at, `${j.id}:SENT`),
          eventType: 'SENT',
          metadata: { provider_message_id: j.provider_message_id, parts: j.parts, cost_cents: j.cost_cents },
          createdAt: j.sent_at,
        });
      if (want('DELIVERED') && inWindow(j.delivered_at))
        out.push({
          ...base,
          id: await derivedId(j.delivered_at, `${j.id}:DELIVERED`),
          eventType: 'DELIVERED',
          metadata: { message_sid: j.provider_message_id },
          createdAt: j.delivered_at,
        });
    }
  }
  if (want('CLICKED')) {
    const links = await db.all<LinkRow>(sql`
      SELECT id, contact_id, campaign_id, recent_clicks FROM short_links
       WHERE ${scope} AND recent_clicks IS NOT NULL`);
    for (const l of links) {
      for (const at of JSON.parse(l.recent_clicks ?? '[]') as string[]) {
        if (!inWindow(at)) continue;
        out.push({
          id: await derivedId(at, `${l.id}:CLICKED:${at}`),
          eventType: 'CLICKED',
          contactId: l.contact_id,
          campaignId: l.campaign_id,
          sendJobId: null,
          shortLinkId: l.id,
          metadata: { human: true },
          createdAt: at,
        });
      }
    }
  }
  return [...out.filter((e) => !f.before || e.id < f.before), ...direct]
    .sort((a, b) => (a.id < b.id ? 1 : -1))
    .slice(0, limit);
}

/** The 1- or 15-minute UTC slot of an ISO timestamp column, as SQL (`YYYY-MM-DDTHH:MM`). */
function slotOf(column: string, minutes: 1 | 15) {
  return sql.raw(
    minutes === 1
      ? `substr(${column}, 1, 16)`
      : `substr(${column}, 1, 14) || printf('%02d', (CAST(substr(${column}, 15, 2) AS INTEGER) / 15) * 15)`,
  );
}

type SlotFilter = {
  tenantId: string;
  campaignId?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
};

/**
 * The campaigns in scope, split by where their counts live: the detail rows (send jobs, click
 * counts) while they are in D1, the daily roll-ups once archiving has begun deleting them
 * (`archived_at` set, workers/lifecycle/). Each query below reads both in ONE statement, so a
 * campaign switching over between two reads is never counted twice or not at all.
 */
function scopeOf(f: SlotFilter) {
  const campaignsWhere = (archived: boolean) => {
    const state = archived ? sql`archived_at IS NOT NULL` : sql`archived_at IS NULL`;
    return f.campaignId
      ? sql`(SELECT id FROM campaigns WHERE id = ${f.campaignId} AND tenant_id = ${f.tenantId} AND ${state})`
      : sql`(SELECT id FROM campaigns WHERE tenant_id = ${f.tenantId} AND started_at IS NOT NULL AND ${state}
            AND (${f.until ?? null} IS NULL OR started_at < ${f.until ?? null})
            AND (completed_at IS NULL OR ${f.since ?? null} IS NULL OR completed_at >= ${f.since ?? null}))`;
  };
  const window = (column: string) =>
    sql.join(
      [
        sql.raw(`${column} IS NOT NULL`),
        ...(f.since ? [sql`${sql.raw(column)} >= ${f.since}`] : []),
        ...(f.until ? [sql`${sql.raw(column)} < ${f.until}`] : []),
      ],
      sql` AND `,
    );
  const clickWindow = sql.join(
    [
      sql`1`,
      ...(f.since ? [sql`slot >= ${f.since.slice(0, 16)}`] : []),
      ...(f.until ? [sql`slot < ${f.until.slice(0, 16)}`] : []),
    ],
    sql` AND `,
  );
  /** An archived campaign's days: those whose local midnight is inside the window. */
  const days = sql`campaign_daily_stats WHERE tenant_id = ${f.tenantId} AND campaign_id IN ${campaignsWhere(true)}
    AND ${window('starts_at')}`;
  return { campaigns: campaignsWhere(false), window, clickWindow, days };
}

export type MessageSpan = {
  first: string | null;
  last: string | null;
  /** Some of it comes from daily roll-ups (an archived campaign): only day buckets can show it. */
  daily: boolean;
};

/** The first and last instants with a send, delivery, failure or click in scope (for the chart's bucket). */
export async function messageSpan(db: Db, f: SlotFilter): Promise<MessageSpan> {
  const { campaigns, window, clickWindow, days } = scopeOf(f);
  const jobs = (column: string) => sql`
    SELECT min(${sql.raw(column)}) AS first, max(${sql.raw(column)}) AS last, 0 AS daily FROM send_jobs
     WHERE tenant_id = ${f.tenantId} AND campaign_id IN ${campaigns} AND ${window(column)}`;
  const [row] = await db.all<{ first: string | null; last: string | null; daily: number | null }>(sql`
    SELECT min(first) AS first, max(last) AS last, max(daily) AS daily FROM (
      ${jobs('sent_at')} UNION ALL ${jobs('delivered_at')} UNION ALL ${jobs('failed_at')}
      UNION ALL SELECT min(slot) || ':00.000Z', max(slot) || ':00.000Z', 0 FROM click_counts
       WHERE tenant_id = ${f.tenantId} AND campaign_id IN ${campaigns} AND ${clickWindow}
      UNION ALL SELECT min(starts_at), max(starts_at), count(*) > 0 FROM ${days}
        AND sent + delivered + failed + clicks + human_clicks > 0)`);
  return { first: row?.first ?? null, last: row?.last ?? null, daily: Boolean(row?.daily) };
}

/** A slot count, marked when it is a whole day of an archived campaign (at its local midnight). */
export type MessageSlot = SlotCount & { daily: boolean };

/**
 * Sends, deliveries, failures and clicks per 1- or 15-minute slot, from the send jobs and the click
 * counts of one campaign, or of the tenant's campaigns that were active in the window; an archived
 * campaign's come from its daily roll-ups, one slot per day at local midnight (`daily`).
 */
export async function messageSlots(db: Db, f: SlotFilter, slotMinutes: 1 | 15): Promise<MessageSlot[]> {
  const { campaigns, window, clickWindow, days } = scopeOf(f);
  const jobs = (column: string, type: string) => sql`
    SELECT ${slotOf(column, slotMinutes)} AS slot, ${type} AS type, count(*) AS count, 0 AS human, 0 AS daily
      FROM send_jobs
     WHERE tenant_id = ${f.tenantId} AND campaign_id IN ${campaigns} AND ${window(column)}
     GROUP BY 1`;
  // One SELECT for the four chart series of the archived days (D1 allows few compound terms).
  const rolled = sql`
    SELECT substr(starts_at, 1, 16) AS slot, k.value AS type,
           sum(CASE k.value WHEN 'SENT' THEN sent WHEN 'DELIVERED' THEN delivered WHEN 'FAILED' THEN failed
                            ELSE clicks END) AS count,
           sum(CASE k.value WHEN 'CLICKED' THEN human_clicks ELSE 0 END) AS human, 1 AS daily
      FROM json_each('["SENT","DELIVERED","FAILED","CLICKED"]') k, ${days}
       AND CASE k.value WHEN 'SENT' THEN sent WHEN 'DELIVERED' THEN delivered WHEN 'FAILED' THEN failed
                        ELSE clicks + human_clicks END > 0
     GROUP BY 1, 2`;
  const rows = await db.all<{ slot: string; type: string; count: number; human: number; daily: number }>(sql`
    ${jobs('sent_at', 'SENT')}
    UNION ALL ${jobs('delivered_at', 'DELIVERED')}
    UNION ALL ${jobs('failed_at', 'FAILED')}
    UNION ALL
    SELECT ${slotOf('slot', slotMinutes)} AS slot, 'CLICKED' AS type, sum(clicks) AS count, sum(human_clicks) AS human,
           0 AS daily
      FROM click_counts
     WHERE tenant_id = ${f.tenantId} AND campaign_id IN ${campaigns} AND ${clickWindow}
     GROUP BY 1
    UNION ALL ${rolled}`);
  return rows.map((r) => ({
    slot: r.slot,
    type: r.type,
    count: Number(r.count),
    human: Number(r.human),
    daily: r.daily === 1,
  }));
}
