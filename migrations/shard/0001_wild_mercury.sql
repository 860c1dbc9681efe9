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
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_direct_messages` (
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
INSERT INTO `__new_direct_messages`("id", "tenant_id", "kind", "dedupe_key", "contact_id", "to_phone", "sending_number_id", "body", "media_url", "quiet_hours_start", "quiet_hours_end", "status", "parts", "cost_cents", "provider_message_id", "failure_reason", "error_code", "attempt_count", "attempt_started_at", "created_by", "context", "queued_at", "sent_at", "delivered_at", "failed_at") SELECT "id", "tenant_id", "kind", "dedupe_key", "contact_id", "to_phone", "sending_number_id", "body", "media_url", "quiet_hours_start", "quiet_hours_end", "status", "parts", "cost_cents", "provider_message_id", "failure_reason", "error_code", "attempt_count", "attempt_started_at", "created_by", "context", "queued_at", "sent_at", "delivered_at", "failed_at" FROM `direct_messages`;--> statement-breakpoint
DROP TABLE `direct_messages`;--> statement-breakpoint
ALTER TABLE `__new_direct_messages` RENAME TO `direct_messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `direct_messages_tenant_dedupe_unique` ON `direct_messages` (`tenant_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `direct_messages_contact_id_idx` ON `direct_messages` (`contact_id`,`queued_at`);--> statement-breakpoint
CREATE INDEX `direct_messages_sending_number_id_idx` ON `direct_messages` (`sending_number_id`);--> statement-breakpoint
CREATE INDEX `direct_messages_created_by_idx` ON `direct_messages` (`created_by`);--> statement-breakpoint
CREATE INDEX `direct_messages_tenant_phone_idx` ON `direct_messages` (`tenant_id`,`to_phone`,`queued_at`);--> statement-breakpoint
CREATE INDEX `events_inbound_unknown_from_idx` ON `events` (`tenant_id`,(metadata ->> '$.from')) WHERE contact_id IS NULL AND event_type IN ('REPLIED', 'OPT_OUT', 'RESUBSCRIBE');