CREATE TABLE `move_click_baselines` (
	`tenant_id` text NOT NULL,
	`move_id` text NOT NULL,
	`table_name` text NOT NULL,
	`row_key` text NOT NULL,
	`clicks` integer NOT NULL,
	`human_clicks` integer NOT NULL,
	`clicked_at` text,
	`recent_clicks` text,
	PRIMARY KEY(`tenant_id`, `move_id`, `table_name`, `row_key`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "move_click_baselines_table_enum" CHECK("table_name" IN ('short_links', 'click_counts'))
);
