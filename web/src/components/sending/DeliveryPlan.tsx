// The delivery plan (issue 12): how many recipients get the campaign at which instant, with each
// instant in UTC and in the viewer's own time, the recipients' zones, and for an A/B test which
// phase. Rows the fan-out has not written yet are marked as estimates.
import { useEffect, useRef } from 'preact/hooks';
import { formatNumber } from '../../format';
import { ProblemAlert } from '../Status';
import type { PlanEntry } from './types';
import { useResource } from './ui';

const utc = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});
const mine = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const zoneTime = (iso: string, tz: string) =>
  new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: tz,
  }).format(new Date(iso));

const PHASE: Record<string, string> = { test: 'Test group', winner: 'Winner to the rest' };

/** `refreshKey` changes (status, A/B phase, settings) reload the plan. */
export function DeliveryPlan({ campaignId, refreshKey }: { campaignId: string; refreshKey: string }) {
  const plan = useResource<PlanEntry[]>(`/api/v1/campaigns/${campaignId}/delivery-plan`);
  // Reload when what the plan depends on changes (the first load is useResource's own).
  const seen = useRef(refreshKey);
  useEffect(() => {
    if (seen.current === refreshKey) return;
    seen.current = refreshKey;
    plan.reload();
  }, [refreshKey]);
  const rows = plan.data;
  const total = rows?.reduce((a, r) => a + r.recipients, 0) ?? 0;
  const ab = rows?.some((r) => r.phase !== null) ?? false;
  const anyEstimate = rows?.some((r) => r.estimated) ?? false;
  return (
    <section class="card" aria-labelledby="plan-title" data-testid="delivery-plan">
      <h2 id="plan-title">Delivery plan</h2>
      <p class="field-hint">
        When recipients are meant to get it, grouped by instant (each recipient’s local time or the start,
        moved out of their quiet hours). Sending then spreads each instant at the sending numbers’ rate.
      </p>
      {plan.error && !rows && <ProblemAlert error={plan.error} />}
      {!rows && !plan.error && <p aria-live="polite">Planning…</p>}
      {rows && rows.length === 0 && <p class="muted">Nobody would receive it now.</p>}
      {rows && rows.length > 0 && (
        <div class="table-wrap" role="region" aria-label="Delivery plan" tabIndex={0}>
          <table class="table sending-plan">
            <caption class="visually-hidden">Recipients per instant</caption>
            <thead>
              <tr>
                {ab && <th scope="col">Phase</th>}
                <th scope="col">UTC</th>
                <th scope="col">Your time</th>
                <th scope="col">Recipients’ time zones</th>
                <th scope="col" class="num">
                  Recipients
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.phase}|${r.send_at}`} data-testid="plan-row">
                  {ab && <td>{r.phase ? PHASE[r.phase] : '—'}</td>}
                  <td class="mono">{utc.format(new Date(r.send_at))}</td>
                  <td>{mine.format(new Date(r.send_at))}</td>
                  <td class="sending-small">
                    {r.timezones
                      .map((tz) => `${tz.replace(/_/g, ' ')} ${zoneTime(r.send_at, tz)}`)
                      .join(', ')}
                  </td>
                  <td class="num" data-testid="plan-recipients">
                    {r.estimated ? '≈ ' : ''}
                    {formatNumber(r.recipients)}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={ab ? 4 : 3}>
                  Total
                </th>
                <td class="num">
                  {anyEstimate ? '≈ ' : ''}
                  {formatNumber(total)}
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      {anyEstimate && (
        <p class="muted sending-small">
          ≈ estimated from the audience as it is now
          {ab ? ' (an A/B split is known exactly once that phase starts)' : ''}.
        </p>
      )}
    </section>
  );
}
