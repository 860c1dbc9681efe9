CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`created_by` text,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "api_keys_role_enum" CHECK("role" IN ('admin', 'staff', 'viewer'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant_id_idx` ON `api_keys` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `api_keys_created_by_idx` ON `api_keys` (`created_by`);--> statement-breakpoint
CREATE TABLE `costs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`provider` text DEFAULT 'twilio' NOT NULL,
	`country` text DEFAULT 'AU' NOT NULL,
	`channel` text DEFAULT 'sms' NOT NULL,
	`per_part_cents` integer NOT NULL,
	`effective_from` text NOT NULL,
	`effective_until` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "costs_provider_enum" CHECK("provider" IN ('twilio')),
	CONSTRAINT "costs_per_part_nonneg" CHECK("costs"."per_part_cents" >= 0),
	CONSTRAINT "costs_channel_enum" CHECK("channel" IN ('sms', 'mms'))
);
--> statement-breakpoint
CREATE INDEX `costs_tenant_id_idx` ON `costs` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `costs_lookup_idx` ON `costs` (`provider`,`country`,`effective_from`);--> statement-breakpoint
CREATE TABLE `cron_runs` (
	`job` text PRIMARY KEY NOT NULL,
	`last_started_at` text NOT NULL,
	`last_finished_at` text,
	`ok` integer,
	`error` text,
	`duration_ms` integer,
	`last_success_at` text,
	`detail` text,
	CONSTRAINT "cron_runs_ok_bool" CHECK("ok" IS NULL OR "ok" IN (0, 1))
);
--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`tenant_id` text,
	`dedupe_key` text NOT NULL,
	`attempts` integer NOT NULL,
	`error` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`seen_count` integer DEFAULT 1 NOT NULL,
	`retry_count` integer DEFAULT 0 NOT NULL,
	`first_seen_at` text NOT NULL,
	`last_seen_at` text NOT NULL,
	`resolved_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "dead_letters_status_enum" CHECK("status" IN ('pending', 'retried', 'discarded')),
	CONSTRAINT "dead_letters_attempts_nonneg" CHECK("dead_letters"."attempts" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_dedupe_key_unique` ON `dead_letters` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `dead_letters_tenant_id_idx` ON `dead_letters` (`tenant_id`,`status`);--> statement-breakpoint
CREATE INDEX `dead_letters_status_idx` ON `dead_letters` (`status`,`resolved_at`);--> statement-breakpoint
CREATE TABLE `dev_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`link` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `email_failures` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`status` integer,
	`reason` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "email_failures_provider_enum" CHECK("provider" IN ('cloudflare', 'resend')),
	CONSTRAINT "email_failures_kind_enum" CHECK("kind" IN ('magic_link', 'invitation', 'notice'))
);
--> statement-breakpoint
CREATE INDEX `email_failures_created_at_idx` ON `email_failures` (`created_at`);--> statement-breakpoint
CREATE TABLE `form_directory` (
	`form_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `form_directory_tenant_id_idx` ON `form_directory` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `magic_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `magic_tokens_token_unique` ON `magic_tokens` (`token`);--> statement-breakpoint
CREATE INDEX `magic_tokens_user_id_idx` ON `magic_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `parked_webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`query` text DEFAULT '' NOT NULL,
	`params` text NOT NULL,
	`idempotency_token` text,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "parked_webhooks_kind_enum" CHECK("kind" IN ('status', 'inbound'))
);
--> statement-breakpoint
CREATE INDEX `parked_webhooks_tenant_received_idx` ON `parked_webhooks` (`tenant_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
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
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_token_hash_unique` ON `sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `sessions_user_id_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE INDEX `sessions_tenant_id_idx` ON `sessions` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `tenant_moves` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`from_shard` text NOT NULL,
	`to_shard` text NOT NULL,
	`state` text DEFAULT 'marked' NOT NULL,
	`counts` text DEFAULT '{}' NOT NULL,
	`state_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`last_error` text,
	`started_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`finished_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "tenant_moves_state_enum" CHECK("state" IN ('marked', 'copying', 'copied', 'verified', 'switched', 'caught_up', 'deleting', 'done', 'cancelled')),
	CONSTRAINT "tenant_moves_shards_differ" CHECK("tenant_moves"."from_shard" <> "tenant_moves"."to_shard")
);
--> statement-breakpoint
CREATE INDEX `tenant_moves_tenant_id_idx` ON `tenant_moves` (`tenant_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `tenant_moves_active_unique` ON `tenant_moves` (`tenant_id`) WHERE state NOT IN ('done', 'cancelled');--> statement-breakpoint
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
CREATE TABLE `twilio_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`account_sid` text NOT NULL,
	`credential_kind` text NOT NULL,
	`api_key_sid` text,
	`key_id` text NOT NULL,
	`auth_token_sealed` text NOT NULL,
	`auth_token_last4` text NOT NULL,
	`api_key_secret_sealed` text,
	`api_key_secret_last4` text,
	`previous_auth_token_sealed` text,
	`previous_auth_token_until` text,
	`verified_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "twilio_accounts_kind_enum" CHECK("credential_kind" IN ('auth_token', 'api_key')),
	CONSTRAINT "twilio_accounts_api_key_complete" CHECK(("twilio_accounts"."credential_kind" = 'api_key') = ("twilio_accounts"."api_key_sid" IS NOT NULL AND "twilio_accounts"."api_key_secret_sealed" IS NOT NULL AND "twilio_accounts"."api_key_secret_last4" IS NOT NULL)),
	CONSTRAINT "twilio_accounts_previous_complete" CHECK(("twilio_accounts"."previous_auth_token_sealed" IS NULL) = ("twilio_accounts"."previous_auth_token_until" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `twilio_accounts_tenant_unique` ON `twilio_accounts` (`tenant_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `twilio_accounts_account_sid_unique` ON `twilio_accounts` (`account_sid`);--> statement-breakpoint
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
CREATE INDEX `users_tenant_id_idx` ON `users` (`tenant_id`);