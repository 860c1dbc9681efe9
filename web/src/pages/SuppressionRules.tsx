import { useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { CheckboxField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { formatDateTime, fromLocalInput, toLocalInput } from '../format';
import { can } from '../session';
import type { SuppressionRule } from '../types';

function RuleForm({
  rule,
  onSaved,
  onCancel,
}: {
  rule?: SuppressionRule;
  onSaved: (r: SuppressionRule) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(rule?.name ?? '');
  const [days, setDays] = useState(String(rule?.window_days ?? 90));
  const [active, setActive] = useState(rule?.is_active ?? true);
  const [expires, setExpires] = useState(toLocalInput(rule?.expires_at));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [daysError, setDaysError] = useState<string | undefined>();

  const submit = async (e: Event) => {
    e.preventDefault();
    const windowDays = Number(days);
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 3650) {
      setDaysError('Enter whole days between 1 and 3650.');
      return;
    }
    setDaysError(undefined);
    setBusy(true);
    setError(null);
    const body = {
      name: name.trim(),
      window_days: windowDays,
      is_active: active,
      expires_at: fromLocalInput(expires),
    };
    try {
      onSaved(
        rule
          ? await api<SuppressionRule>(`/api/v1/suppression-rules/${rule.id}`, {
              method: 'PATCH',
              json: body,
            })
          : await api<SuppressionRule>('/api/v1/suppression-rules', { method: 'POST', json: body }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const fe = (path: string) => (error instanceof ApiProblem ? error.fieldError(path) : undefined);

  return (
    <form class="card" onSubmit={submit} noValidate aria-label={rule ? `Edit rule ${rule.name}` : 'New rule'}>
      {error && !fe('name') && !fe('window_days') && !fe('expires_at') ? (
        <ProblemAlert error={error} />
      ) : null}
      <div class="grid-2">
        <TextField label="Name" required value={name} onValue={setName} error={fe('name')} maxLength={120} />
        <TextField
          label="Window (days)"
          type="number"
          min={1}
          max={3650}
          required
          hint="Nobody is sent to again until this many days after their last message."
          value={days}
          onValue={setDays}
          error={daysError ?? fe('window_days')}
        />
        <TextField
          label="Expires at (optional)"
          type="datetime-local"
          hint="In your local time. Empty: the rule never expires."
          value={expires}
          onValue={setExpires}
          error={fe('expires_at')}
        />
      </div>
      <CheckboxField label="Active" checked={active} onChecked={setActive} />
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {rule ? 'Save rule' : 'Create rule'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

export function SuppressionRules() {
  const list = usePagedList<SuppressionRule>('/api/v1/suppression-rules');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<SuppressionRule | null>(null);
  const [toDelete, setToDelete] = useState<SuppressionRule | null>(null);
  const canWrite = can('staff');

  return (
    <>
      <PageHeader title="Suppression rules">
        {canWrite && !creating && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New rule
          </Button>
        )}
      </PageHeader>
      <p class="muted">
        Protect people from message fatigue: while a rule is active and not expired, contacts who were sent a
        message within its window are left out of new campaigns.
      </p>

      {creating && (
        <RuleForm
          onSaved={(r) => {
            list.setItems((items) => [r, ...items]);
            setCreating(false);
            toast(`Rule “${r.name}” created.`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {editing && (
        <RuleForm
          key={editing.id}
          rule={editing}
          onSaved={(r) => {
            list.setItems((items) => items.map((x) => (x.id === r.id ? r : x)));
            setEditing(null);
            toast(`Rule “${r.name}” saved.`);
          }}
          onCancel={() => setEditing(null)}
        />
      )}

      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No suppression rules.">
          <p>Without rules, a contact can receive every campaign you send.</p>
        </EmptyState>
      ) : (
        <DataTable
          caption="Suppression rules"
          rows={list.items}
          rowKey={(r) => r.id}
          columns={[
            { header: 'Name', render: (r) => r.name },
            { header: 'Window', render: (r) => `${r.window_days} days` },
            {
              header: 'Status',
              render: (r) =>
                r.in_effect === false && r.is_active ? (
                  <Badge tone="neutral">Expired</Badge>
                ) : r.is_active ? (
                  <Badge tone="success">Active</Badge>
                ) : (
                  <Badge tone="neutral">Off</Badge>
                ),
            },
            {
              header: 'Expires',
              class: 'nowrap',
              render: (r) => (r.expires_at ? formatDateTime(r.expires_at) : 'Never'),
            },
            ...(canWrite
              ? [
                  {
                    header: 'Actions',
                    render: (r: SuppressionRule) => (
                      <div class="actions">
                        <Button small onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>
                          Edit
                        </Button>
                        <Button
                          small
                          variant="danger"
                          onClick={() => setToDelete(r)}
                          aria-label={`Delete ${r.name}`}
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
      {list.items.length > 0 && <LoadMore list={list} noun="rules" />}

      <ConfirmDialog
        open={toDelete !== null}
        title="Delete this rule?"
        confirmLabel="Delete rule"
        danger
        onConfirm={async () => {
          if (!toDelete) return;
          await api(`/api/v1/suppression-rules/${toDelete.id}`, { method: 'DELETE' });
          list.setItems((items) => items.filter((x) => x.id !== toDelete.id));
          toast(`Rule “${toDelete.name}” deleted.`);
        }}
        onClose={() => setToDelete(null)}
      >
        <p>
          “{toDelete?.name}” stops holding contacts back from new campaigns. To pause it instead, edit it and
          untick Active.
        </p>
      </ConfirmDialog>
    </>
  );
}
