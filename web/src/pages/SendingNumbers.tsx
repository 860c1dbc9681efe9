import { useState } from 'preact/hooks';
import { Button } from '../components/Button';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, Notice, ProblemAlert } from '../components/Status';
import { NumberUsageCell } from '../components/sending/NumberUsageCell';
import { ACMA_LABELS, KIND_LABELS, SenderForm } from '../components/sending/SenderForm';
import type { SendingNumber } from '../components/sending/types';
import { WiringCheck } from '../components/sending/WiringCheck';
import { formatDate, formatNumber } from '../format';
import { can } from '../session';
import '../sending.css';

const ACMA_TONE = {
  unregistered: 'warning',
  pending: 'info',
  registered: 'success',
  rejected: 'danger',
} as const;

function SenderCard({
  n,
  isAdmin,
  onEdit,
  onChange,
}: {
  n: SendingNumber;
  isAdmin: boolean;
  onEdit: () => void;
  onChange: (n: SendingNumber) => void;
}) {
  const editButton = (
    <Button small onClick={onEdit} aria-label={`Edit ${n.label}`}>
      Edit
    </Button>
  );
  return (
    <li class="card" data-testid={`sender-${n.label}`}>
      <h2 id={`num-${n.id}`} class="mono sending-number">
        {n.label} {n.is_active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>}
      </h2>
      <p class="muted">
        {KIND_LABELS[n.kind]}
        {n.kind === 'messaging_service' && (
          <>
            {' '}
            · <span class="mono">{n.messaging_service_sid}</span>
          </>
        )}
        {n.twilio_account_sid && (
          <>
            {' '}
            · Twilio account <span class="mono">…{n.twilio_account_sid.slice(-4)}</span>
          </>
        )}
      </p>
      <p>
        {n.kind === 'alphanumeric' && n.acma_status && (
          <>
            <Badge tone={ACMA_TONE[n.acma_status]}>ACMA: {ACMA_LABELS[n.acma_status]}</Badge>{' '}
          </>
        )}
        {n.can_receive_replies ? (
          n.wiring_ok === true ? (
            <Badge tone="success">Replies reach us</Badge>
          ) : n.wiring_ok === false ? (
            <Badge tone="danger">Replies do not reach us</Badge>
          ) : (
            <Badge>Wiring not checked</Badge>
          )
        ) : (
          <Badge tone="info">Cannot receive replies</Badge>
        )}
      </p>
      {n.kind === 'alphanumeric' && n.acma_status !== 'registered' && (
        <p class="muted">
          Until it is registered on the ACMA Sender ID Register, Australian recipients see “Unverified”
          instead of this name.
        </p>
      )}
      <dl class="sending-mini">
        <div>
          <dt>Daily limit</dt>
          <dd>{formatNumber(n.daily_limit)}</dd>
        </div>
        <div>
          <dt>Per minute</dt>
          <dd>{formatNumber(n.per_minute_limit)}</dd>
        </div>
        <div>
          <dt>Warm-up from</dt>
          <dd>{n.warmup_start_date ? formatDate(n.warmup_start_date) : 'None'}</dd>
        </div>
      </dl>
      <NumberUsageCell id={n.id} />
      {isAdmin &&
        (n.can_receive_replies ? (
          <WiringCheck sender={n} onChange={onChange}>
            {editButton}
          </WiringCheck>
        ) : (
          <div class="actions">{editButton}</div>
        ))}
    </li>
  );
}

export function SendingNumbers() {
  const list = usePagedList<SendingNumber>('/api/v1/sending-numbers');
  const isAdmin = can('admin');
  const [editing, setEditing] = useState<SendingNumber | 'new' | null>(null);

  const upsert = (n: SendingNumber) =>
    list.setItems((items) =>
      items.some((x) => x.id === n.id) ? items.map((x) => (x.id === n.id ? n : x)) : [n, ...items],
    );

  return (
    <>
      <PageHeader title="Sending numbers">
        {isAdmin && editing === null && (
          <Button variant="primary" onClick={() => setEditing('new')}>
            Add sender
          </Button>
        )}
      </PageHeader>
      {!isAdmin && <Notice>Only admins can add or change senders.</Notice>}
      {editing !== null && (
        <SenderForm
          key={editing === 'new' ? 'new' : editing.id}
          editing={editing === 'new' ? null : editing}
          onDone={(n) => {
            upsert(n);
            setEditing(null);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <ProblemAlert error={list.error} />
      {!list.loading && !list.error && list.items.length === 0 ? (
        <EmptyState title="No senders yet.">
          <p>
            Campaigns need at least one active sender: a phone number of your Twilio account, a Messaging
            Service, or an alphanumeric sender ID.
          </p>
        </EmptyState>
      ) : (
        <>
          <ul class="sending-cards sending-plain">
            {list.items.map((n) => (
              <SenderCard key={n.id} n={n} isAdmin={isAdmin} onEdit={() => setEditing(n)} onChange={upsert} />
            ))}
          </ul>
          <LoadMore list={list} noun="senders" />
        </>
      )}
    </>
  );
}
