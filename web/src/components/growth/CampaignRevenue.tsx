import { formatNumber } from '../../format';
import { formatMoney } from '../../growth';
import type { CampaignStats } from '../sending/types';
import { percent, Stat } from '../sending/ui';

/** What the campaign earned: orders credited to its links (issue 14, revenue attribution). */
export function CampaignRevenue({ s }: { s: CampaignStats }) {
  if (s.conversions === undefined || s.revenue_cents === undefined) return null;
  const currency = s.revenue_currency ?? 'AUD';
  const messages = s.sent + s.delivered;
  const perMessage = messages > 0 ? Math.round(s.revenue_cents / messages) : null;
  // Costs are in the account's billing currency; return on cost assumes it is the reporting currency.
  const roc = s.cost_cents > 0 ? s.revenue_cents / s.cost_cents : null;
  return (
    <section class="card" aria-labelledby="revenue-title">
      <h2 id="revenue-title">Revenue</h2>
      <ul class="stats" data-testid="revenue">
        <Stat
          label="Revenue"
          value={<span data-testid="revenue-total">{formatMoney(s.revenue_cents, currency)}</span>}
          hint="orders attributed to a human click on this campaign"
        />
        <Stat
          label="Conversions"
          value={<span data-testid="conversions">{formatNumber(s.conversions)}</span>}
          hint={`${percent(s.conversions, s.human_clicks)} of human clicks`}
        />
        <Stat
          label="Revenue per message"
          value={<span data-testid="revenue-per-message">{formatMoney(perMessage, currency)}</span>}
        />
        <Stat
          label="Return on cost"
          value={<span data-testid="return-on-cost">{roc === null ? '—' : `${roc.toFixed(1)}×`}</span>}
          hint="revenue divided by what the messages cost"
        />
      </ul>
      {(s.other_currencies ?? []).length > 0 && (
        <p class="muted sending-small">
          Also:{' '}
          {(s.other_currencies ?? [])
            .map((o) => `${formatMoney(o.revenue_cents, o.currency)} from ${o.conversions} orders`)
            .join(', ')}{' '}
          (not included above).
        </p>
      )}
    </section>
  );
}
