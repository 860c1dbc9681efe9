// shard database: message templates and the campaigns that send them.
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { AB_PHASES, type AbMetric } from '../../domain/ab-test';
import type { RecordedPlan } from '../../domain/delivery-plan';
import type { IfPassed } from '../../domain/local-delivery';
import { bool, createdAt, id, isBool, oneOf, updatedAt } from './columns';
import { tenants } from './control';
import { ARCHIVE_STATES, CAMPAIGN_STATUSES } from './enums';

export const messageTemplates = sqliteTable(
  'message_templates',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    body: text('body').notNull(),
    variables: text('variables', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    isActive: bool('is_active').notNull().default(true),
    // beyond the ERD (issue 14): one image makes the template an MMS. Type and size as checked
    // when the URL was saved (the sender fetches nothing; Twilio fetches the image itself).
    mediaUrl: text('media_url'),
    mediaContentType: text('media_content_type'),
    mediaBytes: integer('media_bytes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('message_templates_tenant_id_idx').on(t.tenantId),
    check('message_templates_media_https', sql`${t.mediaUrl} IS NULL OR ${t.mediaUrl} LIKE 'https://%'`),
    check('message_templates_is_active_bool', isBool('is_active')),
  ],
);

export const campaigns = sqliteTable(
  'campaigns',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('draft'),
    templateIds: text('template_ids', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    quietHoursStart: text('quiet_hours_start').notNull().default('20:00'),
    quietHoursEnd: text('quiet_hours_end').notNull().default('09:00'),
    targetUrl: text('target_url'),
    // beyond the ERD: who receives it, when it starts, from which numbers, why it stopped
    audience: text('audience', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'`),
    scheduledAt: text('scheduled_at'),
    sendingNumberIds: text('sending_number_ids', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    utmParams: text('utm_params', { mode: 'json' }).$type<Record<string, string>>(),
    statusReason: text('status_reason'),
    audienceCount: integer('audience_count'),
    skippedCounts: text('skipped_counts', { mode: 'json' })
      .$type<Record<string, number>>()
      .notNull()
      .default(sql`'{}'`),
    fanoutCursor: text('fanout_cursor'),
    fanoutDoneAt: text('fanout_done_at'),
    startedAt: text('started_at'),
    cancelledAt: text('cancelled_at'),
    // beyond the ERD (issue 9 retention): when every link of the campaign had its target and person
    // cleared (RETENTION_SHORT_LINK_DAYS after expiry); the retention cron walks campaigns, not links
    linksRetiredAt: text('links_retired_at'),
    // beyond the ERD (issue 11, storage lifecycle, workers/lifecycle/): how far the archiving of the
    // campaign's per-message rows has come (null: not started), and when its reports switched to the
    // roll-ups (set with 'deleting': from then on the detail rows may be partly or wholly gone).
    archiveState: text('archive_state', { enum: ARCHIVE_STATES }),
    archivedAt: text('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    queuedAt: text('queued_at'),
    completedAt: text('completed_at'),
    // beyond the ERD (issue 12, A/B test with a winner; docs/campaigns.md): the settings
    // `{test_share_percent, wait_minutes, metric}` (null = no test), where the test stands
    // (test → waiting → winner), when the winner is due to be picked (the cron picks it), the
    // winner, and the numbers and sentence that decided (`{reason, metric, decided_at, variants}`).
    abTest: text('ab_test', { mode: 'json' }).$type<{
      test_share_percent: number;
      wait_minutes: number;
      metric: AbMetric;
    }>(),
    abPhase: text('ab_phase', { enum: AB_PHASES }),
    abDecideAt: text('ab_decide_at'),
    abWinnerTemplateId: text('ab_winner_template_id'),
    abResult: text('ab_result', { mode: 'json' }).$type<Record<string, unknown>>(),
    // beyond the ERD (issue 12, local-time delivery): `{date, time, if_passed}` (null = send when
    // started), and what the fan-out planned, recipients per phase and UTC instant
    // (workers/domain/delivery-plan.ts), moved with the fan-out cursor.
    sendAtLocal: text('send_at_local', { mode: 'json' }).$type<{
      date: string;
      time: string;
      if_passed: IfPassed;
    }>(),
    deliveryPlan: text('delivery_plan', { mode: 'json' }).$type<RecordedPlan>(),
  },
  (t) => [
    index('campaigns_tenant_id_idx').on(t.tenantId),
    index('campaigns_status_scheduled_idx').on(t.status, t.scheduledAt),
    // the archiving cron: campaigns in progress (by state), then those completed before the cutoff
    index('campaigns_archive_idx').on(t.archiveState, t.completedAt).where(sql`status = 'completed'`),
    // the cron's A/B steps: only campaigns with a test in progress are in it
    index('campaigns_ab_phase_decide_idx')
      .on(t.abPhase, t.abDecideAt)
      .where(sql`ab_phase IN ('test', 'waiting')`),
    check('campaigns_status_enum', oneOf('status', CAMPAIGN_STATUSES)),
    check(
      'campaigns_archive_state_enum',
      sql`archive_state IS NULL OR ${oneOf('archive_state', ARCHIVE_STATES)}`,
    ),
    check(
      'campaigns_archived_at_state',
      sql`(archived_at IS NOT NULL) = (archive_state IS NOT NULL AND archive_state IN ('deleting', 'archived'))`,
    ),
    check(
      'campaigns_ab_phase_enum',
      sql`${t.abPhase} IS NULL OR ${t.abPhase} IN ('test', 'waiting', 'winner')`,
    ),
    check('campaigns_quiet_start_hhmm', sql`${t.quietHoursStart} GLOB '[0-2][0-9]:[0-5][0-9]'`),
    check('campaigns_quiet_end_hhmm', sql`${t.quietHoursEnd} GLOB '[0-2][0-9]:[0-5][0-9]'`),
  ],
);
