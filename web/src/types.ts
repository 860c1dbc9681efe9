/** Shapes of the API's JSON (snake_case, as /work/shared/API.md names them). */

export type Role = 'admin' | 'staff' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'staff', 'viewer'];

export type Me = {
  user: { id: string | null; email: string | null; role: Role };
  tenant: { id: string; name: string; timezone: string };
  via?: 'session' | 'api_key';
};

export type Tenant = {
  id: string;
  name: string;
  timezone: string;
  country: string;
  is_paused: boolean;
  paused_reason: string | null;
  daily_budget_cents: number | null;
  monthly_budget_cents: number | null;
  allow_unknown_consent: boolean;
  append_opt_out_footer: boolean;
  sender_name: string | null;
  help_reply: string | null;
  opt_out_reply: string | null;
  opt_in_reply: string | null;
  /** Revenue attribution window in days (issue 14). */
  attribution_window_days: number;
  /** Currency revenue is reported in (ISO 4217). */
  currency: string;
  created_at: string;
  updated_at: string;
};

export type Budget = {
  daily_spent_cents: number;
  monthly_spent_cents: number;
  daily_budget_cents: number | null;
  monthly_budget_cents: number | null;
  daily_reset_at: string | null;
  monthly_reset_at: string | null;
};

export type User = {
  id: string;
  email: string;
  role: Role;
  is_active: boolean;
  last_login_at: string | null;
  created_at: string;
};

export type ApiKey = {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
};

export type AuditEntry = {
  id: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  user_id: string | null;
  api_key_id?: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
};

export type ConsentStatus = 'explicit' | 'implied' | 'unknown';
export const CONSENT_STATUSES: readonly ConsentStatus[] = ['explicit', 'implied', 'unknown'];

export type DncReason = 'STOP' | 'COMPLAINED' | 'MANUAL';

export type Contact = {
  id: string;
  phone_e164: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  timezone: string | null;
  custom_fields: Record<string, string>;
  consent_status: ConsentStatus;
  consent_source: string | null;
  consent_timestamp: string | null;
  last_sent_at: string | null;
  last_human_click_at?: string | null;
  last_reply_at?: string | null;
  import_batch_id?: string | null;
  tags: string[];
  on_do_not_contact: boolean;
  do_not_contact: { reason: DncReason; created_at: string } | null;
  erased_at: string | null;
  created_at: string;
  updated_at: string;
  /** Detail only: whether a suppression rule holds the contact back right now. */
  suppressed?: boolean;
  suppressed_until?: string | null;
};

export type ContactEvent = {
  id: string;
  event_type: string;
  campaign_id: string | null;
  send_job_id?: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
};

export type ImportStatus = 'pending' | 'processing' | 'completed' | 'failed';

export type RowEntry = { row: number; reason: string; data: Record<string, string> };

export type ImportBatch = {
  id: string;
  status: ImportStatus;
  file_name: string;
  file_hash: string;
  total_rows: number;
  rows_processed?: number;
  created_count: number;
  updated_count: number;
  skipped_count: number;
  rejected_count: number;
  columns?: string[];
  default_consent_status?: ConsentStatus;
  consent_source?: string | null;
  failure_reason: string | null;
  created_at: string;
  completed_at: string | null;
  /** Detail only. */
  rejected_rows?: RowEntry[];
  skipped_rows?: RowEntry[];
  rejected_rows_complete?: boolean;
};

export type DncEntry = {
  id: string;
  phone: string;
  reason: DncReason;
  /** How it got there (issue 10): a STOP reply, the opt-out link, the team; null for older entries. */
  source: 'sms' | 'link' | 'staff' | null;
  contact_id: string | null;
  created_at: string;
};

export type SuppressionRule = {
  id: string;
  name: string;
  window_days: number;
  is_active: boolean;
  expires_at: string | null;
  in_effect?: boolean;
  created_at: string;
  updated_at?: string;
};

/** A segment filter as the API takes it (docs/segments.md): a group of conditions and groups. */
export type SegmentCondition = { field: string; op: string; value?: unknown };
export type SegmentGroup = { all: SegmentNode[] } | { any: SegmentNode[] };
export type SegmentNode = SegmentCondition | SegmentGroup;

export type Segment = {
  id: string;
  name: string;
  filter: SegmentGroup;
  conditions: number;
  created_at: string;
  updated_at: string;
  /** Detail only. */
  used_by?: {
    campaigns: { id: string; name: string; status: string }[];
    segments: { id: string; name: string }[];
  };
};

export type SegmentPreview = {
  count: number;
  eligible: number;
  skipped: Record<string, number>;
};

export type TagCount = { tag: string; contacts: number };
