import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiProblem, api } from '../api';
import { Button } from '../components/Button';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { SelectField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Notice, ProblemAlert } from '../components/Status';
import { formatDateTime, formatNumber } from '../format';
import { can } from '../session';
import type { ImportBatch } from '../types';
import { ImportStatusBadge } from './ImportDetail';

function formatSize(bytes: number) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function Imports() {
  const { route } = useLocation();
  const canWrite = can('staff');
  const list = usePagedList<ImportBatch>('/api/v1/imports', {}, 20);
  const [file, setFile] = useState<File | null>(null);
  const [over, setOver] = useState(false);
  const [defaultConsent, setDefaultConsent] = useState('');
  const [consentSource, setConsentSource] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const pick = (f: File | null | undefined) => {
    setError(null);
    setFile(f ?? null);
  };

  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) {
      setError(new ApiProblem(422, 'No file chosen', 'Choose a CSV file first.'));
      return;
    }
    setBusy(true);
    setError(null);
    const body = new FormData();
    body.append('file', file, file.name);
    try {
      const created = await api<ImportBatch>('/api/v1/imports', {
        method: 'POST',
        body,
        query: {
          default_consent_status: defaultConsent || undefined,
          consent_source: consentSource.trim() || undefined,
        },
      });
      route(`/imports/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const duplicateOf =
    error instanceof ApiProblem && error.status === 409 && typeof error.body.existing_import_id === 'string'
      ? error.body.existing_import_id
      : null;

  return (
    <>
      <PageHeader title="Imports" />
      {canWrite ? (
        <form class="card" onSubmit={upload} noValidate aria-labelledby="upload-title">
          <h2 id="upload-title">Import contacts from a CSV file</h2>
          <p class="muted">
            The first row names the columns. A <code>phone</code> (or <code>mobile</code>) column is required;{' '}
            <code>email</code>, <code>first_name</code>, <code>last_name</code>, <code>timezone</code>,{' '}
            <code>consent_status</code>, <code>consent_source</code> and <code>consent_timestamp</code> are
            recognised, and any other column becomes a custom field. Rows that cannot be used are listed with
            the reason, ready to fix and upload again.
          </p>
          {/* The label makes the whole drop zone a click/keyboard target for the file input inside it. */}
          <label
            class={`dropzone${over ? ' dropzone--over' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(true);
            }}
            onDragLeave={() => setOver(false)}
            onDrop={(e) => {
              e.preventDefault();
              setOver(false);
              pick(e.dataTransfer?.files[0]);
            }}
          >
            <strong>Drop a CSV file here</strong> or choose one
            <br />
            <input
              type="file"
              name="file"
              accept=".csv,.txt,text/csv"
              onChange={(e) => pick((e.currentTarget as HTMLInputElement).files?.[0])}
            />
          </label>
          {file && (
            <p aria-live="polite">
              Selected: <strong>{file.name}</strong> ({formatSize(file.size)})
            </p>
          )}
          <div class="grid-2">
            <SelectField
              label="Consent for rows without a consent_status"
              value={defaultConsent}
              onValue={setDefaultConsent}
              options={[
                { value: '', label: 'Unknown (the default)' },
                { value: 'explicit', label: 'Explicit' },
                { value: 'implied', label: 'Implied' },
                { value: 'unknown', label: 'Unknown' },
              ]}
            />
            <TextField
              label="Consent source for rows without one"
              hint="e.g. “Store sign-up sheet, March 2025”."
              value={consentSource}
              onValue={setConsentSource}
              maxLength={200}
            />
          </div>
          {duplicateOf ? (
            <div class="alert alert--warning" role="alert">
              <p class="alert__title">This file was already imported</p>
              <p>
                {error instanceof ApiProblem ? error.detail : ''} Nothing was imported twice.{' '}
                <a href={`/imports/${duplicateOf}`}>See the earlier import</a>
              </p>
            </div>
          ) : (
            <ProblemAlert error={error} />
          )}
          <Button type="submit" variant="primary" busy={busy}>
            Upload and import
          </Button>
        </form>
      ) : (
        <Notice>Viewers can see imports but not start one.</Notice>
      )}

      <h2>Recent imports</h2>
      <ProblemAlert error={list.error} />
      {list.items.length === 0 && !list.loading && !list.error ? (
        <EmptyState title="No imports yet." />
      ) : (
        <DataTable
          caption="Recent imports"
          rows={list.items}
          rowKey={(b) => b.id}
          columns={[
            { header: 'File', render: (b) => <a href={`/imports/${b.id}`}>{b.file_name}</a> },
            { header: 'Status', render: (b) => <ImportStatusBadge status={b.status} /> },
            { header: 'Rows', numeric: true, render: (b) => formatNumber(b.total_rows) },
            { header: 'Created', numeric: true, render: (b) => formatNumber(b.created_count) },
            { header: 'Updated', numeric: true, render: (b) => formatNumber(b.updated_count) },
            { header: 'Skipped', numeric: true, render: (b) => formatNumber(b.skipped_count) },
            { header: 'Rejected', numeric: true, render: (b) => formatNumber(b.rejected_count) },
            { header: 'Started', class: 'nowrap', render: (b) => formatDateTime(b.created_at) },
          ]}
        />
      )}
      {list.items.length > 0 && <LoadMore list={list} noun="imports" />}
    </>
  );
}
