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
ALTER TABLE `contacts` ADD `last_human_click_at` text;--> statement-breakpoint
ALTER TABLE `contacts` ADD `last_reply_at` text;--> statement-breakpoint
CREATE INDEX `contacts_tenant_id_id_idx` ON `contacts` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_last_human_click_idx` ON `contacts` (`tenant_id`,`last_human_click_at`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_last_reply_idx` ON `contacts` (`tenant_id`,`last_reply_at`);