import { ButtonLink } from '../components/Button';
import { type Column, DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert } from '../components/Status';
import type { Template } from '../components/sending/types';
import { formatDateTime } from '../format';
import { can } from '../session';

const columns: Column<Template>[] = [
  { header: 'Name', render: (t) => <a href={`/templates/${t.id}`}>{t.name}</a> },
  {
    header: 'Message',
    class: 'sending-clip',
    render: (t) => <span title={t.body}>{t.body.length > 90 ? `${t.body.slice(0, 89)}…` : t.body}</span>,
  },
  {
    header: 'Variables',
    render: (t) =>
      t.variables.length
        ? t.variables.map((v) => <code key={v} class="sending-var">{`{{${v}}}`}</code>)
        : '—',
  },
  {
    header: 'Status',
    render: (t) => (t.is_active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>),
  },
  {
    header: 'Updated',
    render: (t) => <span class="nowrap">{formatDateTime(t.updated_at ?? t.created_at)}</span>,
  },
];

export function Templates() {
  const list = usePagedList<Template>('/api/v1/templates');
  return (
    <>
      <PageHeader title="Templates">
        {can('staff') && (
          <ButtonLink href="/templates/new" variant="primary">
            New template
          </ButtonLink>
        )}
      </PageHeader>
      <ProblemAlert error={list.error} />
      {!list.loading && !list.error && list.items.length === 0 ? (
        <EmptyState title="No templates yet.">
          <p>A template is the text of a campaign message, with variables such as {'{{first_name}}'}.</p>
          {can('staff') && (
            <ButtonLink href="/templates/new" variant="primary">
              Write the first template
            </ButtonLink>
          )}
        </EmptyState>
      ) : (
        <>
          <DataTable caption="Templates" columns={columns} rows={list.items} rowKey={(t) => t.id} />
          <LoadMore list={list} noun="templates" />
        </>
      )}
    </>
  );
}
