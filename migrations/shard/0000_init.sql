CREATE TABLE `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text,
	`action` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`api_key_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `audit_log_tenant_id_idx` ON `audit_log` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_user_id_idx` ON `audit_log` (`user_id`);--> statement-breakpoint
CREATE TABLE `budgets` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`daily_spent_cents` integer DEFAULT 0 NOT NULL,
	`monthly_spent_cents` integer DEFAULT 0 NOT NULL,
	`daily_reset_at` text,
	`monthly_reset_at` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `budgets_tenant_id_unique` ON `budgets` (`tenant_id`);--> statement-breakpoint
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
CREATE TABLE `campaigns` (
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
	`ab_test` text,
	`ab_phase` text,
	`ab_decide_at` text,
	`ab_winner_template_id` text,
	`ab_result` text,
	`send_at_local` text,
	`delivery_plan` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "campaigns_status_enum" CHECK("status" IN ('draft', 'queued', 'running', 'paused', 'completed')),
	CONSTRAINT "campaigns_archive_state_enum" CHECK(archive_state IS NULL OR "archive_state" IN ('rolled_up', 'written', 'verified', 'deleting', 'archived')),
	CONSTRAINT "campaigns_archived_at_state" CHECK((archived_at IS NOT NULL) = (archive_state IS NOT NULL AND archive_state IN ('deleting', 'archived'))),
	CONSTRAINT "campaigns_ab_phase_enum" CHECK("campaigns"."ab_phase" IS NULL OR "campaigns"."ab_phase" IN ('test', 'waiting', 'winner')),
	CONSTRAINT "campaigns_quiet_start_hhmm" CHECK("campaigns"."quiet_hours_start" GLOB '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "campaigns_quiet_end_hhmm" CHECK("campaigns"."quiet_hours_end" GLOB '[0-2][0-9]:[0-5][0-9]')
);
--> statement-breakpoint
CREATE INDEX `campaigns_tenant_id_idx` ON `campaigns` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `campaigns_status_scheduled_idx` ON `campaigns` (`status`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `campaigns_archive_idx` ON `campaigns` (`archive_state`,`completed_at`) WHERE status = 'completed';--> statement-breakpoint
CREATE INDEX `campaigns_ab_phase_decide_idx` ON `campaigns` (`ab_phase`,`ab_decide_at`) WHERE ab_phase IN ('test', 'waiting');--> statement-breakpoint
CREATE TABLE `click_counts` (
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`slot` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`human_clicks` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `slot`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `click_counts_tenant_slot_idx` ON `click_counts` (`tenant_id`,`slot`);--> statement-breakpoint
CREATE TABLE `contact_tags` (
	`tenant_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`tag` text COLLATE NOCASE NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "contact_tags_tag_length" CHECK(length("contact_tags"."tag") BETWEEN 1 AND 64)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contact_tags_tenant_contact_tag_unique` ON `contact_tags` (`tenant_id`,`contact_id`,`tag`);--> statement-breakpoint
CREATE INDEX `contact_tags_tenant_tag_contact_idx` ON `contact_tags` (`tenant_id`,`tag`,`contact_id`);--> statement-breakpoint
CREATE INDEX `contact_tags_contact_id_idx` ON `contact_tags` (`contact_id`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_e164` text NOT NULL,
	`email` text,
	`first_name` text,
	`last_name` text,
	`timezone` text,
	`custom_fields` text DEFAULT '{}' NOT NULL,
	`consent_status` text DEFAULT 'unknown' NOT NULL,
	`consent_source` text,
	`consent_timestamp` text,
	`last_sent_at` text,
	`import_batch_id` text,
	`erased_at` text,
	`last_human_click_at` text,
	`last_reply_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_batch_id`) REFERENCES `import_batches`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "contacts_consent_status_enum" CHECK("consent_status" IN ('explicit', 'implied', 'unknown'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_tenant_phone_unique` ON `contacts` (`tenant_id`,`phone_e164`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_id_idx` ON `contacts` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_email_idx` ON `contacts` (`email`);--> statement-breakpoint
CREATE INDEX `contacts_import_batch_id_idx` ON `contacts` (`import_batch_id`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_last_human_click_idx` ON `contacts` (`tenant_id`,`last_human_click_at`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_last_reply_idx` ON `contacts` (`tenant_id`,`last_reply_at`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_e164` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`assigned_user_id` text,
	`unread_count` integer DEFAULT 0 NOT NULL,
	`last_read_at` text,
	`last_message_at` text NOT NULL,
	`last_inbound_at` text,
	`last_outbound_at` text,
	`last_inbound_to` text,
	`last_direction` text NOT NULL,
	`last_preview` text,
	`closed_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`assigned_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "conversations_status_enum" CHECK("status" IN ('open', 'closed')),
	CONSTRAINT "conversations_last_direction_enum" CHECK("last_direction" IN ('inbound', 'outbound')),
	CONSTRAINT "conversations_unread_non_negative" CHECK("conversations"."unread_count" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_tenant_phone_unique` ON `conversations` (`tenant_id`,`phone_e164`);--> statement-breakpoint
CREATE INDEX `conversations_tenant_status_last_idx` ON `conversations` (`tenant_id`,`status`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `conversations_tenant_last_idx` ON `conversations` (`tenant_id`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `conversations_tenant_updated_idx` ON `conversations` (`tenant_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `conversations_assigned_user_idx` ON `conversations` (`assigned_user_id`,`last_message_at`);--> statement-breakpoint
CREATE TABLE `conversions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`order_id` text NOT NULL,
	`contact_id` text,
	`phone_e164` text,
	`value_cents` integer NOT NULL,
	`currency` text NOT NULL,
	`occurred_at` text NOT NULL,
	`status` text NOT NULL,
	`campaign_id` text,
	`flow_id` text,
	`short_link_id` text,
	`clicked_at` text,
	`request_hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`short_link_id`) REFERENCES `short_links`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "conversions_status_enum" CHECK("status" IN ('attributed', 'unattributed', 'unknown_contact')),
	CONSTRAINT "conversions_value_nonneg" CHECK("conversions"."value_cents" >= 0),
	CONSTRAINT "conversions_currency_iso" CHECK("conversions"."currency" GLOB '[A-Z][A-Z][A-Z]')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversions_tenant_order_unique` ON `conversions` (`tenant_id`,`order_id`);--> statement-breakpoint
CREATE INDEX `conversions_tenant_occurred_idx` ON `conversions` (`tenant_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `conversions_contact_id_idx` ON `conversions` (`contact_id`);--> statement-breakpoint
CREATE INDEX `conversions_campaign_id_idx` ON `conversions` (`campaign_id`);--> statement-breakpoint
CREATE INDEX `conversions_short_link_id_idx` ON `conversions` (`short_link_id`);--> statement-breakpoint
CREATE INDEX `conversions_flow_id_idx` ON `conversions` (`flow_id`) WHERE flow_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `direct_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`contact_id` text,
	`to_phone` text NOT NULL,
	`sending_number_id` text,
	`body` text NOT NULL,
	`media_url` text,
	`quiet_hours_start` text,
	`quiet_hours_end` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`parts` integer,
	`cost_cents` integer,
	`provider_message_id` text,
	`failure_reason` text,
	`error_code` text,
	`attempt_count` integer DEFAULT 0 NOT NULL,
	`attempt_started_at` text,
	`next_attempt_at` text,
	`created_by` text,
	`context` text DEFAULT '{}' NOT NULL,
	`queued_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`sent_at` text,
	`delivered_at` text,
	`failed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`sending_number_id`) REFERENCES `sending_numbers`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "direct_messages_kind_enum" CHECK("kind" IN ('reply', 'test', 'confirmation', 'flow', 'verification')),
	CONSTRAINT "direct_messages_status_enum" CHECK("status" IN ('queued', 'sent', 'delivered', 'failed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `direct_messages_tenant_dedupe_unique` ON `direct_messages` (`tenant_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `direct_messages_contact_id_idx` ON `direct_messages` (`contact_id`,`queued_at`);--> statement-breakpoint
CREATE INDEX `direct_messages_sending_number_id_idx` ON `direct_messages` (`sending_number_id`);--> statement-breakpoint
CREATE INDEX `direct_messages_created_by_idx` ON `direct_messages` (`created_by`);--> statement-breakpoint
CREATE INDEX `direct_messages_queued_idx` ON `direct_messages` (`next_attempt_at`) WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX `direct_messages_tenant_phone_idx` ON `direct_messages` (`tenant_id`,`to_phone`,`queued_at`);--> statement-breakpoint
CREATE TABLE `do_not_contact` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_e164` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`source` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "do_not_contact_reason_enum" CHECK("reason" IN ('STOP', 'COMPLAINED', 'MANUAL')),
	CONSTRAINT "do_not_contact_source_enum" CHECK("source" IS NULL OR "source" IN ('sms', 'link', 'staff'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `do_not_contact_tenant_phone_unique` ON `do_not_contact` (`tenant_id`,`phone_e164`);--> statement-breakpoint
CREATE INDEX `do_not_contact_tenant_id_idx` ON `do_not_contact` (`tenant_id`,`id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`contact_id` text,
	`campaign_id` text,
	`send_job_id` text,
	`short_link_id` text,
	`event_type` text NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`send_job_id`) REFERENCES `send_jobs`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`short_link_id`) REFERENCES `short_links`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "events_event_type_enum" CHECK("event_type" IN ('QUEUED', 'SENT', 'DELIVERED', 'FAILED', 'CLICKED', 'REPLIED', 'OPT_OUT', 'RESUBSCRIBE'))
);
--> statement-breakpoint
CREATE INDEX `events_tenant_id_idx` ON `events` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_contact_id_idx` ON `events` (`contact_id`);--> statement-breakpoint
CREATE INDEX `events_campaign_id_idx` ON `events` (`campaign_id`);--> statement-breakpoint
CREATE INDEX `events_send_job_id_idx` ON `events` (`send_job_id`) WHERE send_job_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `events_short_link_id_idx` ON `events` (`short_link_id`) WHERE short_link_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `events_event_type_idx` ON `events` (`event_type`);--> statement-breakpoint
CREATE INDEX `events_created_at_idx` ON `events` (`created_at`);--> statement-breakpoint
CREATE INDEX `events_inbound_unknown_from_idx` ON `events` (`tenant_id`,(metadata ->> '$.from')) WHERE contact_id IS NULL AND event_type IN ('REPLIED', 'OPT_OUT', 'RESUBSCRIBE');--> statement-breakpoint
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
CREATE TABLE `import_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`file_name` text NOT NULL,
	`file_hash` text NOT NULL,
	`total_rows` integer DEFAULT 0 NOT NULL,
	`created_count` integer DEFAULT 0 NOT NULL,
	`updated_count` integer DEFAULT 0 NOT NULL,
	`skipped_count` integer DEFAULT 0 NOT NULL,
	`rejected_count` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`rejected_rows` text DEFAULT '[]' NOT NULL,
	`options` text,
	`chunks_total` integer DEFAULT 0 NOT NULL,
	`chunks_done` integer DEFAULT 0 NOT NULL,
	`failure_reason` text,
	`created_by` text,
	`heartbeat_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`completed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "import_batches_status_enum" CHECK("status" IN ('pending', 'processing', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `import_batches_tenant_hash_idx` ON `import_batches` (`tenant_id`,`file_hash`);--> statement-breakpoint
CREATE INDEX `import_batches_created_by_idx` ON `import_batches` (`created_by`);--> statement-breakpoint
CREATE TABLE `import_chunks` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`seq` integer NOT NULL,
	`first_row` integer NOT NULL,
	`rows` text NOT NULL,
	`processed_at` text,
	FOREIGN KEY (`batch_id`) REFERENCES `import_batches`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `import_chunks_batch_seq_unique` ON `import_chunks` (`batch_id`,`seq`);--> statement-breakpoint
CREATE TABLE `keywords` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`keyword` text NOT NULL,
	`sending_number_id` text,
	`scope` text GENERATED ALWAYS AS (coalesce(sending_number_id, '*')) VIRTUAL NOT NULL,
	`reply` text NOT NULL,
	`tags_add` text DEFAULT '[]' NOT NULL,
	`double_opt_in` integer DEFAULT true NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "keywords_double_opt_in_bool" CHECK("double_opt_in" IN (0, 1)),
	CONSTRAINT "keywords_is_active_bool" CHECK("is_active" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `keywords_tenant_scope_keyword_unique` ON `keywords` (`tenant_id`,`scope`,`keyword`);--> statement-breakpoint
CREATE TABLE `message_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`body` text NOT NULL,
	`variables` text DEFAULT '[]' NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`media_url` text,
	`media_content_type` text,
	`media_bytes` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "message_templates_media_https" CHECK("message_templates"."media_url" IS NULL OR "message_templates"."media_url" LIKE 'https://%'),
	CONSTRAINT "message_templates_is_active_bool" CHECK("is_active" IN (0, 1))
);
--> statement-breakpoint
CREATE INDEX `message_templates_tenant_id_idx` ON `message_templates` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `move_click_baselines` (
	`tenant_id` text NOT NULL,
	`move_id` text NOT NULL,
	`table_name` text NOT NULL,
	`row_key` text NOT NULL,
	`clicks` integer NOT NULL,
	`human_clicks` integer NOT NULL,
	`clicked_at` text,
	`recent_clicks` text,
	PRIMARY KEY(`tenant_id`, `move_id`, `table_name`, `row_key`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "move_click_baselines_table_enum" CHECK("table_name" IN ('short_links', 'click_counts'))
);
--> statement-breakpoint
CREATE TABLE `pending_opt_ins` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_e164` text NOT NULL,
	`source` text NOT NULL,
	`form_id` text,
	`consent_version` integer,
	`keyword_id` text,
	`inbound_message_sid` text,
	`sending_number_id` text,
	`ip` text,
	`user_agent` text,
	`fields` text DEFAULT '{}' NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`status_reason` text,
	`confirmation_sent_at` text,
	`confirmation_message_sid` text,
	`confirmation_message_id` text,
	`confirmed_at` text,
	`confirmation_inbound_sid` text,
	`contact_id` text,
	`requested_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`form_id`) REFERENCES `signup_forms`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`keyword_id`) REFERENCES `keywords`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`confirmation_message_id`) REFERENCES `direct_messages`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "pending_opt_ins_source_enum" CHECK("source" IN ('form', 'keyword')),
	CONSTRAINT "pending_opt_ins_status_enum" CHECK("status" IN ('pending', 'confirmed', 'expired', 'superseded', 'blocked')),
	CONSTRAINT "pending_opt_ins_source_ref" CHECK(("pending_opt_ins"."source" = 'form' AND "pending_opt_ins"."form_id" IS NOT NULL) OR ("pending_opt_ins"."source" = 'keyword'))
);
--> statement-breakpoint
CREATE INDEX `pending_opt_ins_tenant_phone_status_idx` ON `pending_opt_ins` (`tenant_id`,`phone_e164`,`status`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_form_id_idx` ON `pending_opt_ins` (`form_id`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_keyword_id_idx` ON `pending_opt_ins` (`keyword_id`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_contact_id_idx` ON `pending_opt_ins` (`contact_id`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_confirmation_message_id_idx` ON `pending_opt_ins` (`confirmation_message_id`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_status_expires_idx` ON `pending_opt_ins` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`filter` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_tenant_name_unique` ON `segments` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `send_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`template_id` text,
	`sending_number_id` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`body` text,
	`parts` integer,
	`cost_cents` integer,
	`provider_message_id` text,
	`failure_reason` text,
	`attempt_count` integer DEFAULT 0 NOT NULL,
	`attempt_started_at` text,
	`error_code` text,
	`lease_until` text,
	`not_before` text,
	`queued_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`sent_at` text,
	`delivered_at` text,
	`failed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`template_id`) REFERENCES `message_templates`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`sending_number_id`) REFERENCES `sending_numbers`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "send_jobs_status_enum" CHECK("status" IN ('queued', 'sent', 'delivered', 'failed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `send_jobs_tenant_campaign_contact_unique` ON `send_jobs` (`tenant_id`,`campaign_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `send_jobs_contact_id_idx` ON `send_jobs` (`contact_id`);--> statement-breakpoint
CREATE INDEX `send_jobs_template_id_idx` ON `send_jobs` (`template_id`) WHERE template_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `send_jobs_sending_number_id_idx` ON `send_jobs` (`sending_number_id`);--> statement-breakpoint
CREATE INDEX `send_jobs_campaign_status_idx` ON `send_jobs` (`campaign_id`,`status`);--> statement-breakpoint
CREATE INDEX `send_jobs_status_lease_idx` ON `send_jobs` (`status`,`lease_until`) WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX `send_jobs_status_sent_at_idx` ON `send_jobs` (`status`,`sent_at`) WHERE status = 'sent';--> statement-breakpoint
CREATE TABLE `sending_numbers` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_e164` text,
	`provider` text DEFAULT 'twilio' NOT NULL,
	`daily_limit` integer NOT NULL,
	`per_minute_limit` integer NOT NULL,
	`warmup_start_date` text,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`kind` text DEFAULT 'phone' NOT NULL,
	`messaging_service_sid` text,
	`sender_id` text,
	`acma_status` text,
	`twilio_account_sid` text,
	`twilio_sid` text,
	`friendly_name` text,
	`wiring_ok` integer,
	`wiring_checked_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "sending_numbers_provider_enum" CHECK("provider" IN ('twilio')),
	CONSTRAINT "sending_numbers_is_active_bool" CHECK("is_active" IN (0, 1)),
	CONSTRAINT "sending_numbers_limits_positive" CHECK("sending_numbers"."daily_limit" > 0 AND "sending_numbers"."per_minute_limit" > 0),
	CONSTRAINT "sending_numbers_kind_enum" CHECK("kind" IN ('phone', 'messaging_service', 'alphanumeric')),
	CONSTRAINT "sending_numbers_acma_status_enum" CHECK("sending_numbers"."acma_status" IS NULL OR "acma_status" IN ('unregistered', 'pending', 'registered', 'rejected')),
	CONSTRAINT "sending_numbers_wiring_ok_bool" CHECK("sending_numbers"."wiring_ok" IS NULL OR "wiring_ok" IN (0, 1)),
	CONSTRAINT "sending_numbers_phone_kind" CHECK(("sending_numbers"."kind" = 'phone') = ("sending_numbers"."phone_e164" IS NOT NULL)),
	CONSTRAINT "sending_numbers_service_kind" CHECK(("sending_numbers"."kind" = 'messaging_service') = ("sending_numbers"."messaging_service_sid" IS NOT NULL)),
	CONSTRAINT "sending_numbers_alphanumeric_kind" CHECK(("sending_numbers"."kind" = 'alphanumeric') = ("sending_numbers"."sender_id" IS NOT NULL AND "sending_numbers"."acma_status" IS NOT NULL)),
	CONSTRAINT "sending_numbers_sender_id_format" CHECK("sending_numbers"."sender_id" IS NULL OR (length("sending_numbers"."sender_id") BETWEEN 1 AND 11 AND "sending_numbers"."sender_id" NOT GLOB '*[^A-Za-z0-9 ]*' AND "sending_numbers"."sender_id" GLOB '*[A-Za-z]*'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sending_numbers_phone_unique` ON `sending_numbers` (`phone_e164`);--> statement-breakpoint
CREATE UNIQUE INDEX `sending_numbers_messaging_service_unique` ON `sending_numbers` (`messaging_service_sid`);--> statement-breakpoint
CREATE UNIQUE INDEX `sending_numbers_tenant_sender_id_unique` ON `sending_numbers` (`tenant_id`,`sender_id`);--> statement-breakpoint
CREATE INDEX `sending_numbers_account_idx` ON `sending_numbers` (`twilio_account_sid`);--> statement-breakpoint
CREATE TABLE `short_links` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`campaign_id` text,
	`contact_id` text NOT NULL,
	`token` text NOT NULL,
	`target_url` text,
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
	CONSTRAINT "short_links_owner" CHECK(("short_links"."campaign_id" IS NULL) = ("short_links"."flow_enrolment_id" IS NOT NULL) AND ("short_links"."flow_id" IS NULL) = ("short_links"."flow_enrolment_id" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `short_links_token_unique` ON `short_links` (`token`);--> statement-breakpoint
CREATE INDEX `short_links_tenant_id_idx` ON `short_links` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `short_links_campaign_id_idx` ON `short_links` (`campaign_id`);--> statement-breakpoint
CREATE INDEX `short_links_contact_id_idx` ON `short_links` (`contact_id`);--> statement-breakpoint
CREATE INDEX `short_links_flow_id_idx` ON `short_links` (`flow_id`) WHERE flow_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `short_links_flow_enrolment_id_idx` ON `short_links` (`flow_enrolment_id`) WHERE flow_enrolment_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `signup_form_consent_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`form_id` text NOT NULL,
	`version` integer NOT NULL,
	`consent_text` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`form_id`) REFERENCES `signup_forms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signup_form_consent_versions_form_version_unique` ON `signup_form_consent_versions` (`form_id`,`version`);--> statement-breakpoint
CREATE INDEX `signup_form_consent_versions_tenant_id_idx` ON `signup_form_consent_versions` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `signup_forms` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`consent_text` text NOT NULL,
	`consent_version` integer DEFAULT 1 NOT NULL,
	`fields` text DEFAULT '[]' NOT NULL,
	`tags_add` text DEFAULT '[]' NOT NULL,
	`double_opt_in` integer DEFAULT true NOT NULL,
	`success_message` text NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`archived_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "signup_forms_double_opt_in_bool" CHECK("double_opt_in" IN (0, 1)),
	CONSTRAINT "signup_forms_is_active_bool" CHECK("is_active" IN (0, 1)),
	CONSTRAINT "signup_forms_consent_version_positive" CHECK("signup_forms"."consent_version" >= 1)
);
--> statement-breakpoint
CREATE INDEX `signup_forms_tenant_id_idx` ON `signup_forms` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `suppression_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`window_days` integer DEFAULT 90 NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`expires_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "suppression_rules_is_active_bool" CHECK("is_active" IN (0, 1)),
	CONSTRAINT "suppression_rules_window_positive" CHECK("suppression_rules"."window_days" > 0)
);
--> statement-breakpoint
CREATE INDEX `suppression_rules_tenant_id_idx` ON `suppression_rules` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `suppression_rules_active_idx` ON `suppression_rules` (`tenant_id`,`is_active`) WHERE "suppression_rules"."is_active" = 1;--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`timezone` text DEFAULT 'Australia/Sydney' NOT NULL,
	`is_paused` integer DEFAULT false NOT NULL,
	`daily_budget_cents` integer,
	`monthly_budget_cents` integer,
	`country` text DEFAULT 'AU' NOT NULL,
	`allow_unknown_consent` integer DEFAULT false NOT NULL,
	`append_opt_out_footer` integer DEFAULT true NOT NULL,
	`sender_name` text,
	`help_reply` text,
	`opt_out_reply` text,
	`opt_in_reply` text,
	`paused_reason` text,
	`attribution_window_days` integer DEFAULT 5 NOT NULL,
	`currency` text DEFAULT 'AUD' NOT NULL,
	`shard` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "tenants_is_paused_bool" CHECK("is_paused" IN (0, 1)),
	CONSTRAINT "tenants_attribution_window_range" CHECK("tenants"."attribution_window_days" BETWEEN 1 AND 90),
	CONSTRAINT "tenants_currency_iso" CHECK("tenants"."currency" GLOB '[A-Z][A-Z][A-Z]'),
	CONSTRAINT "tenants_allow_unknown_bool" CHECK("allow_unknown_consent" IN (0, 1)),
	CONSTRAINT "tenants_footer_bool" CHECK("append_opt_out_footer" IN (0, 1)),
	CONSTRAINT "tenants_daily_budget_nonneg" CHECK("tenants"."daily_budget_cents" IS NULL OR "tenants"."daily_budget_cents" >= 0),
	CONSTRAINT "tenants_monthly_budget_nonneg" CHECK("tenants"."monthly_budget_cents" IS NULL OR "tenants"."monthly_budget_cents" >= 0)
);
--> statement-breakpoint
CREATE INDEX `tenants_shard_idx` ON `tenants` (`shard`);--> statement-breakpoint
CREATE TABLE `test_numbers` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_e164` text NOT NULL,
	`label` text,
	`confirmed_at` text,
	`code_hash` text,
	`code_expires_at` text,
	`code_attempts` integer DEFAULT 0 NOT NULL,
	`code_sent_at` text,
	`codes_sent` integer DEFAULT 0 NOT NULL,
	`created_by` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "test_numbers_attempts_non_negative" CHECK("test_numbers"."code_attempts" >= 0 AND "test_numbers"."codes_sent" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `test_numbers_tenant_phone_unique` ON `test_numbers` (`tenant_id`,`phone_e164`);--> statement-breakpoint
CREATE INDEX `test_numbers_created_by_idx` ON `test_numbers` (`created_by`);--> statement-breakpoint
CREATE TABLE `test_sends` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`template_id` text,
	`contact_id` text,
	`test_number_id` text,
	`dedupe_key` text NOT NULL,
	`link_token` text,
	`target_url` text,
	`link_expires_at` text,
	`link_click_count` integer DEFAULT 0 NOT NULL,
	`created_by` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`template_id`) REFERENCES `message_templates`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`test_number_id`) REFERENCES `test_numbers`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `test_sends_tenant_dedupe_unique` ON `test_sends` (`tenant_id`,`dedupe_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `test_sends_link_token_unique` ON `test_sends` (`link_token`);--> statement-breakpoint
CREATE INDEX `test_sends_campaign_id_idx` ON `test_sends` (`campaign_id`);--> statement-breakpoint
CREATE INDEX `test_sends_contact_id_idx` ON `test_sends` (`contact_id`);--> statement-breakpoint
CREATE INDEX `test_sends_test_number_id_idx` ON `test_sends` (`test_number_id`);--> statement-breakpoint
CREATE INDEX `test_sends_template_id_idx` ON `test_sends` (`template_id`);--> statement-breakpoint
CREATE INDEX `test_sends_created_by_idx` ON `test_sends` (`created_by`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`last_login_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "users_role_enum" CHECK("role" IN ('admin', 'staff', 'viewer')),
	CONSTRAINT "users_is_active_bool" CHECK("is_active" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_tenant_id_idx` ON `users` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`subscription_id` text NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`body` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempt_count` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text,
	`last_attempt_at` text,
	`last_status` integer,
	`last_error` text,
	`last_latency_ms` integer,
	`last_response_snippet` text,
	`attempts` text DEFAULT '[]' NOT NULL,
	`succeeded_at` text,
	`is_test` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subscription_id`) REFERENCES `webhook_subscriptions`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "webhook_deliveries_state_enum" CHECK("state" IN ('pending', 'succeeded', 'failed', 'cancelled')),
	CONSTRAINT "webhook_deliveries_is_test_bool" CHECK("is_test" IN (0, 1))
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_tenant_id_idx` ON `webhook_deliveries` (`tenant_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_subscription_event_unique` ON `webhook_deliveries` (`subscription_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_subscription_id_idx` ON `webhook_deliveries` (`subscription_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_state_next_idx` ON `webhook_deliveries` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_created_at_idx` ON `webhook_deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`provider_event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`processed_at` text,
	`payload_scrubbed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_provider_event_id_unique` ON `webhook_events` (`provider_event_id`);--> statement-breakpoint
CREATE INDEX `webhook_events_tenant_id_idx` ON `webhook_events` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `webhook_events_unscrubbed_id_idx` ON `webhook_events` (`id`) WHERE "webhook_events"."payload_scrubbed_at" IS NULL;--> statement-breakpoint
CREATE INDEX `webhook_events_unscrubbed_tenant_idx` ON `webhook_events` (`tenant_id`) WHERE "webhook_events"."payload_scrubbed_at" IS NULL;--> statement-breakpoint
CREATE TABLE `webhook_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`url` text NOT NULL,
	`description` text,
	`events` text DEFAULT '[]' NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`secret_hint` text NOT NULL,
	`failing_since` text,
	`last_success_at` text,
	`last_failure_at` text,
	`disabled_at` text,
	`disabled_reason` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "webhook_subscriptions_is_active_bool" CHECK("is_active" IN (0, 1))
);
--> statement-breakpoint
CREATE INDEX `webhook_subscriptions_tenant_id_idx` ON `webhook_subscriptions` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `webhook_subscriptions_active_idx` ON `webhook_subscriptions` (`tenant_id`) WHERE "webhook_subscriptions"."is_active" = 1;