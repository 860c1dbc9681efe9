/** Shapes of the sending APIs (templates, numbers, campaigns, events, inbox), as /work/shared/API.md names them. */

export type Template = {
  id: string;
  name: string;
  body: string;
  variables: string[];
  is_active: boolean;
  /** MMS (issue 14): one https image; the template then goes out as an MMS. */
  media_url?: string | null;
  media_content_type?: string | null;
  media_bytes?: number | null;
  channel?: 'sms' | 'mms';
  created_at: string;
  updated_at: string;
};

export type SmartEncoded = {
  body: string;
  rendered: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
  replaced: { from: string; to: string }[];
};

export type TemplatePreview = {
  rendered: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
  cost_cents: number | null;
  per_part_cents: number | null;
  /** `mms` when the template has an image: one MMS price, whatever the length. */
  channel?: 'sms' | 'mms';
  media_url?: string | null;
  mms_price_cents?: number | null;
  variables: string[];
  unknown_variables: string[];
  non_gsm_characters: string[];
  /** Compliance (no opt-out, no sender name), unknown variables, UCS-2, missing price: plain sentences. */
  warnings: string[];
  footer_appended: boolean;
  /** The body with look-alikes replaced, when that changes anything; null otherwise. */
  smart_encoded: SmartEncoded | null;
};

export type SenderKind = 'phone' | 'messaging_service' | 'alphanumeric';
export type AcmaStatus = 'unregistered' | 'pending' | 'registered' | 'rejected';

/** A sender of any kind (API.md "Second phase"): a phone number, a Messaging Service or an alphanumeric ID. */
export type SendingNumber = {
  id: string;
  kind: SenderKind;
  /** What people call it: the number, the sender ID, or the service's name. */
  label: string;
  phone: string | null;
  messaging_service_sid: string | null;
  sender_id: string | null;
  acma_status: AcmaStatus | null;
  can_receive_replies: boolean;
  provider: 'twilio';
  twilio_account_sid: string | null;
  twilio_sid: string | null;
  friendly_name: string | null;
  wiring_ok: boolean | null;
  wiring_checked_at: string | null;
  daily_limit: number;
  per_minute_limit: number;
  warmup_start_date: string | null;
  is_active: boolean;
  created_at: string;
};

/** POST /sending-numbers/:id/check-wiring */
export type SenderWiring = {
  ok: boolean;
  expected_sms_url: string;
  actual_sms_url: string | null;
  actual_sms_method: string | null;
  fixed: boolean;
  fixable: boolean;
  detail: string | null;
  sending_number: SendingNumber;
};

export type NumberUsage = {
  sent_this_minute: number;
  sent_today: number;
  allowed_today: number;
  per_minute_limit: number;
  daily_limit: number;
  is_active: boolean;
};

export type CampaignStatus = 'draft' | 'queued' | 'running' | 'paused' | 'completed';

export type Audience = {
  import_batch_id?: string;
  custom_field?: { key: string; value: string };
  include_segment_ids?: string[];
  exclude_segment_ids?: string[];
};

export type AbMetric = 'human_click_rate' | 'delivery_rate';
/** campaign `ab_test` (issue 12): test a share of the audience, wait, send the winner to the rest. */
export type AbTest = { test_share_percent: number; wait_minutes: number; metric: AbMetric };
/** campaign `send_at_local` (issue 12): this local time in each recipient's timezone. */
export type SendAtLocal = { date: string; time: string; if_passed: 'next_day' | 'skip' };

/** GET /campaigns/:id/delivery-plan: recipients per UTC instant. */
export type PlanEntry = {
  send_at: string;
  recipients: number;
  phase: 'test' | 'winner' | null;
  timezones: string[];
  estimated: boolean;
};

/** stats `ab`: where the A/B test stands and why the winner won. */
export type AbStats = {
  phase: 'not_started' | 'test' | 'waiting' | 'winner' | 'done';
  winner_template_id: string | null;
  reason: string | null;
  test_share_percent: number;
  wait_minutes: number;
  metric: AbMetric;
  decided_by: AbMetric | null;
  decide_at: string | null;
  decided_at: string | null;
  variants: {
    template_id: string;
    name: string | null;
    sent: number;
    delivered: number;
    clickers: number;
    cost_cents: number;
    parts: number;
    rate: number;
  }[];
};

export type Campaign = {
  id: string;
  name: string;
  status: CampaignStatus;
  status_reason: string | null;
  template_ids: string[];
  quiet_hours_start: string;
  quiet_hours_end: string;
  target_url: string | null;
  audience: Audience;
  scheduled_at: string | null;
  sending_number_ids: string[];
  audience_count: number | null;
  skipped_counts: Record<string, number>;
  ab_test?: AbTest | null;
  ab_phase?: 'test' | 'waiting' | 'winner' | null;
  ab_decide_at?: string | null;
  ab_winner_template_id?: string | null;
  send_at_local?: SendAtLocal | null;
  queued_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  /** Set once its per-message records left the live database (docs/lifecycle.md). */
  archived_at?: string | null;
  created_at: string;
  updated_at: string;
};

export type Counts = {
  queued: number;
  sent: number;
  delivered: number;
  failed: number;
  clicks: number;
  human_clicks: number;
  cost_cents: number;
};

export type TemplateStats = Counts & { template_id: string | null; name: string | null };

export type CampaignStats = Counts & {
  status: CampaignStatus;
  status_reason: string | null;
  audience: number;
  eligible: number;
  skipped: Record<string, number>;
  cancelled: number;
  replies: number;
  opt_outs: number;
  failure_reasons: Record<string, number>;
  by_template: TemplateStats[];
  /** The A/B test (issue 12); null without one. */
  ab?: AbStats | null;
  /** Revenue attribution (issue 14). */
  conversions?: number;
  revenue_cents?: number;
  revenue_currency?: string;
  other_currencies?: { currency: string; conversions: number; revenue_cents: number }[];
};

/** GET /campaigns/:id/launch-preview: who would receive it, who is excluded and why, what it costs. */
export type LaunchPreview = {
  audience: number;
  eligible: number;
  excluded: { no_consent: number; do_not_contact: number; suppressed: number; invalid: number } & Record<
    string,
    number
  >;
  /** Local-time delivery: who gets it on time, the next day, or is skipped (their time has passed). */
  local_time?: {
    on_time: number;
    next_day: number;
    skipped: number;
    first_send_at: string | null;
    last_send_at: string | null;
  } | null;
  /** The A/B test's expected split and the metric that will decide. */
  ab_test?: { test_group: number; rest: number; metric: AbMetric; winner_expected_at: string | null } | null;
  estimated_cost_cents: number | null;
  per_part_cents: number | null;
  /** issue 14: the price of one MMS (a template with an image), per message. */
  mms_price_cents?: number | null;
  templates: {
    template_id: string;
    sample: string;
    encoding: string;
    segments: number;
    share: number;
    /** The message as sent from each kind of sender of the campaign (issue 10). */
    variants: PreviewVariant[];
    channel?: 'sms' | 'mms';
    media_url?: string | null;
    /** One recipient's message: parts × the SMS price, or one MMS price. */
    cost_cents?: number | null;
  }[];
  sending_numbers: number;
  warnings: string[];
  /** Why launching would be refused now; empty when it can launch. */
  launch_problems: { path: string; message: string }[];
};

export type PreviewVariant = {
  sender_kind: 'phone' | 'messaging_service' | 'alphanumeric';
  can_receive_replies: boolean;
  /** Of this template's recipients. */
  share: number;
  sample: string;
  encoding: string;
  segments: number;
  characters: number;
};

export type JobStatus = 'queued' | 'sent' | 'delivered' | 'failed';

export type SendJob = {
  id: string;
  contact_id: string;
  template_id: string | null;
  sending_number_id: string | null;
  status: JobStatus;
  body: string | null;
  parts: number | null;
  cost_cents: number | null;
  provider_message_id: string | null;
  failure_reason: string | null;
  error_code: string | null;
  attempt_count: number;
  queued_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
};

export type InboxType = 'reply' | 'opt_out' | 'opt_in' | 'help';

export type InboxItem = {
  id: string;
  type: InboxType;
  body: string | null;
  from: string | null;
  to: string | null;
  keyword: string | null;
  contact: { id: string; first_name: string | null; last_name: string | null; phone_e164: string } | null;
  campaign: { id: string; name: string } | null;
  created_at: string;
};
