CREATE TABLE `email_failures` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`status` integer,
	`reason` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "email_failures_provider_enum" CHECK("provider" IN ('cloudflare', 'resend')),
	CONSTRAINT "email_failures_kind_enum" CHECK("kind" IN ('magic_link', 'invitation'))
);
--> statement-breakpoint
CREATE INDEX `email_failures_created_at_idx` ON `email_failures` (`created_at`);