// The campaign's templates: a checklist of the active ones; two or more make an A/B split.
import { useId } from 'preact/hooks';
import type { Template } from '../sending/types';
import { type CampaignForm, type SetField, toggle } from './form';

export function TemplateChoice({
  templates,
  form,
  set,
  error: templatesError,
}: {
  templates: Template[];
  form: CampaignForm;
  set: SetField;
  error?: string;
}) {
  const ids = useId();
  return (
    <fieldset aria-describedby={`${ids}-tpl-hint`} aria-invalid={templatesError ? 'true' : undefined}>
      <legend>Templates (required)</legend>
      <p class="field-hint" id={`${ids}-tpl-hint`}>
        Choose two or more for an A/B split: each contact is assigned one template, always the same one, and
        the audience is shared evenly.
      </p>
      {templates.length === 0 ? (
        <p>
          No active templates. <a href="/templates/new">Write one first.</a>
        </p>
      ) : (
        <ul class="sending-checklist">
          {templates.map((t) => (
            <li key={t.id}>
              <label>
                <input
                  type="checkbox"
                  checked={form.templateIds.includes(t.id)}
                  onChange={() => set('templateIds')(toggle(form.templateIds, t.id))}
                />
                <span>
                  <strong>{t.name}</strong>{' '}
                  <span class="muted sending-small">
                    {t.body.length > 70 ? `${t.body.slice(0, 69)}…` : t.body}
                  </span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {form.templateIds.length > 1 && (
        <p class="sending-small">
          A/B split across {form.templateIds.length} templates, about{' '}
          {Math.round(100 / form.templateIds.length)}% of the audience each.
        </p>
      )}
      {templatesError && <p class="field-error">{templatesError}</p>}
    </fieldset>
  );
}
