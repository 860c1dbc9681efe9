import { ButtonLink } from '../components/Button';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { ProblemAlert } from '../components/Status';
import { formatDateTime } from '../format';
import { can } from '../session';
import type { Segment } from '../types';

/** Saved segments: named filters over contacts, used as campaign audiences. */
export function Segments() {
  const list = usePagedList<Segment>('/api/v1/segments');
  const canWrite = can('staff');
  return (
    <>
      <PageHeader title="Segments">
        {canWrite && (
          <ButtonLink href="/segments/new" variant="primary">
            New segment
          </ButtonLink>
        )}
      </PageHeader>
      <p class="muted">
        A segment is a saved filter — tags, consent, time zone, custom fields, recent clicks or replies — that
        campaigns include or exclude. Its members are counted again whenever it is used.
      </p>
      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No segments yet.">
          {canWrite && (
            <p>
              <a href="/segments/new">Build one</a>, e.g. “tagged VIP, clicked in the last 30 days”.
            </p>
          )}
        </EmptyState>
      ) : (
        <DataTable
          caption="Segments"
          rows={list.items}
          rowKey={(s) => s.id}
          columns={[
            { header: 'Name', render: (s) => <a href={`/segments/${s.id}`}>{s.name}</a> },
            { header: 'Conditions', numeric: true, render: (s) => s.conditions },
            { header: 'Changed', class: 'nowrap', render: (s) => formatDateTime(s.updated_at) },
            {
              header: 'Contacts',
              render: (s) => <a href={`/contacts?segment_id=${s.id}`}>View contacts</a>,
            },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="segments" />}
    </>
  );
}
