// Who receives the campaign: every eligible contact, segments (include some, exclude others), the
// contacts of one import, or the contacts whose custom field has a value.

import { formatDate } from '../../format';
import type { ImportBatch, Segment } from '../../types';
import { SelectField, TextField } from '../Field';
import { SegmentPicker } from '../segments/SegmentPicker';
import type { CampaignForm, ServerError, SetField } from './form';

export function AudienceFields({
  form,
  set,
  imports,
  segments,
  local,
  server,
}: {
  form: CampaignForm;
  set: SetField;
  imports: ImportBatch[];
  segments: Segment[];
  /** The page's own checks, by field. */
  local: Record<string, string>;
  server: ServerError;
}) {
  return (
    <fieldset>
      <legend>Audience</legend>
      <div class="sending-radios">
        <label>
          <input
            type="radio"
            name="audience"
            checked={form.audience === 'all'}
            onChange={() => set('audience')('all')}
          />
          All eligible contacts
        </label>
        <label>
          <input
            type="radio"
            name="audience"
            checked={form.audience === 'segments'}
            onChange={() => set('audience')('segments')}
          />
          Segments: include some, exclude others
        </label>
        <label>
          <input
            type="radio"
            name="audience"
            checked={form.audience === 'import'}
            onChange={() => set('audience')('import')}
          />
          The contacts of one import
        </label>
        <label>
          <input
            type="radio"
            name="audience"
            checked={form.audience === 'custom_field'}
            onChange={() => set('audience')('custom_field')}
          />
          Contacts whose custom field has a value
        </label>
      </div>
      {form.audience === 'segments' && (
        <SegmentPicker
          segments={segments}
          include={form.include}
          exclude={form.exclude}
          onInclude={set('include')}
          onExclude={set('exclude')}
          error={local.segments ?? server('audience')}
        />
      )}
      {form.audience === 'import' && (
        <SelectField
          label="Import"
          required
          value={form.importBatchId}
          onValue={set('importBatchId')}
          error={local.import ?? server('audience.import_batch_id')}
          options={[
            { value: '', label: imports.length ? 'Choose an import…' : 'No completed imports' },
            ...imports.map((b) => ({
              value: b.id,
              label: `${b.file_name} · ${b.created_count + b.updated_count} contacts · ${formatDate(b.created_at)}`,
            })),
          ]}
        />
      )}
      {form.audience === 'custom_field' && (
        <div class="grid-2">
          <TextField
            label="Custom field"
            required
            value={form.fieldKey}
            onValue={set('fieldKey')}
            placeholder="plan"
            error={local.fieldKey ?? server('audience.custom_field')}
          />
          <TextField label="Equals" value={form.fieldValue} onValue={set('fieldValue')} placeholder="gold" />
        </div>
      )}
      <p class="field-hint">
        Contacts without consent, on do-not-contact, recently messaged (suppression rules) or with an invalid
        number are excluded automatically; you see the counts before launching.
      </p>
    </fieldset>
  );
}
