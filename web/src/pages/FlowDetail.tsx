import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { TextField } from '../components/Field';
import { FlowEditor } from '../components/growth/FlowEditor';
import { FlowReport } from '../components/growth/FlowReport';
import { PageHeader } from '../components/Layout';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { useResource } from '../components/sending/ui';
import { type Flow, type FlowStats, TRIGGER_LABELS } from '../flows';
import { can } from '../session';
import '../growth.css';

/** Enrols one contact by id (for a flow started by the API, or to try a flow on yourself). */
function EnrolForm({ flowId, onDone }: { flowId: string; onDone: () => void }) {
  const [contactId, setContactId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="card"
      aria-label="Enrol a contact"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const r = await api<{ created: boolean; status: string }>(`/api/v1/flows/${flowId}/enroll`, {
            json: { contact_id: contactId.trim() },
          });
          toast(r.created ? 'Enrolled.' : `Already in this flow (${r.status}).`);
          setContactId('');
          onDone();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <ProblemAlert error={error} />
      <TextField
        label="Contact id"
        hint="From the contact's page."
        value={contactId}
        onValue={setContactId}
        maxLength={36}
      />
      <Button type="submit" busy={busy}>
        Enrol contact
      </Button>
    </form>
  );
}

export function FlowDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id ?? '';
  const flow = useResource<Flow>(`/api/v1/flows/${id}`);
  const stats = useResource<FlowStats>(`/api/v1/flows/${id}/stats`, 15_000);
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const canWrite = can('staff');
  const f = flow.data;
  const back = { href: '/flows', label: 'Automation flows' };
  if (flow.error || !f) {
    return (
      <>
        <PageHeader title="Flow" back={back} />
        {flow.error ? <ProblemAlert error={flow.error} /> : <p aria-live="polite">Loading…</p>}
      </>
    );
  }
  const toggle = async () => {
    setBusy(true);
    try {
      flow.setData(
        await api<Flow>(`/api/v1/flows/${f.id}`, { method: 'PATCH', json: { is_active: !f.is_active } }),
      );
      toast(f.is_active ? 'Flow paused: nothing more goes out until you resume it.' : 'Flow resumed.');
    } catch (err) {
      toast(err instanceof Error ? err.message : 'Could not change the flow.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader title={f.name} back={back}>
        {f.is_active ? <Badge tone="success">Active</Badge> : <Badge tone="warning">Paused</Badge>}
        {canWrite && (
          <>
            <Button onClick={toggle} busy={busy}>
              {f.is_active ? 'Pause' : 'Resume'}
            </Button>
            <Button onClick={() => setEditing(true)}>Edit</Button>
            <Button variant="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          </>
        )}
      </PageHeader>
      <p>
        Starts when a contact: <strong>{TRIGGER_LABELS[f.trigger.type].toLowerCase()}</strong>
        {f.trigger.tag ? ` “${f.trigger.tag}”` : ''}. Quiet hours {f.quiet_hours_start}–{f.quiet_hours_end}.{' '}
        {f.allow_reentry ? 'People may go through it again.' : 'Each person goes through it once.'}
      </p>
      {editing && (
        <FlowEditor
          flow={f}
          onSaved={(saved) => {
            flow.setData(saved);
            stats.reload();
            setEditing(false);
            toast('Flow saved.');
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <ProblemAlert error={stats.error} />
      {stats.data && <FlowReport stats={stats.data} />}
      {canWrite && f.is_active && <EnrolForm flowId={f.id} onDone={() => stats.reload()} />}
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${f.name}?`}
        confirmLabel="Delete flow"
        danger
        onConfirm={async () => {
          await api(`/api/v1/flows/${f.id}`, { method: 'DELETE' });
          toast('Flow deleted. Nobody is in it any more.');
          route('/flows');
        }}
        onClose={() => setConfirmDelete(false)}
      >
        <p>
          Everyone in it leaves at once and gets no more of its messages. Its report stays in your revenue
          figures.
        </p>
      </ConfirmDialog>
    </>
  );
}
