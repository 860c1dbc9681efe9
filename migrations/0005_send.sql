-- Send pipeline: the queue-message lease per job, so the reconcile cron can find jobs whose
-- message was lost (or dropped while the campaign or tenant was paused) and re-enqueue them.
ALTER TABLE `send_jobs` ADD `lease_until` text;
--> statement-breakpoint
CREATE INDEX `send_jobs_status_lease_idx` ON `send_jobs` (`status`,`lease_until`);
