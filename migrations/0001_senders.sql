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
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_sending_numbers` (
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
	CONSTRAINT "sending_numbers_limits_positive" CHECK("__new_sending_numbers"."daily_limit" > 0 AND "__new_sending_numbers"."per_minute_limit" > 0),
	CONSTRAINT "sending_numbers_kind_enum" CHECK("kind" IN ('phone', 'messaging_service', 'alphanumeric')),
	CONSTRAINT "sending_numbers_acma_status_enum" CHECK("__new_sending_numbers"."acma_status" IS NULL OR "acma_status" IN ('unregistered', 'pending', 'registered', 'rejected')),
	CONSTRAINT "sending_numbers_wiring_ok_bool" CHECK("__new_sending_numbers"."wiring_ok" IS NULL OR "wiring_ok" IN (0, 1)),
	CONSTRAINT "sending_numbers_phone_kind" CHECK(("__new_sending_numbers"."kind" = 'phone') = ("__new_sending_numbers"."phone_e164" IS NOT NULL)),
	CONSTRAINT "sending_numbers_service_kind" CHECK(("__new_sending_numbers"."kind" = 'messaging_service') = ("__new_sending_numbers"."messaging_service_sid" IS NOT NULL)),
	CONSTRAINT "sending_numbers_alphanumeric_kind" CHECK(("__new_sending_numbers"."kind" = 'alphanumeric') = ("__new_sending_numbers"."sender_id" IS NOT NULL AND "__new_sending_numbers"."acma_status" IS NOT NULL)),
	CONSTRAINT "sending_numbers_sender_id_format" CHECK("__new_sending_numbers"."sender_id" IS NULL OR (length("__new_sending_numbers"."sender_id") BETWEEN 1 AND 11 AND "__new_sending_numbers"."sender_id" NOT GLOB '*[^A-Za-z0-9 ]*' AND "__new_sending_numbers"."sender_id" GLOB '*[A-Za-z]*'))
);
--> statement-breakpoint
-- Hand-edited: drizzle-kit selected the new columns from the old table too; copy only the old ones
-- (every existing sender is a phone: kind defaults to 'phone').
INSERT INTO `__new_sending_numbers`("id", "tenant_id", "phone_e164", "provider", "daily_limit", "per_minute_limit", "warmup_start_date", "is_active", "created_at") SELECT "id", "tenant_id", "phone_e164", "provider", "daily_limit", "per_minute_limit", "warmup_start_date", "is_active", "created_at" FROM `sending_numbers`;--> statement-breakpoint
DROP TABLE `sending_numbers`;--> statement-breakpoint
ALTER TABLE `__new_sending_numbers` RENAME TO `sending_numbers`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `sending_numbers_phone_unique` ON `sending_numbers` (`phone_e164`);--> statement-breakpoint
CREATE INDEX `sending_numbers_tenant_id_idx` ON `sending_numbers` (`tenant_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `sending_numbers_messaging_service_unique` ON `sending_numbers` (`messaging_service_sid`);--> statement-breakpoint
CREATE UNIQUE INDEX `sending_numbers_tenant_sender_id_unique` ON `sending_numbers` (`tenant_id`,`sender_id`);--> statement-breakpoint
CREATE INDEX `sending_numbers_account_idx` ON `sending_numbers` (`twilio_account_sid`);