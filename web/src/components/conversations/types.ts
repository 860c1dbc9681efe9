// Shapes of the conversation and test-send API (issue 12), as the UI reads them.

export type ContactRef = {
  id: string;
  first_name: string | null;
  last_name: string | null;
  phone_e164: string;
};

export type Conversation = {
  id: string;
  thread_id: string;
  phone_e164: string;
  contact: ContactRef | null;
  status: 'open' | 'closed';
  assignee_id: string | null;
  assignee_email: string | null;
  unread_count: number;
  last_message: { direction: 'inbound' | 'outbound'; preview: string | null; at: string };
  last_inbound_at: string | null;
  last_read_at: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
};

export type ConversationPage = { data: Conversation[]; next_cursor: string | null; server_time: string };

export type MessageKind =
  | 'message'
  | 'help'
  | 'opt_out'
  | 'opt_in'
  | 'campaign'
  | 'reply'
  | 'test'
  | 'confirmation'
  | 'flow'
  | 'verification';

export type ThreadMessage = {
  id: string;
  direction: 'inbound' | 'outbound';
  kind: MessageKind;
  body: string | null;
  status: string;
  from: string | null;
  to: string | null;
  campaign: { id: string; name: string } | null;
  is_test: boolean;
  parts: number | null;
  cost_cents: number | null;
  failure_reason: string | null;
  sent_by: { id: string; email: string } | null;
  at: string;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
};

export type ReplyBlocked = {
  reason: 'no_conversation' | 'do_not_contact' | 'tenant_paused' | 'erased' | 'no_sender';
  detail: string;
} | null;

export type Thread = {
  thread_id: string;
  phone_e164: string;
  contact: ContactRef | null;
  conversation: Conversation | null;
  reply_blocked: ReplyBlocked;
  data: ThreadMessage[];
  next_cursor: string | null;
};

export type ReplyPreview = {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
  cost_cents: number | null;
  from: { id: string; phone_e164: string | null } | null;
  reply_blocked: ReplyBlocked;
};

export type TestNumber = {
  id: string;
  phone_e164: string;
  label: string | null;
  status: 'pending' | 'confirmed';
  confirmed_at: string | null;
  code_sent_at: string | null;
  code_expires_at: string | null;
  attempts_left: number;
  resend_available_at: string | null;
  created_at: string;
};

export type TestSendMessage = {
  id: string | null;
  test_number_id: string;
  to: string;
  template_id: string;
  template_name: string;
  body: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
  channel: 'sms' | 'mms';
  cost_cents: number | null;
  status: string;
};

export type TestSendAnswer = {
  campaign_id: string;
  contact_id: string | null;
  dry_run: boolean;
  messages: TestSendMessage[];
  total_cost_cents: number | null;
  warnings: string[];
};

/** Who a thread is with, for people. */
export function threadTitle(c: { contact: ContactRef | null; phone_e164: string }): string {
  const name = [c.contact?.first_name, c.contact?.last_name].filter(Boolean).join(' ');
  return name || c.phone_e164;
}

/** A key for one written message, so a retried send after a network error is sent once. */
export function newIdempotencyKey(): string {
  return `ui-${crypto.randomUUID()}`;
}
