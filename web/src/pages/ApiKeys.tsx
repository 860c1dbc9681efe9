import { useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { SelectField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, Notice, ProblemAlert, toast } from '../components/Status';
import { formatDateTime } from '../format';
import { can } from '../session';
import { type ApiKey, ROLES, type Role } from '../types';

export function ApiKeys() {
  const isAdmin = can('admin');
  const list = usePagedList<ApiKey>(isAdmin ? '/api/v1/api-keys' : null);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('staff');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<unknown>(null);
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const [copied, setCopied] = useState(false);
  const [toRevoke, setToRevoke] = useState<ApiKey | null>(null);

  if (!isAdmin) {
    return (
      <>
        <PageHeader title="API keys" />
        <Notice>Only admins can see and manage API keys.</Notice>
      </>
    );
  }

  const create = async (e: Event) => {
    e.preventDefault();
    setCreating(true);
    setCreateError(null);
    try {
      const k = await api<ApiKey & { key: string }>('/api/v1/api-keys', {
        method: 'POST',
        json: { name: name.trim(), role },
      });
      setCreated(k);
      setCopied(false);
      const { key: _secret, ...listed } = k;
      list.setItems((items) => [listed, ...items]);
      setName('');
    } catch (err) {
      setCreateError(err);
    } finally {
      setCreating(false);
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      toast('Copying was blocked by the browser; select the key and copy it yourself.', 'error');
    }
  };

  const nameError = createError instanceof ApiProblem ? createError.fieldError('name') : undefined;

  return (
    <>
      <PageHeader title="API keys" />
      {created && (
        <section class="alert alert--success" aria-labelledby="new-key-title">
          <h2 id="new-key-title">Key “{created.name}” created</h2>
          <p>
            Copy it now: this is the only time it is shown. Use it as `Authorization: Bearer &lt;key&gt;`.
          </p>
          <div class="key-once">
            <code data-testid="new-api-key">{created.key}</code>
            <Button onClick={copy}>{copied ? 'Copied' : 'Copy key'}</Button>
            <Button variant="link" onClick={() => setCreated(null)}>
              I have saved it
            </Button>
          </div>
          <p class="visually-hidden" aria-live="polite">
            {copied ? 'Key copied to the clipboard.' : ''}
          </p>
        </section>
      )}

      <form class="card" onSubmit={create} noValidate aria-labelledby="create-key-title">
        <h2 id="create-key-title">Create a key</h2>
        {createError && !nameError ? <ProblemAlert error={createError} /> : null}
        <div class="grid-2">
          <TextField
            label="Name"
            hint="What uses it, e.g. “CRM sync”."
            required
            value={name}
            onValue={setName}
            error={nameError}
            maxLength={80}
          />
          <SelectField
            label="Role"
            hint="A key can do what a user with this role can."
            value={role}
            onValue={(v) => setRole(v as Role)}
            options={ROLES.map((r) => ({ value: r, label: r }))}
          />
        </div>
        <Button type="submit" variant="primary" busy={creating}>
          Create key
        </Button>
      </form>

      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No API keys yet." />
      ) : (
        <DataTable
          caption="API keys"
          rows={list.items}
          rowKey={(k) => k.id}
          columns={[
            { header: 'Name', render: (k) => k.name },
            { header: 'Key', render: (k) => <code>{k.prefix}…</code> },
            { header: 'Role', render: (k) => k.role },
            { header: 'Created', render: (k) => formatDateTime(k.created_at) },
            { header: 'Last used', render: (k) => formatDateTime(k.last_used_at) },
            {
              header: 'Status',
              render: (k) =>
                k.revoked_at ? (
                  <Badge tone="neutral">Revoked {formatDateTime(k.revoked_at)}</Badge>
                ) : (
                  <Badge tone="success">Active</Badge>
                ),
            },
            {
              header: 'Actions',
              render: (k) =>
                k.revoked_at ? null : (
                  <Button small variant="danger" onClick={() => setToRevoke(k)}>
                    Revoke
                  </Button>
                ),
            },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="keys" />}

      <ConfirmDialog
        open={toRevoke !== null}
        title="Revoke this key?"
        confirmLabel="Revoke key"
        danger
        onConfirm={async () => {
          if (!toRevoke) return;
          await api(`/api/v1/api-keys/${toRevoke.id}`, { method: 'DELETE' });
          const revokedAt = new Date().toISOString();
          list.setItems((items) =>
            items.map((k) => (k.id === toRevoke.id ? { ...k, revoked_at: revokedAt } : k)),
          );
          toast(`Key “${toRevoke.name}” revoked.`);
        }}
        onClose={() => setToRevoke(null)}
      >
        <p>
          Anything using <strong>{toRevoke?.name}</strong> ({toRevoke?.prefix}…) stops working immediately.
          This cannot be undone; create a new key if you need one.
        </p>
      </ConfirmDialog>
    </>
  );
}
