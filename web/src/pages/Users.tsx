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
import { can, me } from '../session';
import { ROLES, type Role, type User } from '../types';

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: r[0]!.toUpperCase() + r.slice(1) }));

/** What POST /users and POST /users/:id/invitation say about the invitation email. */
type Invitation = {
  delivery: 'sent' | 'failed' | 'not_configured';
  expires_at: string;
  detail: string | null;
};
type CreatedUser = User & { invitation: Invitation };
const ROLE_HELP =
  'Viewers read everything; staff also edit contacts, templates and campaigns; admins manage everything.';

export function Users() {
  const isAdmin = can('admin');
  const list = usePagedList<User>(isAdmin ? '/api/v1/users' : null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('staff');
  const [inviting, setInviting] = useState(false);
  const [inviteError, setInviteError] = useState<unknown>(null);
  const [toDeactivate, setToDeactivate] = useState<User | null>(null);
  const [resending, setResending] = useState<string | null>(null);

  if (!isAdmin) {
    return (
      <>
        <PageHeader title="Users" />
        <Notice>Only admins can see and manage users.</Notice>
      </>
    );
  }

  const replace = (u: User) => list.setItems((items) => items.map((x) => (x.id === u.id ? u : x)));

  const invite = async (e: Event) => {
    e.preventDefault();
    setInviting(true);
    setInviteError(null);
    try {
      const created = await api<CreatedUser>('/api/v1/users', {
        method: 'POST',
        json: { email: email.trim(), role },
      });
      const { invitation, ...user } = created;
      list.setItems((items) => [user, ...items]);
      setEmail('');
      if (invitation.delivery === 'sent') {
        toast(
          `Invitation sent to ${user.email}. Its sign-in link works once, until ${formatDateTime(invitation.expires_at)}.`,
        );
      } else {
        toast(
          `${user.email} was added, but the invitation email could not be sent${
            invitation.detail ? ` (${invitation.detail})` : ''
          }. Use “Resend invitation” once email works again.`,
          'error',
        );
      }
    } catch (err) {
      setInviteError(err);
    } finally {
      setInviting(false);
    }
  };

  const patch = async (u: User, body: Partial<Pick<User, 'role' | 'is_active'>>, done: string) => {
    try {
      replace(await api<User>(`/api/v1/users/${u.id}`, { method: 'PATCH', json: body }));
      toast(done);
    } catch (err) {
      toast(err instanceof ApiProblem ? err.detail || err.title : 'Could not update the user.', 'error');
      list.reload();
    }
  };

  const resend = async (u: User) => {
    setResending(u.id);
    try {
      const invitation = await api<Invitation>(`/api/v1/users/${u.id}/invitation`, { method: 'POST' });
      toast(
        `Invitation sent again to ${u.email}. The new link works once, until ${formatDateTime(invitation.expires_at)}; links sent before no longer work.`,
      );
    } catch (err) {
      toast(err instanceof ApiProblem ? err.detail || err.title : 'Could not send the invitation.', 'error');
    } finally {
      setResending(null);
    }
  };

  const inviteFieldError = inviteError instanceof ApiProblem ? inviteError.fieldError('email') : undefined;
  const self = me.value?.user.id;

  return (
    <>
      <PageHeader title="Users" />
      <form class="card" onSubmit={invite} noValidate aria-labelledby="invite-title">
        <h2 id="invite-title">Invite a user</h2>
        {inviteError && !inviteFieldError ? <ProblemAlert error={inviteError} /> : null}
        <div class="grid-2">
          <TextField
            label="Email"
            type="email"
            autocomplete="off"
            required
            value={email}
            onValue={setEmail}
            error={inviteFieldError}
          />
          <SelectField
            label="Role"
            hint={ROLE_HELP}
            value={role}
            onValue={(v) => setRole(v as Role)}
            options={ROLE_OPTIONS}
          />
        </div>
        <Button type="submit" variant="primary" busy={inviting}>
          Invite user
        </Button>
      </form>

      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No users yet." />
      ) : (
        <DataTable
          caption="Users"
          rows={list.items}
          rowKey={(u) => u.id}
          columns={[
            {
              header: 'Email',
              render: (u) => (
                <>
                  {u.email}
                  {u.id === self && <span class="muted"> (you)</span>}
                </>
              ),
            },
            {
              header: 'Role',
              render: (u) => (
                <select
                  aria-label={`Role of ${u.email}`}
                  value={u.role}
                  disabled={!u.is_active || u.id === self}
                  onChange={(e) => {
                    const next = (e.currentTarget as HTMLSelectElement).value as Role;
                    patch(u, { role: next }, `${u.email} is now ${next}.`);
                  }}
                >
                  {ROLE_OPTIONS.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ),
            },
            {
              header: 'Status',
              render: (u) =>
                !u.is_active ? (
                  <Badge tone="neutral">Deactivated</Badge>
                ) : u.last_login_at === null ? (
                  <Badge tone="info">Invited</Badge>
                ) : (
                  <Badge tone="success">Active</Badge>
                ),
            },
            { header: 'Last sign-in', render: (u) => formatDateTime(u.last_login_at) },
            {
              header: 'Actions',
              render: (u) =>
                u.id === self ? null : u.is_active ? (
                  <div class="actions">
                    {u.last_login_at === null && (
                      <Button
                        small
                        busy={resending === u.id}
                        aria-label={`Resend invitation to ${u.email}`}
                        onClick={() => resend(u)}
                      >
                        Resend invitation
                      </Button>
                    )}
                    <Button small variant="danger" onClick={() => setToDeactivate(u)}>
                      Deactivate
                    </Button>
                  </div>
                ) : (
                  <Button
                    small
                    onClick={() => patch(u, { is_active: true }, `${u.email} can sign in again.`)}
                  >
                    Reactivate
                  </Button>
                ),
            },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="users" />}

      <ConfirmDialog
        open={toDeactivate !== null}
        title="Deactivate this user?"
        confirmLabel="Deactivate user"
        danger
        onConfirm={async () => {
          if (!toDeactivate) return;
          replace(
            await api<User>(`/api/v1/users/${toDeactivate.id}`, {
              method: 'PATCH',
              json: { is_active: false },
            }),
          );
          toast(`${toDeactivate.email} is deactivated.`);
        }}
        onClose={() => setToDeactivate(null)}
      >
        <p>
          <strong>{toDeactivate?.email}</strong> is signed out everywhere at once and can no longer sign in.
          Their past actions stay in the audit log. You can reactivate them later.
        </p>
      </ConfirmDialog>
    </>
  );
}
