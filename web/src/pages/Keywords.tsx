import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, api, type Page, saveResource } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { CheckboxField, SelectField, TextAreaField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import type { SendingNumber } from '../components/sending/types';
import { type Keyword, parseTags } from '../growth';
import { can } from '../session';
import '../growth.css';

function KeywordForm({
  keyword,
  numbers,
  onSaved,
  onCancel,
}: {
  keyword?: Keyword;
  numbers: SendingNumber[];
  onSaved: (k: Keyword) => void;
  onCancel: () => void;
}) {
  const [word, setWord] = useState(keyword?.keyword ?? '');
  const [numberId, setNumberId] = useState(keyword?.sending_number_id ?? '');
  const [reply, setReply] = useState(keyword?.reply ?? '');
  const [tags, setTags] = useState((keyword?.tags_add ?? []).join(', '));
  const [doubleOptIn, setDoubleOptIn] = useState(keyword?.double_opt_in ?? true);
  const [active, setActive] = useState(keyword?.is_active ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fe = (p: string) => (error instanceof ApiProblem ? error.fieldError(p) : undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const json = {
      keyword: word,
      sending_number_id: numberId || null,
      reply,
      tags_add: parseTags(tags),
      double_opt_in: doubleOptIn,
      is_active: active,
    };
    try {
      onSaved(await saveResource<Keyword>('/api/v1/keywords', keyword, json));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="card"
      onSubmit={submit}
      noValidate
      aria-label={keyword ? `Edit ${keyword.keyword}` : 'New keyword'}
    >
      {error && !fe('keyword') && !fe('reply') && !fe('tags_add') ? <ProblemAlert error={error} /> : null}
      <div class="grid-2">
        <TextField
          label="Keyword"
          required
          hint="The whole message people text, e.g. JOIN. Not a STOP, START or HELP word."
          value={word}
          onValue={setWord}
          error={fe('keyword')}
          maxLength={30}
        />
        <SelectField
          label="On number"
          value={numberId}
          onValue={setNumberId}
          error={fe('sending_number_id')}
          options={[
            { value: '', label: 'Every number' },
            ...numbers.map((n) => ({ value: n.id, label: n.label })),
          ]}
        />
      </div>
      <TextAreaField
        label="Reply after joining"
        required
        hint="Sent once they are subscribed (after they reply Y, with double opt-in). Say who you are and how to opt out."
        value={reply}
        onValue={setReply}
        error={fe('reply')}
        maxLength={480}
      />
      <TextField
        label="Tags to add (optional)"
        hint="Separated by commas, e.g. vip, coffee."
        value={tags}
        onValue={setTags}
        error={fe('tags_add')}
      />
      <CheckboxField
        label="Double opt-in"
        hint="We answer “Reply Y to confirm” and record consent only after the Y (within 24 hours)."
        checked={doubleOptIn}
        onChecked={setDoubleOptIn}
      />
      <CheckboxField label="Active" checked={active} onChecked={setActive} />
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {keyword ? 'Save keyword' : 'Create keyword'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

export function Keywords() {
  const list = usePagedList<Keyword>('/api/v1/keywords');
  const [numbers, setNumbers] = useState<SendingNumber[]>([]);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Keyword | null>(null);
  const [toDelete, setToDelete] = useState<Keyword | null>(null);
  const canWrite = can('staff');

  useEffect(() => {
    api<Page<SendingNumber>>('/api/v1/sending-numbers', { query: { limit: 200 } })
      .then((p) => setNumbers(p.data))
      .catch(() => setNumbers([]));
  }, []);
  const phoneOf = (id: string | null) =>
    id === null ? 'Every number' : (numbers.find((n) => n.id === id)?.phone ?? 'A removed number');

  return (
    <>
      <PageHeader title="Join keywords">
        {canWrite && !creating && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New keyword
          </Button>
        )}
      </PageHeader>
      <p class="muted">
        “Text JOIN to 0480 000 001”: people who text a keyword become contacts. STOP, START and HELP always
        keep their meaning.
      </p>
      {creating && (
        <KeywordForm
          numbers={numbers}
          onSaved={(k) => {
            list.setItems((items) => [k, ...items]);
            setCreating(false);
            toast(`Keyword ${k.keyword} created.`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {editing && (
        <KeywordForm
          key={editing.id}
          keyword={editing}
          numbers={numbers}
          onSaved={(k) => {
            list.setItems((items) => items.map((x) => (x.id === k.id ? k : x)));
            setEditing(null);
            toast(`Keyword ${k.keyword} saved.`);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No keywords yet." />
      ) : (
        <DataTable
          caption="Join keywords"
          rows={list.items}
          rowKey={(k) => k.id}
          columns={[
            { header: 'Keyword', render: (k) => <strong>{k.keyword}</strong> },
            { header: 'Number', render: (k) => phoneOf(k.sending_number_id) },
            { header: 'Opt-in', render: (k) => (k.double_opt_in ? 'Double (reply Y)' : 'Single') },
            { header: 'Tags', render: (k) => k.tags_add.join(', ') || '—' },
            {
              header: 'Status',
              render: (k) => (k.is_active ? <Badge tone="success">Active</Badge> : <Badge>Off</Badge>),
            },
            ...(canWrite
              ? [
                  {
                    header: 'Actions',
                    render: (k: Keyword) => (
                      <div class="actions">
                        <Button small onClick={() => setEditing(k)} aria-label={`Edit ${k.keyword}`}>
                          Edit
                        </Button>
                        <Button
                          small
                          variant="danger"
                          onClick={() => setToDelete(k)}
                          aria-label={`Delete ${k.keyword}`}
                        >
                          Delete
                        </Button>
                      </div>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="keywords" />}
      <ConfirmDialog
        open={toDelete !== null}
        title={`Delete ${toDelete?.keyword ?? 'this keyword'}?`}
        confirmLabel="Delete keyword"
        danger
        onConfirm={async () => {
          if (!toDelete) return;
          await api(`/api/v1/keywords/${toDelete.id}`, { method: 'DELETE' });
          list.setItems((items) => items.filter((x) => x.id !== toDelete.id));
          toast(`Keyword ${toDelete.keyword} deleted.`);
        }}
        onClose={() => setToDelete(null)}
      >
        <p>
          People who text it afterwards get no answer from it; contacts who joined with it stay subscribed.
        </p>
      </ConfirmDialog>
    </>
  );
}
