// One segment: its name and filter, built with the live audience count beside it.
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { ApiProblem, api, type FieldError } from '../api';
import { Button, ButtonLink } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { Notice, ProblemAlert, toast } from '../components/Status';
import { newCondition } from '../components/segments/fields';
import { useBuilderOptions } from '../components/segments/options';
import { SegmentBuilder } from '../components/segments/SegmentBuilder';
import { SegmentCount } from '../components/segments/SegmentCount';
import { can } from '../session';
import type { Segment, SegmentGroup } from '../types';

export function SegmentEditor() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id && params.id !== 'new' ? params.id : undefined;
  const [segment, setSegment] = useState<Segment | null>(null);
  const [name, setName] = useState('');
  const [filter, setFilter] = useState<SegmentGroup>({ all: [newCondition()] });
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [liveErrors, setLiveErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const options = useBuilderOptions(id);
  const canWrite = can('staff');

  useEffect(() => {
    if (!id) return;
    api<Segment>(`/api/v1/segments/${id}`).then((s) => {
      setSegment(s);
      setName(s.name);
      setFilter(s.filter);
    }, setLoadError);
  }, [id]);

  const back = { href: '/segments', label: 'Segments' };
  const title = id ? (segment?.name ?? 'Segment') : 'New segment';
  if (loadError) {
    return (
      <>
        <PageHeader title="Segment" back={back} />
        <ProblemAlert error={loadError} />
      </>
    );
  }
  if (id && !segment) {
    return (
      <>
        <PageHeader title="Segment" back={back} />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const serverErrors = saveError instanceof ApiProblem ? saveError.errors : [];
  const errors = serverErrors.length ? serverErrors : liveErrors;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setSaveError(null);
    try {
      const saved = await api<Segment>(id ? `/api/v1/segments/${id}` : '/api/v1/segments', {
        method: id ? 'PATCH' : 'POST',
        json: { name: name.trim(), filter },
      });
      toast(id ? 'Segment saved.' : 'Segment created.');
      if (id) setSegment({ ...segment, ...saved });
      else route(`/segments/${saved.id}`, true);
    } catch (err) {
      setSaveError(err);
    } finally {
      setBusy(false);
    }
  };
  const inUse = segment?.used_by
    ? [
        ...segment.used_by.campaigns.filter((c) => c.status === 'draft').map((c) => `campaign “${c.name}”`),
        ...segment.used_by.segments.map((s) => `segment “${s.name}”`),
      ]
    : [];

  return (
    <>
      <PageHeader title={title} back={back}>
        {id && (
          <>
            <ButtonLink href={`/contacts?segment_id=${id}`}>View contacts</ButtonLink>
            <ButtonLink href={`/api/v1/contacts.csv?segment_id=${id}`} download>
              Export CSV
            </ButtonLink>
          </>
        )}
        {id && canWrite && (
          <Button variant="danger" onClick={() => setConfirmDelete(true)}>
            Delete…
          </Button>
        )}
      </PageHeader>
      {!canWrite && <Notice>Your role can view segments and their counts but not change them.</Notice>}
      <div class="segment-layout">
        <form onSubmit={save} noValidate class="segment-layout__main">
          <ProblemAlert error={saveError} />
          <section class="card">
            <TextField
              label="Name"
              required
              value={name}
              onValue={setName}
              maxLength={200}
              readOnly={!canWrite}
              error={saveError instanceof ApiProblem ? saveError.fieldError('name') : undefined}
            />
            <h2>Conditions</h2>
            <SegmentBuilder
              filter={filter}
              onChange={(f) => {
                setFilter(f);
                setSaveError(null);
              }}
              errors={errors}
              options={options}
              readOnly={!canWrite}
            />
          </section>
          {canWrite && (
            <div class="actions">
              <Button type="submit" variant="primary" busy={busy}>
                {id ? 'Save segment' : 'Create segment'}
              </Button>
              <ButtonLink href="/segments">Cancel</ButtonLink>
            </div>
          )}
        </form>
        <aside class="segment-layout__side">
          <SegmentCount filter={filter} segmentId={id} onErrors={setLiveErrors} />
          {segment?.used_by && segment.used_by.campaigns.length > 0 && (
            <section class="card">
              <h2>Used by campaigns</h2>
              <ul>
                {segment.used_by.campaigns.map((c) => (
                  <li key={c.id}>
                    <a href={`/campaigns/${c.id}`}>{c.name}</a> <span class="muted">({c.status})</span>
                  </li>
                ))}
              </ul>
              <p class="muted sending-small">
                Launched campaigns keep the definition they started with; drafts use the segment as it is.
              </p>
            </section>
          )}
        </aside>
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this segment?"
        confirmLabel="Delete segment"
        danger
        onConfirm={async () => {
          await api(`/api/v1/segments/${id}`, { method: 'DELETE' });
          toast('Segment deleted.');
          route('/segments');
        }}
        onClose={() => setConfirmDelete(false)}
      >
        {inUse.length > 0 ? (
          <p>
            It is still used by {inUse.join(', ')}: remove it from them first, or deleting will be refused.
          </p>
        ) : (
          <p>Contacts stay as they are; only the saved filter goes. Launched campaigns are not affected.</p>
        )}
      </ConfirmDialog>
    </>
  );
}
