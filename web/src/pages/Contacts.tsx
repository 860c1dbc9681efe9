import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { withQuery } from '../api';
import { Button } from '../components/Button';
import { ContactForm } from '../components/ContactForm';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { SelectField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { formatDate, fullName } from '../format';
import { can } from '../session';
import type { ConsentStatus, Contact } from '../types';

export const CONSENT_TONE: Record<ConsentStatus, string> = {
  explicit: 'success',
  implied: 'info',
  unknown: 'warning',
};

export function Contacts() {
  const { query, path, route } = useLocation();
  const search = query.search ?? '';
  const consent = query.consent_status ?? '';
  const dnc = query.on_do_not_contact ?? '';
  const [searchInput, setSearchInput] = useState(search);
  const [creating, setCreating] = useState(false);
  const list = usePagedList<Contact>('/api/v1/contacts', {
    search: search || undefined,
    consent_status: consent || undefined,
    on_do_not_contact: dnc || undefined,
  });
  const canWrite = can('staff');
  const filtered = Boolean(search || consent || dnc);

  useEffect(() => setSearchInput(search), [search]);

  // Filters live in the URL so a filtered list can be bookmarked and survives Back.
  const setFilter = (next: Record<string, string>) =>
    route(withQuery(path, { search, consent_status: consent, on_do_not_contact: dnc, ...next }), true);

  return (
    <>
      <PageHeader title="Contacts">
        {canWrite && !creating && (
          <>
            <Button variant="primary" onClick={() => setCreating(true)}>
              New contact
            </Button>
            <a class="btn btn--secondary" href="/imports">
              Import a CSV
            </a>
          </>
        )}
      </PageHeader>

      {creating && (
        <ContactForm
          onSaved={(c) => {
            setCreating(false);
            toast(`Contact ${c.phone_e164} created.`);
            route(`/contacts/${c.id}`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}

      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter({ search: searchInput.trim() });
        }}
      >
        <TextField
          label="Search"
          type="search"
          placeholder="Phone, email or name"
          value={searchInput}
          onValue={setSearchInput}
        />
        <Button type="submit">Search</Button>
        <SelectField
          label="Consent"
          value={consent}
          onValue={(v) => setFilter({ consent_status: v })}
          options={[
            { value: '', label: 'Any' },
            { value: 'explicit', label: 'Explicit' },
            { value: 'implied', label: 'Implied' },
            { value: 'unknown', label: 'Unknown' },
          ]}
        />
        <SelectField
          label="Do-not-contact"
          value={dnc}
          onValue={(v) => setFilter({ on_do_not_contact: v })}
          options={[
            { value: '', label: 'Any' },
            { value: 'false', label: 'Can be contacted' },
            { value: 'true', label: 'On do-not-contact' },
          ]}
        />
        {filtered && (
          <Button variant="link" onClick={() => route(path, true)}>
            Clear filters
          </Button>
        )}
      </form>

      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        filtered ? (
          <EmptyState title="No contacts match these filters." />
        ) : (
          <EmptyState title="No contacts yet.">
            {canWrite && (
              <p>
                Add one with <strong>New contact</strong>, or <a href="/imports">import a CSV file</a>.
              </p>
            )}
          </EmptyState>
        )
      ) : (
        <DataTable
          caption="Contacts"
          rows={list.items}
          rowKey={(c) => c.id}
          columns={[
            {
              header: 'Phone',
              class: 'nowrap',
              render: (c) => <a href={`/contacts/${c.id}`}>{c.phone_e164}</a>,
            },
            { header: 'Name', render: (c) => fullName(c) || <span class="muted">—</span> },
            { header: 'Email', render: (c) => c.email ?? <span class="muted">—</span> },
            {
              header: 'Consent',
              render: (c) => <Badge tone={CONSENT_TONE[c.consent_status]}>{c.consent_status}</Badge>,
            },
            {
              header: 'Do-not-contact',
              render: (c) =>
                c.on_do_not_contact ? (
                  <Badge tone="danger">{c.do_not_contact?.reason ?? 'Yes'}</Badge>
                ) : (
                  <span class="muted">No</span>
                ),
            },
            { header: 'Added', class: 'nowrap', render: (c) => formatDate(c.created_at) },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="contacts" />}
    </>
  );
}
