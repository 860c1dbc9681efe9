PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_do_not_contact` (
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
INSERT INTO `__new_do_not_contact`("id", "tenant_id", "phone_e164", "reason", "created_at") SELECT "id", "tenant_id", "phone_e164", "reason", "created_at" FROM `do_not_contact`;--> statement-breakpoint
DROP TABLE `do_not_contact`;--> statement-breakpoint
ALTER TABLE `__new_do_not_contact` RENAME TO `do_not_contact`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `do_not_contact_tenant_phone_unique` ON `do_not_contact` (`tenant_id`,`phone_e164`);--> statement-breakpoint
CREATE INDEX `do_not_contact_tenant_id_idx` ON `do_not_contact` (`tenant_id`);