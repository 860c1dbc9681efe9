// The inbox as conversations (issue 12): the list on the left, the chosen thread on the right
// (/inbox/:id, where id is the contact's id, or the conversation's for a sender who is not a
// contact). Both poll for changes, so a new message appears without a reload.
import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import {
  ConversationList,
  type Filters,
  useConversations,
} from '../components/conversations/ConversationList';
import { ThreadView } from '../components/conversations/ThreadView';
import { PageHeader } from '../components/Layout';
import { me } from '../session';
import '../conversations.css';

const STATUS: { value: Filters['status']; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'closed', label: 'Closed' },
  { value: '', label: 'All' },
];

export function Inbox() {
  const { params } = useRoute();
  const selected = params.id ?? null;
  const [filters, setFilters] = useState<Filters>({ status: 'open', assignee: '', unread: false });
  const list = useConversations(filters);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  return (
    <>
      <PageHeader title="Inbox" />
      <div class="conv-filters" role="group" aria-label="Show">
        {STATUS.map((s) => (
          <button
            key={s.value}
            type="button"
            class={`btn btn--small ${filters.status === s.value ? 'btn--primary' : 'btn--secondary'}`}
            aria-pressed={filters.status === s.value ? 'true' : 'false'}
            onClick={() => set({ status: s.value })}
          >
            {s.label}
          </button>
        ))}
        <label>
          Assigned{' '}
          <select
            value={filters.assignee}
            onChange={(e) => set({ assignee: (e.target as HTMLSelectElement).value as Filters['assignee'] })}
          >
            <option value="">to anyone</option>
            {me.value?.user.id && <option value="me">to me</option>}
            <option value="none">to nobody</option>
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={filters.unread}
            onChange={(e) => set({ unread: (e.target as HTMLInputElement).checked })}
          />{' '}
          Unread only
        </label>
      </div>
      <div class={`conv-layout${selected ? ' conv-layout--thread' : ''}`}>
        <ConversationList list={list} selected={selected} />
        <div class="conv-pane">
          {selected ? (
            <>
              <p class="conv-back">
                <a href="/inbox">← All conversations</a>
              </p>
              <ThreadView key={selected} threadId={selected} onChange={list.update} />
            </>
          ) : (
            <p class="muted conv-empty">Choose a conversation to read it and reply.</p>
          )}
        </div>
      </div>
    </>
  );
}
