import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, messageOf } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { SelectField } from '../components/Field';
import { SecretOnce } from '../components/growth/SecretOnce';
import { DisabledBanner, WebhookForm } from '../components/growth/WebhookForm';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, Notice, ProblemAlert, toast } from '../components/Status';
import { useResource } from '../components/sending/ui';
import { formatDateTime } from '../format';
import type { DeliveryState, Webhook, WebhookDelivery } from '../growth';
import { can } from '../session';
import '../growth.css';
import { WebhookStatus } from './Webhooks';

const STATE_TONE: Record<DeliveryState, string> = {
  pending: 'info',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'neutral',
};

function answer(d: WebhookDelivery): string {
  if (d.last_status !== null) return `HTTP ${d.last_status}`;
  return d.last_error ?? (d.attempt_count === 0 ? 'not tried yet' : 'no answer');
}

function DeliveryDetails({ d }: { d: WebhookDelivery }) {
  return (
    <details>
      <summary>Details</summary>
      <dl class="details">
        <dt>Event id</dt>
        <dd>
          <code>{d.event_id}</code>
        </dd>
        <dt>Attempts</dt>
        <dd>
          <ol class="webhook-attempts">
            {d.attempts.map((a) => (
              <li key={a.at}>
                {formatDateTime(a.at)}: {a.status !== null ? `HTTP ${a.status}` : a.error} in {a.latency_ms}{' '}
                ms
                {a.manual ? ' (retried by hand)' : ''}
              </li>
            ))}
          </ol>
        </dd>
        <dt>Last answer (first 1 KB)</dt>
        <dd>
          {d.last_response_snippet ? <pre class="webhook-snippet">{d.last_response_snippet}</pre> : '—'}
        </dd>
        <dt>Body sent</dt>
        <dd>
          <pre class="webhook-snippet">{JSON.stringify(d.payload, null, 2)}</pre>
        </dd>
      </dl>
    </details>
  );
}

export function WebhookDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id ?? '';
  const hook = useResource<Webhook>(`/api/v1/webhooks/${id}`);
  const [state, setState] = useState('');
  const deliveries = usePagedList<WebhookDelivery>(`/api/v1/webhooks/${id}/deliveries`, {
    state: state || undefined,
  });
  const [editing, setEditing] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'delete' | 'rotate' | null>(null);
  const isAdmin = can('admin');
  const w = hook.data;
  const back = { href: '/integrations/webhooks', label: 'Webhooks' };

  if (hook.error) {
    return (
      <>
        <PageHeader title="Webhook" back={back} />
        <ProblemAlert error={hook.error} />
      </>
    );
  }
  if (!w) {
    return (
      <>
        <PageHeader title="Webhook" back={back} />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const act = async (name: string, run: () => Promise<void>) => {
    setBusy(name);
    try {
      await run();
    } catch (err) {
      toast(messageOf(err), 'error');
    } finally {
      setBusy(null);
    }
  };

  const sendTest = () =>
    act('test', async () => {
      const d = await api<WebhookDelivery>(`/api/v1/webhooks/${w.id}/test`, { method: 'POST' });
      deliveries.setItems((items) => [d, ...items]);
      toast(
        d.state === 'succeeded' ? `Test event delivered (${answer(d)}).` : `Test event failed: ${answer(d)}.`,
        d.state === 'succeeded' ? 'success' : 'error',
      );
    });

  const setActive = (on: boolean) =>
    act('active', async () => {
      hook.setData(
        await api<Webhook>(`/api/v1/webhooks/${w.id}`, { method: 'PATCH', json: { is_active: on } }),
      );
      toast(on ? 'Endpoint switched on.' : 'Endpoint paused.');
    });

  const retry = (d: WebhookDelivery) =>
    act(`retry-${d.id}`, async () => {
      const next = await api<WebhookDelivery>(`/api/v1/webhooks/${w.id}/deliveries/${d.id}/retry`, {
        method: 'POST',
      });
      deliveries.setItems((items) => items.map((x) => (x.id === next.id ? next : x)));
      toast('Retry queued; it goes out within seconds.');
      setTimeout(() => deliveries.reload(), 3000);
    });

  return (
    <>
      <PageHeader title={w.url} back={back}>
        {isAdmin && (
          <>
            <Button onClick={sendTest} busy={busy === 'test'}>
              Send test event
            </Button>
            {w.is_active ? (
              <Button onClick={() => setActive(false)} busy={busy === 'active'}>
                Pause
              </Button>
            ) : (
              <Button variant="primary" onClick={() => setActive(true)} busy={busy === 'active'}>
                Switch on
              </Button>
            )}
            <Button onClick={() => setEditing(true)}>Edit</Button>
            <Button onClick={() => setConfirm('rotate')}>Rotate secret</Button>
            <Button variant="danger" onClick={() => setConfirm('delete')}>
              Delete
            </Button>
          </>
        )}
      </PageHeader>
      <DisabledBanner webhook={w} />
      {w.failing_since && !w.disabled_at && (
        <Notice kind="warning">
          <p class="alert__title">Deliveries have been failing since {formatDateTime(w.failing_since)}</p>
          <p>They are being retried. After 24 hours without a success the endpoint is switched off.</p>
        </Notice>
      )}
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      {editing && (
        <WebhookForm
          webhook={w}
          onSaved={(next) => {
            hook.setData(next);
            setEditing(false);
            toast('Endpoint saved.');
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <section class="card" aria-labelledby="hook-settings">
        <h2 id="hook-settings">Endpoint</h2>
        <dl class="details">
          <dt>Status</dt>
          <dd>
            <WebhookStatus w={w} />
          </dd>
          {w.description && (
            <>
              <dt>Description</dt>
              <dd>{w.description}</dd>
            </>
          )}
          <dt>Events</dt>
          <dd>
            {w.events.map((e) => (
              <code key={e} class="webhook-event">
                {e}
              </code>
            ))}
          </dd>
          <dt>Signing secret</dt>
          <dd>
            ends in <code>{w.secret_hint}</code>
          </dd>
          <dt>Last success</dt>
          <dd>{formatDateTime(w.last_success_at)}</dd>
          <dt>Last failure</dt>
          <dd>{formatDateTime(w.last_failure_at)}</dd>
        </dl>
        <details class="sending-help">
          <summary>How to verify a delivery</summary>
          <p>
            Each request carries <code>X-Signature: t=&lt;unix time&gt;,v1=&lt;hex&gt;</code>. Compute
            HMAC-SHA256 of <code>&lt;t&gt;.&lt;raw body&gt;</code> with your secret, compare it with{' '}
            <code>v1</code> in constant time, and refuse timestamps older than 5 minutes. The body’s{' '}
            <code>id</code> is the same on every retry: use it to ignore duplicates.
          </p>
        </details>
      </section>

      <h2>Deliveries</h2>
      <SelectField
        label="Show"
        value={state}
        onValue={setState}
        options={[
          { value: '', label: 'All deliveries' },
          { value: 'failed', label: 'Failed' },
          { value: 'pending', label: 'Waiting for a retry' },
          { value: 'succeeded', label: 'Delivered' },
          { value: 'cancelled', label: 'Cancelled' },
        ]}
      />
      <ProblemAlert error={deliveries.error} />
      {deliveries.items.length === 0 && !deliveries.loading && !deliveries.error ? (
        <EmptyState title="No deliveries yet.">
          <p>Send a test event to check the endpoint.</p>
        </EmptyState>
      ) : (
        <DataTable
          caption="Deliveries"
          rows={deliveries.items}
          rowKey={(d) => d.id}
          columns={[
            {
              header: 'Event',
              render: (d) => (
                <>
                  <code>{d.event_type}</code>
                  <div class="muted">{formatDateTime(d.created_at)}</div>
                </>
              ),
            },
            {
              header: 'State',
              render: (d) => (
                <Badge tone={STATE_TONE[d.state]}>{d.state === 'pending' ? 'retrying' : d.state}</Badge>
              ),
            },
            { header: 'Answer', render: answer },
            {
              header: 'Latency',
              numeric: true,
              render: (d) => (d.last_latency_ms === null ? '—' : `${d.last_latency_ms} ms`),
            },
            { header: 'Attempts', numeric: true, render: (d) => d.attempt_count },
            {
              header: 'Next attempt',
              class: 'nowrap',
              render: (d) => (d.state === 'pending' ? formatDateTime(d.next_attempt_at) : '—'),
            },
            { header: 'Details', render: (d) => <DeliveryDetails d={d} /> },
            ...(isAdmin
              ? [
                  {
                    header: 'Actions',
                    render: (d: WebhookDelivery) =>
                      d.state === 'succeeded' && !d.is_test ? null : (
                        <Button
                          small
                          onClick={() => retry(d)}
                          busy={busy === `retry-${d.id}`}
                          disabled={!w.is_active}
                          aria-label={`Retry ${d.event_type} from ${formatDateTime(d.created_at)}`}
                        >
                          Retry
                        </Button>
                      ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {deliveries.items.length > 0 && <LoadMore list={deliveries} noun="deliveries" />}

      <ConfirmDialog
        open={confirm === 'delete'}
        title="Delete this endpoint?"
        confirmLabel="Delete endpoint"
        danger
        onConfirm={async () => {
          await api(`/api/v1/webhooks/${w.id}`, { method: 'DELETE' });
          toast('Endpoint deleted.');
          route('/integrations/webhooks');
        }}
        onClose={() => setConfirm(null)}
      >
        <p>No more events are sent to it, and its delivery log is deleted with it.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirm === 'rotate'}
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        onConfirm={async () => {
          const next = await api<Webhook>(`/api/v1/webhooks/${w.id}/rotate-secret`, { method: 'POST' });
          hook.setData({ ...next, secret: undefined });
          setSecret(next.secret ?? null);
        }}
        onClose={() => setConfirm(null)}
      >
        <p>The current secret stops working at once: update your receiver with the new one straight away.</p>
      </ConfirmDialog>
    </>
  );
}
