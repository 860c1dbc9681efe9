import { useEffect, useMemo, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { messageOf } from '../api';
import { ButtonLink } from '../components/Button';
import { type Column, DataTable } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { CampaignRevenue } from '../components/growth/CampaignRevenue';
import { PageHeader } from '../components/Layout';
import { Badge, ProblemAlert } from '../components/Status';
import { AbResult } from '../components/sending/AbResult';
import { ArchivedNote } from '../components/sending/ArchivedNote';
import { Funnel } from '../components/sending/Funnel';
import { bucketLabel, type LoadedSeries, loadSeries } from '../components/sending/series';
import { TimeChart } from '../components/sending/TimeChart';
import type { Campaign, CampaignStats, TemplateStats } from '../components/sending/types';
import { CampaignBadge, percent, Stat, skipLabel, skippedRows, useResource } from '../components/sending/ui';
import { formatCents, formatDateTime, formatNumber } from '../format';
import '../sending.css';

/** Messages the carrier accepted: still "sent" or already "delivered". */
const handed = (s: { sent: number; delivered: number }) => s.sent + s.delivered;

function costPerClick(cost: number, clicks: number): string {
  return clicks > 0 ? formatCents(Math.round(cost / clicks)) : '—';
}

function abColumns(leader: string | null, winner: string | null): Column<TemplateStats>[] {
  return [
    {
      header: 'Template',
      render: (t) => (
        <>
          {t.template_id ? (
            <a href={`/templates/${t.template_id}`}>{t.name ?? 'Template'}</a>
          ) : (
            'Unknown template'
          )}
          {winner !== null && t.template_id === winner && (
            <>
              {' '}
              <Badge tone="success">A/B winner</Badge>
            </>
          )}
          {winner === null && leader !== null && t.template_id === leader && (
            <>
              {' '}
              <Badge tone="success">Best CTR</Badge>
            </>
          )}
        </>
      ),
    },
    { header: 'Sent', numeric: true, render: (t) => formatNumber(handed(t)) },
    { header: 'Delivered', numeric: true, render: (t) => formatNumber(t.delivered) },
    { header: 'Failed', numeric: true, render: (t) => formatNumber(t.failed) },
    { header: 'Human clicks', numeric: true, render: (t) => formatNumber(t.human_clicks) },
    { header: 'CTR', numeric: true, render: (t) => percent(t.human_clicks, t.delivered) },
    { header: 'Cost', numeric: true, render: (t) => formatCents(t.cost_cents) },
    { header: 'Cost / click', numeric: true, render: (t) => costPerClick(t.cost_cents, t.human_clicks) },
  ];
}

function Failures({ reasons }: { reasons: Record<string, number> }) {
  const rows = Object.entries(reasons).sort((a, b) => b[1] - a[1]);
  if (rows.length === 0) return <p class="muted">No failed messages.</p>;
  const total = rows.reduce((a, [, n]) => a + n, 0);
  return (
    <div class="table-wrap" role="region" aria-label="Failures by reason" tabIndex={0}>
      <table class="table" data-testid="failures">
        <caption class="visually-hidden">Failures by reason</caption>
        <thead>
          <tr>
            <th scope="col">Reason</th>
            <th scope="col" class="num">
              Messages
            </th>
            <th scope="col" class="num">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([reason, n]) => (
            <tr key={reason}>
              <td>{reason}</td>
              <td class="num">{formatNumber(n)}</td>
              <td class="num">{percent(n, total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CampaignReport() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const campaign = useResource<Campaign>(`/api/v1/campaigns/${id}`);
  const c = campaign.data;
  const live = !!c && (c.status === 'running' || c.status === 'queued');
  const stats = useResource<CampaignStats>(`/api/v1/campaigns/${id}/stats`, live ? 10_000 : undefined);
  const [series, setSeries] = useState<LoadedSeries | null>(null);
  const [seriesError, setSeriesError] = useState<string | null>(null);

  const s = stats.data;
  // The stats poll notices the end of a running campaign first; reloading the campaign stops the poll.
  const statsStatus = s?.status;
  useEffect(() => {
    if (c && statsStatus && statsStatus !== c.status) campaign.reload();
  }, [statsStatus]);

  // The bucket size follows how long the campaign has run; while it runs, the chart follows the stats.
  const progress = live && s ? s.sent + s.delivered + s.failed + s.human_clicks : 0;
  useEffect(() => {
    if (!c || c.status === 'draft') return;
    loadSeries(c)
      .then((next) => {
        setSeries(next);
        setSeriesError(null);
      })
      .catch((err) => setSeriesError(messageOf(err)));
  }, [c?.id, c?.status, progress]);

  const leader = useMemo(() => {
    if (!s || s.by_template.length < 2) return null;
    const ranked = [...s.by_template]
      .filter((t) => t.delivered > 0)
      .sort((a, b) => b.human_clicks / b.delivered - a.human_clicks / a.delivered);
    const [first, second] = ranked;
    if (!first || first.human_clicks === 0) return null;
    if (second && first.human_clicks / first.delivered === second.human_clicks / second.delivered)
      return null;
    return first.template_id;
  }, [s]);

  const back = { href: `/campaigns/${id}`, label: c ? c.name : 'Campaign' };
  const title = c ? `Report: ${c.name}` : 'Campaign report';
  const error = campaign.error ?? stats.error;
  if (error && (!c || !s)) {
    return (
      <>
        <PageHeader title="Campaign report" back={back} />
        <ProblemAlert error={error} />
      </>
    );
  }
  if (!c || !s) {
    return (
      <>
        <PageHeader title="Campaign report" back={back} />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const sent = handed(s);
  const jobs = s.queued + s.sent + s.delivered + s.failed + s.cancelled;
  const skipped = skippedRows(s.skipped).filter(([, n]) => n > 0);

  return (
    <>
      <PageHeader title={title} back={back}>
        <ButtonLink href={`/api/v1/campaigns/${encodeURIComponent(id)}/recipients.csv`} download>
          Download recipients (CSV)
        </ButtonLink>
        <ButtonLink href={`/api/v1/campaigns/${encodeURIComponent(id)}/summary.csv`} download>
          Download summary (CSV)
        </ButtonLink>
        {!c.archived_at && (
          <ButtonLink href={`/api/v1/events.csv?campaign_id=${encodeURIComponent(id)}`} download>
            Download events (CSV)
          </ButtonLink>
        )}
      </PageHeader>
      <div class="sending-statusline">
        <CampaignBadge status={c.status} cancelled={!!c.cancelled_at} />
        {c.status_reason && <strong class="sending-reason">{c.status_reason}</strong>}
        <span class="muted sending-small">
          {c.started_at ? `Started ${formatDateTime(c.started_at)}` : 'Not started'}
          {c.completed_at ? ` · finished ${formatDateTime(c.completed_at)}` : ''}
        </span>
      </div>
      {c.archived_at && <ArchivedNote c={c} place="report" />}
      {c.status === 'draft' ? (
        <EmptyState title="This campaign has not been launched yet.">
          <p>
            <a href={`/campaigns/${id}`}>Review and launch it</a> to see its report.
          </p>
        </EmptyState>
      ) : (
        <>
          <ul class="stats" aria-live={live ? 'polite' : undefined} data-testid="headline">
            <Stat
              label="Click-through rate"
              value={<span data-testid="ctr">{percent(s.human_clicks, s.delivered)}</span>}
              hint="human clicks per delivered message"
            />
            <Stat
              label="Human clicks"
              value={formatNumber(s.human_clicks)}
              hint={`${formatNumber(s.clicks)} incl. bots`}
            />
            <Stat label="Cost" value={<span data-testid="cost">{formatCents(s.cost_cents)}</span>} />
            <Stat
              label="Cost per human click"
              value={<span data-testid="cost-per-click">{costPerClick(s.cost_cents, s.human_clicks)}</span>}
            />
            <Stat label="Replies" value={<span data-testid="replies">{formatNumber(s.replies)}</span>} />
            <Stat
              label="Opt-outs"
              value={<span data-testid="opt-outs">{formatNumber(s.opt_outs)}</span>}
              hint={percent(s.opt_outs, s.delivered)}
            />
          </ul>

          <CampaignRevenue s={s} />

          <div class="sending-split">
            <section class="card" aria-labelledby="funnel-title">
              <h2 id="funnel-title">Funnel</h2>
              <Funnel
                steps={[
                  { label: 'Audience', value: s.audience },
                  { label: 'Queued', value: jobs },
                  { label: 'Sent', value: sent },
                  { label: 'Delivered', value: s.delivered },
                  { label: 'Human clicks', value: s.human_clicks },
                ]}
              />
              {(skipped.length > 0 || s.failed > 0 || s.cancelled > 0) && (
                <p class="muted sending-small sending-gap">
                  {skipped.map(([k, n]) => `${skipLabel(k)}: ${formatNumber(n)}`).join(' · ')}
                  {skipped.length > 0 && (s.failed > 0 || s.cancelled > 0) ? ' · ' : ''}
                  {s.failed > 0 && `Failed: ${formatNumber(s.failed)}`}
                  {s.failed > 0 && s.cancelled > 0 ? ' · ' : ''}
                  {s.cancelled > 0 && `Cancelled before sending: ${formatNumber(s.cancelled)}`}
                </p>
              )}
            </section>
            <section class="card" aria-labelledby="failures-title">
              <h2 id="failures-title">Failures by reason</h2>
              <Failures reasons={s.failure_reasons} />
            </section>
          </div>

          <section class="card" aria-labelledby="chart-title">
            <h2 id="chart-title">Sends, deliveries and human clicks over time</h2>
            {seriesError ? (
              <p class="field-error">The time series could not be loaded: {seriesError}</p>
            ) : series === null ? (
              <p aria-live="polite">Loading…</p>
            ) : (
              <>
                <p class="muted" data-testid="chart-bucket">
                  Per {bucketLabel(series.bucket)}, {series.timezone} time
                </p>
                <TimeChart
                  points={series.points}
                  bucket={series.bucket}
                  range={series.range}
                  timeZone={series.timezone}
                  label={`Sends, deliveries and human clicks per ${bucketLabel(series.bucket)} for ${c.name}`}
                />
              </>
            )}
          </section>

          {s.ab && (
            <AbResult
              ab={s.ab}
              cancelled={!!c.cancelled_at}
              templateName={(tid) => s.by_template.find((t) => t.template_id === tid)?.name ?? 'Template'}
            />
          )}

          <section class="card" aria-labelledby="ab-title">
            <h2 id="ab-title">{s.by_template.length > 1 ? 'A/B comparison' : 'Template'}</h2>
            <DataTable
              caption="Results by template"
              columns={abColumns(leader, s.ab?.winner_template_id ?? null)}
              rows={s.by_template}
              rowKey={(t) => t.template_id ?? 'unknown'}
            />
          </section>
        </>
      )}
    </>
  );
}
