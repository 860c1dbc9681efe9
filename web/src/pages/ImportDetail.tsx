import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api } from '../api';
import { ButtonLink } from '../components/Button';
import { DataTable } from '../components/DataTable';
import { PageHeader } from '../components/Layout';
import { Badge, Notice, ProblemAlert } from '../components/Status';
import { formatDateTime, formatNumber } from '../format';
import type { ImportBatch, ImportStatus, RowEntry } from '../types';

const POLL_MS = 1000;
const STATUS_TONE: Record<ImportStatus, string> = {
  pending: 'neutral',
  processing: 'info',
  completed: 'success',
  failed: 'danger',
};

export function ImportStatusBadge({ status }: { status: ImportStatus }) {
  return <Badge tone={STATUS_TONE[status]}>{status}</Badge>;
}

const isRunning = (b: ImportBatch) => b.status === 'pending' || b.status === 'processing';

function RowData({ data }: { data: Record<string, string> }) {
  const entries = Object.entries(data ?? {}).filter(([, v]) => v !== '');
  if (entries.length === 0) return <span class="muted">(empty row)</span>;
  return (
    <span class="mono">
      {entries.map(([k, v], i) => (
        <span key={k}>
          {i > 0 && ', '}
          <span class="muted">{k}=</span>
          {v}
        </span>
      ))}
    </span>
  );
}

function RowsTable({ caption, rows }: { caption: string; rows: RowEntry[] }) {
  return (
    <DataTable
      caption={caption}
      rows={rows}
      rowKey={(r) => `${r.row}-${r.reason}`}
      columns={[
        { header: 'Row', numeric: true, render: (r) => r.row },
        { header: 'Reason', render: (r) => r.reason },
        { header: 'Data', render: (r) => <RowData data={r.data} /> },
      ]}
    />
  );
}

/** An import's live progress (polled every second while it runs), then its summary and rejected rows. */
export function ImportDetail() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const [batch, setBatch] = useState<ImportBatch | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: ImportBatch | null = null;
    const poll = async () => {
      try {
        const b = await api<ImportBatch>(`/api/v1/imports/${id}`);
        if (stopped) return;
        last = b;
        setBatch(b);
        setError(null);
        if (isRunning(b)) timer = setTimeout(poll, POLL_MS);
      } catch (err) {
        if (stopped) return;
        setError(err);
        // A blip while polling should not end the live view; a missing import should.
        if (last && isRunning(last)) timer = setTimeout(poll, POLL_MS * 3);
      }
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);

  const back = { href: '/imports', label: 'Imports' };
  if (!batch) {
    return (
      <>
        <PageHeader title="Import" back={back} />
        {error ? <ProblemAlert error={error} /> : <p aria-live="polite">Loading…</p>}
      </>
    );
  }

  const processed = batch.created_count + batch.updated_count + batch.skipped_count + batch.rejected_count;
  const total = batch.total_rows;
  const percent = total > 0 ? Math.min(100, Math.round((processed / total) * 100)) : 0;
  const running = isRunning(batch);
  const rejected = batch.rejected_rows ?? [];
  const skipped = batch.skipped_rows ?? [];

  return (
    <>
      <PageHeader title={`Import: ${batch.file_name}`} back={back} />
      <ProblemAlert error={error} />
      <section class="card" aria-labelledby="progress-title">
        <h2 id="progress-title">
          {running ? 'Importing…' : batch.status === 'completed' ? 'Import completed' : 'Import failed'}{' '}
          <ImportStatusBadge status={batch.status} />
        </h2>
        <label for="import-progress">
          {formatNumber(processed)} of {formatNumber(total)} rows processed ({percent}%)
        </label>
        <progress id="import-progress" class="progress" max={Math.max(total, 1)} value={processed}>
          {percent}%
        </progress>
        <ul class="stats" aria-label="Row counts">
          <li class="stat">
            <span class="stat__value">{formatNumber(batch.created_count)}</span>
            <span class="stat__label">created</span>
          </li>
          <li class="stat">
            <span class="stat__value">{formatNumber(batch.updated_count)}</span>
            <span class="stat__label">updated</span>
          </li>
          <li class="stat">
            <span class="stat__value">{formatNumber(batch.skipped_count)}</span>
            <span class="stat__label">skipped (unchanged or repeated)</span>
          </li>
          <li class="stat">
            <span class="stat__value">{formatNumber(batch.rejected_count)}</span>
            <span class="stat__label">rejected</span>
          </li>
        </ul>
        {/* One announcement when the import ends, not one per poll. */}
        <p class="visually-hidden" role="status">
          {running ? '' : `Import ${batch.status}: ${processed} of ${total} rows processed.`}
        </p>
        <p class="muted">
          Started {formatDateTime(batch.created_at)}
          {batch.completed_at && <>, finished {formatDateTime(batch.completed_at)}</>}.
          {batch.default_consent_status && (
            <>
              {' '}
              Rows without consent were imported as <strong>{batch.default_consent_status}</strong>
              {batch.consent_source && <> (source: {batch.consent_source})</>}.
            </>
          )}
        </p>
        {batch.status === 'failed' && (
          <Notice kind="warning">
            The import stopped: {batch.failure_reason ?? 'unknown reason'}. Rows counted above were saved;
            upload the file again to finish.
          </Notice>
        )}
      </section>

      {!running && (
        <section aria-labelledby="rejected-title">
          <div class="page-header__row">
            <h2 id="rejected-title">Rejected rows ({formatNumber(batch.rejected_count)})</h2>
            {batch.rejected_count > 0 && (
              <ButtonLink
                href={`/api/v1/imports/${batch.id}/rejected.csv`}
                download={`rejected-${batch.file_name}`}
              >
                Download rejected rows (CSV)
              </ButtonLink>
            )}
          </div>
          {rejected.length === 0 ? (
            <p>Every row could be used.</p>
          ) : (
            <>
              <p class="muted">
                Fix these rows in the downloaded file and upload it again; its extra <code>reason</code>{' '}
                column is ignored on import.
              </p>
              {batch.rejected_rows_complete === false && (
                <Notice kind="warning">
                  Only the first {formatNumber(rejected.length)} rejected rows were kept for review.
                </Notice>
              )}
              <RowsTable caption="Rejected rows" rows={rejected} />
            </>
          )}
          {skipped.length > 0 && (
            <details class="card" style={{ marginTop: '1rem' }}>
              <summary>
                Rows skipped because the phone appeared earlier in the file ({skipped.length})
              </summary>
              <RowsTable caption="Skipped rows" rows={skipped} />
            </details>
          )}
        </section>
      )}
    </>
  );
}
