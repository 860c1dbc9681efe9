// The campaign's sending numbers: a checklist of the active ones (none ticked: all of them share it).
import { can } from '../../session';
import type { SendingNumber } from '../sending/types';
import { type CampaignForm, type ServerError, type SetField, toggle } from './form';

export function NumberChoice({
  numbers,
  form,
  set,
  server,
}: {
  numbers: SendingNumber[];
  form: CampaignForm;
  set: SetField;
  server: ServerError;
}) {
  return (
    <fieldset>
      <legend>Sending numbers</legend>
      {numbers.length === 0 ? (
        <p>
          No active sending numbers.{' '}
          {can('admin') ? <a href="/sending-numbers">Add one.</a> : 'Ask an admin to add one.'}
        </p>
      ) : (
        <>
          <p class="field-hint">None ticked: all active numbers share the sending.</p>
          <ul class="sending-checklist">
            {numbers.map((n) => (
              <li key={n.id}>
                <label>
                  <input
                    type="checkbox"
                    checked={form.numberIds.includes(n.id)}
                    onChange={() => set('numberIds')(toggle(form.numberIds, n.id))}
                  />
                  <span class="mono">{n.label}</span>
                  <span class="muted sending-small">
                    {n.per_minute_limit}/min · {n.daily_limit}/day
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </>
      )}
      {server('sending_number_ids') && <p class="field-error">{server('sending_number_ids')}</p>}
    </fieldset>
  );
}
