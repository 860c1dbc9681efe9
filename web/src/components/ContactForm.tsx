import { useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { fromLocalInput, timeZones, toLocalInput } from '../format';
import { CONSENT_STATUSES, type ConsentStatus, type Contact } from '../types';
import { Button } from './Button';
import { SelectField, TextField } from './Field';
import { ProblemAlert } from './Status';

type CustomRow = { key: string; value: string };

type Form = {
  phone: string;
  first_name: string;
  last_name: string;
  email: string;
  timezone: string;
  consent_status: ConsentStatus;
  consent_source: string;
  consent_timestamp: string;
  custom: CustomRow[];
};

function formOf(c?: Contact): Form {
  return {
    phone: c?.phone_e164 ?? '',
    first_name: c?.first_name ?? '',
    last_name: c?.last_name ?? '',
    email: c?.email ?? '',
    timezone: c?.timezone ?? '',
    consent_status: c?.consent_status ?? 'explicit',
    consent_source: c?.consent_source ?? '',
    consent_timestamp: toLocalInput(c?.consent_timestamp),
    custom: Object.entries(c?.custom_fields ?? {}).map(([key, value]) => ({ key, value })),
  };
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

export const CONSENT_LABELS: Record<ConsentStatus, string> = {
  explicit: 'Explicit (they opted in)',
  implied: 'Implied (existing business relationship)',
  unknown: 'Unknown (not sent to unless allowed in Settings)',
};

/** Create (no `contact`) or edit a contact; on edit only changed fields are sent, so the audit diff is exact. */
export function ContactForm({
  contact,
  onSaved,
  onCancel,
}: {
  contact?: Contact;
  onSaved: (c: Contact) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<Form>(() => formOf(contact));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set =
    <K extends keyof Form>(key: K) =>
    (value: Form[K]) =>
      setForm((f) => ({ ...f, [key]: value }));

  const setCustom = (i: number, patch: Partial<CustomRow>) =>
    setForm((f) => ({ ...f, custom: f.custom.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const custom: Record<string, string> = {};
    for (const r of form.custom) if (r.key.trim()) custom[r.key.trim()] = r.value;
    const body: Record<string, unknown> = {
      phone: form.phone.trim(),
      first_name: orNull(form.first_name),
      last_name: orNull(form.last_name),
      email: orNull(form.email),
      timezone: orNull(form.timezone),
      consent_status: form.consent_status,
      consent_source: orNull(form.consent_source),
      consent_timestamp: fromLocalInput(form.consent_timestamp),
      custom_fields: custom,
    };
    if (contact) {
      const before: Record<string, unknown> = {
        phone: contact.phone_e164,
        first_name: contact.first_name,
        last_name: contact.last_name,
        email: contact.email,
        timezone: contact.timezone,
        consent_status: contact.consent_status,
        consent_source: contact.consent_source,
        consent_timestamp: contact.consent_timestamp,
        custom_fields: contact.custom_fields,
      };
      for (const k of Object.keys(body)) {
        if (JSON.stringify(body[k]) === JSON.stringify(before[k])) delete body[k];
      }
      // An unchanged minute in the picker must not overwrite a timestamp stored with seconds.
      if (toLocalInput(contact.consent_timestamp) === form.consent_timestamp) delete body.consent_timestamp;
      if (Object.keys(body).length === 0) {
        onCancel();
        return;
      }
    }
    setBusy(true);
    setError(null);
    try {
      const saved = contact
        ? await api<Contact>(`/api/v1/contacts/${contact.id}`, { method: 'PATCH', json: body })
        : await api<Contact>('/api/v1/contacts', { method: 'POST', json: body });
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const p = error instanceof ApiProblem ? error : null;
  const fe = (path: string) => p?.fieldError(path);
  const existingId = typeof p?.body.existing_contact_id === 'string' ? p.body.existing_contact_id : null;

  return (
    <form onSubmit={submit} noValidate class="card" aria-label={contact ? 'Edit contact' : 'New contact'}>
      {error && (
        <ProblemAlert error={error}>
          {existingId && <a href={`/contacts/${existingId}`}>Open the existing contact</a>}
        </ProblemAlert>
      )}
      <div class="grid-2">
        <TextField
          label="Mobile number"
          type="tel"
          autocomplete="off"
          required
          hint="Any common format, e.g. 0412 345 678 or +61 412 345 678."
          value={form.phone}
          onValue={set('phone')}
          error={fe('phone')}
        />
        <TextField label="Email" type="email" value={form.email} onValue={set('email')} error={fe('email')} />
        <TextField
          label="First name"
          value={form.first_name}
          onValue={set('first_name')}
          error={fe('first_name')}
        />
        <TextField
          label="Last name"
          value={form.last_name}
          onValue={set('last_name')}
          error={fe('last_name')}
        />
        <SelectField
          label="Time zone"
          hint="Quiet hours use it; empty means the account’s time zone."
          value={form.timezone}
          onValue={set('timezone')}
          options={[
            { value: '', label: 'Account time zone' },
            ...timeZones(form.timezone || null).map((z) => ({ value: z, label: z })),
          ]}
          error={fe('timezone')}
        />
      </div>
      <fieldset>
        <legend>Consent</legend>
        <div class="grid-2">
          <SelectField
            label="Consent status"
            required
            value={form.consent_status}
            onValue={(v) => set('consent_status')(v as ConsentStatus)}
            options={CONSENT_STATUSES.map((s) => ({ value: s, label: CONSENT_LABELS[s] }))}
            error={fe('consent_status')}
          />
          <TextField
            label="Consent source"
            hint="How they agreed, e.g. “Checkout form, web shop”."
            value={form.consent_source}
            onValue={set('consent_source')}
            error={fe('consent_source')}
          />
          <TextField
            label="Consent given at"
            type="datetime-local"
            hint="In your local time."
            value={form.consent_timestamp}
            onValue={set('consent_timestamp')}
            error={fe('consent_timestamp')}
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Custom fields</legend>
        {form.custom.length === 0 && <p class="muted">None. Templates can use custom fields as variables.</p>}
        {form.custom.map((r, i) => (
          <div class="grid-2" key={i}>
            <TextField label={`Field ${i + 1} name`} value={r.key} onValue={(key) => setCustom(i, { key })} />
            <div class="actions">
              <TextField
                label={`Field ${i + 1} value`}
                value={r.value}
                onValue={(value) => setCustom(i, { value })}
              />
              <Button
                small
                onClick={() => setForm((f) => ({ ...f, custom: f.custom.filter((_, j) => j !== i) }))}
                aria-label={`Remove field ${i + 1}`}
              >
                Remove
              </Button>
            </div>
          </div>
        ))}
        {fe('custom_fields') && <p class="field-error">{fe('custom_fields')}</p>}
        <p>
          <Button
            small
            onClick={() => setForm((f) => ({ ...f, custom: [...f.custom, { key: '', value: '' }] }))}
          >
            Add a custom field
          </Button>
        </p>
      </fieldset>
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {contact ? 'Save contact' : 'Create contact'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
