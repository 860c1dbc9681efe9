import { useState } from 'preact/hooks';
import { type Column, DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert } from '../components/Status';
import type { InboxItem } from '../components/sending/types';
import { formatDateTime, fullName } from '../format';
import '../sending.css';

type Filter = '' | 'reply' | 'opt_out' | 'help';

const FILTERS: { value: Filter; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'reply', label: 'Replies' },
  { value: 'opt_out', label: 'Opt-outs' },
  { value: 'help', label: 'Help requests' },
];

/** The item's kind from `type`, or from the event type it was recorded as. */
function kindOf(i: InboxItem): Exclude<Filter, ''> | 'opt_in' {
  const t = String(i.type ?? i.event_type ?? '').toLowerCase();
  if (t === 'opt_out' || t === 'stop') return 'opt_out';
  if (t === 'help') return 'help';
  if (t === 'resubscribe' || t === 'opt_in') return 'opt_in';
  return 'reply';
}

const KIND: Record<ReturnType<typeof kindOf>, { label: string; tone: string }> = {
  reply: { label: 'Reply', tone: 'info' },
  opt_out: { label: 'Opt-out', tone: 'danger' },
  help: { label: 'Help', tone: 'warning' },
  opt_in: { label: 'Opted back in', tone: 'success' },
};

function textOf(i: InboxItem): string {
  const m = i.metadata ?? {};
  const v = i.body ?? m.body ?? m.Body ?? m.text;
  return typeof v === 'string' ? v : '';
}

function contactOf(i: InboxItem) {
  const id = i.contact?.id ?? i.contact_id;
  const label =
    (i.contact &&
      (fullName({ first_name: i.contact.first_name ?? null, last_name: i.contact.last_name ?? null }) ||
        i.contact.phone_e164)) ||
    i.from ||
    'Contact';
  return id ? <a href={`/contacts/${id}`}>{label}</a> : <span>{label}</span>;
}

const columns: Column<InboxItem>[] = [
  { header: 'Received', render: (i) => <span class="nowrap">{formatDateTime(i.created_at)}</span> },
  {
    header: 'Type',
    render: (i) => {
      const k = KIND[kindOf(i)];
      return <Badge tone={k.tone}>{k.label}</Badge>;
    },
  },
  {
    header: 'Message',
    render: (i) => <span class="sending-inbox-body">{textOf(i) || <span class="muted">(empty)</span>}</span>,
  },
  { header: 'Contact', render: contactOf },
  {
    header: 'Campaign',
    render: (i) => {
      const id = i.campaign?.id ?? i.campaign_id;
      if (!id) return <span class="muted">—</span>;
      return <a href={`/campaigns/${id}`}>{i.campaign?.name ?? 'Campaign'}</a>;
    },
  },
];

export function Inbox() {
  const [filter, setFilter] = useState<Filter>('');
  const list = usePagedList<InboxItem>('/api/v1/inbox', { type: filter || undefined });
  const current = FILTERS.find((f) => f.value === filter)?.label ?? 'All';
  return (
    <>
      <PageHeader title="Inbox" />
      <div class="sending-tabs" role="group" aria-label="Show">
        {FILTERS.map((f) => (
          <button
            key={f.value}
            type="button"
            class={`btn btn--small ${filter === f.value ? 'btn--primary' : 'btn--secondary'}`}
            aria-pressed={filter === f.value ? 'true' : 'false'}
            onClick={() => setFilter(f.value)}
          >
            {f.label}
          </button>
        ))}
      </div>
      <ProblemAlert error={list.error} />
      {!list.loading && !list.error && list.items.length === 0 ? (
        <EmptyState title={filter ? `No ${current.toLowerCase()} yet.` : 'No messages from recipients yet.'}>
          <p>Replies, opt-outs (STOP) and help requests to your sending numbers appear here, newest first.</p>
        </EmptyState>
      ) : (
        <>
          <DataTable caption={`Inbox: ${current}`} columns={columns} rows={list.items} rowKey={(i) => i.id} />
          <LoadMore list={list} noun="messages" />
        </>
      )}
    </>
  );
}
