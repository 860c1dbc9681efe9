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
CREATE UNIQUE INDEX `tenant_moves_active_unique` ON `tenant_moves` (`tenant_id`) WHERE state NOT IN ('done', 'cancelled');