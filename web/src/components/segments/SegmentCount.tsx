// The live audience count of a filter being edited: POST /segments/preview, debounced, newest
// answer wins. Incomplete conditions come back as field errors, handed to the builder to show.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, api, type FieldError, isAbort, messageOf } from '../../api';
import { formatNumber } from '../../format';
import type { SegmentGroup, SegmentPreview } from '../../types';
import { skipLabel } from '../sending/ui';

const DEBOUNCE_MS = 400;
const REASONS = ['do_not_contact', 'no_consent', 'suppressed', 'invalid'] as const;

export function SegmentCount({
  filter,
  segmentId,
  onErrors,
  label = 'Audience now',
}: {
  filter: SegmentGroup;
  segmentId?: string;
  onErrors?: (errors: FieldError[]) => void;
  label?: string;
}) {
  const [result, setResult] = useState<SegmentPreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ctrl = useRef<AbortController | null>(null);
  const key = JSON.stringify(filter);

  useEffect(() => {
    setBusy(true);
    const timer = setTimeout(async () => {
      ctrl.current?.abort();
      const c = new AbortController();
      ctrl.current = c;
      try {
        const r = await api<SegmentPreview>('/api/v1/segments/preview', {
          json: { filter: JSON.parse(key), ...(segmentId ? { segment_id: segmentId } : {}) },
          signal: c.signal,
        });
        setResult(r);
        setProblem(null);
        onErrors?.([]);
      } catch (err) {
        if (isAbort(err)) return;
        if (err instanceof ApiProblem && err.status === 422) {
          onErrors?.(err.errors);
          setProblem('Finish or fix the conditions marked below to see the count.');
        } else setProblem(messageOf(err));
      } finally {
        if (ctrl.current === c) setBusy(false);
      }
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key, segmentId]);

  useEffect(() => () => ctrl.current?.abort(), []);

  return (
    <section
      class="card segment-count"
      aria-labelledby="segment-count-title"
      aria-busy={busy ? 'true' : undefined}
    >
      <h2 id="segment-count-title">{label}</h2>
      <div aria-live="polite">
        {problem ? (
          <p class="muted" data-testid="segment-count-problem">
            {problem}
          </p>
        ) : result === null ? (
          <p class="muted">Counting…</p>
        ) : (
          <>
            <ul class="stats">
              <li class="stat">
                <span class="stat__value" data-testid="segment-count">
                  {formatNumber(result.count)}
                </span>
                <span class="stat__label">contacts match</span>
              </li>
              <li class="stat">
                <span class="stat__value" data-testid="segment-eligible">
                  {formatNumber(result.eligible)}
                </span>
                <span class="stat__label">would receive a campaign now</span>
              </li>
            </ul>
            <table class="table sending-excluded">
              <caption class="visually-hidden">Matching contacts a campaign would skip, by reason</caption>
              <tbody>
                {REASONS.map((r) => (
                  <tr key={r}>
                    <th scope="row">{skipLabel(r)}</th>
                    <td class="num" data-testid={`segment-skipped-${r}`}>
                      {formatNumber(result.skipped[r] ?? 0)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
    </section>
  );
}
