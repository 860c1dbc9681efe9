import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, isAbort } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { SelectField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, Notice, ProblemAlert, toast } from '../components/Status';
import { formatDateTime, formatNumber } from '../format';
import { can } from '../session';

type Check = { name: string; ok: boolean; detail: string; warning?: boolean };
type CronJob = {
  job: string;
  last_started_at: string | null;
  last_finished_at: string | null;
  ok: boolean | null;
  error: string | null;
  duration_ms: number | null;
  last_success_at: string | null;
  detail: Record<string, number> | null;
};
type SystemReport = {
  health: { ok: boolean; checks: Check[]; checked_at: string; duration_ms: number };
  cron_jobs: CronJob[];
  dead_letters: { pending: number };
};
type LetterStatus = 'pending' | 'retried' | 'discarded';
type DeadLetter = {
  id: string;
  queue: string;
  body: unknown;
  attempts: number;
  error: string | null;
  status: LetterStatus;
  retryable: boolean;
  seen_count: number;
  retry_count: number;
  first_seen_at: string;
  last_seen_at: string;
  resolved_at: string | null;
};

const CHECK_NAMES: Record<string, string> = {
  database: 'Databases reachable',
  migrations: 'Migrations applied',
  secrets: 'Secrets',
  public_url: 'Public URLs',
  twilio: 'Twilio account',
  email: 'Sign-in email',
  dead_letters: 'Dead letters',
  settings: 'Retention settings',
};

const QUEUE_NAMES: Record<string, string> = {
  'sms-send': 'Send',
  'sms-fanout': 'Campaign fan-out',
  'sms-import': 'Import',
  unknown: 'Unknown',
};

function checkBadge(c: Check) {
  if (!c.ok) return <Badge tone="danger">Failing</Badge>;
  if (c.warning) return <Badge tone="warning">Warning</Badge>;
  return <Badge tone="success">OK</Badge>;
}

function cronBadge(j: CronJob) {
  if (j.ok === null) return <Badge tone="neutral">{j.last_started_at ? 'Running' : 'Never ran'}</Badge>;
  return j.ok ? <Badge tone="success">OK</Badge> : <Badge tone="danger">Failed</Badge>;
}

/** What the message was about, from its body: "Send job …1a2b3c4d". */
function subjectOf(l: DeadLetter): string {
  const b = (typeof l.body === 'object' && l.body !== null ? l.body : {}) as Record<string, unknown>;
  const tail = (v: unknown) => (typeof v === 'string' ? `…${v.slice(-8)}` : '');
  if (typeof b.jobId === 'string') return `Send job ${tail(b.jobId)}`;
  if (typeof b.campaignId === 'string') return `Campaign ${tail(b.campaignId)}`;
  if (typeof b.batchId === 'string') return `Import ${tail(b.batchId)}`;
  return 'Unrecognised message';
}

const STATUS_TONE: Record<LetterStatus, string> = {
  pending: 'warning',
  retried: 'info',
  discarded: 'neutral',
};

function useSystemReport() {
  const [report, setReport] = useState<SystemReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const load = useCallback(async (signal?: AbortSignal) => {
    setLoading(true);
    setError(null);
    try {
      setReport(await api<SystemReport>('/api/v1/system', { signal }));
    } catch (err) {
      if (!isAbort(err)) setError(err);
    } finally {
      setLoading(false);
    }
  }, []);
  return { report, error, loading, load };
}

export function System() {
  const isAdmin = can('admin');
  const system = useSystemReport();
  const [status, setStatus] = useState<LetterStatus | ''>('pending');
  const letters = usePagedList<DeadLetter>(isAdmin ? '/api/v1/dead-letters' : null, {
    status: status || undefined,
  });
  const [busyId, setBusyId] = useState<string | null>(null);
  const [toDiscard, setToDiscard] = useState<DeadLetter | null>(null);

  useEffect(() => {
    if (!isAdmin) return;
    const ctrl = new AbortController();
    system.load(ctrl.signal);
    return () => ctrl.abort();
  }, [isAdmin]);

  if (!isAdmin) {
    return (
      <>
        <PageHeader title="System" />
        <Notice>Only admins can see the system’s health, cron jobs and dead letters.</Notice>
      </>
    );
  }

  const replace = (updated: DeadLetter) =>
    letters.setItems((items) =>
      status && updated.status !== status
        ? items.filter((l) => l.id !== updated.id)
        : items.map((l) => (l.id === updated.id ? updated : l)),
    );

  const retry = async (l: DeadLetter) => {
    setBusyId(l.id);
    try {
      const updated = await api<DeadLetter>(`/api/v1/dead-letters/${l.id}/retry`, { method: 'POST' });
      replace(updated);
      toast(`${subjectOf(l)} is back on the ${QUEUE_NAMES[l.queue] ?? l.queue} queue.`);
      system.load();
    } catch (err) {
      toast(err instanceof Error ? err.message : 'The retry failed.', 'error');
    } finally {
      setBusyId(null);
    }
  };

  const health = system.report?.health;
  const failing = health?.checks.filter((c) => !c.ok) ?? [];

  return (
    <>
      <PageHeader title="System">
        <Button
          onClick={() => {
            system.load();
            letters.reload();
          }}
          busy={system.loading}
        >
          Refresh
        </Button>
      </PageHeader>
      <p class="muted">
        The platform’s own state: the same checks as <code>GET /healthz</code>, the cron jobs that run every
        minute, and this account’s messages that failed every delivery.
      </p>
      <ProblemAlert error={system.error} />

      <section aria-labelledby="health-title" class="card">
        <h2 id="health-title">
          Health{' '}
          {health &&
            (health.ok ? (
              <Badge tone="success">All checks pass</Badge>
            ) : (
              <Badge tone="danger">{failing.length} failing</Badge>
            ))}
        </h2>
        {health && (
          <>
            <DataTable
              caption="Health checks"
              rows={health.checks}
              rowKey={(c) => c.name}
              columns={[
                { header: 'Check', render: (c) => CHECK_NAMES[c.name] ?? c.name },
                { header: 'Status', render: checkBadge },
                { header: 'Detail', render: (c) => c.detail },
              ]}
            />
            <p class="muted">
              Checked {formatDateTime(health.checked_at)} in {health.duration_ms} ms.
            </p>
          </>
        )}
      </section>

      <section aria-labelledby="cron-title" class="card">
        <h2 id="cron-title">Cron jobs</h2>
        {system.report && (
          <DataTable
            caption="Cron jobs"
            rows={system.report.cron_jobs}
            rowKey={(j) => j.job}
            columns={[
              { header: 'Job', render: (j) => <code>{j.job}</code> },
              { header: 'Last run', class: 'nowrap', render: (j) => formatDateTime(j.last_started_at) },
              { header: 'Result', render: cronBadge },
              {
                header: 'Duration',
                numeric: true,
                render: (j) => (j.duration_ms === null ? '—' : `${formatNumber(j.duration_ms)} ms`),
              },
              { header: 'Last success', class: 'nowrap', render: (j) => formatDateTime(j.last_success_at) },
              {
                header: 'Details',
                render: (j) =>
                  j.error
                    ? j.error
                    : j.detail
                      ? Object.entries(j.detail)
                          .filter(([, n]) => n > 0)
                          .map(([k, n]) => `${k.replace(/_/g, ' ')}: ${formatNumber(n)}`)
                          .join(', ') || 'nothing to do'
                      : '',
              },
            ]}
          />
        )}
      </section>

      <section aria-labelledby="dead-letters-title" class="card">
        <h2 id="dead-letters-title">
          Dead letters{' '}
          {system.report && system.report.dead_letters.pending > 0 && (
            <Badge tone="warning">{system.report.dead_letters.pending} pending</Badge>
          )}
        </h2>
        <p class="muted">
          Messages that failed every delivery on their queue. Retry puts one back on its queue unchanged; the
          send path still never sends a message twice. Discarded and retried ones are deleted after the
          retention period.
        </p>
        <div class="toolbar">
          <SelectField
            label="Show"
            value={status}
            onValue={(v) => setStatus(v as LetterStatus | '')}
            options={[
              { value: 'pending', label: 'Pending' },
              { value: 'retried', label: 'Retried' },
              { value: 'discarded', label: 'Discarded' },
              { value: '', label: 'All' },
            ]}
          />
        </div>
        <ProblemAlert error={letters.error} />
        {letters.items.length === 0 && !letters.loading && !letters.error ? (
          <EmptyState title={status === 'pending' ? 'No pending dead letters.' : 'No dead letters.'} />
        ) : (
          <DataTable
            caption="Dead letters"
            rows={letters.items}
            rowKey={(l) => l.id}
            columns={[
              { header: 'Last seen', class: 'nowrap', render: (l) => formatDateTime(l.last_seen_at) },
              {
                header: 'Message',
                render: (l) => (
                  <>
                    <strong>{subjectOf(l)}</strong>{' '}
                    <span class="muted">on the {QUEUE_NAMES[l.queue] ?? l.queue} queue</span>
                    <p>
                      {l.error ?? `Gave up after ${l.attempts} deliveries.`}
                      {l.seen_count > 1 && ` It reached the dead-letter queue ${l.seen_count} times.`}
                    </p>
                    <details>
                      <summary>Message body</summary>
                      <pre class="mono">{JSON.stringify(l.body, null, 2)}</pre>
                    </details>
                  </>
                ),
              },
              {
                header: 'Status',
                render: (l) => (
                  <Badge tone={STATUS_TONE[l.status]}>
                    {l.status === 'pending'
                      ? 'Pending'
                      : `${l.status === 'retried' ? 'Retried' : 'Discarded'} ${formatDateTime(l.resolved_at)}`}
                  </Badge>
                ),
              },
              {
                header: 'Actions',
                render: (l) =>
                  l.status !== 'pending' ? null : (
                    <div class="actions">
                      {l.retryable && (
                        <Button small busy={busyId === l.id} onClick={() => retry(l)}>
                          Retry
                        </Button>
                      )}
                      <Button small variant="danger" onClick={() => setToDiscard(l)}>
                        Discard
                      </Button>
                    </div>
                  ),
              },
            ]}
          />
        )}
        {letters.items.length > 0 && <LoadMore list={letters} noun="dead letters" />}
      </section>

      <ConfirmDialog
        open={toDiscard !== null}
        title="Discard this dead letter?"
        confirmLabel="Discard"
        danger
        onConfirm={async () => {
          if (!toDiscard) return;
          await api(`/api/v1/dead-letters/${toDiscard.id}`, { method: 'DELETE' });
          replace({
            ...toDiscard,
            status: 'discarded',
            retryable: false,
            resolved_at: new Date().toISOString(),
          });
          toast(`${subjectOf(toDiscard)} discarded.`);
          system.load();
        }}
        onClose={() => setToDiscard(null)}
      >
        <p>
          <strong>{toDiscard && subjectOf(toDiscard)}</strong> will not be retried. Its work stays undone
          unless something else picks it up; the audit log records that you discarded it.
        </p>
      </ConfirmDialog>
    </>
  );
}
