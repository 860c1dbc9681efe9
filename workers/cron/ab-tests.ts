// Every minute, per shard: move A/B tests along (issue 12, item 4; docs/campaigns.md).
//   test → waiting   once the test phase's fan-out is done and none of its jobs is left queued;
//                    the winner is due `wait_minutes` after the last test message went out, so
//                    every test recipient had at least that long to click.
//   waiting → winner when that time has come: pick the winner from what the test measured, record
//                    it with its reason, reset the fan-out cursor and kick the winner's fan-out.
// Each step is one conditional UPDATE on the phase, so two cron runs (or a run repeated after a
// crash) move a campaign once. A crash after the pick but before the fan-out message is picked up
// by the stalled fan-out check in cron/campaigns.ts (the cursor is null, fanout_done_at is null).
import { sql } from 'drizzle-orm';
import { uuidv7 } from '../db/ids';
import { auditLog } from '../db/schema';
import type { Shard } from '../db/shards';
import { type AbMetric, type AbTestSettings, pickWinner, type VariantResult } from '../domain/ab-test';
import { enqueueFanout } from '../send/enqueue';
import { usesLink } from '../send/render';
import { andTenant, type CronScope } from './scope';

type TestDone = { id: string; tenant_id: string; ab_test: string; last_at: string | null };

export async function advanceAbTests(
  env: Env,
  shard: Shard,
  now: Date,
  scope?: CronScope,
): Promise<{ waiting: number; picked: number }> {
  const { db } = shard;
  const at = now.toISOString();
  const homed = sql`(SELECT id FROM tenants WHERE shard = ${shard.name})`;

  const done = await db.all<TestDone>(sql`
    SELECT c.id, c.tenant_id, c.ab_test,
           (SELECT max(coalesce(j.sent_at, j.failed_at)) FROM send_jobs j WHERE j.campaign_id = c.id) AS last_at
      FROM campaigns c
     WHERE c.ab_phase = 'test' AND c.status = 'running' AND c.fanout_done_at IS NOT NULL
       AND c.tenant_id IN ${homed}${andTenant('c.tenant_id', scope)}
       AND NOT EXISTS (SELECT 1 FROM send_jobs j WHERE j.campaign_id = c.id AND j.status = 'queued')`);
  let waiting = 0;
  for (const c of done) {
    const settings = JSON.parse(c.ab_test) as AbTestSettings;
    // No test message at all (an empty or unreachable test group): nothing to wait for.
    const decideAt = c.last_at
      ? new Date(Date.parse(c.last_at) + settings.wait_minutes * 60_000).toISOString()
      : at;
    const moved = await db.all<{ id: string }>(sql`
      UPDATE campaigns SET ab_phase = 'waiting', ab_decide_at = ${decideAt}, updated_at = ${at}
       WHERE id = ${c.id} AND ab_phase = 'test' AND status = 'running' AND fanout_done_at IS NOT NULL
      RETURNING id`);
    waiting += moved.length;
  }

  const due = await db.all<{ id: string; tenant_id: string }>(sql`
    SELECT id, tenant_id FROM campaigns
     WHERE ab_phase = 'waiting' AND status = 'running' AND ab_decide_at <= ${at} AND tenant_id IN ${homed}${andTenant('tenant_id', scope)}`);
  let picked = 0;
  for (const c of due) {
    try {
      if (await pickAbWinner(env, shard, c.id, now)) picked += 1;
    } catch (err) {
      // One campaign must not hold back the others; a pick that was recorded but whose fan-out
      // message was lost is re-kicked as a stalled fan-out (cron/campaigns.ts).
      console.error('A/B winner pick failed', c.id, err);
    }
  }
  return { waiting, picked };
}

type JobAgg = { template_id: string | null; sent: number; delivered: number; cost: number; parts: number };

/**
 * Picks the winner of a campaign whose test is over and starts the winner's fan-out. Returns
 * false when another run got there first (or the campaign is no longer waiting and running).
 */
export async function pickAbWinner(env: Env, shard: Shard, campaignId: string, now: Date): Promise<boolean> {
  const { db, d1 } = shard;
  const at = now.toISOString();
  const campaign = await db.query.campaigns.findFirst({
    where: (c, { eq }) => eq(c.id, campaignId),
  });
  if (!campaign?.abTest || campaign.abPhase !== 'waiting' || campaign.status !== 'running') return false;
  const [jobs, clicks, templates] = await d1.batch([
    d1
      .prepare(
        `SELECT template_id,
                sum(CASE WHEN provider_message_id IS NOT NULL THEN 1 ELSE 0 END) AS sent,
                sum(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
                coalesce(sum(CASE WHEN provider_message_id IS NOT NULL THEN cost_cents END), 0) AS cost,
                coalesce(sum(CASE WHEN provider_message_id IS NOT NULL THEN parts END), 0) AS parts
           FROM send_jobs WHERE campaign_id = ?1 GROUP BY template_id`,
      )
      .bind(campaignId),
    // Recipients who clicked (a human, at least once) on the personal link of a message sent to them.
    d1
      .prepare(
        `SELECT j.template_id AS template_id, count(*) AS clickers
           FROM short_links l
           JOIN send_jobs j ON j.tenant_id = l.tenant_id AND j.campaign_id = l.campaign_id AND j.contact_id = l.contact_id
          WHERE l.campaign_id = ?1 AND l.human_click_count > 0 AND j.provider_message_id IS NOT NULL
          GROUP BY j.template_id`,
      )
      .bind(campaignId),
    d1
      .prepare(
        'SELECT id, name, body FROM message_templates WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))',
      )
      .bind(campaign.tenantId, JSON.stringify(campaign.templateIds)),
  ]);
  const byTemplate = new Map(((jobs?.results ?? []) as JobAgg[]).map((r) => [r.template_id, r]));
  const clickers = new Map(
    ((clicks?.results ?? []) as { template_id: string | null; clickers: number }[]).map((r) => [
      r.template_id,
      r.clickers,
    ]),
  );
  const rows = (templates?.results ?? []) as { id: string; name: string; body: string }[];
  const info = new Map(rows.map((t) => [t.id, t]));
  const variants: VariantResult[] = [...new Set(campaign.templateIds)]
    // A template deleted since launch cannot be sent to the rest.
    .filter((id) => info.has(id))
    .map((id) => {
      const j = byTemplate.get(id);
      return {
        templateId: id,
        name: info.get(id)?.name ?? null,
        sent: j?.sent ?? 0,
        delivered: j?.delivered ?? 0,
        clickers: clickers.get(id) ?? 0,
        costCents: j?.cost ?? 0,
        parts: j?.parts ?? 0,
      };
    });
  if (variants.length === 0) {
    await db.run(sql`
      UPDATE campaigns SET status = 'paused', status_reason = 'A/B test: every template was deleted', updated_at = ${at}
       WHERE id = ${campaignId} AND status = 'running' AND ab_phase = 'waiting'`);
    return false;
  }
  const hasLink = !!campaign.targetUrl && rows.some((t) => usesLink(t.body));
  const requested: AbMetric = campaign.abTest.metric;
  const decision = pickWinner(variants, requested, hasLink);
  const result = {
    reason: decision.reason,
    metric: decision.metric,
    requested_metric: requested,
    tie_break: decision.tieBreak,
    decided_at: at,
    variants: decision.variants.map((v) => ({
      template_id: v.templateId,
      name: v.name,
      sent: v.sent,
      delivered: v.delivered,
      clickers: v.clickers,
      cost_cents: v.costCents,
      parts: v.parts,
      rate: v.rate,
    })),
  };
  const won = await db.all<{ id: string }>(sql`
    UPDATE campaigns
       SET ab_phase = 'winner', ab_winner_template_id = ${decision.winnerTemplateId}, ab_result = ${JSON.stringify(result)},
           fanout_cursor = NULL, fanout_done_at = NULL, updated_at = ${at}
     WHERE id = ${campaignId} AND ab_phase = 'waiting' AND status = 'running'
    RETURNING id`);
  if (won.length === 0) return false;
  await db.insert(auditLog).values({
    id: uuidv7(now.getTime()),
    tenantId: campaign.tenantId,
    action: 'campaign.ab_winner_picked',
    resourceType: 'campaign',
    resourceId: campaignId,
    metadata: { winner_template_id: decision.winnerTemplateId, reason: decision.reason, via: 'cron' },
    createdAt: at,
  });
  await enqueueFanout(env.FANOUT_QUEUE, { campaignId, tenantId: campaign.tenantId, cursor: null });
  return true;
}
