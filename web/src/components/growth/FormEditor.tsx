import { useState } from 'preact/hooks';
import { ApiProblem, saveResource } from '../../api';
import { FORM_FIELDS, type FormField, parseTags, type SignupForm } from '../../growth';
import { Button } from '../Button';
import { CheckboxField, TextAreaField, TextField } from '../Field';
import { ProblemAlert } from '../Status';

const DEFAULT_CONSENT =
  'Yes, send me text messages with offers and news. Up to 4 a month. Reply STOP to opt out at any time.';

/** Create or edit a hosted signup form. */
export function FormEditor({
  form,
  onSaved,
  onCancel,
}: {
  form?: SignupForm;
  onSaved: (f: SignupForm) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(form?.name ?? '');
  const [consent, setConsent] = useState(form?.consent_text ?? DEFAULT_CONSENT);
  const [fields, setFields] = useState<Set<FormField>>(new Set(form?.fields ?? ['first_name']));
  const [tags, setTags] = useState((form?.tags_add ?? []).join(', '));
  const [doubleOptIn, setDoubleOptIn] = useState(form?.double_opt_in ?? true);
  const [success, setSuccess] = useState(form?.success_message ?? 'Thanks for signing up!');
  const [active, setActive] = useState(form?.is_active ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fe = (p: string) => (error instanceof ApiProblem ? error.fieldError(p) : undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const json = {
      name: name.trim(),
      consent_text: consent.trim(),
      fields: FORM_FIELDS.map((f) => f.value).filter((f) => fields.has(f)),
      tags_add: parseTags(tags),
      double_opt_in: doubleOptIn,
      success_message: success.trim(),
      is_active: active,
    };
    try {
      onSaved(await saveResource<SignupForm>('/api/v1/forms', form, json));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-label={form ? 'Edit form' : 'New form'}>
      {error && !fe('name') && !fe('consent_text') && !fe('success_message') ? (
        <ProblemAlert error={error} />
      ) : null}
      <TextField
        label="Heading"
        required
        hint="Shown as the page title, e.g. “Join our VIP list”."
        value={name}
        onValue={setName}
        error={fe('name')}
        maxLength={120}
      />
      <TextAreaField
        label="Consent text"
        required
        hint="Next to the unticked box visitors must tick. Say who texts them, what about and how often, and how to stop. Changing it starts a new version; past sign-ups keep the text they agreed to."
        value={consent}
        onValue={setConsent}
        error={fe('consent_text')}
        rows={4}
        maxLength={2000}
      />
      <fieldset class="fieldset-plain">
        <legend>Optional fields (the mobile number is always asked)</legend>
        {FORM_FIELDS.map((f) => (
          <CheckboxField
            key={f.value}
            label={f.label}
            checked={fields.has(f.value)}
            onChecked={(on) => {
              const next = new Set(fields);
              if (on) next.add(f.value);
              else next.delete(f.value);
              setFields(next);
            }}
          />
        ))}
      </fieldset>
      <TextField
        label="Tags to add (optional)"
        hint="Separated by commas."
        value={tags}
        onValue={setTags}
        error={fe('tags_add')}
      />
      <CheckboxField
        label="Double opt-in by SMS"
        hint="We text “Reply Y to confirm”; consent is recorded only after the Y (within 24 hours). Recommended."
        checked={doubleOptIn}
        onChecked={setDoubleOptIn}
      />
      <TextField
        label="Thank-you message"
        required
        value={success}
        onValue={setSuccess}
        error={fe('success_message')}
        maxLength={500}
      />
      <CheckboxField label="Accepting sign-ups" checked={active} onChecked={setActive} />
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {form ? 'Save form' : 'Create form'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
