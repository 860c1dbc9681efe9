// Bulk tag / untag from the contacts list: the ticked contacts, or everyone in the segment the
// list is filtered by (done in the database in one go, however many contacts that is).
import { useEffect, useId, useState } from 'preact/hooks';
import { api } from '../api';
import { formatNumber } from '../format';
import { Button } from './Button';
import { ProblemAlert, toast } from './Status';
import '../segments.css';

type Result = { contacts: number; added: number; removed: number };

export function BulkTagBar({
  selected,
  segment,
  suggestions,
  onDone,
}: {
  selected: string[];
  segment: { id: string; name: string } | null;
  suggestions: string[];
  onDone: () => void;
}) {
  const id = useId();
  const [target, setTarget] = useState<'selected' | 'segment'>(selected.length ? 'selected' : 'segment');
  const [tag, setTag] = useState('');
  const [busy, setBusy] = useState<'add' | 'remove' | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (selected.length === 0 && segment) setTarget('segment');
    if (!segment && selected.length > 0) setTarget('selected');
  }, [selected.length, segment?.id]);

  const apply = async (action: 'add' | 'remove') => {
    const t = tag.trim();
    if (!t) return;
    setBusy(action);
    setError(null);
    try {
      const r = await api<Result>('/api/v1/contacts/tags', {
        json: {
          ...(target === 'segment' && segment ? { segment_id: segment.id } : { contact_ids: selected }),
          [action]: [t],
        },
      });
      toast(
        action === 'add'
          ? `“${t}” added to ${formatNumber(r.added)} of ${formatNumber(r.contacts)} contacts.`
          : `“${t}” removed from ${formatNumber(r.removed)} contacts.`,
      );
      setTag('');
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="card bulk-bar" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} class="bulk-bar__title">
        Tag contacts
      </h2>
      <ProblemAlert error={error} />
      <div class="bulk-bar__row">
        <fieldset class="sending-radios">
          <legend class="visually-hidden">Which contacts</legend>
          {selected.length > 0 && (
            <label>
              <input
                type="radio"
                name={`${id}-target`}
                checked={target === 'selected'}
                onChange={() => setTarget('selected')}
              />
              The {formatNumber(selected.length)} selected
            </label>
          )}
          {segment && (
            <label>
              <input
                type="radio"
                name={`${id}-target`}
                checked={target === 'segment'}
                onChange={() => setTarget('segment')}
              />
              Everyone in segment “{segment.name}”
            </label>
          )}
        </fieldset>
        <label for={`${id}-tag`}>Tag to add or remove</label>
        <input
          id={`${id}-tag`}
          type="text"
          list={`${id}-options`}
          maxLength={64}
          value={tag}
          onInput={(e) => setTag((e.currentTarget as HTMLInputElement).value)}
        />
        <datalist id={`${id}-options`}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <Button
          variant="primary"
          small
          busy={busy === 'add'}
          disabled={!tag.trim() || busy !== null}
          onClick={() => apply('add')}
        >
          Add tag
        </Button>
        <Button
          small
          busy={busy === 'remove'}
          disabled={!tag.trim() || busy !== null}
          onClick={() => apply('remove')}
        >
          Remove tag
        </Button>
      </div>
    </section>
  );
}
