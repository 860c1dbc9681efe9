// Test numbers (issue 12): the phones "Send a test" may text. Adding one texts it a code; entering
// the code confirms it. A test ignores consent, so only a phone whose owner entered the code gets one.
import { useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import type { TestNumber } from '../components/conversations/types';
import { EmptyState } from '../components/EmptyState';
import { TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { formatDateTime } from '../format';
import { can } from '../session';
import '../conversations.css';

function AddForm({ onAdded }: { onAdded: (n: TestNumber) => void }) {
  const [phone, setPhone] = useState('');
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const n = await api<TestNumber>('/api/v1/test-numbers', { json: { phone, label: label || undefined } });
      setPhone('');
      setLabel('');
      onAdded(n);
      toast(`A code was texted to ${n.phone_e164}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (path: string) => (error instanceof ApiProblem ? error.fieldError(path) : undefined);
  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-test-title">
      <h2 id="add-test-title">Add a test number</h2>
      <ProblemAlert error={error} />
      <div class="grid-2">
        <TextField
          label="Mobile number"
          type="tel"
          autocomplete="tel"
          value={phone}
          onValue={setPhone}
          error={fieldError('phone')}
          required
        />
        <TextField
          label="Label"
          value={label}
          onValue={setLabel}
          hint="Whose phone, e.g. “Sam’s iPhone”"
          maxLength={60}
        />
      </div>
      <Button type="submit" variant="primary" busy={busy}>
        Text a code
      </Button>
    </form>
  );
}

function ConfirmRow({ n, onChanged }: { n: TestNumber; onChanged: (n: TestNumber) => void }) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirm = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const done = await api<TestNumber>(`/api/v1/test-numbers/${n.id}/confirm`, { json: { code } });
      onChanged(done);
      toast(`${done.phone_e164} can receive tests now.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const resend = async () => {
    setError(null);
    try {
      onChanged(await api<TestNumber>(`/api/v1/test-numbers/${n.id}/resend-code`, { method: 'POST' }));
      toast('A new code is on its way.');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="actions" onSubmit={confirm}>
      <ProblemAlert error={error} />
      <TextField
        label={`Code texted to ${n.phone_e164}`}
        inputMode="numeric"
        autocomplete="one-time-code"
        value={code}
        onValue={setCode}
        maxLength={12}
        hint={
          n.code_expires_at
            ? `Valid until ${formatDateTime(n.code_expires_at)}; ${n.attempts_left} attempts left.`
            : undefined
        }
      />
      <Button type="submit" variant="primary" small busy={busy}>
        Confirm
      </Button>
      <Button small variant="link" onClick={resend}>
        Text a new code
      </Button>
    </form>
  );
}

export function TestNumbers() {
  const list = usePagedList<TestNumber>('/api/v1/test-numbers');
  const [removing, setRemoving] = useState<TestNumber | null>(null);
  const editable = can('staff');
  const replace = (n: TestNumber) =>
    list.setItems((items) =>
      items.some((x) => x.id === n.id) ? items.map((x) => (x.id === n.id ? n : x)) : [n, ...items],
    );
  return (
    <>
      <PageHeader title="Test numbers" />
      <p>
        “Send a test” on a campaign texts these phones, rendered as a recipient would get it. Each phone is
        confirmed once with a code texted to it. Tests are marked as tests and never count in a campaign’s
        figures.
      </p>
      {editable && (
        <AddForm
          onAdded={(n) => {
            replace(n);
            // A first page still loading would answer without it: ask again.
            list.reload();
          }}
        />
      )}
      <ProblemAlert error={list.error} />
      {!list.loading && list.items.length === 0 ? (
        <EmptyState title="No test numbers yet.">
          <p>Add your own mobile number to send yourself tests of your campaigns.</p>
        </EmptyState>
      ) : (
        <ul class="conv-test-numbers" aria-label="Test numbers">
          {list.items.map((n) => (
            <li key={n.id} class="card" data-testid="test-number">
              <p>
                <strong class="mono">{n.phone_e164}</strong> {n.label && <span>{n.label}</span>}{' '}
                {n.status === 'confirmed' ? (
                  <Badge tone="success">Confirmed</Badge>
                ) : (
                  <Badge tone="warning">Waiting for its code</Badge>
                )}
                {editable && (
                  <>
                    {' '}
                    <Button small variant="link" onClick={() => setRemoving(n)}>
                      Remove
                    </Button>
                  </>
                )}
              </p>
              {editable && n.status === 'pending' && <ConfirmRow n={n} onChanged={replace} />}
            </li>
          ))}
        </ul>
      )}
      <LoadMore list={list} noun="test numbers" />
      <ConfirmDialog
        open={removing !== null}
        title="Remove this test number?"
        confirmLabel="Remove test number"
        danger
        onConfirm={async () => {
          if (!removing) return;
          await api(`/api/v1/test-numbers/${removing.id}`, { method: 'DELETE' });
          list.setItems((items) => items.filter((x) => x.id !== removing.id));
          toast('Test number removed.');
        }}
        onClose={() => setRemoving(null)}
      >
        <p>{removing?.phone_e164} gets no more tests. Adding it again needs a new code.</p>
      </ConfirmDialog>
    </>
  );
}
