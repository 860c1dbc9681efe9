// Quiet hours: the window in which nothing is sent, in each recipient's own timezone.
import { useId } from 'preact/hooks';
import { Field } from '../Field';
import type { CampaignForm, ServerError, SetField } from './form';

function TimeInput({
  label,
  value,
  onValue,
  error,
}: {
  label: string;
  value: string;
  onValue: (v: string) => void;
  error?: string;
}) {
  return (
    <Field label={label} required error={error}>
      {(p) => (
        <input
          {...p}
          type="time"
          value={value}
          onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
}

export function QuietHoursFields({
  form,
  set,
  tz,
  local,
  server,
}: {
  form: CampaignForm;
  set: SetField;
  /** The tenant's timezone, for contacts without their own. */
  tz: string;
  local: Record<string, string>;
  server: ServerError;
}) {
  const ids = useId();
  return (
    <fieldset aria-describedby={`${ids}-quiet-hint`}>
      <legend>Quiet hours</legend>
      <p class="field-hint" id={`${ids}-quiet-hint`}>
        Nothing is sent between these times <strong>in each recipient’s own timezone</strong> (the contact’s
        timezone, or {tz} when it has none). Messages due in the window wait until it ends.
      </p>
      <div class="grid-2">
        <TimeInput
          label="No messages from"
          value={form.quietStart}
          onValue={set('quietStart')}
          error={local.quietStart ?? server('quiet_hours_start')}
        />
        <TimeInput
          label="Until"
          value={form.quietEnd}
          onValue={set('quietEnd')}
          error={local.quietEnd ?? server('quiet_hours_end')}
        />
      </div>
    </fieldset>
  );
}
