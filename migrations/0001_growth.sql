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
CREATE TABLE `form_directory` (
	`form_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `form_directory_tenant_id_idx` ON `form_directory` (`tenant_id`);--> statement-breakpoint
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
CREATE INDEX `keywords_tenant_id_idx` ON `keywords` (`tenant_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `keywords_tenant_scope_keyword_unique` ON `keywords` (`tenant_id`,`scope`,`keyword`);--> statement-breakpoint
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
	`confirmed_at` text,
	`confirmation_inbound_sid` text,
	`contact_id` text,
	`requested_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`form_id`) REFERENCES `signup_forms`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`keyword_id`) REFERENCES `keywords`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "pending_opt_ins_source_enum" CHECK("source" IN ('form', 'keyword')),
	CONSTRAINT "pending_opt_ins_status_enum" CHECK("status" IN ('pending', 'confirmed', 'expired', 'superseded', 'blocked')),
	CONSTRAINT "pending_opt_ins_source_ref" CHECK(("pending_opt_ins"."source" = 'form' AND "pending_opt_ins"."form_id" IS NOT NULL) OR ("pending_opt_ins"."source" = 'keyword'))
);
--> statement-breakpoint
CREATE INDEX `pending_opt_ins_tenant_id_idx` ON `pending_opt_ins` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_tenant_phone_status_idx` ON `pending_opt_ins` (`tenant_id`,`phone_e164`,`status`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_form_id_idx` ON `pending_opt_ins` (`form_id`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_keyword_id_idx` ON `pending_opt_ins` (`keyword_id`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_contact_id_idx` ON `pending_opt_ins` (`contact_id`);--> statement-breakpoint
CREATE INDEX `pending_opt_ins_status_expires_idx` ON `pending_opt_ins` (`status`,`expires_at`);--> statement-breakpoint
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
CREATE INDEX `webhook_subscriptions_active_idx` ON `webhook_subscriptions` (`tenant_id`) WHERE "webhook_subscriptions"."is_active" = 1;--> statement-breakpoint
-- Hand-edited: drizzle-kit rebuilds costs, message_templates and tenants to add CHECK constraints,
-- and its copy selects the new columns from the old tables. ADD COLUMN with an inline CHECK is the
-- same constraint without the rebuild.
ALTER TABLE `costs` ADD `channel` text DEFAULT 'sms' NOT NULL CONSTRAINT "costs_channel_enum" CHECK("channel" IN ('sms', 'mms'));--> statement-breakpoint
ALTER TABLE `message_templates` ADD `media_url` text CONSTRAINT "message_templates_media_https" CHECK("media_url" IS NULL OR "media_url" LIKE 'https://%');--> statement-breakpoint
ALTER TABLE `message_templates` ADD `media_content_type` text;--> statement-breakpoint
ALTER TABLE `message_templates` ADD `media_bytes` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `attribution_window_days` integer DEFAULT 5 NOT NULL CONSTRAINT "tenants_attribution_window_range" CHECK("attribution_window_days" BETWEEN 1 AND 90);--> statement-breakpoint
ALTER TABLE `tenants` ADD `currency` text DEFAULT 'AUD' NOT NULL CONSTRAINT "tenants_currency_iso" CHECK("currency" GLOB '[A-Z][A-Z][A-Z]');