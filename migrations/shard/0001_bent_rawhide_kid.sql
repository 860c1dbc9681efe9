CREATE TABLE `campaign_archive_parts` (
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`table_name` text NOT NULL,
	`part` integer NOT NULL,
	`key` text NOT NULL,
	`rows` integer NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`first_key` text NOT NULL,
	`last_key` text NOT NULL,
	`cursor` text NOT NULL,
	`verified_at` text,
	PRIMARY KEY(`campaign_id`, `table_name`, `part`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "campaign_archive_parts_table_enum" CHECK("table_name" IN ('send_jobs', 'short_links', 'events', 'click_counts'))
);
--> statement-breakpoint
CREATE INDEX `campaign_archive_parts_tenant_id_idx` ON `campaign_archive_parts` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `campaign_archives` (
	`campaign_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`prefix` text NOT NULL,
	`timezone` text,
	`expected_rows` text,
	`started_at` text NOT NULL,
	`rolled_up_at` text,
	`written_at` text,
	`verified_at` text,
	`deleting_at` text,
	`archived_at` text,
	`rows_deleted` integer DEFAULT 0 NOT NULL,
	`lease_until` text,
	`not_before` text,
	`restarts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `campaign_archives_tenant_id_idx` ON `campaign_archives` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `campaign_daily_stats` (
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`day` text NOT NULL,
	`starts_at` text NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`delivered` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`human_clicks` integer DEFAULT 0 NOT NULL,
	`replies` integer DEFAULT 0 NOT NULL,
	`opt_outs` integer DEFAULT 0 NOT NULL,
	`cost_cents` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `day`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `campaign_daily_stats_tenant_starts_idx` ON `campaign_daily_stats` (`tenant_id`,`starts_at`);--> statement-breakpoint
CREATE TABLE `campaign_outcomes` (
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`template_id` text,
	`status` text,
	`failure_reason` text,
	`messages` integer DEFAULT 0 NOT NULL,
	`cost_cents` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`human_clicks` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `seq`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "campaign_outcomes_kind_enum" CHECK("kind" IN ('messages', 'clicks')),
	CONSTRAINT "campaign_outcomes_status_enum" CHECK(status IS NULL OR "status" IN ('queued', 'sent', 'delivered', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `campaign_outcomes_tenant_id_idx` ON `campaign_outcomes` (`tenant_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`template_ids` text DEFAULT '[]' NOT NULL,
	`quiet_hours_start` text DEFAULT '20:00' NOT NULL,
	`quiet_hours_end` text DEFAULT '09:00' NOT NULL,
	`target_url` text,
	`audience` text DEFAULT '{}' NOT NULL,
	`scheduled_at` text,
	`sending_number_ids` text DEFAULT '[]' NOT NULL,
	`utm_params` text,
	`status_reason` text,
	`audience_count` integer,
	`skipped_counts` text DEFAULT '{}' NOT NULL,
	`fanout_cursor` text,
	`fanout_done_at` text,
	`started_at` text,
	`cancelled_at` text,
	`links_retired_at` text,
	`archive_state` text,
	`archived_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`queued_at` text,
	`completed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "campaigns_status_enum" CHECK("status" IN ('draft', 'queued', 'running', 'paused', 'completed')),
	CONSTRAINT "campaigns_archive_state_enum" CHECK(archive_state IS NULL OR "archive_state" IN ('rolled_up', 'written', 'verified', 'deleting', 'archived')),
	CONSTRAINT "campaigns_archived_at_state" CHECK((archived_at IS NOT NULL) = (archive_state IS NOT NULL AND archive_state IN ('deleting', 'archived'))),
	CONSTRAINT "campaigns_quiet_start_hhmm" CHECK("__new_campaigns"."quiet_hours_start" GLOB '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "campaigns_quiet_end_hhmm" CHECK("__new_campaigns"."quiet_hours_end" GLOB '[0-2][0-9]:[0-5][0-9]')
);
--> statement-breakpoint
INSERT INTO `__new_campaigns`("id", "tenant_id", "name", "status", "template_ids", "quiet_hours_start", "quiet_hours_end", "target_url", "audience", "scheduled_at", "sending_number_ids", "utm_params", "status_reason", "audience_count", "skipped_counts", "fanout_cursor", "fanout_done_at", "started_at", "cancelled_at", "links_retired_at", "archive_state", "archived_at", "created_at", "updated_at", "queued_at", "completed_at") SELECT "id", "tenant_id", "name", "status", "template_ids", "quiet_hours_start", "quiet_hours_end", "target_url", "audience", "scheduled_at", "sending_number_ids", "utm_params", "status_reason", "audience_count", "skipped_counts", "fanout_cursor", "fanout_done_at", "started_at", "cancelled_at", "links_retired_at", "archive_state", "archived_at", "created_at", "updated_at", "queued_at", "completed_at" FROM `campaigns`;--> statement-breakpoint
DROP TABLE `campaigns`;--> statement-breakpoint
ALTER TABLE `__new_campaigns` RENAME TO `campaigns`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `campaigns_tenant_id_idx` ON `campaigns` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `campaigns_status_scheduled_idx` ON `campaigns` (`status`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `campaigns_archive_idx` ON `campaigns` (`archive_state`,`completed_at`) WHERE status = 'completed';