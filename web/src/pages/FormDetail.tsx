import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { FormEditor } from '../components/growth/FormEditor';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { useResource } from '../components/sending/ui';
import { formatDateTime } from '../format';
import { copyText, type OptInRequest, type SignupForm } from '../growth';
import { can } from '../session';
import '../growth.css';

const STATUS: Record<OptInRequest['status'], { tone: string; label: string }> = {
  pending: { tone: 'info', label: 'Waiting for Y' },
  confirmed: { tone: 'success', label: 'Confirmed' },
  expired: { tone: 'neutral', label: 'Expired' },
  superseded: { tone: 'neutral', label: 'Asked again' },
  blocked: { tone: 'warning', label: 'On do-not-contact' },
};

function Snippet({ label, code }: { label: string; code: string }) {
  const [copied, setCopied] = useState(false);
  const id = `snippet-${label.replace(/\W/g, '')}`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea id={id} class="embed-code" rows={3} readOnly value={code} />
      <div class="actions">
        <Button small onClick={async () => setCopied(await copyText(code))}>
          {copied ? 'Copied' : `Copy ${label.toLowerCase()}`}
        </Button>
      </div>
    </div>
  );
}

export function FormDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id ?? '';
  const form = useResource<SignupForm>(`/api/v1/forms/${id}`);
  const signups = usePagedList<OptInRequest>(`/api/v1/forms/${id}/opt-ins`);
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const canWrite = can('staff');
  const f = form.data;
  const back = { href: '/forms', label: 'Signup forms' };

  if (form.error) {
    return (
      <>
        <PageHeader title="Signup form" back={back} />
        <ProblemAlert error={form.error} />
      </>
    );
  }
  if (!f) {
    return (
      <>
        <PageHeader title="Signup form" back={back} />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  return (
    <>
      <PageHeader title={f.name} back={back}>
        <a class="btn btn--secondary" href={f.public_url} target="_blank" rel="noopener">
          Open the page
        </a>
        {canWrite && (
          <>
            <Button onClick={() => setEditing(true)}>Edit</Button>
            <Button variant="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          </>
        )}
      </PageHeader>
      {editing && (
        <FormEditor
          form={f}
          onSaved={(next) => {
            form.setData(next);
            setEditing(false);
            toast(
              next.consent_version !== f.consent_version
                ? `Form saved; the consent text is now version ${next.consent_version}.`
                : 'Form saved.',
            );
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <section class="card" aria-labelledby="form-share">
        <h2 id="form-share">Share it</h2>
        <p>
          {f.is_active ? <Badge tone="success">Live</Badge> : <Badge>Closed</Badge>}{' '}
          <a href={f.public_url}>{f.public_url}</a>
        </p>
        <Snippet label="Link" code={f.embed.link} />
        <Snippet label="Embed" code={f.embed.iframe} />
        <p class="muted sending-small">
          The page works on phones and without JavaScript, and can be embedded on any website.
        </p>
      </section>
      <section class="card" aria-labelledby="form-settings">
        <h2 id="form-settings">Settings</h2>
        <dl class="details">
          <dt>Consent text (version {f.consent_version})</dt>
          <dd>{f.consent_text}</dd>
          <dt>Fields</dt>
          <dd>Mobile number{f.fields.length ? `, ${f.fields.join(', ').replace(/_/g, ' ')}` : ''}</dd>
          <dt>Opt-in</dt>
          <dd>
            {f.double_opt_in
              ? 'Double: confirmed by replying Y within 24 hours'
              : 'Single: subscribed at once'}
          </dd>
          <dt>Tags added</dt>
          <dd>{f.tags_add.join(', ') || '—'}</dd>
          <dt>Thank-you message</dt>
          <dd>{f.success_message}</dd>
        </dl>
      </section>
      <h2>Sign-ups</h2>
      <ProblemAlert error={signups.error} />
      {signups.items.length === 0 && !signups.loading && !signups.error ? (
        <EmptyState title="No sign-ups yet." />
      ) : (
        <DataTable
          caption="Sign-ups"
          rows={signups.items}
          rowKey={(o) => o.id}
          columns={[
            { header: 'Phone', render: (o) => o.phone_e164 },
            { header: 'When', class: 'nowrap', render: (o) => formatDateTime(o.requested_at) },
            {
              header: 'Status',
              render: (o) => <Badge tone={STATUS[o.status].tone}>{STATUS[o.status].label}</Badge>,
            },
            { header: 'Consent version', numeric: true, render: (o) => o.consent_version ?? '—' },
            {
              header: 'Proof',
              render: (o) => (
                <details>
                  <summary>Details</summary>
                  <dl class="details">
                    <dt>Consent text shown</dt>
                    <dd>{o.consent_text ?? '—'}</dd>
                    <dt>IP address</dt>
                    <dd>{o.ip ?? '—'}</dd>
                    <dt>Browser</dt>
                    <dd>{o.user_agent ?? '—'}</dd>
                    <dt>Confirmed</dt>
                    <dd>{formatDateTime(o.confirmed_at)}</dd>
                  </dl>
                </details>
              ),
            },
          ]}
        />
      )}
      {signups.items.length > 0 && <LoadMore list={signups} noun="sign-ups" />}
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this form?"
        confirmLabel="Delete form"
        danger
        onConfirm={async () => {
          await api(`/api/v1/forms/${f.id}`, { method: 'DELETE' });
          toast('Form deleted.');
          route('/forms');
        }}
        onClose={() => setConfirmDelete(false)}
      >
        <p>Its page stops answering at once. Sign-ups it collected keep their consent proof.</p>
      </ConfirmDialog>
    </>
  );
}
