// A completed campaign with every kind of per-message row the storage lifecycle archives, at
// pinned instants (so the daily roll-up crosses a DST change), and drivers for the archiver.
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { uuidv7 } from '../../workers/db/ids';
import { ERASED_LINKS_PHONE } from '../../workers/db/privacy';
import { campaigns, messageTemplates } from '../../workers/db/schema';
import { archiveCampaigns } from '../../workers/lifecycle/archiver';
import type { ArchiveOptions, ArchiveReport } from '../../workers/lifecycle/context';
import { json, type TestTenant } from './fixtures';
import { nextSeq } from './seq';

/** What seedCampaign needs of a tenant (a test may hand it a bare shard copy). */
export type Seedable = Pick<TestTenant, 'tenantId' | 'db' | 'shard'>;

export type SeededCampaign = {
  campaignId: string;
  templateIds: [string, string];
  contactIds: string[];
  jobIds: string[];
  /** Rows per archived table. */
  counts: { send_jobs: number; short_links: number; events: number; click_counts: number };
};

const MIN = 60_000;

/**
 * `n` recipients of one completed campaign (two templates), their messages sent from `firstSentAt`
 * every `everyMinutes`: most delivered, some still sent, some failed, some cancelled, one with no
 * template; clicks on some links (per minute in click_counts too), a link moved to the erased
 * stand-in by retention, failures, replies and an opt-out as events. Links expired long ago.
 */
export async function seedCampaign(
  t: Seedable,
  opts: { n: number; firstSentAt: string; everyMinutes: number; completedAt?: string; linkTtlDays?: number },
): Promise<SeededCampaign> {
  const { tenantId, db, shard } = t;
  const templateIds: [string, string] = [uuidv7(), uuidv7()];
  await db.insert(messageTemplates).values([
    { id: templateIds[0], tenantId, name: 'Variant A', body: 'Hi {{first_name}} {{link}}' },
    { id: templateIds[1], tenantId, name: 'Variant B', body: 'Hello {{first_name}} {{link}}' },
  ]);
  const campaignId = uuidv7();
  const first = Date.parse(opts.firstSentAt);
  const last = first + opts.n * opts.everyMinutes * MIN;
  await db.insert(campaigns).values({
    id: campaignId,
    tenantId,
    name: 'Spring sale',
    status: 'completed',
    templateIds,
    targetUrl: 'https://shop.example/sale',
    audienceCount: opts.n + 2,
    skippedCounts: { do_not_contact: 2 },
    startedAt: new Date(first - 10 * MIN).toISOString(),
    queuedAt: new Date(first - 11 * MIN).toISOString(),
    completedAt: opts.completedAt ?? new Date(last + 60 * MIN).toISOString(),
  });
  const contacts = Array.from({ length: opts.n }, (_, i) => ({
    id: uuidv7(),
    phone: `+6147${String(nextSeq()).padStart(7, '0')}`,
    first: `Person ${i}`,
  }));
  await shard.d1
    .prepare(
      `INSERT INTO contacts (id, tenant_id, phone_e164, first_name, consent_status)
       SELECT value ->> '$.id', ?1, value ->> '$.phone', value ->> '$.first', 'explicit' FROM json_each(?2)`,
    )
    .bind(tenantId, JSON.stringify(contacts))
    .run();
  const iso = (ms: number) => new Date(ms).toISOString();
  const jobs = contacts.map((c, i) => {
    const sent = first + i * opts.everyMinutes * MIN;
    const kind = i % 7 === 3 ? 'failed' : i % 7 === 5 ? 'sent' : i % 11 === 6 ? 'cancelled' : 'delivered';
    const template = i === 4 ? null : templateIds[i % 2];
    return {
      id: uuidv7(sent),
      contact_id: c.id,
      template_id: template,
      status: kind === 'cancelled' ? 'failed' : kind,
      body: `Hi Person ${i} https://sms.example.test/l/x`,
      parts: 1 + (i % 2),
      cost_cents: kind === 'cancelled' ? null : 5 * (1 + (i % 2)),
      provider_message_id: kind === 'cancelled' ? null : `SM${String(i).padStart(32, '0')}`,
      failure_reason: kind === 'failed' ? 'undelivered' : kind === 'cancelled' ? 'cancelled' : null,
      error_code: kind === 'failed' ? '30003' : null,
      attempt_count: kind === 'cancelled' ? 0 : 1,
      queued_at: iso(first - 10 * MIN),
      sent_at: kind === 'cancelled' ? null : iso(sent),
      delivered_at: kind === 'delivered' ? iso(sent + 7_000 + (i % 3) * 3 * MIN) : null,
      failed_at: kind === 'failed' ? iso(sent + 20_000) : kind === 'cancelled' ? iso(last) : null,
    };
  });
  await shard.d1
    .prepare(
      `INSERT INTO send_jobs (id, tenant_id, campaign_id, contact_id, template_id, status, body, parts, cost_cents,
         provider_message_id, failure_reason, error_code, attempt_count, queued_at, sent_at, delivered_at, failed_at)
       SELECT value ->> '$.id', ?1, ?2, value ->> '$.contact_id', value ->> '$.template_id', value ->> '$.status',
              value ->> '$.body', value ->> '$.parts', value ->> '$.cost_cents', value ->> '$.provider_message_id',
              value ->> '$.failure_reason', value ->> '$.error_code', value ->> '$.attempt_count',
              value ->> '$.queued_at', value ->> '$.sent_at', value ->> '$.delivered_at', value ->> '$.failed_at'
         FROM json_each(?3)`,
    )
    .bind(tenantId, campaignId, JSON.stringify(jobs))
    .run();
  // Links: every recipient's; every third clicked (a bot click on every sixth); expired long ago.
  const linkCreated = first - 10 * MIN;
  const links = jobs.map((j, i) => {
    const clicked = i % 3 === 0;
    const at = first + i * opts.everyMinutes * MIN + 30 * MIN;
    return {
      id: uuidv7(linkCreated),
      contact_id: j.contact_id,
      token: `tok${campaignId.slice(-8)}${i}`,
      clicked_at: clicked ? iso(at) : null,
      click_count: clicked ? 1 + (i % 6 === 0 ? 1 : 0) : 0,
      human_click_count: clicked ? 1 : 0,
      recent_clicks: clicked ? JSON.stringify([iso(at)]) : null,
    };
  });
  // Link retention moved one expired link to the tenant's erased stand-in (no job matches it).
  const standIn = uuidv7();
  await shard.d1
    .prepare(
      `INSERT INTO contacts (id, tenant_id, phone_e164, consent_status, erased_at) VALUES (?1, ?2, ?3, 'unknown', ?4)
       ON CONFLICT (tenant_id, phone_e164) DO NOTHING`,
    )
    .bind(standIn, tenantId, ERASED_LINKS_PHONE, iso(last))
    .run();
  const [{ id: standInId } = { id: standIn }] = await db.all<{ id: string }>(
    sql`SELECT id FROM contacts WHERE tenant_id = ${tenantId} AND phone_e164 = ${ERASED_LINKS_PHONE}`,
  );
  links.push({
    id: uuidv7(linkCreated),
    contact_id: standInId,
    token: `tok${campaignId.slice(-8)}standin`,
    clicked_at: null,
    click_count: 3,
    human_click_count: 2,
    recent_clicks: null,
  });
  await shard.d1
    .prepare(
      `INSERT INTO short_links (id, tenant_id, campaign_id, contact_id, token, target_url, clicked_at, click_count,
         human_click_count, recent_clicks, created_at, expires_at)
       SELECT value ->> '$.id', ?1, ?2, value ->> '$.contact_id', value ->> '$.token', 'https://shop.example/sale',
              value ->> '$.clicked_at', value ->> '$.click_count', value ->> '$.human_click_count',
              value ->> '$.recent_clicks', ?3, ?4
         FROM json_each(?5)`,
    )
    .bind(
      tenantId,
      campaignId,
      iso(linkCreated),
      iso(linkCreated + (opts.linkTtlDays ?? 60) * 86_400_000),
      JSON.stringify(links),
    )
    .run();
  // click_counts: one row per minute with clicks, as the click recorder keeps them.
  const slots = new Map<string, { clicks: number; human: number }>();
  for (const l of links) {
    if (!l.clicked_at) continue;
    const slot = l.clicked_at.slice(0, 16);
    const s = slots.get(slot) ?? { clicks: 0, human: 0 };
    s.clicks += l.click_count;
    s.human += l.human_click_count;
    slots.set(slot, s);
  }
  await shard.d1
    .prepare(
      `INSERT INTO click_counts (tenant_id, campaign_id, slot, clicks, human_clicks)
       SELECT ?1, ?2, value ->> '$.slot', value ->> '$.clicks', value ->> '$.human' FROM json_each(?3)`,
    )
    .bind(tenantId, campaignId, JSON.stringify([...slots].map(([slot, s]) => ({ slot, ...s }))))
    .run();
  // Events: a FAILED per failed message, replies from the first three recipients, one opt-out.
  const events = [
    ...jobs
      .filter((j) => j.status === 'failed' && j.failure_reason !== 'cancelled')
      .map((j) => ({
        id: uuidv7(Date.parse(j.failed_at as string)),
        contact_id: j.contact_id,
        send_job_id: j.id,
        type: 'FAILED',
        metadata: { reason: 'undelivered', error_code: '30003' },
        at: j.failed_at,
      })),
    ...jobs.slice(0, 3).map((j, i) => ({
      id: uuidv7(first + (i + 1) * 47 * MIN),
      contact_id: j.contact_id,
      send_job_id: null,
      type: i === 2 ? 'OPT_OUT' : 'REPLIED',
      metadata: { source: 'inbound_sms', body: i === 2 ? 'STOP' : 'Yes please', from: contacts[i]?.phone },
      at: iso(first + (i + 1) * 47 * MIN),
    })),
  ];
  await shard.d1
    .prepare(
      `INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at)
       SELECT value ->> '$.id', ?1, value ->> '$.contact_id', ?2, value ->> '$.send_job_id', value ->> '$.type',
              value -> '$.metadata', value ->> '$.at' FROM json_each(?3)`,
    )
    .bind(tenantId, campaignId, JSON.stringify(events))
    .run();
  // An order attributed to the first recipient's click (revenue is read by campaign, not by link).
  const clicked = links[0];
  if (clicked?.clicked_at)
    await shard.d1
      .prepare(
        `INSERT INTO conversions (id, tenant_id, order_id, contact_id, value_cents, currency, occurred_at, status,
           campaign_id, short_link_id, clicked_at, request_hash)
         SELECT ?1, ?2, ?3, ?4, 4250, currency, ?5, 'attributed', ?6, ?7, ?8, 'h' FROM tenants WHERE id = ?2`,
      )
      .bind(
        uuidv7(first),
        tenantId,
        `order-${campaignId}`,
        clicked.contact_id,
        iso(Date.parse(clicked.clicked_at) + 3_600_000),
        campaignId,
        clicked.id,
        clicked.clicked_at,
      )
      .run();
  return {
    campaignId,
    templateIds,
    contactIds: contacts.map((c) => c.id),
    jobIds: jobs.map((j) => j.id),
    counts: {
      send_jobs: jobs.length,
      short_links: links.length,
      events: events.length,
      click_counts: slots.size,
    },
  };
}

/** Everything a user can see of a campaign's numbers, as text where the bytes matter. */
export async function reports(
  t: TestTenant,
  campaignId: string,
  tenantWide?: { since: string; until: string },
) {
  const text = async (path: string) => {
    const res = await t.api(path, { role: 'viewer' });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.text();
  };
  return {
    stats: await json(await t.api(`/api/v1/campaigns/${campaignId}/stats`, { role: 'viewer' })),
    summary: await text(`/api/v1/campaigns/${campaignId}/summary.csv`),
    recipients: await text(`/api/v1/campaigns/${campaignId}/recipients.csv`),
    daily: await json(await t.api(`/api/v1/events/timeseries?campaign_id=${campaignId}&bucket=day`)),
    revenue: await json(await t.api(`/api/v1/conversions/summary?month=${encodeURIComponent('2026-10')}`)),
    tenantDaily: tenantWide
      ? await json(
          await t.api(
            `/api/v1/events/timeseries?bucket=day&since=${encodeURIComponent(tenantWide.since)}&until=${encodeURIComponent(tenantWide.until)}`,
          ),
        )
      : null,
  };
}

export const fast: Partial<ArchiveOptions> = {
  partRows: 4,
  deleteRows: 7,
  stepsPerTick: 1000,
  leaseMs: 5 * MIN,
};

/** The campaign's archiving state. */
export async function stateOf(t: TestTenant, campaignId: string): Promise<string | null> {
  const [row] = await t.db.all<{ archive_state: string | null }>(
    sql`SELECT archive_state FROM campaigns WHERE id = ${campaignId}`,
  );
  return row?.archive_state ?? null;
}

/**
 * Ticks the archiver (each tick a lease later, as a crashed tick's lease must run out) until the
 * campaign is archived; returns the ticks' reports.
 */
export async function archiveUntilDone(
  t: TestTenant,
  campaignId: string,
  from: Date,
  opts: Partial<ArchiveOptions> = fast,
  maxTicks = 100,
): Promise<{ reports: ArchiveReport[]; at: Date }> {
  const reports: ArchiveReport[] = [];
  let at = from;
  for (let i = 0; i < maxTicks; i++) {
    reports.push(await archiveCampaigns(env, at, opts));
    if ((await stateOf(t, campaignId)) === 'archived') return { reports, at };
    at = new Date(at.getTime() + (opts.leaseMs ?? 5 * MIN) + MIN);
  }
  throw new Error(
    `campaign ${campaignId} not archived after ${maxTicks} ticks: ${await stateOf(t, campaignId)}`,
  );
}

/** Every object under the campaign's prefix in the ARCHIVE bucket. */
export async function objectsOf(tenantId: string, campaignId: string): Promise<string[]> {
  const listed = await env.ARCHIVE.list({ prefix: `tenants/${tenantId}/campaigns/${campaignId}/` });
  return listed.objects.map((o) => o.key).sort();
}
