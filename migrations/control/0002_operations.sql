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
CREATE INDEX `dead_letters_status_idx` ON `dead_letters` (`status`,`resolved_at`);