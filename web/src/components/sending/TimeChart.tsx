import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { Bucket, TimePoint } from './series';

const HEIGHT = 260;

/** A bucket's start as the table shows it, in the tenant's zone (the chart's axis uses the same zone). */
function bucketTime(t: number, bucket: Bucket, timeZone: string): string {
  const opts: Intl.DateTimeFormatOptions =
    bucket === 'day'
      ? { dateStyle: 'medium', timeZone }
      : { dateStyle: 'medium', timeStyle: 'short', timeZone };
  return new Intl.DateTimeFormat(undefined, opts).format(new Date(t));
}

/**
 * Sends and human clicks over time, drawn with uPlot (loaded on demand so other pages do not pay for
 * it). Screen readers get the same numbers as a table.
 *
 * The x axis is pinned to `range` (the server's first bucket start to last bucket end): left to
 * itself, uPlot stretches a time axis with a single point over 1000 days (86400 / its ms setting),
 * which is how a few-minute campaign, one hourly bucket, came to be drawn from 2027 to 2029.
 */
export function TimeChart({
  points,
  bucket,
  range,
  timeZone,
  label,
}: {
  points: TimePoint[];
  bucket: Bucket;
  range: [number, number] | null;
  timeZone: string;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const el = box.current;
    if (!el || points.length === 0) return;
    let chart: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let gone = false;
    (async () => {
      try {
        const [{ default: UPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
        if (gone) return;
        const data: uPlot.AlignedData = [
          points.map((p) => p.t / 1000),
          points.map((p) => p.sent),
          points.map((p) => p.delivered),
          points.map((p) => p.human_clicks),
        ];
        chart = new UPlot(
          {
            width: Math.max(el.clientWidth, 280),
            height: HEIGHT,
            scales: {
              x: {
                time: true,
                range: (_u, min, max) => (range ? [range[0] / 1000, range[1] / 1000] : [min, max]),
              },
              y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
            },
            // Axis labels in the tenant's zone, whatever the browser's is.
            tzDate: (ts) => UPlot.tzDate(new Date(ts * 1000), timeZone),
            series: [
              {},
              { label: 'Sent', stroke: '#245ea8', fill: 'rgba(36, 94, 168, 0.12)', width: 2 },
              { label: 'Delivered', stroke: '#1c7a3f', width: 2 },
              { label: 'Human clicks', stroke: '#c2410c', width: 2, dash: [6, 3] },
            ],
            axes: [{}, { label: 'Messages / clicks', size: 60 }],
            legend: { live: true },
            hooks: {
              // The axis actually drawn, for tests and for anyone inspecting the page.
              setScale: [
                (u, key) => {
                  if (key !== 'x') return;
                  el.dataset.xMin = String(u.scales.x?.min ?? '');
                  el.dataset.xMax = String(u.scales.x?.max ?? '');
                },
              ],
            },
          },
          data,
          el,
        );
        observer = new ResizeObserver(() =>
          chart?.setSize({ width: Math.max(el.clientWidth, 280), height: HEIGHT }),
        );
        observer.observe(el);
      } catch {
        if (!gone) setFailed(true);
      }
    })();
    return () => {
      gone = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [points, range, timeZone]);

  if (points.length === 0) return <p class="muted">No sends or clicks yet.</p>;
  return (
    <>
      {failed ? (
        <p class="muted">The chart could not be drawn; the numbers are in the table below.</p>
      ) : (
        <div ref={box} class="sending-chart" role="img" aria-label={label} data-testid="time-chart" />
      )}
      <details class="sending-help">
        <summary>Show as a table</summary>
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{label}</caption>
            <thead>
              <tr>
                <th scope="col">From ({timeZone})</th>
                <th scope="col" class="num">
                  Sent
                </th>
                <th scope="col" class="num">
                  Delivered
                </th>
                <th scope="col" class="num">
                  Human clicks
                </th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.t}>
                  <td>{bucketTime(p.t, bucket, timeZone)}</td>
                  <td class="num">{p.sent}</td>
                  <td class="num">{p.delivered}</td>
                  <td class="num">{p.human_clicks}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}
