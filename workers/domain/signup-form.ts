// What a visitor posts to a hosted signup form, checked. Pure: no I/O.
import { FORM_FIELDS, type FormField } from '../db/schema';
import { normalizePhone } from './phone';

export type FormSubmission = {
  phone: string;
  consent: boolean;
  fields: Partial<Record<FormField, string>>;
};

export type SubmissionError = { field: 'phone' | 'consent' | FormField | 'form'; message: string };

export type CheckedSubmission =
  | { ok: true; phoneE164: string; fields: Partial<Record<FormField, string>> }
  | { ok: false; errors: SubmissionError[] };

export const FIELD_LABELS: Record<FormField, string> = {
  first_name: 'First name',
  last_name: 'Last name',
  email: 'Email',
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Reads the posted form fields the form asks for; everything else is ignored. */
export function readSubmission(
  form: Record<string, string | undefined>,
  asked: readonly FormField[],
): FormSubmission {
  const fields: Partial<Record<FormField, string>> = {};
  for (const f of asked) {
    const v = (form[f] ?? '').trim();
    if (v !== '') fields[f] = v;
  }
  return {
    phone: (form.phone ?? '').trim(),
    consent: form.consent === 'on' || form.consent === 'yes',
    fields,
  };
}

/** Every problem at once, in the order of the page, so the visitor fixes them in one go. */
export function checkSubmission(s: FormSubmission, country: string): CheckedSubmission {
  const errors: SubmissionError[] = [];
  let phoneE164 = '';
  if (s.phone === '') errors.push({ field: 'phone', message: 'Enter your mobile number.' });
  else {
    const p = normalizePhone(s.phone, country);
    if (p.ok) phoneE164 = p.e164;
    else errors.push({ field: 'phone', message: `That is not a mobile number we can text: ${p.reason}.` });
  }
  for (const f of FORM_FIELDS) {
    const v = s.fields[f];
    if (v === undefined) continue;
    if (v.length > (f === 'email' ? 254 : 100))
      errors.push({ field: f, message: `${FIELD_LABELS[f]} is too long.` });
    else if (f === 'email' && !EMAIL.test(v))
      errors.push({ field: f, message: 'Enter an email address like name@example.com.' });
  }
  if (!s.consent) {
    errors.push({ field: 'consent', message: 'Tick the box to agree to receive text messages.' });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, phoneE164, fields: s.fields };
}
