import { useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { ProblemAlert } from '../components/Status';
import { formatDateTime, summarizeMetadata } from '../format';
import { can } from '../session';
import type { ApiKey, AuditEntry, User } from '../types';

/** Names for the ids in the log; only admins may list users and keys, others see short ids. */
function useNames() {
  const [names, setNames] = useState<Record<string, string>>({});
  const isAdmin = can('admin');
  useEffect(() => {
    if (!isAdmin) return;
    Promise.allSettled([
      api<Page<User>>('/api/v1/users', { query: { limit: 500 } }),
      api<Page<ApiKey>>('/api/v1/api-keys', { query: { limit: 500 } }),
    ]).then(([users, keys]) => {
      const map: Record<string, string> = {};
      if (users.status === 'fulfilled') for (const u of users.value.data) map[u.id] = u.email;
      if (keys.status === 'fulfilled') for (const k of keys.value.data) map[k.id] = `API key “${k.name}”`;
      setNames(map);
    });
  }, [isAdmin]);
  return names;
}

const shortId = (id: string) => `…${id.slice(-8)}`;

function who(e: AuditEntry, names: Record<string, string>) {
  if (e.user_id) return names[e.user_id] ?? `User ${shortId(e.user_id)}`;
  if (e.api_key_id) return names[e.api_key_id] ?? `API key ${shortId(e.api_key_id)}`;
  return 'System';
}

export function AuditLog() {
  const list = usePagedList<AuditEntry>('/api/v1/audit-log');
  const names = useNames();

  return (
    <>
      <PageHeader title="Audit log" />
      <p class="muted">Every change in this account, newest first. Times are in your browser’s time zone.</p>
      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No changes recorded yet." />
      ) : (
        <DataTable
          caption="Audit log entries"
          rows={list.items}
          rowKey={(e) => e.id}
          columns={[
            { header: 'When', class: 'nowrap', render: (e) => formatDateTime(e.created_at) },
            { header: 'Action', render: (e) => <code>{e.action}</code> },
            {
              header: 'Resource',
              render: (e) => (
                <>
                  {e.resource_type}
                  {e.resource_id && (
                    <span class="muted mono" title={e.resource_id}>
                      {' '}
                      {shortId(e.resource_id)}
                    </span>
                  )}
                </>
              ),
            },
            {
              header: 'Who',
              render: (e) => (
                <>
                  {who(e, names)}
                  {e.metadata?.via === 'api_key' && e.user_id && <span class="muted"> via API key</span>}
                </>
              ),
            },
            { header: 'Details', render: (e) => summarizeMetadata(e.metadata) },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="entries" />}
    </>
  );
}
