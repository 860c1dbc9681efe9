import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CONSENT_LABELS, ContactForm } from '../components/ContactForm';
import { ThreadView } from '../components/conversations/ThreadView';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, Notice, ProblemAlert, toast } from '../components/Status';
import { TagChips, TagEditor } from '../components/TagEditor';
import { formatDateTime, fullName, summarizeMetadata } from '../format';
import { can } from '../session';
import type { Contact, ContactEvent, TagCount } from '../types';
import { CONSENT_TONE } from './Contacts';
import '../conversations.css';

/** The contact's tags, edited in place (PATCH {tags} replaces the set). */
function TagsCard({
  contact,
  editable,
  onSaved,
}: {
  contact: Contact;
  editable: boolean;
  onSaved: (c: Contact) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [tags, setTags] = useState<string[]>(contact.tags);
  const [known, setKnown] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const start = () => {
    setTags(contact.tags);
    setError(null);
    setEditing(true);
    api<{ data: TagCount[] }>('/api/v1/contacts/tags').then(
      (r) => setKnown(r.data.map((t) => t.tag)),
      () => setKnown([]),
    );
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      onSaved(await api<Contact>(`/api/v1/contacts/${contact.id}`, { method: 'PATCH', json: { tags } }));
      setEditing(false);
      toast('Tags saved.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      {editing ? (
        <>
          <ProblemAlert error={error} />
          <TagEditor
            label="Tags"
            tags={tags}
            onTags={setTags}
            suggestions={known}
            hint="Up to 100 tags of up to 64 characters; VIP and vip are the same tag."
          />
          <div class="actions">
            <Button variant="primary" busy={busy} onClick={save}>
              Save tags
            </Button>
            <Button onClick={() => setEditing(false)}>Cancel</Button>
          </div>
        </>
      ) : (
        <>
          <TagChips tags={contact.tags} />
          {editable && (
            <p>
              <Button small onClick={start}>
                Edit tags
              </Button>
            </p>
          )}
        </>
      )}
    </section>
  );
}

const EVENT_LABELS: Record<string, string> = {
  QUEUED: 'Queued for sending',
  SENT: 'Sent',
  DELIVERED: 'Delivered',
  FAILED: 'Failed',
  CLICKED: 'Clicked a link',
  REPLIED: 'Replied',
  OPT_OUT: 'Opted out',
  RESUBSCRIBE: 'Opted back in',
};

export function ContactDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id ?? '';
  const [contact, setContact] = useState<Contact | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [confirmErase, setConfirmErase] = useState(false);
  const events = usePagedList<ContactEvent>(`/api/v1/contacts/${id}/events`);
  const canWrite = can('staff');

  useEffect(() => {
    setContact(null);
    setError(null);
    api<Contact>(`/api/v1/contacts/${id}`).then(setContact, setError);
  }, [id]);

  const back = { href: '/contacts', label: 'Contacts' };
  if (error) {
    return (
      <>
        <PageHeader title="Contact" back={back} />
        <ProblemAlert error={error} />
      </>
    );
  }
  if (!contact) {
    return (
      <>
        <PageHeader title="Contact" back={back} />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const erased = Boolean(contact.erased_at);
  const title = erased ? 'Erased contact' : fullName(contact) || contact.phone_e164;
  const custom = Object.entries(contact.custom_fields ?? {});

  return (
    <>
      <PageHeader title={title} back={back}>
        {canWrite && !erased && !editing && (
          <>
            <Button onClick={() => setEditing(true)}>Edit</Button>
            <Button variant="danger" onClick={() => setConfirmErase(true)}>
              Delete
            </Button>
          </>
        )}
      </PageHeader>

      {erased && (
        <Notice kind="warning">
          This person’s data was erased on {formatDateTime(contact.erased_at)}. Campaign totals still count
          their past messages.
        </Notice>
      )}

      {editing ? (
        <ContactForm
          contact={contact}
          onSaved={(c) => {
            setContact(c);
            setEditing(false);
            toast('Contact saved.');
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <div class="grid-2">
          <section class="card" aria-labelledby="details-title">
            <h2 id="details-title">Details</h2>
            <dl class="details">
              <dt>Phone</dt>
              <dd class="mono">{contact.phone_e164}</dd>
              <dt>Name</dt>
              <dd>{fullName(contact) || '—'}</dd>
              <dt>Email</dt>
              <dd>{contact.email ?? '—'}</dd>
              <dt>Time zone</dt>
              <dd>{contact.timezone ?? 'Account time zone'}</dd>
              <dt>Last sent</dt>
              <dd>{formatDateTime(contact.last_sent_at)}</dd>
              <dt>Last human click</dt>
              <dd>{formatDateTime(contact.last_human_click_at)}</dd>
              <dt>Last reply</dt>
              <dd>{formatDateTime(contact.last_reply_at)}</dd>
              <dt>Added</dt>
              <dd>{formatDateTime(contact.created_at)}</dd>
              {contact.import_batch_id && (
                <>
                  <dt>Imported by</dt>
                  <dd>
                    <a href={`/imports/${contact.import_batch_id}`}>an import</a>
                  </dd>
                </>
              )}
            </dl>
          </section>
          <section class="card" aria-labelledby="consent-title">
            <h2 id="consent-title">Consent</h2>
            <dl class="details">
              <dt>Status</dt>
              <dd>
                <Badge tone={CONSENT_TONE[contact.consent_status]}>{contact.consent_status}</Badge>{' '}
                <span class="muted">{CONSENT_LABELS[contact.consent_status]}</span>
              </dd>
              <dt>Source</dt>
              <dd>{contact.consent_source ?? '—'}</dd>
              <dt>Given at</dt>
              <dd>{formatDateTime(contact.consent_timestamp)}</dd>
              <dt>Do-not-contact</dt>
              <dd>
                {contact.do_not_contact ? (
                  <>
                    <Badge tone="danger">{contact.do_not_contact.reason}</Badge> since{' '}
                    {formatDateTime(contact.do_not_contact.created_at)}.{' '}
                    {contact.do_not_contact.reason === 'STOP'
                      ? 'They replied STOP.'
                      : contact.do_not_contact.reason === 'COMPLAINED'
                        ? 'They complained.'
                        : 'Added by hand.'}{' '}
                    Never sent to.
                  </>
                ) : (
                  'Not listed'
                )}
              </dd>
              {contact.suppressed !== undefined && (
                <>
                  <dt>Suppressed</dt>
                  <dd>
                    {contact.suppressed
                      ? `Yes, by a suppression rule until ${formatDateTime(contact.suppressed_until)}`
                      : 'No'}
                  </dd>
                </>
              )}
            </dl>
          </section>
          {!erased && (
            <TagsCard key={contact.id} contact={contact} editable={canWrite} onSaved={setContact} />
          )}
          <section class="card" aria-labelledby="custom-title">
            <h2 id="custom-title">Custom fields</h2>
            {custom.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <dl class="details">
                {custom.map(([k, v]) => (
                  <Fragment key={k}>
                    <dt>{k}</dt>
                    <dd>{v}</dd>
                  </Fragment>
                ))}
              </dl>
            )}
          </section>
        </div>
      )}

      {!erased && (
        <section class="card" aria-labelledby="conversation-title">
          <h2 id="conversation-title">Conversation</h2>
          <ThreadView key={contact.id} threadId={contact.id} showTitle={false} />
        </section>
      )}

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ProblemAlert error={events.error} />
        {events.items.length === 0 && !events.loading && !events.error ? (
          <EmptyState title="No messages, clicks or replies yet." />
        ) : (
          <ol class="timeline card">
            {events.items.map((e) => (
              <li key={e.id}>
                <strong>
                  {EVENT_LABELS[e.event_type] ?? e.event_type}
                  {e.metadata?.test === true ? ' (test)' : e.metadata?.direct === 'reply' ? ' (reply)' : ''}
                </strong>{' '}
                <span class="muted">{formatDateTime(e.created_at)}</span>
                {e.campaign_id && (
                  <>
                    {' · '}
                    <a href={`/campaigns/${e.campaign_id}`}>campaign</a>
                  </>
                )}
                {e.metadata && Object.keys(e.metadata).length > 0 && (
                  <div class="muted">{summarizeMetadata(e.metadata)}</div>
                )}
              </li>
            ))}
          </ol>
        )}
        {events.items.length > 0 && <LoadMore list={events} noun="events" />}
      </section>

      <ConfirmDialog
        open={confirmErase}
        title="Erase this person’s data?"
        confirmLabel="Erase contact"
        danger
        onConfirm={async () => {
          await api(`/api/v1/contacts/${contact.id}`, { method: 'DELETE' });
          toast('The contact’s personal data was erased.');
          route('/contacts');
        }}
        onClose={() => setConfirmErase(false)}
      >
        <p>
          Their name, email, phone number, time zone, custom fields, tags and consent record are erased
          permanently, and the text of messages sent to them is removed. Campaign totals keep counting their
          past messages.
        </p>
        <p>
          If they are on the do-not-contact list, they stay on it. <strong>This cannot be undone.</strong>
        </p>
      </ConfirmDialog>
    </>
  );
}
