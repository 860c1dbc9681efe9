import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type Page, withQuery } from '../api';
import { BulkTagBar } from '../components/BulkTagBar';
import { Button, ButtonLink } from '../components/Button';
import { ContactForm } from '../components/ContactForm';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { SelectField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, ProblemAlert, toast } from '../components/Status';
import { TagChips } from '../components/TagEditor';
import { formatDate, fullName } from '../format';
import { can } from '../session';
import type { ConsentStatus, Contact, Segment, TagCount } from '../types';

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
  const tag = query.tag ?? '';
  const segmentId = query.segment_id ?? '';
  const [searchInput, setSearchInput] = useState(search);
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [tags, setTags] = useState<TagCount[]>([]);
  const [segments, setSegments] = useState<Segment[]>([]);
  const filters = {
    search: search || undefined,
    consent_status: consent || undefined,
    on_do_not_contact: dnc || undefined,
    tag: tag || undefined,
    segment_id: segmentId || undefined,
  };
  const list = usePagedList<Contact>('/api/v1/contacts', filters);
  const canWrite = can('staff');
  const filtered = Boolean(search || consent || dnc || tag || segmentId);
  const [tagsVersion, setTagsVersion] = useState(0);

  useEffect(() => setSearchInput(search), [search]);
  useEffect(() => setSelected([]), [search, consent, dnc, tag, segmentId]);
  useEffect(() => {
    api<{ data: TagCount[] }>('/api/v1/contacts/tags').then(
      (r) => setTags(r.data),
      () => setTags([]),
    );
  }, [tagsVersion]);
  useEffect(() => {
    api<Page<Segment>>('/api/v1/segments', { query: { limit: 500 } }).then(
      (r) => setSegments(r.data),
      () => setSegments([]),
    );
  }, []);

  // Filters live in the URL so a filtered list can be bookmarked and survives Back.
  const setFilter = (next: Record<string, string>) =>
    route(
      withQuery(path, {
        search,
        consent_status: consent,
        on_do_not_contact: dnc,
        tag,
        segment_id: segmentId,
        ...next,
      }),
      true,
    );
  const segment = segments.find((x) => x.id === segmentId);
  const pageIds = list.items.map((c) => c.id);
  const allOnPage = pageIds.length > 0 && pageIds.every((i) => selected.includes(i));

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
        <ButtonLink href={withQuery('/api/v1/contacts.csv', filters)} download>
          Export CSV
        </ButtonLink>
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
        <SelectField
          label="Tag"
          value={tag}
          onValue={(v) => setFilter({ tag: v })}
          options={[
            { value: '', label: 'Any' },
            ...(tag && !tags.some((t) => t.tag === tag) ? [{ value: tag, label: tag }] : []),
            ...tags.map((t) => ({ value: t.tag, label: `${t.tag} (${t.contacts})` })),
          ]}
        />
        <SelectField
          label="Segment"
          value={segmentId}
          onValue={(v) => setFilter({ segment_id: v })}
          options={[
            { value: '', label: 'Any' },
            ...(segmentId && !segment ? [{ value: segmentId, label: 'This segment' }] : []),
            ...segments.map((x) => ({ value: x.id, label: x.name })),
          ]}
        />
        {filtered && (
          <Button variant="link" onClick={() => route(path, true)}>
            Clear filters
          </Button>
        )}
      </form>

      {canWrite && (selected.length > 0 || segment) && (
        <BulkTagBar
          selected={selected}
          segment={segment ? { id: segment.id, name: segment.name } : null}
          suggestions={tags.map((t) => t.tag)}
          onDone={() => {
            setSelected([]);
            setTagsVersion((v) => v + 1);
            list.reload();
          }}
        />
      )}

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
        <>
          {canWrite && (
            <label class="select-all">
              <input
                type="checkbox"
                checked={allOnPage}
                onChange={() =>
                  setSelected(
                    allOnPage
                      ? selected.filter((i) => !pageIds.includes(i))
                      : [...new Set([...selected, ...pageIds])],
                  )
                }
              />{' '}
              Select all {list.items.length} shown
            </label>
          )}
          <DataTable
            caption="Contacts"
            rows={list.items}
            rowKey={(c) => c.id}
            columns={[
              ...(canWrite
                ? [
                    {
                      header: 'Select',
                      render: (c: Contact) => (
                        <input
                          type="checkbox"
                          aria-label={`Select ${c.phone_e164}`}
                          checked={selected.includes(c.id)}
                          onChange={() =>
                            setSelected((s) =>
                              s.includes(c.id) ? s.filter((x) => x !== c.id) : [...s, c.id],
                            )
                          }
                        />
                      ),
                    },
                  ]
                : []),
              {
                header: 'Phone',
                class: 'nowrap',
                render: (c) => <a href={`/contacts/${c.id}`}>{c.phone_e164}</a>,
              },
              { header: 'Name', render: (c) => fullName(c) || <span class="muted">—</span> },
              { header: 'Email', render: (c) => c.email ?? <span class="muted">—</span> },
              {
                header: 'Tags',
                render: (c) => (c.tags.length ? <TagChips tags={c.tags} /> : <span class="muted">—</span>),
              },
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
        </>
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="contacts" />}
    </>
  );
}
