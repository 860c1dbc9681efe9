ALTER TABLE `webhook_events` ADD `payload_scrubbed_at` text;--> statement-breakpoint
CREATE INDEX `webhook_events_unscrubbed_id_idx` ON `webhook_events` (`id`) WHERE "webhook_events"."payload_scrubbed_at" IS NULL;--> statement-breakpoint
CREATE INDEX `webhook_events_unscrubbed_tenant_idx` ON `webhook_events` (`tenant_id`) WHERE "webhook_events"."payload_scrubbed_at" IS NULL;--> statement-breakpoint
CREATE INDEX `short_links_retention_idx` ON `short_links` (`expires_at`) WHERE length("short_links"."target_url") > 0;