// Writing a reply (issue 12): its parts, cost and the number it goes out from are shown while
// typing (POST …/messages/preview), before anything is sent. One idempotency key per written
// message, so a retry after a network error never sends it twice.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, isAbort } from '../../api';
import { formatCents } from '../../format';
import { Button } from '../Button';
import { ProblemAlert, toast } from '../Status';
import { newIdempotencyKey, type ReplyPreview, type ThreadMessage } from './types';

const MAX = 1600;

export function ReplyBox({ threadId, onSent }: { threadId: string; onSent: (m: ThreadMessage) => void }) {
  const [body, setBody] = useState('');
  const [preview, setPreview] = useState<ReplyPreview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const key = useRef(newIdempotencyKey());
  const id = useId();

  useEffect(() => {
    if (!body.trim()) {
      setPreview(null);
      return;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      api<ReplyPreview>(`/api/v1/conversations/${threadId}/messages/preview`, {
        json: { body },
        signal: ctrl.signal,
      }).then(setPreview, (err) => {
        if (!isAbort(err)) setPreview(null);
      });
    }, 300);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [body, threadId]);

  const send = async (e: Event) => {
    e.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ message: ThreadMessage }>(`/api/v1/conversations/${threadId}/messages`, {
        json: { body },
        headers: { 'idempotency-key': key.current },
      });
      key.current = newIdempotencyKey();
      setBody('');
      setPreview(null);
      onSent(res.message);
      toast('Reply sent.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="conv-reply" onSubmit={send}>
      <ProblemAlert error={error} />
      <label for={id}>Reply</label>
      <textarea
        id={id}
        rows={3}
        maxLength={MAX}
        value={body}
        aria-describedby={`${id}-cost`}
        onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send(e);
        }}
      />
      <div class="conv-reply__bar">
        <p class="muted conv-small" id={`${id}-cost`} data-testid="reply-cost" aria-live="polite">
          {preview
            ? `${preview.segments} ${preview.segments === 1 ? 'part' : 'parts'} (${preview.encoding}) · ${
                preview.cost_cents === null ? 'no price set' : formatCents(preview.cost_cents)
              }${preview.from?.phone_e164 ? ` · from ${preview.from.phone_e164}` : ''}`
            : 'Replies are not marketing: they go at once, at any hour, and never to someone who opted out.'}
        </p>
        <Button
          type="submit"
          variant="primary"
          busy={busy}
          disabled={!body.trim() || !!preview?.reply_blocked}
        >
          Send reply
        </Button>
      </div>
    </form>
  );
}
