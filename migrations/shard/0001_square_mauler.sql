CREATE TABLE `flow_enrolments` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`flow_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`exit_reason` text,
	`current_step_id` text,
	`step_started_at` text,
	`next_run_at` text,
	`last_send_at` text,
	`held_at` text,
	`source` text DEFAULT '{}' NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`entered_at` text NOT NULL,
	`finished_at` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`flow_id`) REFERENCES `flows`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "flow_enrolments_status_enum" CHECK("status" IN ('active', 'completed', 'exited'))
);
--> statement-breakpoint
CREATE INDEX `flow_enrolments_tenant_id_idx` ON `flow_enrolments` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `flow_enrolments_flow_status_idx` ON `flow_enrolments` (`flow_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `flow_enrolments_contact_id_idx` ON `flow_enrolments` (`contact_id`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `flow_enrolments_active_unique` ON `flow_enrolments` (`flow_id`,`contact_id`) WHERE status = 'active';--> statement-breakpoint
CREATE TABLE `flow_step_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`flow_id` text NOT NULL,
	`enrolment_id` text NOT NULL,
	`step_id` text NOT NULL,
	`step_type` text NOT NULL,
	`entered_at` text NOT NULL,
	`finished_at` text,
	`outcome` text,
	`direct_message_id` text,
	`short_link_id` text,
	`exited_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`flow_id`) REFERENCES `flows`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`enrolment_id`) REFERENCES `flow_enrolments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`direct_message_id`) REFERENCES `direct_messages`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`short_link_id`) REFERENCES `short_links`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `flow_step_runs_enrolment_step_unique` ON `flow_step_runs` (`enrolment_id`,`step_id`);--> statement-breakpoint
CREATE INDEX `flow_step_runs_flow_step_idx` ON `flow_step_runs` (`flow_id`,`step_id`);--> statement-breakpoint
CREATE INDEX `flow_step_runs_tenant_id_idx` ON `flow_step_runs` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `flow_step_runs_direct_message_id_idx` ON `flow_step_runs` (`direct_message_id`);--> statement-breakpoint
CREATE INDEX `flow_step_runs_short_link_id_idx` ON `flow_step_runs` (`short_link_id`);--> statement-breakpoint
CREATE TABLE `flows` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`is_active` integer DEFAULT false NOT NULL,
	`allow_reentry` integer DEFAULT false NOT NULL,
	`trigger_type` text NOT NULL,
	`trigger_keyword_id` text,
	`trigger_form_id` text,
	`trigger_tag` text COLLATE NOCASE,
	`steps` text DEFAULT '[]' NOT NULL,
	`quiet_hours_start` text DEFAULT '20:00' NOT NULL,
	`quiet_hours_end` text DEFAULT '09:00' NOT NULL,
	`archived_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`trigger_keyword_id`) REFERENCES `keywords`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`trigger_form_id`) REFERENCES `signup_forms`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "flows_trigger_enum" CHECK("trigger_type" IN ('keyword', 'form', 'tag_added', 'api')),
	CONSTRAINT "flows_is_active_bool" CHECK("is_active" IN (0, 1)),
	CONSTRAINT "flows_allow_reentry_bool" CHECK("allow_reentry" IN (0, 1)),
	CONSTRAINT "flows_quiet_start_hhmm" CHECK("flows"."quiet_hours_start" GLOB '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "flows_quiet_end_hhmm" CHECK("flows"."quiet_hours_end" GLOB '[0-2][0-9]:[0-5][0-9]')
);
--> statement-breakpoint
CREATE INDEX `flows_tenant_trigger_idx` ON `flows` (`tenant_id`,`trigger_type`);--> statement-breakpoint
CREATE INDEX `flows_trigger_keyword_id_idx` ON `flows` (`trigger_keyword_id`);--> statement-breakpoint
CREATE INDEX `flows_trigger_form_id_idx` ON `flows` (`trigger_form_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_short_links` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`campaign_id` text,
	`contact_id` text NOT NULL,
	`token` text NOT NULL,
	`target_url` text NOT NULL,
	`clicked_at` text,
	`click_count` integer DEFAULT 0 NOT NULL,
	`human_click_count` integer DEFAULT 0 NOT NULL,
	`recent_clicks` text,
	`flow_id` text,
	`flow_enrolment_id` text,
	`flow_step_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`flow_id`) REFERENCES `flows`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`flow_enrolment_id`) REFERENCES `flow_enrolments`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "short_links_owner" CHECK(("__new_short_links"."campaign_id" IS NULL) = ("__new_short_links"."flow_enrolment_id" IS NOT NULL) AND ("__new_short_links"."flow_id" IS NULL) = ("__new_short_links"."flow_enrolment_id" IS NULL))
);
--> statement-breakpoint
INSERT INTO `__new_short_links`("id", "tenant_id", "campaign_id", "contact_id", "token", "target_url", "clicked_at", "click_count", "human_click_count", "recent_clicks", "flow_id", "flow_enrolment_id", "flow_step_id", "created_at", "expires_at") SELECT "id", "tenant_id", "campaign_id", "contact_id", "token", "target_url", "clicked_at", "click_count", "human_click_count", "recent_clicks", "flow_id", "flow_enrolment_id", "flow_step_id", "created_at", "expires_at" FROM `short_links`;--> statement-breakpoint
DROP TABLE `short_links`;--> statement-breakpoint
ALTER TABLE `__new_short_links` RENAME TO `short_links`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `short_links_token_unique` ON `short_links` (`token`);--> statement-breakpoint
CREATE INDEX `short_links_tenant_id_idx` ON `short_links` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `short_links_campaign_id_idx` ON `short_links` (`campaign_id`);--> statement-breakpoint
CREATE INDEX `short_links_contact_id_idx` ON `short_links` (`contact_id`);--> statement-breakpoint
CREATE INDEX `short_links_flow_id_idx` ON `short_links` (`flow_id`) WHERE flow_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `short_links_flow_enrolment_id_idx` ON `short_links` (`flow_enrolment_id`) WHERE flow_enrolment_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `pending_opt_ins` ADD `confirmation_message_id` text REFERENCES direct_messages(id);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_confirmation_message_id_idx` ON `pending_opt_ins` (`confirmation_message_id`);--> statement-breakpoint
CREATE INDEX `conversions_flow_id_idx` ON `conversions` (`flow_id`) WHERE flow_id IS NOT NULL;