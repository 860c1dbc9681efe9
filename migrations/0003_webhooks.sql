-- Reconciliation (cron/reconcile.ts) looks for jobs still 'sent' within a window of sent_at every
-- minute: a range scan on (status, sent_at) instead of a walk over every 'sent' row.
CREATE INDEX `send_jobs_status_sent_at_idx` ON `send_jobs` (`status`,`sent_at`);
