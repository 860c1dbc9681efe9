// The value lists of enum columns used by more than one file of the schema, and their types.
export const CONSENT_STATUSES = ['explicit', 'implied', 'unknown'] as const;
export const DNC_REASONS = ['STOP', 'COMPLAINED', 'MANUAL'] as const;
/**
 * How a number came onto do-not-contact (issue 10): a STOP reply (`sms`), the personal opt-out link
 * (`link`), or a person on the team (`staff`). Null for entries older than the column.
 */
export const DNC_SOURCES = ['sms', 'link', 'staff'] as const;
export const CAMPAIGN_STATUSES = ['draft', 'queued', 'running', 'paused', 'completed'] as const;
export const JOB_STATUSES = ['queued', 'sent', 'delivered', 'failed'] as const;
export const EVENT_TYPES = [
  'QUEUED',
  'SENT',
  'DELIVERED',
  'FAILED',
  'CLICKED',
  'REPLIED',
  'OPT_OUT',
  'RESUBSCRIBE',
] as const;
/**
 * The storage lifecycle of a completed campaign (issue 11, workers/lifecycle/): roll-ups saved →
 * every row copied to R2 → the copies read back and checked → rows being deleted → done.
 */
export const ARCHIVE_STATES = ['rolled_up', 'written', 'verified', 'deleting', 'archived'] as const;
export type ArchiveState = (typeof ARCHIVE_STATES)[number];
/** The per-message tables a campaign's archive holds, in the order they are written. */
export const ARCHIVED_TABLES = ['send_jobs', 'short_links', 'events', 'click_counts'] as const;
export type ArchivedTable = (typeof ARCHIVED_TABLES)[number];
export const IMPORT_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export const ROLES = ['admin', 'staff', 'viewer'] as const;
export const PROVIDERS = ['twilio'] as const;
export const CHANNELS = ['sms', 'mms'] as const;
export type Channel = (typeof CHANNELS)[number];

export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export type DncReason = (typeof DNC_REASONS)[number];
export type DncSource = (typeof DNC_SOURCES)[number];
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export type JobStatus = (typeof JOB_STATUSES)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export type Role = (typeof ROLES)[number];
