/** Display helpers: local times, money, short summaries. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateOnly.format(d);
}

// Budgets and costs are plain dollars (the tenant's billing currency), so no currency code is shown.
const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatCents(cents: number | null | undefined): string {
  return cents === null || cents === undefined ? '—' : `$${money.format(cents / 100)}`;
}

/** "12.5" → 1250; "" → null (no limit); anything else → undefined (invalid). */
export function dollarsToCents(input: string): number | null | undefined {
  const s = input.trim().replace(/^\$/, '').replace(/,/g, '');
  if (s === '') return null;
  if (!/^\d+(\.\d{0,2})?$/.test(s)) return undefined;
  const [whole = '0', frac = ''] = s.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

export function centsToDollars(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '';
  return (cents / 100).toFixed(2);
}

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString();
}

function short(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return v.length > 40 ? `${v.slice(0, 39)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

/** One line for an audit entry's metadata: `{changes:{f:{from,to}}}` becomes "f: a → b". */
export function summarizeMetadata(meta: Record<string, unknown> | null | undefined): string {
  if (!meta) return '';
  const parts: string[] = [];
  const changes = meta.changes;
  if (changes && typeof changes === 'object' && !Array.isArray(changes)) {
    for (const [field, change] of Object.entries(changes as Record<string, unknown>)) {
      if (change && typeof change === 'object' && 'to' in change) {
        const c = change as { from?: unknown; to?: unknown };
        parts.push(`${field}: ${short(c.from)} → ${short(c.to)}`);
      } else {
        parts.push(`${field}: ${short(change)}`);
      }
    }
  }
  for (const [k, v] of Object.entries(meta)) {
    if (k === 'changes' || k === 'via') continue;
    parts.push(`${k}: ${short(v)}`);
  }
  return parts.join('; ');
}

export function fullName(c: { first_name: string | null; last_name: string | null }): string {
  return [c.first_name, c.last_name].filter(Boolean).join(' ');
}

/** A datetime-local input value ("2025-01-31T09:30") from an ISO timestamp, in local time. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** ISO timestamp from a datetime-local value, or null when empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function timeZones(current?: string | null): string[] {
  const list =
    typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Australia/Sydney'];
  const all = new Set(['UTC', ...list]);
  if (current) all.add(current);
  return [...all].sort();
}
