import type { Page } from '../api';
import { ButtonLink } from '../components/Button';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';
import { Notice, ProblemAlert } from '../components/Status';
import type { Campaign, CampaignStats } from '../components/sending/types';
import { CampaignBadge, percent, useResource } from '../components/sending/ui';
import { formatCents, formatDateTime, formatNumber } from '../format';
import { type ConversionSummary, formatMoney } from '../growth';
import { can } from '../session';
import type { Budget, Tenant } from '../types';
import '../sending.css';

const RECENT = 6;

/** One recent campaign with its headline figures; live ones refresh every 15 s. */
function CampaignCard({ c }: { c: Campaign }) {
  const live = c.status === 'running' || c.status === 'queued';
  const stats = useResource<CampaignStats>(
    c.status === 'draft' ? null : `/api/v1/campaigns/${c.id}/stats`,
    live ? 15_000 : undefined,
  );
  const s = stats.data;
  return (
    <article class="card" aria-labelledby={`dash-${c.id}`}>
      <h3 id={`dash-${c.id}`}>
        <a href={`/campaigns/${c.id}`}>{c.name}</a>
      </h3>
      <div>
        <CampaignBadge status={c.status} cancelled={!!c.cancelled_at} />{' '}
        <span class="muted sending-small">
          {c.started_at
            ? `Started ${formatDateTime(c.started_at)}`
            : `Created ${formatDateTime(c.created_at)}`}
          {c.archived_at ? ' · archived' : ''}
        </span>
      </div>
      {c.status_reason && (
        <p class="sending-small">
          <strong>{c.status_reason}</strong>
        </p>
      )}
      {c.status === 'draft' ? (
        <p class="muted sending-small">Draft: not launched yet.</p>
      ) : s ? (
        <dl class="sending-mini" aria-live={live ? 'polite' : undefined}>
          <div>
            <dt>Sent</dt>
            <dd>{formatNumber(s.sent + s.delivered)}</dd>
          </div>
          <div>
            <dt>Delivered</dt>
            <dd>{formatNumber(s.delivered)}</dd>
          </div>
          <div>
            <dt>Human clicks</dt>
            <dd>{formatNumber(s.human_clicks)}</dd>
          </div>
          <div>
            <dt>CTR</dt>
            <dd>{percent(s.human_clicks, s.delivered)}</dd>
          </div>
          <div>
            <dt>Opt-outs</dt>
            <dd>{formatNumber(s.opt_outs)}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>{formatCents(s.cost_cents)}</dd>
          </div>
        </dl>
      ) : stats.error ? (
        <p class="muted sending-small">Figures unavailable.</p>
      ) : (
        <p class="muted sending-small">Loading…</p>
      )}
      <div class="actions">
        <a href={`/campaigns/${c.id}`}>Details</a>
        {c.status !== 'draft' && <a href={`/campaigns/${c.id}/report`}>Report</a>}
      </div>
    </article>
  );
}

export function Dashboard() {
  const campaigns = useResource<Page<Campaign>>(`/api/v1/campaigns?limit=${RECENT}`);
  const tenant = useResource<Tenant>('/api/v1/tenant');
  const budget = useResource<Budget>('/api/v1/budget');
  const revenue = useResource<ConversionSummary>('/api/v1/conversions/summary');
  const r = revenue.data;
  const list = campaigns.data?.data ?? [];
  const b = budget.data;
  return (
    <>
      <PageHeader title="Dashboard" />
      {tenant.data?.is_paused && (
        <Notice kind="warning">
          <p class="alert__title">All sending is paused (kill switch)</p>
          {tenant.data.paused_reason && <p>{tenant.data.paused_reason}</p>}
          <p>
            <a href="/settings">Settings</a>
          </p>
        </Notice>
      )}
      <div class="sending-quick">
        {can('staff') && (
          <>
            <ButtonLink href="/campaigns/new" variant="primary">
              New campaign
            </ButtonLink>
            <ButtonLink href="/templates/new">New template</ButtonLink>
            <ButtonLink href="/imports">Import contacts</ButtonLink>
          </>
        )}
        <ButtonLink href="/inbox">Inbox</ButtonLink>
      </div>
      {b && (
        <ul class="stats">
          <li class="stat">
            <span class="stat__value">{formatCents(b.daily_spent_cents)}</span>
            <span class="stat__label">
              Spent today{b.daily_budget_cents !== null ? ` of ${formatCents(b.daily_budget_cents)}` : ''}
            </span>
          </li>
          <li class="stat">
            <span class="stat__value">{formatCents(b.monthly_spent_cents)}</span>
            <span class="stat__label">
              This month{b.monthly_budget_cents !== null ? ` of ${formatCents(b.monthly_budget_cents)}` : ''}
            </span>
          </li>
          {r && (
            <li class="stat">
              <span class="stat__value" data-testid="revenue-this-month">
                {formatMoney(r.attributed.revenue_cents, r.attributed.revenue_currency)}
              </span>
              <span class="stat__label">
                Revenue from messages this month ({formatNumber(r.attributed.conversions)} orders)
              </span>
            </li>
          )}
        </ul>
      )}
      <h2>Recent campaigns</h2>
      <ProblemAlert error={campaigns.error} />
      {campaigns.loading && !campaigns.data ? (
        <p aria-live="polite">Loading…</p>
      ) : list.length === 0 && !campaigns.error ? (
        <EmptyState title="No campaigns yet.">
          <p>Write a template, then create a campaign to send it to your contacts.</p>
        </EmptyState>
      ) : (
        <>
          <div class="sending-cards">
            {list.map((c) => (
              <CampaignCard key={c.id} c={c} />
            ))}
          </div>
          <p>
            <a href="/campaigns">All campaigns</a>
          </p>
        </>
      )}
    </>
  );
}
