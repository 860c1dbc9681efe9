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
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`queued_at` text,
	`completed_at` text,
	`ab_test` text,
	`ab_phase` text,
	`ab_decide_at` text,
	`ab_winner_template_id` text,
	`ab_result` text,
	`send_at_local` text,
	`delivery_plan` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "campaigns_status_enum" CHECK("status" IN ('draft', 'queued', 'running', 'paused', 'completed')),
	CONSTRAINT "campaigns_ab_phase_enum" CHECK("__new_campaigns"."ab_phase" IS NULL OR "__new_campaigns"."ab_phase" IN ('test', 'waiting', 'winner')),
	CONSTRAINT "campaigns_quiet_start_hhmm" CHECK("__new_campaigns"."quiet_hours_start" GLOB '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "campaigns_quiet_end_hhmm" CHECK("__new_campaigns"."quiet_hours_end" GLOB '[0-2][0-9]:[0-5][0-9]')
);
--> statement-breakpoint
INSERT INTO `__new_campaigns`("id", "tenant_id", "name", "status", "template_ids", "quiet_hours_start", "quiet_hours_end", "target_url", "audience", "scheduled_at", "sending_number_ids", "utm_params", "status_reason", "audience_count", "skipped_counts", "fanout_cursor", "fanout_done_at", "started_at", "cancelled_at", "links_retired_at", "created_at", "updated_at", "queued_at", "completed_at") SELECT "id", "tenant_id", "name", "status", "template_ids", "quiet_hours_start", "quiet_hours_end", "target_url", "audience", "scheduled_at", "sending_number_ids", "utm_params", "status_reason", "audience_count", "skipped_counts", "fanout_cursor", "fanout_done_at", "started_at", "cancelled_at", "links_retired_at", "created_at", "updated_at", "queued_at", "completed_at" FROM `campaigns`;--> statement-breakpoint
DROP TABLE `campaigns`;--> statement-breakpoint
ALTER TABLE `__new_campaigns` RENAME TO `campaigns`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `campaigns_tenant_id_idx` ON `campaigns` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `campaigns_status_scheduled_idx` ON `campaigns` (`status`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `campaigns_ab_phase_decide_idx` ON `campaigns` (`ab_phase`,`ab_decide_at`) WHERE ab_phase IN ('test', 'waiting');--> statement-breakpoint
ALTER TABLE `send_jobs` ADD `not_before` text;