// Before launch: who receives a campaign, who is excluded and why, how local time and an A/B test
// split it, and the estimated cost (GET /campaigns/:id/launch-preview).
import { formatCents, formatDateTime, formatNumber } from '../../format';
import { Notice } from '../Status';
import { metricLabel } from './DeliveryFields';
import type { LaunchPreview, PreviewVariant } from './types';
import { skipLabel, skippedRows } from './ui';

const FROM_LABEL: Record<PreviewVariant['sender_kind'], string> = {
  phone: 'From a phone number',
  messaging_service: 'From a Messaging Service',
  alphanumeric: 'From an alphanumeric sender ID (recipients cannot reply: the opt-out link is added)',
};

/** " · 25% of recipients" for one template × sender kind; nothing when it is everyone. */
function shareText(templateShare: number, kindShare: number): string {
  const share = templateShare * kindShare;
  return share >= 0.999 ? '' : ` · ${Math.round(share * 100)}% of recipients`;
}

/** Before launch: who receives it, who is excluded and why, the estimated cost. */
export function LaunchSummary({ preview }: { preview: LaunchPreview }) {
  return (
    <section class="card" aria-labelledby="prelaunch-title">
      <h2 id="prelaunch-title">Before you launch</h2>
      <ul class="stats">
        <li class="stat">
          <span class="stat__value" data-testid="prelaunch-audience">
            {formatNumber(preview.audience)}
          </span>
          <span class="stat__label">Contacts in the audience</span>
        </li>
        <li class="stat">
          <span class="stat__value" data-testid="prelaunch-eligible">
            {formatNumber(preview.eligible)}
          </span>
          <span class="stat__label">Will receive it</span>
        </li>
        <li class="stat">
          <span class="stat__value" data-testid="prelaunch-cost">
            {formatCents(preview.estimated_cost_cents)}
          </span>
          <span class="stat__label">Estimated cost</span>
        </li>
      </ul>
      {preview.local_time && (
        <p data-testid="prelaunch-local">
          Local time: <strong>{formatNumber(preview.local_time.on_time)}</strong> on time
          {preview.local_time.next_day > 0 && (
            <>
              , <strong>{formatNumber(preview.local_time.next_day)}</strong> the next day (their time has
              passed)
            </>
          )}
          {preview.local_time.skipped > 0 && (
            <>
              , <strong data-testid="prelaunch-skipped">{formatNumber(preview.local_time.skipped)}</strong>{' '}
              skipped
            </>
          )}
          {preview.local_time.first_send_at && (
            <span class="muted sending-small">
              {' '}
              · from {formatDateTime(preview.local_time.first_send_at)} to{' '}
              {formatDateTime(preview.local_time.last_send_at)}
            </span>
          )}
        </p>
      )}
      {preview.ab_test && (
        <p data-testid="prelaunch-ab">
          A/B test: about <strong>{formatNumber(preview.ab_test.test_group)}</strong> get a variant first; the
          winner (by {metricLabel(preview.ab_test.metric)}) goes to the other{' '}
          <strong>{formatNumber(preview.ab_test.rest)}</strong>
          {preview.ab_test.winner_expected_at
            ? `, from about ${formatDateTime(preview.ab_test.winner_expected_at)}`
            : ''}
          .
        </p>
      )}
      <h3>Excluded</h3>
      <table class="table sending-excluded">
        <caption class="visually-hidden">Contacts excluded, by reason</caption>
        <tbody>
          {skippedRows(preview.excluded).map(([k, n]) => (
            <tr key={k}>
              <th scope="row">{skipLabel(k)}</th>
              <td class="num">{formatNumber(n)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {preview.templates.length > 0 && (
        <>
          <h3 class="sending-gap">Messages</h3>
          <ul class="sending-samples">
            {preview.templates.flatMap((t) =>
              t.variants.map((v) => (
                <li
                  key={`${t.template_id}-${v.sender_kind}`}
                  class="sending-phone"
                  data-testid={`preview-${v.sender_kind}`}
                >
                  {(t.variants.length > 1 || !v.can_receive_replies) && (
                    <p class="sending-small sending-from">{FROM_LABEL[v.sender_kind]}</p>
                  )}
                  {t.media_url && (
                    <img class="mms-image" src={t.media_url} alt="The image sent with this MMS" />
                  )}
                  <p class="sending-bubble">{v.sample}</p>
                  <p class="muted sending-small">
                    {t.channel === 'mms'
                      ? `MMS · ${formatCents(t.cost_cents ?? null)} per recipient (one MMS, whatever the length)`
                      : `${v.encoding} · ${v.segments} ${v.segments === 1 ? 'part' : 'parts'}`}
                    {shareText(
                      preview.templates.length > 1 ? t.share : 1,
                      t.variants.length > 1 ? v.share : 1,
                    )}
                  </p>
                </li>
              )),
            )}
          </ul>
        </>
      )}
      {preview.launch_problems.length > 0 && (
        <Notice kind="error">
          <p class="alert__title">It cannot be launched yet</p>
          <ul>
            {preview.launch_problems.map((p) => (
              <li key={p.path}>{p.message}</li>
            ))}
          </ul>
        </Notice>
      )}
      {preview.warnings.length > 0 && (
        <Notice kind="warning">
          <ul>
            {preview.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Notice>
      )}
    </section>
  );
}
