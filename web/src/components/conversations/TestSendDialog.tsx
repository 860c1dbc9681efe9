// "Send a test" (issue 12): pick confirmed test numbers and, optionally, a contact whose data fills
// the template; the dialog shows each message, its parts and cost (a dry run) before anything is
// sent. The test goes through the real send path and never counts in the campaign's figures.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort, type Page } from '../../api';
import { formatCents, fullName } from '../../format';
import type { Contact } from '../../types';
import { ConfirmDialog } from '../ConfirmDialog';
import { Notice, ProblemAlert, toast } from '../Status';
import { newIdempotencyKey, type TestNumber, type TestSendAnswer } from './types';

export function TestSendDialog({
  campaignId,
  open,
  onClose,
}: {
  campaignId: string;
  open: boolean;
  onClose: () => void;
}) {
  const [numbers, setNumbers] = useState<TestNumber[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<Contact[]>([]);
  const [contact, setContact] = useState<Contact | null>(null);
  const [preview, setPreview] = useState<TestSendAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const key = useRef(newIdempotencyKey());

  useEffect(() => {
    if (!open) return;
    key.current = newIdempotencyKey();
    api<Page<TestNumber>>('/api/v1/test-numbers', { query: { limit: 500 } }).then(
      (p) => {
        const confirmed = p.data.filter((n) => n.status === 'confirmed');
        setNumbers(confirmed);
        setChosen(confirmed.slice(0, 1).map((n) => n.id));
      },
      (err) => setError(err),
    );
  }, [open]);

  useEffect(() => {
    if (!open || search.trim().length < 2) {
      setFound([]);
      return;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      api<Page<Contact>>('/api/v1/contacts', { query: { search, limit: 5 }, signal: ctrl.signal }).then(
        (p) => setFound(p.data.filter((c) => !c.erased_at)),
        () => setFound([]),
      );
    }, 250);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [search, open]);

  // The dry run: what each chosen number would get, as the choices change.
  useEffect(() => {
    if (!open || chosen.length === 0) {
      setPreview(null);
      return;
    }
    const ctrl = new AbortController();
    api<TestSendAnswer>(`/api/v1/campaigns/${campaignId}/test-send`, {
      json: { test_number_ids: chosen, contact_id: contact?.id ?? null, dry_run: true },
      signal: ctrl.signal,
    }).then(
      (p) => {
        setPreview(p);
        setError(null);
      },
      (err) => {
        if (!isAbort(err)) setError(err);
      },
    );
    return () => ctrl.abort();
  }, [open, chosen.join(','), contact?.id, campaignId]);

  const send = async () => {
    if (chosen.length === 0) throw new Error('Choose at least one test number.');
    const res = await api<TestSendAnswer>(`/api/v1/campaigns/${campaignId}/test-send`, {
      json: { test_number_ids: chosen, contact_id: contact?.id ?? null },
      headers: { 'idempotency-key': key.current },
    });
    const to = [...new Set(res.messages.map((m) => m.to))].join(', ');
    toast(`Test sent to ${to}. It is marked as a test and not counted in this campaign.`);
  };

  const toggle = (id: string, on: boolean) =>
    setChosen((c) => (on ? [...new Set([...c, id])] : c.filter((x) => x !== id)));

  return (
    <ConfirmDialog
      open={open}
      title="Send a test"
      confirmLabel="Send test"
      onConfirm={send}
      onClose={onClose}
    >
      <ProblemAlert error={error} />
      {numbers === null ? (
        <p aria-live="polite">Loading your test numbers…</p>
      ) : numbers.length === 0 ? (
        <Notice kind="warning">
          <p>
            No confirmed test number yet. <a href="/test-numbers">Add your phone</a> and enter the code texted
            to it.
          </p>
        </Notice>
      ) : (
        <fieldset>
          <legend>Send to</legend>
          {numbers.map((n) => (
            <label key={n.id} class="checkbox">
              <input
                type="checkbox"
                checked={chosen.includes(n.id)}
                onChange={(e) => toggle(n.id, (e.target as HTMLInputElement).checked)}
              />{' '}
              <span class="mono">{n.phone_e164}</span> {n.label}
            </label>
          ))}
        </fieldset>
      )}
      <fieldset>
        <legend>With the data of</legend>
        {contact ? (
          <p>
            <strong>{fullName(contact) || contact.phone_e164}</strong>{' '}
            <button type="button" class="btn btn--link btn--small" onClick={() => setContact(null)}>
              Use no contact
            </button>
          </p>
        ) : (
          <>
            <label>
              Find a contact{' '}
              <input
                type="search"
                value={search}
                onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
              />
            </label>
            <ul class="conv-test-numbers">
              {found.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    class="btn btn--link btn--small"
                    onClick={() => {
                      setContact(c);
                      setSearch('');
                    }}
                  >
                    {fullName(c) || c.phone_e164} <span class="muted mono">{c.phone_e164}</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </fieldset>
      {preview && (
        <div class="conv-test-preview" data-testid="test-preview">
          {preview.messages
            .filter((m, i, all) => all.findIndex((x) => x.template_id === m.template_id) === i)
            .map((m) => (
              <div key={m.template_id}>
                <p class="conv-bubble">{m.body}</p>
                <p class="muted conv-small">
                  {m.template_name} · {m.segments} {m.segments === 1 ? 'part' : 'parts'} ({m.encoding})
                </p>
              </div>
            ))}
          <p data-testid="test-cost">
            {preview.messages.length} {preview.messages.length === 1 ? 'message' : 'messages'}, about{' '}
            <strong>{formatCents(preview.total_cost_cents)}</strong> in all.
          </p>
          {preview.warnings.length > 0 && (
            <Notice kind="warning">
              <ul>
                {preview.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </Notice>
          )}
        </div>
      )}
    </ConfirmDialog>
  );
}
