import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Button } from '../components/Button';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { FlowEditor } from '../components/growth/FlowEditor';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { type Flow, TRIGGER_LABELS } from '../flows';
import { formatDateTime } from '../format';
import { can } from '../session';
import '../growth.css';

export function Flows() {
  const list = usePagedList<Flow>('/api/v1/flows');
  const [creating, setCreating] = useState(false);
  const { route } = useLocation();
  const canWrite = can('staff');
  return (
    <>
      <PageHeader title="Automation flows">
        {canWrite && !creating && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New flow
          </Button>
        )}
      </PageHeader>
      <p class="muted">
        Messages that go out on their own when someone joins, gets a tag or is enrolled: a welcome series, a
        reminder for whoever did not click. Each person goes through a flow once, within your quiet hours.
      </p>
      {creating && (
        <FlowEditor
          onSaved={(f) => {
            toast('Flow created.');
            route(`/flows/${f.id}`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No flows yet." />
      ) : (
        <DataTable
          caption="Flows"
          rows={list.items}
          rowKey={(f) => f.id}
          columns={[
            { header: 'Flow', render: (f) => <a href={`/flows/${f.id}`}>{f.name}</a> },
            {
              header: 'Starts when',
              render: (f) => `${TRIGGER_LABELS[f.trigger.type]}${f.trigger.tag ? `: ${f.trigger.tag}` : ''}`,
            },
            { header: 'Steps', class: 'num', render: (f) => f.steps.length },
            {
              header: 'Status',
              render: (f) =>
                f.is_active ? <Badge tone="success">Active</Badge> : <Badge tone="warning">Paused</Badge>,
            },
            { header: 'In it now', class: 'num', render: (f) => f.enrolments.active },
            { header: 'Finished', class: 'num', render: (f) => f.enrolments.completed },
            { header: 'Updated', class: 'nowrap', render: (f) => formatDateTime(f.updated_at) },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="flows" />}
    </>
  );
}
