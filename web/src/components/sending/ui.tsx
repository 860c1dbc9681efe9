import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort } from '../../api';
import { Badge } from '../Status';
import type { CampaignStatus } from './types';

const STATUS_TONE: Record<CampaignStatus, string> = {
  draft: 'neutral',
  queued: 'info',
  running: 'success',
  paused: 'warning',
  completed: 'neutral',
};

const STATUS_LABEL: Record<CampaignStatus, string> = {
  draft: 'Draft',
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
};

/** A campaign's state as a coloured badge; a cancelled campaign is completed with a cancel time. */
export function CampaignBadge({ status, cancelled }: { status: CampaignStatus; cancelled?: boolean }) {
  if (cancelled) return <Badge tone="danger">Cancelled</Badge>;
  return <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{STATUS_LABEL[status] ?? status}</Badge>;
}

const SKIP_LABEL: Record<string, string> = {
  no_consent: 'No consent',
  do_not_contact: 'Do-not-contact',
  suppressed: 'Suppressed (recently messaged)',
  invalid: 'Invalid number',
  erased: 'Erased contact',
  local_time_passed: 'Local time already passed',
};

export function skipLabel(reason: string): string {
  return SKIP_LABEL[reason] ?? reason.replace(/_/g, ' ');
}

/** Reasons everyone expects to see, in this order, even when zero. */
export const SKIP_ORDER = ['no_consent', 'do_not_contact', 'suppressed', 'invalid'] as const;

export function skippedRows(skipped: Record<string, number> | null | undefined): [string, number][] {
  const s = skipped ?? {};
  const rest = Object.keys(s).filter((k) => !(SKIP_ORDER as readonly string[]).includes(k));
  return [...SKIP_ORDER, ...rest].map((k) => [k, s[k] ?? 0]);
}

/** "12.5%", or "—" when there is nothing to divide by. */
export function percent(part: number, whole: number): string {
  if (!whole) return '—';
  const p = (part / whole) * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export type Resource<T> = {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (d: T) => void;
};

/**
 * Loads one JSON resource; with `pollMs` it refreshes in the background (keeping the last good value
 * on screen and pausing while the tab is hidden) so live numbers stay live without flicker.
 */
export function useResource<T>(path: string | null, pollMs?: number): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const ctrl = useRef<AbortController | null>(null);

  const load = useCallback(
    async (background: boolean) => {
      if (!path) return;
      ctrl.current?.abort();
      const c = new AbortController();
      ctrl.current = c;
      if (!background) setLoading(true);
      try {
        const d = await api<T>(path, { signal: c.signal });
        setData(d);
        setError(null);
      } catch (err) {
        if (!isAbort(err)) setError(err);
      } finally {
        if (ctrl.current === c) setLoading(false);
      }
    },
    [path],
  );

  useEffect(() => {
    setData(null);
    load(false);
    return () => ctrl.current?.abort();
  }, [load]);

  useEffect(() => {
    if (!pollMs || !path) return;
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') load(true);
    }, pollMs);
    return () => clearInterval(t);
  }, [load, pollMs, path]);

  // A reload keeps the current value on screen until the new one arrives.
  return { data, error, loading, reload: () => load(true), setData };
}

/** One headline figure. */
export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <li class="stat">
      <span class="stat__value">{value}</span>
      <span class="stat__label">{label}</span>
      {hint && <span class="stat__hint">{hint}</span>}
    </li>
  );
}
