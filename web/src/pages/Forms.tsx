import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Button } from '../components/Button';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { FormEditor } from '../components/growth/FormEditor';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { formatDateTime } from '../format';
import type { SignupForm } from '../growth';
import { can } from '../session';
import '../growth.css';

export function Forms() {
  const list = usePagedList<SignupForm>('/api/v1/forms');
  const [creating, setCreating] = useState(false);
  const { route } = useLocation();
  const canWrite = can('staff');
  return (
    <>
      <PageHeader title="Signup forms">
        {canWrite && !creating && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New form
          </Button>
        )}
      </PageHeader>
      <p class="muted">
        A hosted page where people sign up for your texts with their own consent, on your website (link or
        embed) or from a QR code.
      </p>
      {creating && (
        <FormEditor
          onSaved={(f) => {
            toast('Form created.');
            route(`/forms/${f.id}`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No signup forms yet." />
      ) : (
        <DataTable
          caption="Signup forms"
          rows={list.items}
          rowKey={(f) => f.id}
          columns={[
            { header: 'Form', render: (f) => <a href={`/forms/${f.id}`}>{f.name}</a> },
            { header: 'Opt-in', render: (f) => (f.double_opt_in ? 'Double (reply Y)' : 'Single') },
            {
              header: 'Status',
              render: (f) => (f.is_active ? <Badge tone="success">Live</Badge> : <Badge>Closed</Badge>),
            },
            { header: 'Public page', render: (f) => <a href={f.public_url}>{f.public_url}</a> },
            { header: 'Updated', class: 'nowrap', render: (f) => formatDateTime(f.updated_at) },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="forms" />}
    </>
  );
}
