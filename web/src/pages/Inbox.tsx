import { useState } from 'preact/hooks';
import { type Column, DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert } from '../components/Status';
import type { InboxItem, InboxType } from '../components/sending/types';
import { formatDateTime, fullName } from '../format';
import '../sending.css';

type Filter = '' | InboxType;

const FILTERS: { value: Filter; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'reply', label: 'Replies' },
  { value: 'opt_out', label: 'Opt-outs' },
  { value: 'help', label: 'Help requests' },
  { value: 'opt_in', label: 'Opt-ins' },
];

const KIND: Record<InboxType, { label: string; tone: string }> = {
  reply: { label: 'Reply', tone: 'info' },
  opt_out: { label: 'Opt-out', tone: 'danger' },
  help: { label: 'Help', tone: 'warning' },
  opt_in: { label: 'Opted back in', tone: 'success' },
};

function contactOf(i: InboxItem) {
  if (!i.contact) return <span class="mono">{i.from ?? 'Unknown sender'}</span>;
  const name = fullName(i.contact);
  return (
    <a href={`/contacts/${i.contact.id}`}>
      {name || i.contact.phone_e164}
      {name && <span class="muted mono sending-small"> {i.contact.phone_e164}</span>}
    </a>
  );
}

const columns: Column<InboxItem>[] = [
  { header: 'Received', render: (i) => <span class="nowrap">{formatDateTime(i.created_at)}</span> },
  {
    header: 'Type',
    render: (i) => <Badge tone={KIND[i.type].tone}>{KIND[i.type].label}</Badge>,
  },
  {
    header: 'Message',
    render: (i) => <span class="sending-inbox-body">{i.body || <span class="muted">(empty)</span>}</span>,
  },
  { header: 'Contact', render: contactOf },
  {
    header: 'Campaign',
    render: (i) =>
      i.campaign ? (
        <a href={`/campaigns/${i.campaign.id}`}>{i.campaign.name}</a>
      ) : (
        <span class="muted">—</span>
      ),
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
          <p>
            Replies, opt-outs (STOP), opt-ins (START) and help requests to your sending numbers appear here,
            newest first.
          </p>
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
