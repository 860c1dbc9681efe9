// The value control of one segment condition, by field kind and operator: a number of days, a
// date, a tag list, a consent status, a zone, an import, a segment or free text.
import { useEffect, useState } from 'preact/hooks';
import type { SegmentCondition } from '../../types';
import type { FieldKind } from './fields';
import type { BuilderOptions } from './SegmentBuilder';

function TagsInput({
  value,
  onValue,
  label,
}: {
  value: string[];
  onValue: (v: string[]) => void;
  label: string;
}) {
  // Typed text is kept as typed ("VIP, "), and the parsed list handed up.
  const [text, setText] = useState(value.join(', '));
  useEffect(() => {
    const parsed = text
      .split(/[;,]/)
      .map((t) => t.trim())
      .filter(Boolean);
    if (parsed.join('\u0000') !== value.join('\u0000')) setText(value.join(', '));
  }, [value.join('\u0000')]);
  return (
    <input
      type="text"
      aria-label={label}
      list="segment-tag-options"
      placeholder="VIP, NSW"
      value={text}
      onInput={(e) => {
        const t = (e.currentTarget as HTMLInputElement).value;
        setText(t);
        onValue(
          t
            .split(/[;,]/)
            .map((x) => x.trim())
            .filter(Boolean),
        );
      }}
    />
  );
}

export function ValueInput({
  kind,
  cond,
  options,
  onValue,
  label,
}: {
  kind: FieldKind;
  cond: SegmentCondition;
  options: BuilderOptions;
  onValue: (v: unknown) => void;
  label: string;
}) {
  const { op, value } = cond;
  if (op === 'is_set' || op === 'not_set') return null;
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  if (op === 'within_days' || op === 'not_within_days') {
    return (
      <input
        type="number"
        aria-label={label}
        min={1}
        max={36500}
        step={1}
        value={text(value)}
        onInput={(e) => {
          const n = Number((e.currentTarget as HTMLInputElement).value);
          onValue(Number.isFinite(n) && (e.currentTarget as HTMLInputElement).value !== '' ? n : '');
        }}
      />
    );
  }
  switch (kind) {
    case 'consent':
      return (
        <select
          aria-label={label}
          value={text(value)}
          onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)}
        >
          <option value="explicit">explicit</option>
          <option value="implied">implied</option>
          <option value="unknown">unknown</option>
        </select>
      );
    case 'tags':
      return (
        <TagsInput label={label} value={Array.isArray(value) ? (value as string[]) : []} onValue={onValue} />
      );
    case 'timezone':
      return (
        <input
          type="text"
          aria-label={label}
          list="segment-zone-options"
          placeholder="Australia/Sydney"
          value={text(value)}
          onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        />
      );
    case 'instant':
    case 'activity':
      return (
        <input
          type="date"
          aria-label={label}
          value={text(value).slice(0, 10)}
          onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        />
      );
    case 'id':
      return (
        <select
          aria-label={label}
          value={text(value)}
          onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)}
        >
          <option value="">Choose an import…</option>
          {options.imports.map((i) => (
            <option key={i.id} value={i.id}>
              {i.label}
            </option>
          ))}
        </select>
      );
    case 'segment':
      return (
        <select
          aria-label={label}
          value={text(value)}
          onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)}
        >
          <option value="">Choose a segment…</option>
          {options.segments.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      );
    default: {
      // Custom fields: numbers compare as numbers for gt/lt; everything else is text (or a date).
      const numeric = op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte';
      return (
        <input
          type="text"
          aria-label={label}
          placeholder={numeric ? '100 or 2026-03-01' : 'Sydney'}
          value={text(value)}
          onInput={(e) => {
            const v = (e.currentTarget as HTMLInputElement).value;
            onValue(numeric && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v);
          }}
        />
      );
    }
  }
}
