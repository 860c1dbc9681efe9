import { useState } from 'preact/hooks';
import { Button } from '../components/Button';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { SecretOnce } from '../components/growth/SecretOnce';
import { DisabledBanner, WebhookForm } from '../components/growth/WebhookForm';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { formatDateTime } from '../format';
import type { Webhook } from '../growth';
import { can } from '../session';
import '../growth.css';

export function WebhookStatus({ w }: { w: Webhook }) {
  if (w.disabled_at) return <Badge tone="danger">Switched off</Badge>;
  if (!w.is_active) return <Badge tone="neutral">Paused</Badge>;
  if (w.failing_since) return <Badge tone="warning">Failing</Badge>;
  return <Badge tone="success">Active</Badge>;
}

export function Webhooks() {
  const list = usePagedList<Webhook>('/api/v1/webhooks');
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const isAdmin = can('admin');
  const disabled = list.items.filter((w) => w.disabled_at);

  return (
    <>
      <PageHeader title="Webhooks">
        {isAdmin && !creating && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New endpoint
          </Button>
        )}
      </PageHeader>
      <p class="muted">
        We POST a signed JSON event to your endpoints as things happen: opt-outs, deliveries, clicks, orders.
        Failed deliveries are retried for 24 hours; an endpoint that fails for a whole day is switched off.
      </p>
      {disabled.map((w) => (
        <DisabledBanner key={w.id} webhook={w} link />
      ))}
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      {creating && (
        <WebhookForm
          onSaved={(w) => {
            list.setItems((items) => [{ ...w, secret: undefined }, ...items]);
            setCreating(false);
            setSecret(w.secret ?? null);
            toast('Endpoint created.');
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No endpoints yet.">
          <p>Add one to receive events in your CRM, data warehouse or automation tool.</p>
        </EmptyState>
      ) : (
        <DataTable
          caption="Webhook endpoints"
          rows={list.items}
          rowKey={(w) => w.id}
          columns={[
            {
              header: 'Endpoint',
              render: (w) => (
                <>
                  <a href={`/integrations/webhooks/${w.id}`}>{w.url}</a>
                  {w.description && <div class="muted">{w.description}</div>}
                </>
              ),
            },
            { header: 'Events', render: (w) => w.events.join(', ') },
            { header: 'Status', render: (w) => <WebhookStatus w={w} /> },
            { header: 'Last success', class: 'nowrap', render: (w) => formatDateTime(w.last_success_at) },
            { header: 'Last failure', class: 'nowrap', render: (w) => formatDateTime(w.last_failure_at) },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="endpoints" />}
    </>
  );
}
