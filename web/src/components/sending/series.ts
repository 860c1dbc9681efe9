// The report's time series from GET /events/timeseries (buckets of the tenant's local hours or days).
import { api } from '../../api';
import type { Campaign } from './types';

export type TimePoint = { t: number; sent: number; delivered: number; human_clicks: number };

type SeriesPoint = {
  t: string;
  sent: number;
  delivered: number;
  failed: number;
  clicks: number;
  human_clicks: number;
};
type Series = { bucket: 'hour' | 'day'; timezone: string; data: SeriesPoint[] };

const THREE_DAYS_MS = 3 * 86_400_000;

/** Hourly buckets, or daily ones when the campaign has run for more than three days. */
export function bucketFor(
  c: Pick<Campaign, 'started_at' | 'completed_at'>,
  now = Date.now(),
): 'hour' | 'day' {
  if (!c.started_at) return 'hour';
  const end = c.completed_at ? Date.parse(c.completed_at) : now;
  return end - Date.parse(c.started_at) > THREE_DAYS_MS ? 'day' : 'hour';
}

export async function loadSeries(c: Campaign): Promise<{ bucket: 'hour' | 'day'; points: TimePoint[] }> {
  const s = await api<Series>('/api/v1/events/timeseries', {
    query: { campaign_id: c.id, bucket: bucketFor(c) },
  });
  return {
    bucket: s.bucket,
    points: s.data.map((p) => ({
      t: Date.parse(p.t),
      sent: p.sent,
      delivered: p.delivered,
      human_clicks: p.human_clicks,
    })),
  };
}
