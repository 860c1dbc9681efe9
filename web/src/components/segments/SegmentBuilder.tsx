// The segment filter builder: a group (all / any) of conditions and, one level down, groups of
// conditions. Controlled: every edit hands the whole filter up, so the page can preview it live.
// Server errors arrive with the JSON path of the condition they concern and are shown beside it.
import { useId } from 'preact/hooks';
import type { FieldError } from '../../api';
import type { SegmentCondition, SegmentGroup, SegmentNode } from '../../types';
import { Button } from '../Button';
import { ValueInput } from './ConditionValue';
import {
  AU_ZONES,
  defaultValue,
  FIELDS,
  isGroup,
  itemsOf,
  kindOf,
  makeGroup,
  modeOf,
  newCondition,
  OPS_BY_KIND,
  opLabel,
  pathOf,
} from './fields';
import '../../segments.css';

export type BuilderOptions = {
  tags: string[];
  segments: { id: string; name: string }[];
  imports: { id: string; label: string }[];
  customKeys: string[];
};

type Props = {
  filter: SegmentGroup;
  onChange: (f: SegmentGroup) => void;
  errors: FieldError[];
  options: BuilderOptions;
  readOnly?: boolean;
};

const MODE_OPTIONS = [
  { value: 'all', label: 'all' },
  { value: 'any', label: 'any' },
] as const;

/** Messages for a condition's path (its field, op and value errors). */
const errorsAt = (errors: FieldError[], path: string) =>
  errors.filter((e) => e.path === path || e.path.startsWith(`${path}.`)).map((e) => e.message);

function ConditionRow({
  cond,
  path,
  n,
  errors,
  options,
  readOnly,
  onChange,
  onRemove,
}: {
  cond: SegmentCondition;
  path: string;
  n: string;
  errors: FieldError[];
  options: BuilderOptions;
  readOnly?: boolean;
  onChange: (c: SegmentCondition) => void;
  onRemove: () => void;
}) {
  const kind = kindOf(cond.field);
  const custom = cond.field.startsWith('custom.');
  const messages = errorsAt(errors, path);
  const setField = (field: string) => {
    const k = kindOf(field);
    const op = OPS_BY_KIND[k][0] as string;
    onChange({ field, op, value: defaultValue(k, op) });
  };
  return (
    <li class={`segment-row${messages.length ? ' segment-row--invalid' : ''}`} data-testid="condition-row">
      <fieldset disabled={readOnly}>
        <legend class="visually-hidden">Condition {n}</legend>
        <select
          aria-label={`Field of condition ${n}`}
          value={custom ? 'custom' : cond.field}
          onChange={(e) => {
            const v = (e.currentTarget as HTMLSelectElement).value;
            setField(v === 'custom' ? 'custom.' : v);
          }}
        >
          {FIELDS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        {custom && (
          <input
            type="text"
            aria-label={`Custom field name of condition ${n}`}
            list="segment-custom-options"
            placeholder="city"
            value={cond.field.slice('custom.'.length)}
            onInput={(e) =>
              onChange({ ...cond, field: `custom.${(e.currentTarget as HTMLInputElement).value}` })
            }
          />
        )}
        <select
          aria-label={`Operator of condition ${n}`}
          value={cond.op}
          onChange={(e) => {
            const op = (e.currentTarget as HTMLSelectElement).value;
            const keep =
              (op === 'within_days' || op === 'not_within_days') ===
                (cond.op === 'within_days' || cond.op === 'not_within_days') && cond.value !== undefined;
            onChange({ field: cond.field, op, value: keep ? cond.value : defaultValue(kind, op) });
          }}
        >
          {OPS_BY_KIND[kind].map((op) => (
            <option key={op} value={op}>
              {opLabel(kind, op)}
            </option>
          ))}
        </select>
        <ValueInput
          kind={kind}
          cond={cond}
          options={options}
          label={`Value of condition ${n}`}
          onValue={(value) => onChange({ ...cond, value })}
        />
        {!readOnly && (
          <Button small variant="link" onClick={onRemove} aria-label={`Remove condition ${n}`}>
            Remove
          </Button>
        )}
      </fieldset>
      {messages.map((m) => (
        <p key={m} class="field-error">
          {m}
        </p>
      ))}
    </li>
  );
}

function GroupBox({
  group,
  path,
  label,
  depth,
  errors,
  options,
  readOnly,
  onChange,
  onRemove,
}: {
  group: SegmentGroup;
  path: string;
  label: string;
  depth: number;
  errors: FieldError[];
  options: BuilderOptions;
  readOnly?: boolean;
  onChange: (g: SegmentGroup) => void;
  onRemove?: () => void;
}) {
  const id = useId();
  const mode = modeOf(group);
  const items = itemsOf(group);
  const setItems = (next: SegmentNode[]) => onChange(makeGroup(mode, next));
  const own = errors.filter((e) => e.path === path).map((e) => e.message);
  return (
    <div
      class={depth === 0 ? 'segment-group' : 'segment-group segment-group--nested'}
      data-testid="segment-group"
    >
      <p class="segment-group__head">
        <label for={`${id}-mode`}>{depth === 0 ? 'Contacts matching' : 'A group matching'}</label>{' '}
        <select
          id={`${id}-mode`}
          disabled={readOnly}
          value={mode}
          onChange={(e) =>
            onChange(makeGroup((e.currentTarget as HTMLSelectElement).value as 'all' | 'any', items))
          }
        >
          {MODE_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>{' '}
        of these conditions{items.length === 0 ? ' (none yet: everyone)' : ''}
        {onRemove && !readOnly && (
          <>
            {' '}
            <Button small variant="link" onClick={onRemove}>
              Remove group
            </Button>
          </>
        )}
      </p>
      {own.map((m) => (
        <p key={m} class="field-error">
          {m}
        </p>
      ))}
      <ul class="segment-list">
        {items.map((item, i) => {
          const p = pathOf(path, mode, i);
          const n = `${label}${i + 1}`;
          const replace = (next: SegmentNode) => setItems(items.map((x, j) => (j === i ? next : x)));
          const remove = () => setItems(items.filter((_, j) => j !== i));
          return isGroup(item) ? (
            <li key={p}>
              <GroupBox
                group={item}
                path={p}
                label={`${n}.`}
                depth={depth + 1}
                errors={errors}
                options={options}
                readOnly={readOnly}
                onChange={replace}
                onRemove={remove}
              />
            </li>
          ) : (
            <ConditionRow
              key={p}
              cond={item}
              path={p}
              n={n}
              errors={errors}
              options={options}
              readOnly={readOnly}
              onChange={replace}
              onRemove={remove}
            />
          );
        })}
      </ul>
      {!readOnly && (
        <p class="segment-group__actions">
          <Button small onClick={() => setItems([...items, newCondition()])}>
            Add condition
          </Button>
          {depth === 0 && (
            <Button
              small
              onClick={() =>
                setItems([...items, makeGroup(mode === 'all' ? 'any' : 'all', [newCondition()])])
              }
            >
              Add group
            </Button>
          )}
        </p>
      )}
    </div>
  );
}

export function SegmentBuilder({ filter, onChange, errors, options, readOnly }: Props) {
  return (
    <div class="segment-builder">
      <GroupBox
        group={filter}
        path="filter"
        label=""
        depth={0}
        errors={errors}
        options={options}
        readOnly={readOnly}
        onChange={onChange}
      />
      <datalist id="segment-tag-options">
        {options.tags.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <datalist id="segment-zone-options">
        {AU_ZONES.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <datalist id="segment-custom-options">
        {options.customKeys.map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
    </div>
  );
}
