// The conversation list (issue 12): one row per person who texted, latest activity first, with
// filters. It asks every few seconds for what changed (`updated_since`, one indexed query) and
// merges the answer in place: polling is the simplest thing that is robust on Workers (no
// connection to hold open, nothing to reconnect, and any instance can answer).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort } from '../../api';
import { formatDateTime } from '../../format';
import { me } from '../../session';
import { Button } from '../Button';
import { Badge, ProblemAlert } from '../Status';
import { POLL_MS } from './ThreadView';
import { type Conversation, type ConversationPage, threadTitle } from './types';

export type Filters = { status: '' | 'open' | 'closed'; assignee: '' | 'me' | 'none'; unread: boolean };

/** Changes are asked for with this much overlap, so a write racing the previous poll is never missed. */
const OVERLAP_MS = 30_000;

function query(f: Filters) {
  return {
    status: f.status || undefined,
    assignee_id: f.assignee || undefined,
    unread: f.unread ? 'true' : undefined,
  };
}

function matches(c: Conversation, f: Filters, myId: string | null): boolean {
  if (f.status && c.status !== f.status) return false;
  if (f.unread && c.unread_count === 0) return false;
  if (f.assignee === 'none' && c.assignee_id !== null) return false;
  if (f.assignee === 'me' && c.assignee_id !== myId) return false;
  return true;
}

const newestFirst = (a: Conversation, b: Conversation) =>
  a.last_message.at === b.last_message.at
    ? a.id < b.id
      ? 1
      : -1
    : a.last_message.at < b.last_message.at
      ? 1
      : -1;

/** Rows merged by id (the newer version wins), those no longer matching dropped, in list order. */
export function mergeRows(rows: Conversation[], changed: Conversation[], f: Filters, myId: string | null) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const c of changed) {
    const before = byId.get(c.id);
    if (!before || before.updated_at <= c.updated_at) byId.set(c.id, c);
  }
  return [...byId.values()].filter((c) => matches(c, f, myId)).sort(newestFirst);
}

export function useConversations(f: Filters) {
  const [rows, setRows] = useState<Conversation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const since = useRef<string | null>(null);
  const myId = me.value?.user.id ?? null;
  const key = JSON.stringify(f);

  const first = useCallback(
    async (signal: AbortSignal) => {
      setLoading(true);
      try {
        const p = await api<ConversationPage>('/api/v1/conversations', { query: query(f), signal });
        setRows(p.data);
        setCursor(p.next_cursor);
        since.current = p.server_time;
        setError(null);
      } catch (err) {
        if (!isAbort(err)) setError(err);
      } finally {
        setLoading(false);
      }
    },
    [key],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    since.current = null;
    first(ctrl.signal);
    const timer = setInterval(async () => {
      if (document.visibilityState !== 'visible' || !since.current) return;
      try {
        const from = new Date(Date.parse(since.current) - OVERLAP_MS).toISOString();
        const p = await api<ConversationPage>('/api/v1/conversations', {
          query: { ...query(f), updated_since: from, limit: 500 },
          signal: ctrl.signal,
        });
        since.current = p.server_time;
        setRows((r) => mergeRows(r, p.data, f, myId));
      } catch {
        // The next tick tries again.
      }
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      ctrl.abort();
    };
  }, [first]);

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const p = await api<ConversationPage>('/api/v1/conversations', { query: { ...query(f), cursor } });
      setRows((r) => mergeRows(r, p.data, f, myId));
      setCursor(p.next_cursor);
    } catch (err) {
      setError(err);
    }
  };
  /** A row changed here (read, assigned, closed): show it at once. */
  const update = (c: Conversation) => setRows((r) => mergeRows(r, [c], f, myId));
  return { rows, loading, error, hasMore: cursor !== null, loadMore, update };
}

export function ConversationList({
  list,
  selected,
}: {
  list: ReturnType<typeof useConversations>;
  selected: string | null;
}) {
  return (
    <div class="conv-list">
      <ProblemAlert error={list.error} />
      {!list.loading && list.rows.length === 0 && !list.error ? (
        <p class="muted conv-empty">
          No conversations here. When someone texts one of your numbers, it shows here.
        </p>
      ) : (
        <ul aria-label="Conversations">
          {list.rows.map((c) => (
            <li key={c.id}>
              <a
                href={`/inbox/${c.thread_id}`}
                class={`conv-row${c.thread_id === selected ? ' conv-row--current' : ''}${c.unread_count ? ' conv-row--unread' : ''}`}
                aria-current={c.thread_id === selected ? 'true' : undefined}
                data-testid="conversation-row"
              >
                <span class="conv-row__top">
                  <strong>{threadTitle(c)}</strong>
                  <time class="muted conv-small" dateTime={c.last_message.at}>
                    {formatDateTime(c.last_message.at)}
                  </time>
                </span>
                <span class="conv-row__preview">
                  {c.last_message.direction === 'outbound' && <span class="muted">You: </span>}
                  {c.last_message.preview}
                </span>
                <span class="conv-row__tags">
                  {c.unread_count > 0 && <Badge tone="info">{`${c.unread_count} unread`}</Badge>}
                  {c.status === 'closed' && <Badge>Closed</Badge>}
                  {c.assignee_email && <span class="muted conv-small">→ {c.assignee_email}</span>}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {list.hasMore && (
        <p>
          <Button small onClick={list.loadMore}>
            Load more
          </Button>
        </p>
      )}
    </div>
  );
}
