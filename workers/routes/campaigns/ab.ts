// A/B test and local-time settings of a campaign (issue 12, items 4 and 5): the checks that need
// more than the body's shape, and the report's view of the test. The test runs in the queues and
// the cron (workers/queues/fanout.ts, workers/cron/ab-tests.ts); docs/campaigns.md explains it.
import type { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { tenants } from '../../db/schema';
import type { AbMetric, AbTestSettings } from '../../domain/ab-test';
import type { SendAtLocal } from '../../domain/local-delivery';
import { localDate } from '../../domain/local-time';
import type { AbStats, CampaignRow } from './schemas';

export type DeliverySettings = {
  template_ids: string[];
  ab_test: AbTestSettings | null;
  send_at_local: SendAtLocal | null;
  scheduled_at: string | null;
};

type FieldError = { path: string; message: string };

/** Has the local date gone by in the tenant's timezone (it can no longer be anyone's date there)? */
export function localDatePassed(s: SendAtLocal, tenantTimezone: string, now: Date): boolean {
  return s.date < localDate(now, tenantTimezone);
}

/** Checks across fields: an A/B test needs two templates; local time replaces a start time and must be ahead. */
export async function deliverySettingsErrors(
  db: Db,
  tenantId: string,
  s: DeliverySettings,
  now = new Date(),
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (s.ab_test) {
    if (new Set(s.template_ids).size < 2) {
      errors.push({ path: 'ab_test', message: 'An A/B test needs at least two different templates' });
    }
  }
  if (s.send_at_local) {
    if (s.scheduled_at) {
      errors.push({
        path: 'send_at_local',
        message: 'Choose either scheduled_at or send_at_local: a local-time campaign starts itself in time',
      });
    }
    const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
    if (tenant && localDatePassed(s.send_at_local, tenant.timezone, now)) {
      errors.push({
        path: 'send_at_local.date',
        message: `The date has passed (today is ${localDate(now, tenant.timezone)} in ${tenant.timezone})`,
      });
    }
  }
  return errors;
}

type StoredResult = {
  reason?: string;
  metric?: AbMetric;
  decided_at?: string;
  variants?: z.infer<typeof AbStats>['variants'];
};

/** The report's view of the A/B test; null without one. */
export function abStatsJson(row: CampaignRow): z.infer<typeof AbStats> | null {
  if (!row.abTest) return null;
  const result = (row.abResult ?? {}) as StoredResult;
  const phase =
    row.abPhase === null || row.startedAt === null
      ? 'not_started'
      : row.abPhase === 'winner' && row.status === 'completed' && row.cancelledAt === null
        ? 'done'
        : row.abPhase;
  return {
    phase,
    winner_template_id: row.abWinnerTemplateId,
    reason: result.reason ?? null,
    test_share_percent: row.abTest.test_share_percent,
    wait_minutes: row.abTest.wait_minutes,
    metric: row.abTest.metric,
    decided_by: result.metric ?? null,
    decide_at: row.abDecideAt,
    decided_at: result.decided_at ?? null,
    variants: result.variants ?? [],
  };
}
