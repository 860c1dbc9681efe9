// One conversation (issue 12): their messages and ours in time order with delivery status, the
// thread's state (assign, close or reopen, unread) and the reply box. Shown in the inbox and on the
// contact page. It polls every few seconds while the tab is visible, so a new message or a delivery
// receipt appears without a reload.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort, type Page } from '../../api';
import { formatCents, formatDateTime } from '../../format';
import { can, me } from '../../session';
import { Button } from '../Button';
import { Badge, Notice, ProblemAlert, toast } from '../Status';
import { ReplyBox } from './ReplyBox';
import { type Conversation, type Thread, type ThreadMessage, threadTitle } from './types';

export const POLL_MS = 5000;

const STATUS: Record<string, { label: string; tone: string }> = {
  queued: { label: 'Sending…', tone: 'neutral' },
  sent: { label: 'Sent', tone: 'info' },
  delivered: { label: 'Delivered', tone: 'success' },
  failed: { label: 'Not delivered', tone: 'danger' },
};

function kindLabel(m: ThreadMessage): string | null {
  switch (m.kind) {
    case 'opt_out':
      return 'Opted out';
    case 'opt_in':
      return 'Opted back in';
    case 'help':
      return 'Asked for help';
    case 'campaign':
      return m.campaign ? `Campaign “${m.campaign.name}”` : 'Campaign';
    case 'test':
      return m.campaign ? `Test of “${m.campaign.name}”` : 'Test';
    case 'reply':
      return m.sent_by ? `Reply by ${m.sent_by.email}` : 'Reply';
    case 'confirmation':
      return 'Subscription confirmation';
    case 'verification':
      return 'Test-number code';
    case 'flow':
      return 'Automation';
    default:
      return null;
  }
}

function MessageItem({ m }: { m: ThreadMessage }) {
  const status = m.direction === 'outbound' ? STATUS[m.status] : undefined;
  const kind = kindLabel(m);
  return (
    <li class={`conv-msg conv-msg--${m.direction}`} data-testid="thread-message" data-kind={m.kind}>
      <p class="conv-bubble">{m.body ?? <span class="muted">(text not kept)</span>}</p>
      <p class="conv-meta muted">
        <time dateTime={m.at}>{formatDateTime(m.at)}</time>
        {kind && <> · {kind}</>}
        {m.is_test && (
          <>
            {' '}
            <Badge tone="warning">Test</Badge>
          </>
        )}
        {status && (
          <>
            {' '}
            <Badge tone={status.tone}>{status.label}</Badge>
          </>
        )}
        {m.failure_reason && <> {m.failure_reason.replace(/_/g, ' ')}</>}
        {m.parts !== null && m.direction === 'outbound' && (
          <>
            {' '}
            · {m.parts} {m.parts === 1 ? 'part' : 'parts'}
            {m.cost_cents !== null && `, ${formatCents(m.cost_cents)}`}
          </>
        )}
      </p>
    </li>
  );
}

type User = { id: string; email: string; role: string; is_active?: boolean };

/** Assign, close or reopen, mark unread: staff and admins. */
function ThreadActions({
  conv,
  onPatch,
}: {
  conv: Conversation;
  onPatch: (body: Record<string, unknown>, done: string) => Promise<void>;
}) {
  const myId = me.value?.user.id ?? null;
  const [users, setUsers] = useState<User[]>([]);
  useEffect(() => {
    // Only admins may list users; staff assign to themselves.
    if (!can('admin')) return;
    api<Page<User>>('/api/v1/users', { query: { limit: 500 } }).then(
      (p) => setUsers(p.data.filter((u) => u.role !== 'viewer' && u.is_active !== false)),
      () => setUsers([]),
    );
  }, []);
  return (
    <div class="conv-actions actions">
      {users.length > 0 ? (
        <label class="conv-assign">
          Assigned to{' '}
          <select
            value={conv.assignee_id ?? ''}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              onPatch({ assignee_id: v || null }, v ? 'Assigned.' : 'Unassigned.');
            }}
          >
            <option value="">Nobody</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email}
              </option>
            ))}
          </select>
        </label>
      ) : conv.assignee_id && conv.assignee_id === myId ? (
        <Button small onClick={() => onPatch({ assignee_id: null }, 'Unassigned.')}>
          Unassign me
        </Button>
      ) : (
        myId && (
          <Button small onClick={() => onPatch({ assignee_id: myId }, 'Assigned to you.')}>
            Assign to me
          </Button>
        )
      )}
      {conv.status === 'open' ? (
        <Button small onClick={() => onPatch({ status: 'closed' }, 'Conversation closed.')}>
          Close
        </Button>
      ) : (
        <Button small onClick={() => onPatch({ status: 'open' }, 'Conversation reopened.')}>
          Reopen
        </Button>
      )}
      {conv.unread_count === 0 && (
        <Button small variant="link" onClick={() => onPatch({ read: false }, 'Marked as unread.')}>
          Mark unread
        </Button>
      )}
    </div>
  );
}

export function ThreadView({
  threadId,
  onChange,
  showTitle = true,
}: {
  threadId: string;
  /** The thread's state changed here (read, assigned, closed, replied): the list can update its row. */
  onChange?: (c: Conversation) => void;
  showTitle?: boolean;
}) {
  const [thread, setThread] = useState<Thread | null>(null);
  const [older, setOlder] = useState<ThreadMessage[]>([]);
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const markedRead = useRef<string | null>(null);
  const ctrl = useRef<AbortController | null>(null);
  const staff = can('staff');

  const load = useCallback(async () => {
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    try {
      const t = await api<Thread>(`/api/v1/conversations/${threadId}`, { signal: c.signal });
      setThread(t);
      setError(null);
      setOlderCursor((prev) => prev ?? t.next_cursor);
    } catch (err) {
      if (!isAbort(err)) setError(err);
    }
  }, [threadId]);

  useEffect(() => {
    setThread(null);
    setOlder([]);
    setOlderCursor(null);
    load();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') load();
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      ctrl.current?.abort();
    };
  }, [load]);

  const patch = async (body: Record<string, unknown>, done?: string) => {
    try {
      const conv = await api<Conversation>(`/api/v1/conversations/${threadId}`, {
        method: 'PATCH',
        json: body,
      });
      setThread((t) => (t ? { ...t, conversation: conv } : t));
      if (done) toast(done);
    } catch (err) {
      toast(
        `Could not update the conversation: ${err instanceof Error ? err.message : String(err)}`,
        'error',
      );
    }
  };

  const conv = thread?.conversation ?? null;
  useEffect(() => {
    if (conv) onChange?.(conv);
  }, [conv?.updated_at]);
  // Opening a thread with unread messages reads it (staff only: a viewer's look changes nothing).
  useEffect(() => {
    if (!staff || !conv || conv.unread_count === 0 || markedRead.current === conv.updated_at) return;
    markedRead.current = conv.updated_at;
    patch({ read: true });
  }, [conv?.updated_at]);

  const loadEarlier = async () => {
    if (!olderCursor) return;
    try {
      const t = await api<Thread>(`/api/v1/conversations/${threadId}`, { query: { cursor: olderCursor } });
      setOlder((o) => [...o, ...t.data]);
      setOlderCursor(t.next_cursor);
    } catch (err) {
      setError(err);
    }
  };

  if (!thread)
    return error ? <ProblemAlert error={error} /> : <p aria-live="polite">Loading the conversation…</p>;
  const latest = new Set(thread.data.map((m) => m.id));
  const messages = [...thread.data, ...older.filter((m) => !latest.has(m.id))].reverse();
  const contactHref = thread.contact ? `/contacts/${thread.contact.id}` : null;
  return (
    <section class="conv-thread" aria-label={`Conversation with ${threadTitle(thread)}`}>
      {showTitle && (
        <header class="conv-thread__head">
          <h2>
            {contactHref ? <a href={contactHref}>{threadTitle(thread)}</a> : threadTitle(thread)}{' '}
            <span class="muted mono conv-small">{thread.phone_e164}</span>
          </h2>
          {conv && (
            <p class="conv-small">
              <Badge tone={conv.status === 'open' ? 'info' : 'neutral'}>
                {conv.status === 'open' ? 'Open' : 'Closed'}
              </Badge>{' '}
              {conv.assignee_email ? `Assigned to ${conv.assignee_email}` : 'Unassigned'}
            </p>
          )}
        </header>
      )}
      {staff && conv && <ThreadActions conv={conv} onPatch={patch} />}
      <ProblemAlert error={error} />
      {olderCursor && (
        <p>
          <Button small variant="link" onClick={loadEarlier}>
            Show earlier messages
          </Button>
        </p>
      )}
      {messages.length === 0 ? (
        <p class="muted">No messages yet.</p>
      ) : (
        <ol class="conv-messages" aria-live="polite" aria-relevant="additions">
          {messages.map((m) => (
            <MessageItem key={m.id} m={m} />
          ))}
        </ol>
      )}
      {staff &&
        (thread.reply_blocked ? (
          thread.reply_blocked.reason === 'no_conversation' ? (
            <p class="muted conv-small">{thread.reply_blocked.detail}</p>
          ) : (
            <Notice kind="warning">
              <p data-testid="reply-blocked">{thread.reply_blocked.detail}</p>
            </Notice>
          )
        ) : (
          <ReplyBox
            threadId={threadId}
            onSent={(m) => {
              setThread((t) => (t ? { ...t, data: [m, ...t.data.filter((x) => x.id !== m.id)] } : t));
              load();
            }}
          />
        ))}
    </section>
  );
}
