import { useState } from 'preact/hooks';
import { formatCents, formatDateTime } from '../../format';
import { type Column, DataTable } from '../DataTable';
import { EmptyState } from '../EmptyState';
import { SelectField } from '../Field';
import { LoadMore, usePagedList } from '../LoadMore';
import { Badge, ProblemAlert } from '../Status';
import type { JobStatus, SendJob } from './types';

const TONE: Record<JobStatus, string> = {
  queued: 'info',
  sent: 'neutral',
  delivered: 'success',
  failed: 'danger',
};

const columns: Column<SendJob>[] = [
  {
    header: 'Message',
    render: (j) => (
      <a href={`/contacts/${j.contact_id}`} title="Open the recipient">
        {j.body ? (j.body.length > 60 ? `${j.body.slice(0, 59)}…` : j.body) : 'Not rendered yet'}
      </a>
    ),
  },
  { header: 'Status', render: (j) => <Badge tone={TONE[j.status]}>{j.status}</Badge> },
  {
    header: 'Detail',
    render: (j) =>
      j.failure_reason ? (
        <span>
          {j.failure_reason}
          {j.error_code && <span class="muted"> (error {j.error_code})</span>}
        </span>
      ) : j.attempt_count > 1 ? (
        `${j.attempt_count} attempts`
      ) : (
        '—'
      ),
  },
  { header: 'Parts', numeric: true, render: (j) => j.parts ?? '—' },
  { header: 'Cost', numeric: true, render: (j) => formatCents(j.cost_cents) },
  {
    header: 'Last change',
    render: (j) => (
      <span class="nowrap">{formatDateTime(j.failed_at ?? j.delivered_at ?? j.sent_at ?? j.queued_at)}</span>
    ),
  },
];

/** The campaign's send jobs, newest first, filterable by status. */
export function JobsTable({ campaignId }: { campaignId: string }) {
  const [status, setStatus] = useState('');
  const list = usePagedList<SendJob>(`/api/v1/campaigns/${campaignId}/jobs`, { status: status || undefined });
  return (
    <section class="card" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Messages</h2>
      <div class="toolbar">
        <SelectField
          label="Status"
          value={status}
          onValue={setStatus}
          options={[
            { value: '', label: 'All' },
            { value: 'queued', label: 'Queued' },
            { value: 'sent', label: 'Sent' },
            { value: 'delivered', label: 'Delivered' },
            { value: 'failed', label: 'Failed' },
          ]}
        />
      </div>
      <ProblemAlert error={list.error} />
      {!list.loading && !list.error && list.items.length === 0 ? (
        <EmptyState title={status ? `No ${status} messages.` : 'No messages yet.'}>
          {!status && <p>Messages appear here once the campaign is launched.</p>}
        </EmptyState>
      ) : (
        <>
          <DataTable
            caption="Messages of this campaign"
            columns={columns}
            rows={list.items}
            rowKey={(j) => j.id}
          />
          <LoadMore list={list} noun="messages" />
        </>
      )}
    </section>
  );
}
