// The report's time series from GET /events/timeseries. The server picks the bucket (minutes for a
// campaign that ran a few minutes, days for weeks) and says the axis range, in the tenant's zone.
import { api } from '../../api';
import type { Campaign } from './types';

export type Bucket = 'minute' | '5min' | '15min' | 'hour' | 'day';
export type TimePoint = { t: number; sent: number; delivered: number; human_clicks: number };

type SeriesPoint = {
  t: string;
  sent: number;
  delivered: number;
  failed: number;
  clicks: number;
  human_clicks: number;
};
type Series = {
  bucket: Bucket;
  timezone: string;
  range: { from: string; to: string } | null;
  data: SeriesPoint[];
};

export type LoadedSeries = {
  bucket: Bucket;
  timezone: string;
  /** The x axis in epoch ms: the first bucket's start to the last bucket's end. */
  range: [number, number] | null;
  points: TimePoint[];
};

/** "per 5 minutes", "per hour": for the chart's label. */
export function bucketLabel(b: Bucket): string {
  return { minute: 'minute', '5min': '5 minutes', '15min': '15 minutes', hour: 'hour', day: 'day' }[b];
}

export async function loadSeries(c: Campaign): Promise<LoadedSeries> {
  const s = await api<Series>('/api/v1/events/timeseries', { query: { campaign_id: c.id, bucket: 'auto' } });
  return {
    bucket: s.bucket,
    timezone: s.timezone,
    range: s.range ? [Date.parse(s.range.from), Date.parse(s.range.to)] : null,
    points: s.data.map((p) => ({
      t: Date.parse(p.t),
      sent: p.sent,
      delivered: p.delivered,
      human_clicks: p.human_clicks,
    })),
  };
}
