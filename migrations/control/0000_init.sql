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
	`per_part_cents` integer NOT NULL,
	`effective_from` text NOT NULL,
	`effective_until` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "costs_provider_enum" CHECK("provider" IN ('twilio')),
	CONSTRAINT "costs_per_part_nonneg" CHECK("costs"."per_part_cents" >= 0)
);
--> statement-breakpoint
CREATE INDEX `costs_tenant_id_idx` ON `costs` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `costs_lookup_idx` ON `costs` (`provider`,`country`,`effective_from`);--> statement-breakpoint
CREATE TABLE `dev_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`link` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dev_outbox_created_at_idx` ON `dev_outbox` (`created_at`);--> statement-breakpoint
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
CREATE TABLE `rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sending_numbers` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_e164` text NOT NULL,
	`provider` text DEFAULT 'twilio' NOT NULL,
	`daily_limit` integer NOT NULL,
	`per_minute_limit` integer NOT NULL,
	`warmup_start_date` text,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "sending_numbers_provider_enum" CHECK("provider" IN ('twilio')),
	CONSTRAINT "sending_numbers_is_active_bool" CHECK("is_active" IN (0, 1)),
	CONSTRAINT "sending_numbers_limits_positive" CHECK("sending_numbers"."daily_limit" > 0 AND "sending_numbers"."per_minute_limit" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sending_numbers_phone_unique` ON `sending_numbers` (`phone_e164`);--> statement-breakpoint
CREATE INDEX `sending_numbers_tenant_id_idx` ON `sending_numbers` (`tenant_id`);--> statement-breakpoint
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
	`shard` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "tenants_is_paused_bool" CHECK("is_paused" IN (0, 1)),
	CONSTRAINT "tenants_allow_unknown_bool" CHECK("allow_unknown_consent" IN (0, 1)),
	CONSTRAINT "tenants_footer_bool" CHECK("append_opt_out_footer" IN (0, 1)),
	CONSTRAINT "tenants_daily_budget_nonneg" CHECK("tenants"."daily_budget_cents" IS NULL OR "tenants"."daily_budget_cents" >= 0),
	CONSTRAINT "tenants_monthly_budget_nonneg" CHECK("tenants"."monthly_budget_cents" IS NULL OR "tenants"."monthly_budget_cents" >= 0)
);
--> statement-breakpoint
CREATE INDEX `tenants_shard_idx` ON `tenants` (`shard`);--> statement-breakpoint
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