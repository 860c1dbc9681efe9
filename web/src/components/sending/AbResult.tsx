// Where an A/B test stands and, once picked, which template won and why (issue 12): shown on the
// campaign page and in its report.
import { formatCents, formatDateTime, formatNumber } from '../../format';
import { Badge } from '../Status';
import { metricLabel } from './DeliveryFields';
import type { AbStats } from './types';

const PHASE_TEXT: Record<AbStats['phase'], string> = {
  not_started: 'Not started',
  test: 'Sending the test',
  waiting: 'Waiting to pick the winner',
  winner: 'Sending the winner to the rest',
  done: 'Done',
};

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

export function AbResult({
  ab,
  templateName,
  cancelled,
}: {
  ab: AbStats;
  templateName: (id: string) => string;
  cancelled?: boolean;
}) {
  const winner = ab.winner_template_id;
  return (
    <section class="card" aria-labelledby="ab-result-title" data-testid="ab-result">
      <h2 id="ab-result-title">A/B test</h2>
      <p>
        <Badge tone={ab.phase === 'done' ? 'success' : ab.phase === 'not_started' ? 'neutral' : 'info'}>
          {cancelled && !winner ? 'Stopped' : PHASE_TEXT[ab.phase]}
        </Badge>{' '}
        <span class="muted sending-small">
          {ab.test_share_percent}% test group, winner by {metricLabel(ab.metric)}
          {ab.decide_at && !winner ? `, picked at about ${formatDateTime(ab.decide_at)}` : ''}
          {!ab.decide_at && !winner ? `, ${ab.wait_minutes / 60} h after the last test message` : ''}
        </span>
      </p>
      {winner && (
        <>
          <p data-testid="ab-winner">
            <strong>Winner: {templateName(winner)}</strong>{' '}
            <span class="muted sending-small">picked {formatDateTime(ab.decided_at)}</span>
          </p>
          {ab.reason && <p data-testid="ab-reason">{ab.reason}</p>}
        </>
      )}
      {ab.variants.length > 0 && (
        <div class="table-wrap" role="region" aria-label="What the test measured" tabIndex={0}>
          <table class="table">
            <caption>What the test measured</caption>
            <thead>
              <tr>
                <th scope="col">Template</th>
                <th scope="col" class="num">
                  Sent
                </th>
                <th scope="col" class="num">
                  Delivered
                </th>
                <th scope="col" class="num">
                  Clicked
                </th>
                <th scope="col" class="num">
                  {metricLabel(ab.decided_by ?? ab.metric)}
                </th>
                <th scope="col" class="num">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody>
              {ab.variants.map((v) => (
                <tr key={v.template_id}>
                  <td>
                    {v.name ?? templateName(v.template_id)}{' '}
                    {v.template_id === winner && <Badge tone="success">Winner</Badge>}
                  </td>
                  <td class="num">{formatNumber(v.sent)}</td>
                  <td class="num">{formatNumber(v.delivered)}</td>
                  <td class="num">{formatNumber(v.clickers)}</td>
                  <td class="num">{pct(v.rate)}</td>
                  <td class="num">{formatCents(v.cost_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
