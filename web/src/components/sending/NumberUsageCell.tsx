import { formatNumber } from '../../format';
import type { NumberUsage } from './types';
import { useResource } from './ui';

/** Today's and this minute's usage of one number, refreshed every 10 s. */
export function NumberUsageCell({ id }: { id: string }) {
  const usage = useResource<NumberUsage>(`/api/v1/sending-numbers/${id}/usage`, 10_000);
  if (usage.error && !usage.data) return <span class="muted">Usage unavailable</span>;
  const u = usage.data;
  if (!u) return <span class="muted">Loading…</span>;
  return (
    <div class="sending-usage" aria-live="polite">
      <div>
        <strong>{formatNumber(u.sent_today)}</strong> of {formatNumber(u.allowed_today)} today
      </div>
      <progress
        class="sending-meter"
        max={Math.max(u.allowed_today, 1)}
        value={Math.min(u.sent_today, u.allowed_today)}
        aria-label={`Sent today: ${u.sent_today} of ${u.allowed_today} allowed`}
      />
      <div class="muted sending-small">
        {formatNumber(u.sent_this_minute)} / {formatNumber(u.per_minute_limit)} this minute
      </div>
    </div>
  );
}
