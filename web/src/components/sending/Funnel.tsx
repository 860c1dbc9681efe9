import { formatNumber } from '../../format';
import { percent } from './ui';

export type FunnelStep = { label: string; value: number };

/** Each step as a bar relative to the first, with its share of the previous step. */
export function Funnel({ steps }: { steps: FunnelStep[] }) {
  const top = Math.max(steps[0]?.value ?? 0, 1);
  return (
    <ol class="sending-funnel" aria-label="Funnel">
      {steps.map((s, i) => {
        const prev = i > 0 ? steps[i - 1]?.value : undefined;
        return (
          <li key={s.label} data-testid={`funnel-${s.label.toLowerCase().replace(/\s+/g, '-')}`}>
            <span>{s.label}</span>
            <span class="sending-funnel__bar" aria-hidden="true">
              <span
                class="sending-funnel__fill"
                style={{ width: `${Math.min(100, (s.value / top) * 100)}%` }}
              />
            </span>
            <span class="sending-funnel__value">
              <span data-testid="funnel-value">{formatNumber(s.value)}</span>
              {prev !== undefined && (
                <span class="sending-funnel__pct">
                  {percent(s.value, prev)} <span class="visually-hidden">of the previous step</span>
                </span>
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
