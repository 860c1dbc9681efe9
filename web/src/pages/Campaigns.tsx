import { ButtonLink } from '../components/Button';
import { type Column, DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { ProblemAlert } from '../components/Status';
import type { Campaign } from '../components/sending/types';
import { CampaignBadge } from '../components/sending/ui';
import { formatDateTime, formatNumber } from '../format';
import { can } from '../session';
import '../sending.css';

const columns: Column<Campaign>[] = [
  { header: 'Name', render: (c) => <a href={`/campaigns/${c.id}`}>{c.name}</a> },
  {
    header: 'Status',
    render: (c) => (
      <>
        <CampaignBadge status={c.status} cancelled={!!c.cancelled_at} />
        {c.status_reason && <div class="muted sending-small">{c.status_reason}</div>}
      </>
    ),
  },
  { header: 'Audience', numeric: true, render: (c) => formatNumber(c.audience_count ?? null) },
  {
    header: 'Starts',
    render: (c) => (
      <span class="nowrap">
        {c.started_at ? formatDateTime(c.started_at) : c.scheduled_at ? formatDateTime(c.scheduled_at) : '—'}
      </span>
    ),
  },
  { header: 'Created', render: (c) => <span class="nowrap">{formatDateTime(c.created_at)}</span> },
  {
    header: 'Report',
    render: (c) => (c.status === 'draft' ? '—' : <a href={`/campaigns/${c.id}/report`}>Report</a>),
  },
];

export function Campaigns() {
  const list = usePagedList<Campaign>('/api/v1/campaigns');
  return (
    <>
      <PageHeader title="Campaigns">
        {can('staff') && (
          <ButtonLink href="/campaigns/new" variant="primary">
            New campaign
          </ButtonLink>
        )}
      </PageHeader>
      <ProblemAlert error={list.error} />
      {!list.loading && !list.error && list.items.length === 0 ? (
        <EmptyState title="No campaigns yet.">
          <p>A campaign sends one or more templates to your eligible contacts.</p>
          {can('staff') && (
            <ButtonLink href="/campaigns/new" variant="primary">
              Create a campaign
            </ButtonLink>
          )}
        </EmptyState>
      ) : (
        <>
          <DataTable caption="Campaigns" columns={columns} rows={list.items} rowKey={(c) => c.id} />
          <LoadMore list={list} noun="campaigns" />
        </>
      )}
    </>
  );
}
