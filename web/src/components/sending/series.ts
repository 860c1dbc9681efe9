// The report's time series: from GET /events/timeseries when the API offers it, else bucketed here
// from the campaign's SENT and CLICKED events.
import { ApiProblem, api, type Page } from '../../api';
import type { TimePoint } from './TimeChart';

type Row = Record<string, unknown>;

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function timeOf(p: Row): number {
  const v = p.t ?? p.bucket ?? p.bucket_start ?? p.ts ?? p.time ?? p.start;
  if (typeof v === 'number') return v < 1e12 ? v * 1000 : v;
  if (typeof v === 'string') return Date.parse(v);
  return Number.NaN;
}

/** Accepts `{data:[…]}`, `{buckets:[…]}` or a bare list, with counts named by metric or event type. */
export function normalizeSeries(body: unknown): TimePoint[] {
  const rows: unknown = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null
      ? ((body as Row).data ?? (body as Row).buckets ?? (body as Row).series ?? [])
      : [];
  if (!Array.isArray(rows)) return [];
  return rows
    .filter((r): r is Row => typeof r === 'object' && r !== null)
    .map((r) => ({
      t: timeOf(r),
      sent: num(r.sent ?? r.SENT),
      clicks: num(r.human_clicks ?? r.clicks_human ?? r.CLICKED_HUMAN ?? r.clicks ?? r.CLICKED),
    }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
}

type EventRow = { event_type: string; created_at: string; metadata?: Record<string, unknown> | null };

const MAX_PAGES = 6;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Equal buckets sized to the span (5 min up to 6 h, hourly up to 3 days, else daily), gaps filled with zeros. */
export function bucketEvents(events: EventRow[]): TimePoint[] {
  const times = events.map((e) => Date.parse(e.created_at)).filter(Number.isFinite);
  if (times.length === 0) return [];
  const min = Math.min(...times);
  const max = Math.max(...times);
  const span = max - min;
  const size = span <= 6 * HOUR ? 5 * MINUTE : span <= 3 * DAY ? HOUR : DAY;
  const start = Math.floor(min / size) * size;
  const points: TimePoint[] = [];
  for (let t = start; t <= max; t += size) points.push({ t, sent: 0, clicks: 0 });
  for (const e of events) {
    const at = Date.parse(e.created_at);
    const p = points[Math.floor((at - start) / size)];
    if (!p) continue;
    if (e.event_type === 'SENT') p.sent++;
    else if (e.event_type === 'CLICKED' && e.metadata?.human !== false) p.clicks++;
  }
  return points;
}

async function allEvents(campaignId: string, type: string): Promise<EventRow[]> {
  const out: EventRow[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: Page<EventRow> = await api<Page<EventRow>>('/api/v1/events', {
      query: { campaign_id: campaignId, type, limit: 500, cursor: cursor ?? undefined },
    });
    out.push(...page.data);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return out;
}

export async function loadSeries(campaignId: string): Promise<TimePoint[]> {
  try {
    const body = await api<unknown>('/api/v1/events/timeseries', { query: { campaign_id: campaignId } });
    return normalizeSeries(body);
  } catch (err) {
    if (!(err instanceof ApiProblem) || (err.status !== 404 && err.status !== 405)) throw err;
  }
  const [sent, clicked] = await Promise.all([
    allEvents(campaignId, 'SENT'),
    allEvents(campaignId, 'CLICKED'),
  ]);
  return bucketEvents([...sent, ...clicked]);
}
