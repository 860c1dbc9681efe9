import { useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { SelectField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { formatDateTime } from '../format';
import { can } from '../session';
import type { DncEntry, DncReason } from '../types';

const REASON_TEXT: Record<DncReason, string> = {
  STOP: 'Replied STOP',
  COMPLAINED: 'Complained',
  MANUAL: 'Added by hand',
};

/** What the person (or the team) did, more precisely than the reason (issue 10). */
function reasonText(d: DncEntry): string {
  if (d.reason === 'STOP' && d.source === 'link') return 'Opted out with the link in a message';
  return REASON_TEXT[d.reason];
}

export function DoNotContact() {
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const list = usePagedList<DncEntry>('/api/v1/do-not-contact', { search: applied || undefined });
  const [phone, setPhone] = useState('');
  const [reason, setReason] = useState<'MANUAL' | 'COMPLAINED'>('MANUAL');
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<unknown>(null);
  const [toRemove, setToRemove] = useState<DncEntry | null>(null);
  const canAdd = can('staff');
  const canRemove = can('admin');

  const add = async (e: Event) => {
    e.preventDefault();
    setAdding(true);
    setAddError(null);
    try {
      const entry = await api<DncEntry>('/api/v1/do-not-contact', {
        method: 'POST',
        json: { phone: phone.trim(), reason },
      });
      list.setItems((items) => [entry, ...items.filter((x) => x.phone !== entry.phone)]);
      setPhone('');
      toast(`${entry.phone} will never be sent to.`);
    } catch (err) {
      setAddError(err);
    } finally {
      setAdding(false);
    }
  };

  const phoneError = addError instanceof ApiProblem ? addError.fieldError('phone') : undefined;

  return (
    <>
      <PageHeader title="Do-not-contact" />
      <p class="muted">
        Numbers on this list are never sent to, whatever a campaign says. People who reply STOP are added
        automatically.
      </p>

      {canAdd && (
        <form class="card" onSubmit={add} noValidate aria-labelledby="add-dnc-title">
          <h2 id="add-dnc-title">Add a number</h2>
          {addError && !phoneError ? <ProblemAlert error={addError} /> : null}
          <div class="grid-2">
            <TextField
              label="Mobile number"
              type="tel"
              required
              value={phone}
              onValue={setPhone}
              error={phoneError}
              hint="Any common format."
            />
            <SelectField
              label="Reason"
              value={reason}
              onValue={(v) => setReason(v as 'MANUAL' | 'COMPLAINED')}
              options={[
                { value: 'MANUAL', label: 'Manual (they asked us directly)' },
                { value: 'COMPLAINED', label: 'Complained' },
              ]}
            />
          </div>
          <Button type="submit" variant="primary" busy={adding}>
            Add to do-not-contact
          </Button>
        </form>
      )}

      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(search.trim());
        }}
      >
        <TextField label="Search numbers" type="search" value={search} onValue={setSearch} />
        <Button type="submit">Search</Button>
        {applied && (
          <Button
            variant="link"
            onClick={() => {
              setSearch('');
              setApplied('');
            }}
          >
            Clear
          </Button>
        )}
      </form>

      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title={applied ? 'No listed number matches.' : 'Nobody is on the do-not-contact list.'} />
      ) : (
        <DataTable
          caption="Do-not-contact list"
          rows={list.items}
          rowKey={(d) => d.id}
          columns={[
            {
              header: 'Phone',
              class: 'nowrap',
              render: (d) => (d.contact_id ? <a href={`/contacts/${d.contact_id}`}>{d.phone}</a> : d.phone),
            },
            {
              header: 'Reason',
              render: (d) => (
                <>
                  <Badge tone="danger">{d.reason}</Badge> <span class="muted">{reasonText(d)}</span>
                </>
              ),
            },
            { header: 'Since', class: 'nowrap', render: (d) => formatDateTime(d.created_at) },
            ...(canRemove
              ? [
                  {
                    header: 'Actions',
                    render: (d: DncEntry) => (
                      <Button small variant="danger" onClick={() => setToRemove(d)}>
                        Remove
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="numbers" />}

      <ConfirmDialog
        open={toRemove !== null}
        title="Remove from do-not-contact?"
        confirmLabel="Remove: they asked for it"
        danger
        onConfirm={async () => {
          if (!toRemove) return;
          await api(`/api/v1/do-not-contact/${encodeURIComponent(toRemove.phone)}`, { method: 'DELETE' });
          list.setItems((items) => items.filter((x) => x.id !== toRemove.id));
          toast(`${toRemove.phone} was removed from do-not-contact.`);
        }}
        onClose={() => setToRemove(null)}
      >
        <p>
          <strong>{toRemove?.phone}</strong> ({toRemove ? reasonText(toRemove) : ''}) will receive campaign
          messages again.
        </p>
        <p>
          Only do this when the person has asked for it themselves, for example by replying START. Under the
          Spam Act an unsubscribe stands until the person opts back in. The removal is recorded in the audit
          log with your name.
        </p>
      </ConfirmDialog>
    </>
  );
}
