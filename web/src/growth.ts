/** Shapes and helpers of the growth features (issue 14): webhooks, keywords, signup forms, revenue. */

export const WEBHOOK_EVENTS = [
  { type: 'contact.created', label: 'Contact created', hint: 'through the API or a signup form' },
  { type: 'contact.opted_out', label: 'Contact opted out', hint: 'replied STOP or used an opt-out link' },
  { type: 'contact.opted_in', label: 'Contact opted in', hint: 'replied START or confirmed a sign-up' },
  { type: 'message.delivered', label: 'Message delivered', hint: '' },
  { type: 'message.failed', label: 'Message failed', hint: '' },
  { type: 'message.replied', label: 'Message replied', hint: 'a reply that is not a keyword' },
  { type: 'link.clicked', label: 'Link clicked', hint: 'human clicks only' },
  { type: 'conversion.attributed', label: 'Conversion attributed', hint: 'an order credited to a click' },
  { type: 'import.completed', label: 'Import completed', hint: 'once per import, with its counts' },
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number]['type'];

export type Webhook = {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  is_active: boolean;
  secret_hint: string;
  disabled_at: string | null;
  disabled_reason: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  created_at: string;
  updated_at: string;
  /** Only when created or rotated. */
  secret?: string;
};

export type DeliveryState = 'pending' | 'succeeded' | 'failed' | 'cancelled';

export type WebhookDelivery = {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  state: DeliveryState;
  attempt_count: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  last_response_snippet: string | null;
  attempts: {
    at: string;
    status: number | null;
    latency_ms: number;
    error: string | null;
    manual?: boolean;
  }[];
  succeeded_at: string | null;
  is_test: boolean;
  payload: { id: string; type: string; created_at: string; data: Record<string, unknown> };
  created_at: string;
};

export type Keyword = {
  id: string;
  keyword: string;
  sending_number_id: string | null;
  reply: string;
  tags_add: string[];
  double_opt_in: boolean;
  is_active: boolean;
  created_at: string;
  updated_at: string;
};

export const FORM_FIELDS = [
  { value: 'first_name', label: 'First name' },
  { value: 'last_name', label: 'Last name' },
  { value: 'email', label: 'Email' },
] as const;
export type FormField = (typeof FORM_FIELDS)[number]['value'];

export type SignupForm = {
  id: string;
  name: string;
  consent_text: string;
  consent_version: number;
  fields: FormField[];
  tags_add: string[];
  double_opt_in: boolean;
  success_message: string;
  is_active: boolean;
  public_url: string;
  embed: { link: string; iframe: string };
  created_at: string;
  updated_at: string;
};

export type OptInRequest = {
  id: string;
  phone_e164: string;
  source: 'form' | 'keyword';
  consent_version: number | null;
  consent_text: string | null;
  ip: string | null;
  user_agent: string | null;
  fields: Record<string, string>;
  status: 'pending' | 'confirmed' | 'expired' | 'superseded' | 'blocked';
  status_reason: string | null;
  confirmation_sent_at: string | null;
  confirmed_at: string | null;
  contact_id: string | null;
  requested_at: string;
  expires_at: string;
};

export type RevenueTotals = {
  conversions: number;
  revenue_cents: number;
  revenue_currency: string;
  other_currencies: { currency: string; conversions: number; revenue_cents: number }[];
};

export type ConversionSummary = {
  month: string;
  timezone: string;
  from: string;
  to: string;
  attributed: RevenueTotals;
  all: RevenueTotals;
};

/** Money in a named currency: "A$1,234.50" in an Australian browser. */
export function formatMoney(cents: number | null | undefined, currency: string): string {
  if (cents === null || cents === undefined) return '—';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

/** Comma- or semicolon-separated tags → a clean list. */
export function parseTags(input: string): string[] {
  return [
    ...new Set(
      input
        .split(/[,;]/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/** Copies text and says so; falls back to selecting it for a manual copy. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
