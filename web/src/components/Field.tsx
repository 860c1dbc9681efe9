import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

export type ControlProps = {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: 'true';
  required?: boolean;
};

type FieldProps = {
  label: ComponentChildren;
  error?: string;
  hint?: ComponentChildren;
  required?: boolean;
  class?: string;
  children: (control: ControlProps) => ComponentChildren;
};

/** Label + control + hint + error, wired so screen readers announce the hint and error with the control. */
export function Field({ label, error, hint, required, class: cls, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field--invalid' : ''}${cls ? ` ${cls}` : ''}`}>
      <label for={id}>
        {label}
        {required && <span class="required-mark"> (required)</span>}
      </label>
      {hint && (
        <p class="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {children({
        id,
        'aria-describedby': describedBy,
        'aria-invalid': error ? 'true' : undefined,
        required,
      })}
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

type Common = { label: ComponentChildren; error?: string; hint?: ComponentChildren; required?: boolean };

type InputProps = {
  type?: 'text' | 'email' | 'tel' | 'number' | 'search' | 'url' | 'datetime-local' | 'date';
  name?: string;
  autocomplete?: string;
  inputMode?: 'text' | 'decimal' | 'numeric' | 'tel' | 'email' | 'search';
  placeholder?: string;
  min?: number;
  max?: number;
  step?: number | 'any';
  maxLength?: number;
  disabled?: boolean;
  readOnly?: boolean;
};

export function TextField({
  label,
  error,
  hint,
  required,
  value,
  onValue,
  type = 'text',
  ...input
}: Common & InputProps & { value: string; onValue: (v: string) => void }) {
  return (
    <Field label={label} error={error} hint={hint} required={required}>
      {(p) => (
        <input
          {...input}
          {...p}
          // Preact 11 types each input type separately; the attributes used here are valid for all of them.
          type={type as 'text'}
          value={value}
          onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
}

export function TextAreaField({
  label,
  error,
  hint,
  required,
  value,
  onValue,
  rows = 3,
  maxLength,
}: Common & { value: string; onValue: (v: string) => void; rows?: number; maxLength?: number }) {
  return (
    <Field label={label} error={error} hint={hint} required={required}>
      {(p) => (
        <textarea
          {...p}
          rows={rows}
          maxLength={maxLength}
          value={value}
          onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)}
        />
      )}
    </Field>
  );
}

export type Option = { value: string; label: string };

export function SelectField({
  label,
  error,
  hint,
  required,
  value,
  onValue,
  options,
  disabled,
}: Common & { value: string; onValue: (v: string) => void; options: readonly Option[]; disabled?: boolean }) {
  return (
    <Field label={label} error={error} hint={hint} required={required}>
      {(p) => (
        <select
          {...p}
          value={value}
          disabled={disabled}
          onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A checkbox with its label after it, and an optional hint below. */
export function CheckboxField({
  label,
  hint,
  checked,
  onChecked,
  disabled,
}: {
  label: ComponentChildren;
  hint?: ComponentChildren;
  checked: boolean;
  onChecked: (v: boolean) => void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div class="field field--checkbox">
      <input
        type="checkbox"
        id={id}
        checked={checked}
        disabled={disabled}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => onChecked((e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>{label}</label>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
